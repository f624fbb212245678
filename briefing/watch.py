"""What changed in the watched folders, as it happens: inotify on Linux, a poll of file stamps elsewhere.

Both report the paths they saw change to a callback on the preview server's
event loop. Hidden files and folders are ignored, as the build ignores them.
inotify costs nothing while nothing changes and reports a save within a
millisecond; polling a 10,000-brief site takes tens of milliseconds a round.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from pathlib import Path
from typing import Callable

from tornado import ioloop

from .stamps import tree_stamp

Report = Callable[[set[str]], None]
POLL_SECONDS = 0.01

# From <sys/inotify.h>
IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR, IN_ISDIR = 0x4000, 0x8000, 0x01000000, 0x40000000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
WATCHED_EVENTS = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name


def watch(folders: list[Path], report: Report) -> "InotifyWatcher | PollingWatcher":
    """Call `report(paths)` on the current event loop whenever files under `folders` change, until stopped."""
    try:
        watcher: InotifyWatcher | PollingWatcher = InotifyWatcher(folders, report)
    except OSError:
        watcher = PollingWatcher(folders, report)
    watcher.start()
    return watcher


class PollingWatcher:
    """Compares every file's stamp each round: small sites often, large ones less (about 3 us a file)."""

    def __init__(self, folders: list[Path], report: Report):
        self.folders = folders
        self.report = report
        self.stamp = tree_stamp(folders)

    def start(self) -> None:
        interval = POLL_SECONDS if len(self.stamp) < 500 else POLL_SECONDS * 2.5
        self.timer = ioloop.PeriodicCallback(self.poll, interval * 1000)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        stamp = tree_stamp(self.folders)
        if stamp != self.stamp:
            touched = {entry[0] for entry in set(stamp) ^ set(self.stamp)}
            self.stamp = stamp
            self.report(touched)


class InotifyWatcher:
    """One inotify watch per folder; folders made later are watched as they appear. OSError where inotify is missing."""

    def __init__(self, folders: list[Path], report: Report):
        self.roots = [str(f) for f in folders if f.is_dir()]
        self.report = report
        libc = ctypes.CDLL(None, use_errno=True)  # the C library this Python runs on
        if not hasattr(libc, "inotify_init1"):
            raise OSError("inotify is not available")
        self.add = libc.inotify_add_watch
        self.add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.folders: dict[int, str] = {}  # watch descriptor -> folder
        self.fallback: PollingWatcher | None = None
        try:
            for root in self.roots:
                self.watch_tree(root)
        except OSError:
            os.close(self.fd)
            raise

    def start(self) -> None:
        ioloop.IOLoop.current().add_handler(self.fd, self.read, ioloop.IOLoop.READ)

    def stop(self) -> None:
        if self.fallback is not None:
            self.fallback.stop()
        if self.fd >= 0:
            ioloop.IOLoop.current().remove_handler(self.fd)
            os.close(self.fd)
            self.fd = -1

    def watch_tree(self, folder: str) -> list[str]:
        """Watch `folder` and every folder under it; the files in them (they may predate the watch).
        OSError when the kernel's limit of watches is reached."""
        pending, files = [folder], []
        while pending:
            folder = pending.pop()
            wd = self.add(self.fd, os.fsencode(folder), WATCHED_EVENTS | IN_ONLYDIR)
            if wd < 0:
                error = ctypes.get_errno()
                if error in (errno.ENOENT, errno.ENOTDIR):  # gone again already
                    continue
                raise OSError(error, f"cannot watch {folder}: {os.strerror(error)}")
            self.folders[wd] = folder
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if not entry.name.startswith("."):
                            (pending if entry.is_dir(follow_symlinks=False) else files).append(entry.path)
            except OSError:
                continue
        return files

    def read(self, fd: int, _events: int) -> None:
        touched: set[str] = set()
        broken = False  # a root folder went away, or the kernel ran out of watches
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                break
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = EVENT.unpack_from(data, offset)
                name = os.fsdecode(data[offset + EVENT.size: offset + EVENT.size + length].rstrip(b"\0"))
                offset += EVENT.size + length
                folder = self.folders.get(wd)
                if mask & IN_Q_OVERFLOW:
                    touched.update(self.roots)  # events were lost: anything may have changed
                elif folder is None or name.startswith("."):
                    continue
                elif mask & (IN_IGNORED | IN_MOVE_SELF):
                    # A folder deleted or moved: its parent reports that, and watches it again under a new name
                    # inside the tree (the same watch, for the same folder). A root folder can't be watched so.
                    if mask & IN_IGNORED:
                        del self.folders[wd]
                    broken = broken or folder in self.roots
                elif name:
                    path = os.path.join(folder, name)
                    touched.add(path)
                    if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
                        try:
                            touched.update(self.watch_tree(path))  # a folder moved in, or written before it was watched
                        except OSError:
                            broken = True
        if broken:
            self.fall_back_to_polling()
        if touched:
            self.report(touched)

    def fall_back_to_polling(self) -> None:
        """A watched root folder went away, or the kernel ran out of watches: poll from now on."""
        self.stop()
        self.fallback = PollingWatcher([Path(root) for root in self.roots], self.report)
        self.fallback.start()
        self.report(set(self.roots))

