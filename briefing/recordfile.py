"""The file that keeps the record of the last good build, read without the rest of the engine.

It sits in the cache folder (.briefing-cache/ in the working folder), one per
output folder, as marshal: a new process after an edit reads its 30,000
entries in a few milliseconds, and a damaged entry only compares unequal.
survey.py's child reads its fields while the parent imports the libraries;
buildcache.py makes a BuildRecord of them.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path

from .outputs import OUTPUT_STAMP

CACHE_FOLDER = Path(".briefing-cache")
SHAPES = {"key": str, "inputs": dict, "files": tuple, "stamps": bytes, "prints": dict, "pages": int, "base_path": str, "warnings": list, "token": str}


def cache_file(output: Path, kind: str, suffix: str) -> Path:
    """This output folder's own file of `kind` in the cache folder."""
    key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
    return CACHE_FOLDER / f"{kind}-{key}{suffix}"


def record_path(output: Path) -> Path:
    return cache_file(output, "build", ".marshal")


def read_record(output: Path) -> tuple[bytes | None, tuple | None]:
    """The record's bytes, and the version of its file (a save replaces the file: another inode)."""
    try:
        with open(record_path(output), "rb") as handle:
            info = os.fstat(handle.fileno())
            return handle.read(), (info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        return None, None


def record_fields(data: bytes | None) -> dict | None:
    """The record's fields in `data` (each of SHAPES), or None when there is none or it is damaged."""
    try:
        fields = marshal.loads(data)
    except Exception:  # noqa: BLE001 - a damaged record is no record, whatever unmarshalling raised
        return None
    if type(fields) is not dict or any(type(fields.get(name)) is not kind for name, kind in SHAPES.items()):
        return None
    if len(fields["stamps"]) != len(fields["files"]) * OUTPUT_STAMP.size or not set(map(type, fields["files"])) <= {str}:
        return None
    for table in (fields["inputs"], fields["prints"]):
        if not set(map(type, table)) <= {str} or not set(map(type, table.values())) <= {bytes}:
            return None
    if not all(type(warning) is tuple and tuple(map(type, warning)) == (str, int, str) for warning in fields["warnings"]):
        return None
    return fields


def write_record(output: Path, fields: dict) -> None:
    path = record_path(output)
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(marshal.dumps(fields))
        os.replace(temporary, path)
        path.with_suffix(".json").unlink(missing_ok=True)  # the record's format before 2026-11-26
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs the next build its shortcut
