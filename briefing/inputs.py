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
import struct
import time
from pathlib import Path

TRUST_AFTER_NS = 2_000_000_000  # file systems with the coarsest clocks (FAT) tick every 2 s

# An entry is bytes, which the record stores and compares fast: the stamp packed (modification time, change
# time, size, inode) and the digest of the file's bytes.
STAMP = struct.Struct("<qqQQ")
UNTRUSTED = bytes(STAMP.size)  # no file has this stamp: its bytes are digested again
BROKEN = b"\xff" * STAMP.size  # a link to nothing: it still counts as a file
UNREADABLE = b"\xffunreadable\xff\xff\xff\xff"


class Scan:
    """Every file under some folders (hidden ones skipped) with its packed stamp, and those changed too recently
    for their stamp to be trusted."""

    def __init__(self, folders: list[Path]):
        self.stamps: dict[str, bytes] = {}
        self.recent: set[str] = set()  # changed within TRUST_AFTER_NS
        trusted_before = time.time_ns() - TRUST_AFTER_NS
        pack, stat = STAMP.pack, os.stat
        pending = [str(folder) for folder in folders if folder.is_dir()]
        while pending:
            try:
                with os.scandir(pending.pop()) as listing:  # listed first, stamped after: twice as fast for 10,000 files
                    entries = [(entry.name, entry.path, entry.is_dir(follow_symlinks=False)) for entry in listing]
            except OSError:
                continue
            for name, path, is_dir in entries:
                if name.startswith("."):
                    continue
                if is_dir:
                    pending.append(path)
                    continue
                try:
                    info = stat(path)
                except OSError:
                    self.stamps[path] = BROKEN
                    continue
                self.stamps[path] = pack(info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
                if info.st_ctime_ns >= trusted_before:
                    self.recent.add(path)

    def entries(self, previous: dict[str, bytes]) -> dict[str, bytes]:
        """Every file's entry: the `previous` digest while its stamp is the same (and was trusted), else its bytes digested now."""
        return with_changes(previous, *self.changes(previous))

    def changes(self, previous: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
        """The entries that differ from `previous`, and the files of `previous` that are gone."""
        differ = {}
        size, recent, get = STAMP.size, self.recent, previous.get
        for path, stamp in self.stamps.items():
            known = get(path, b"")
            if known[:size] == stamp:
                if path not in recent:
                    continue  # the same entry
                digest = known[size:]
            else:
                digest = digest_file(path)
            entry = (UNTRUSTED if path in recent else stamp) + digest
            if entry != known:
                differ[path] = entry
        return differ, [path for path in previous if path not in self.stamps]


def with_changes(previous: dict[str, bytes], differ: dict[str, bytes], removed: list[str]) -> dict[str, bytes]:
    entries = dict(previous)
    for path in removed:
        entries.pop(path, None)
    entries.update(differ)
    return entries


def changed(entries: dict[str, bytes], previous: dict[str, bytes]) -> set[str] | None:
    """The files whose bytes changed, or None when files were added or removed."""
    if entries.keys() != previous.keys():
        return None
    size = STAMP.size
    return {path for path, entry in entries.items() if previous[path][size:] != entry[size:]}


def digest_of(entry: bytes) -> bytes:
    return entry[STAMP.size:]


def digest_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, new_digest).digest()
    except OSError:
        return UNREADABLE


def digest_bytes(data: bytes) -> bytes:
    digest = new_digest()
    digest.update(data)
    return digest.digest()


def new_digest():
    return hashlib.blake2b(digest_size=16)
