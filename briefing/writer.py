"""Writing the rendered files: only what changed, and never what Briefing did not make.

The output folder keeps a manifest of the files Briefing wrote. A later build
removes files of the old manifest that it no longer makes; a non-empty folder
without a manifest is refused rather than wiped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .problems import ContentError, Problem

MANIFEST = ".briefing-manifest.json"


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def check_output_folder(output: Path, protected: list[tuple[Path, bool]]) -> list[Problem]:
    """Problems that forbid writing to `output` at all: `protected` lists (folder, may the output sit inside it)."""
    problems = []
    target = output.resolve()
    for folder, may_contain_output in protected:
        folder = folder.resolve()
        if target == folder or folder.is_relative_to(target) or (not may_contain_output and target.is_relative_to(folder)):
            problems.append(Problem(str(output), 0, f"output folder would overwrite or sit inside {folder}; choose another --output"))
    if output.exists() and not output.is_dir():
        problems.append(Problem(str(output), 0, "output is a file, not a folder; choose another --output"))
    elif output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        problems.append(Problem(str(output), 0, f"output folder is not empty and has no {MANIFEST}, so Briefing did not make it; empty it or choose another --output"))
    return problems


def read_manifest(output: Path) -> set[str]:
    try:
        names = json.loads((output / MANIFEST).read_text("utf-8"))["files"]
        return {n for n in names if isinstance(n, str) and safe_relative(n)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name


def write_site(files: dict[str, bytes], output: Path, on_disk: dict[str, bytes] | None = None) -> WriteReport:
    """Write `files` under `output`; `on_disk` is what this process last wrote there, to skip re-reading it.

    A file this process wrote is not looked at again until its bytes change: a page
    deleted by hand under a running preview comes back with its next change.
    """
    problems = check_output_folder(output, [])
    if problems:
        raise ContentError(problems)
    on_disk = on_disk or {}
    previous = set(on_disk) if on_disk else read_manifest(output)
    written = unchanged = 0
    for name in sorted(files):
        data = files[name]
        if on_disk.get(name) is data:  # this process wrote these very bytes there
            unchanged += 1
            continue
        path = output / name
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        written += 1
    removed = remove_stale(previous - set(files), output)
    manifest_path = output / MANIFEST
    if files.keys() != on_disk.keys() or not manifest_path.is_file():
        manifest = json.dumps({"files": sorted(files)}, indent=0).encode()
        if not manifest_path.is_file() or manifest_path.read_bytes() != manifest:
            manifest_path.write_bytes(manifest)
    return WriteReport(written, unchanged, removed)


def remove_stale(names: set[str], output: Path) -> int:
    removed = 0
    for name in sorted(names):
        path = output / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed += 1
        parent = path.parent
        while parent != output and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
