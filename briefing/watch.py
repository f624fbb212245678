"""What changed in the watched folders, as it happens: watchfiles (inotify on Linux) in a thread of its own.

Each batch of changed paths is handed to a callback on the preview server's
event loop. Hidden files and folders are ignored, as the build ignores them.
A folder moved in is reported with the files it brings. A watched folder
that goes away (a checkout that replaces it) is watched again once it is
back, and everything in it is reported then. Where the kernel refuses to
watch (out of inotify watches), it polls.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Iterable

import watchfiles
from tornado import ioloop

from .files import walk_files

STEP_MS = 5  # how long watchfiles waits for another change before it reports a batch
QUIET_MS = 100  # how long it waits for a first change before it says so (the first time: it is watching)
RETRY_SECONDS = 0.05  # how often to look for a watched folder that went away
POLL_MS = 50  # where the kernel cannot watch, how often to look


class SourceWatcher:
    """Calls `report(paths)` on the current event loop whenever files under `folders` change, until stopped."""

    def __init__(self, folders: list[Path], report: Callable[[set[str]], None]):
        self.roots = [os.path.abspath(folder) for folder in folders if folder.is_dir()]
        self.loop = ioloop.IOLoop.current()
        self.report = report
        self.stopped = threading.Event()
        self.watching = threading.Event()
        self.thread = threading.Thread(target=self.run, name="briefing-watch", daemon=True)
        self.thread.start()
        self.watching.wait(5)  # an edit made once this returns is seen

    def run(self) -> None:
        returned, polling = False, False
        while not self.stopped.is_set():
            if all(os.path.isdir(root) for root in self.roots):
                if returned:
                    self.loop.add_callback(self.report, self.shown_files([Path(root) for root in self.roots]))
                try:
                    self.watch(polling)
                except Exception:  # noqa: BLE001 - the kernel refused (out of inotify watches, say): poll instead
                    polling = True
            returned = True
            self.watching.set()  # nothing to watch yet
            self.stopped.wait(RETRY_SECONDS)

    def watch(self, polling: bool) -> None:
        """Report changes until stopped, or until a watched folder goes away."""
        changes = watchfiles.watch(*self.roots, watch_filter=self.shown, step=STEP_MS, stop_event=self.stopped, raise_interrupt=False,
                                   rust_timeout=QUIET_MS, yield_on_timeout=True, force_polling=polling, poll_delay_ms=POLL_MS)
        for batch in changes:
            self.watching.set()
            if batch:
                self.loop.add_callback(self.report, self.with_files_moved_in(path for _, path in batch))
            if not all(os.path.isdir(root) for root in self.roots):
                return  # the kernel no longer watches it, even once it is back

    def with_files_moved_in(self, paths: Iterable[str]) -> set[str]:
        paths = set(paths)
        folders = [Path(path) for path in paths if os.path.isdir(path)]
        return paths | self.shown_files(folders) if folders else paths

    def shown_files(self, folders: list[Path]) -> set[str]:
        return {path for path, _ in walk_files(folders) if self.shown(None, path)}

    def shown(self, _change: watchfiles.Change | None, path: str) -> bool:
        """Not hidden: no part of the path below its watched folder starts with a dot."""
        for root in self.roots:
            if path.startswith(root + os.sep):
                return not any(part.startswith(".") for part in path[len(root) + 1:].split(os.sep))
        return True

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
