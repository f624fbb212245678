"""Which input files changed since the last build: their stamps, and digests of their bytes when a stamp moved.

An unchanged stamp (modification and change times, size, inode) means
unchanged bytes: every write moves the change time, and no tool can set it
back. A file changed within TRUST_AFTER_NS of the scan could change again in
the same tick of a coarse clock and keep its stamp, so its stamp is not kept
and its bytes are digested again next time (as Git treats racily clean files).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

TRUST_AFTER_NS = 2_000_000_000  # file systems with the coarsest clocks (FAT) tick every 2 s

Stamp = tuple[int, int, int, int]  # modification time, change time, size, inode
Entry = tuple[Stamp | None, str]  # the stamp (None: too recent to trust) and the digest of the bytes


class Scan:
    """Every file under some folders (hidden ones skipped) with its stamp, and when they were stamped."""

    def __init__(self, folders: list[Path]):
        self.at = time.time_ns()
        self.stamps: dict[str, Stamp] = {}
        pending = [str(folder) for folder in folders if folder.is_dir()]
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
                        self.stamps[entry.path] = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
                except OSError:
                    self.stamps[entry.path] = (0, 0, -1, 0)  # a broken link: it still counts as a file

    def entries(self, previous: dict[str, Entry]) -> dict[str, Entry]:
        """Every file's entry: the `previous` digest while its stamp is the same and trusted, else its bytes digested now."""
        entries = {}
        trusted_before = self.at - TRUST_AFTER_NS
        for path, stamp in self.stamps.items():
            known = previous.get(path)
            digest = known[1] if known is not None and known[0] == stamp else digest_file(path)
            entries[path] = (stamp if stamp[1] < trusted_before else None, digest)
        return entries


def changed(entries: dict[str, Entry], previous: dict[str, Entry]) -> set[str] | None:
    """The files whose bytes changed, or None when files were added or removed."""
    if entries.keys() != previous.keys():
        return None
    return {path for path, (_, digest) in entries.items() if previous[path][1] != digest}


def digest_file(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, new_digest).hexdigest()
    except OSError:
        return "unreadable"


def digest_bytes(data: bytes) -> str:
    digest = new_digest()
    digest.update(data)
    return digest.hexdigest()


def new_digest():
    return hashlib.blake2b(digest_size=16)
