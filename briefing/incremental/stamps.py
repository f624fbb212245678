"""Which files changed since the last build: one stamp per file, and digests of the bytes when a stamp moved.

A stamp is a file's modification and change times, size and inode, packed.
An unchanged stamp means unchanged bytes: every write moves the change time,
and no tool can set it back. A file changed within TRUST_AFTER_NS of the scan
could change again in the same tick of a coarse clock and keep its stamp, so
its stamp is not trusted and its bytes are digested again next time (as Git
treats racily clean files). The output files are stamped the same way, so a
build can tell that no hand and no other build changed them since.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from pathlib import Path

from ..files import MAX_BYTES, open_regular, walk_files

TRUST_AFTER_NS = 2_000_000_000  # file systems with the coarsest clocks (FAT) tick every 2 s
STAMP = struct.Struct("<qqQQ")  # modification time, change time, size, inode
MISSING = bytes(STAMP.size)  # no file has this stamp: one that is not there, or not trusted, never matches
UNREADABLE = b"\xffunreadable\xff\xff\xff\xff"


def stamp_of(info: os.stat_result | None) -> bytes:
    if info is None:
        return MISSING
    return STAMP.pack(info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)


def size_in(stamp: bytes) -> int:
    return STAMP.unpack(stamp)[2]


def scan(folders: list[Path]) -> tuple[dict[str, bytes], set[str]]:
    """Every file under `folders` (files.walk_files) with its stamp, and those changed too recently for their
    stamp to be trusted."""
    trusted_before = time.time_ns() - TRUST_AFTER_NS
    stamps, recent = {}, set()
    for path, info in walk_files(folders):
        stamps[path] = stamp_of(info)
        if info is not None and info.st_ctime_ns >= trusted_before:
            recent.add(path)
    return stamps, recent


def input_entries(folders: list[Path], previous: dict[str, bytes]) -> dict[str, bytes]:
    """Every input file's entry, its stamp and the digest of its bytes: the `previous` digest while its
    stamp is the same, else its bytes digested now."""
    stamps, recent = scan(folders)
    entries = {}
    for path, stamp in stamps.items():
        known = previous.get(path, b"")
        digest = known[STAMP.size:] if known[:STAMP.size] == stamp and stamp != MISSING else digest_file(path)
        entries[path] = (MISSING if path in recent else stamp) + digest
    return entries


def changed_files(entries: dict[str, bytes], previous: dict[str, bytes]) -> set[str] | None:
    """The files whose bytes changed, or None when files were added or removed."""
    if entries.keys() != previous.keys():
        return None
    return {path for path, entry in entries.items() if previous[path][STAMP.size:] != entry[STAMP.size:]}


def digest_of(entry: bytes) -> bytes:
    return entry[STAMP.size:]


def digest_file(path: str) -> bytes:
    """The digest of a regular file's bytes; UNREADABLE for anything else (the build reports why)."""
    try:
        with open_regular(path) as handle:
            if handle is None or os.fstat(handle.fileno()).st_size > MAX_BYTES:
                return UNREADABLE
            return hashlib.file_digest(handle, new_digest).digest()
    except OSError:
        return UNREADABLE


def digest_bytes(data: bytes) -> bytes:
    digest = new_digest()
    digest.update(data)
    return digest.digest()


def new_digest():
    return hashlib.blake2b(digest_size=16)


def output_stamps(output: Path, names) -> dict[str, bytes]:
    """Each output file's stamp; MISSING for one that is not there."""
    folder = f"{output}{os.sep}"
    stamps = {}
    for name in names:
        try:
            stamps[name] = stamp_of(os.stat(folder + name))
        except OSError:
            stamps[name] = MISSING
    return stamps
