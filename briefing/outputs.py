"""The output files' stamps: compared with the record's, they show that no later build and no hand changed one.

Read without the rest of the engine: survey.py's child compares them while the
parent imports the libraries.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

MANIFEST = ".briefing-manifest.json"  # every file a build wrote, so the next one removes only its own
OUTPUT_STAMP = struct.Struct("<qQQ")  # an output file's modification time, size and inode
MISSING = bytes(OUTPUT_STAMP.size)  # the stamp of a file that is not there: it never counts as a match


def output_stamps(output: Path, names: tuple[str, ...]) -> bytes:
    """Each file's OUTPUT_STAMP, in order; MISSING for one that is not there."""
    folder, pack, stat = f"{output}{os.sep}", OUTPUT_STAMP.pack, os.stat
    stamps = []
    for name in names:
        try:
            info = stat(folder + name)
        except OSError:
            stamps.append(MISSING)
            continue
        stamps.append(pack(info.st_mtime_ns, info.st_size, info.st_ino))
    return b"".join(stamps)


def complete(stamps: bytes) -> bool:
    """No file of `stamps` is missing."""
    size = OUTPUT_STAMP.size
    return all(stamps[start:start + size] != MISSING for start in range(0, len(stamps), size))


def intact(output: Path, files: tuple[str, ...], recorded: bytes, stamps: bytes) -> bool:
    """The output is as a build left it: the manifest lists exactly its `files`, and their `stamps` now are the
    `recorded` ones."""
    return stamps == recorded and complete(stamps) and read_manifest(output) == set(files)


def read_manifest(output: Path) -> set[str]:
    """The files the manifest lists (those that stay inside the output folder); none when it cannot be read."""
    try:
        names = json.loads((output / MANIFEST).read_text("utf-8"))["files"]
        return {n for n in names if isinstance(n, str) and safe_relative(n)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name
