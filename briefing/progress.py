"""A one-line progress bar for long builds, on a terminal only."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Called as progress(stage, done, total); redraws at most ten times a second."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.drawn_at = 0.0
        self.visible = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        filled = WIDTH * done // total
        self.stream.write(f"\r{stage:<11} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        self.stream.flush()
        self.visible = True

    def clear(self) -> None:
        if self.visible:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()
            self.visible = False


def terminal_progress(stream: TextIO = sys.stderr) -> ProgressBar | None:
    """A progress bar when `stream` is a terminal; None (no bar) when it is a file or a pipe."""
    return ProgressBar(stream) if stream.isatty() else None
