"""What changed on disk: cheap stamps of files and folder trees, compared between builds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def file_stamp(path: str | Path) -> tuple[int, int, int] | None:
    """Modification time, size and inode of a file, or None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def tree_stamp(folders: list[Path]) -> tuple:
    """Every file's path, modification time and size under `folders` (hidden ones skipped)."""
    stamp = []
    pending = [str(f) for f in folders if f.is_dir()]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    info = entry.stat()
                    stamp.append((entry.path, info.st_mtime_ns, info.st_size))
            except OSError:
                continue
    return tuple(sorted(stamp))


def content_digest(folders: list[Path], extra: str = "") -> str:
    """A digest of every file's path and bytes under `folders` (hidden ones skipped), and of `extra`."""
    digest = hashlib.blake2b(extra.encode(), digest_size=20)
    for path, _, _ in tree_stamp(folders):
        digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"\1unreadable")
    return digest.hexdigest()
