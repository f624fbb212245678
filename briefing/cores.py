"""How many cores this process may run on."""

from __future__ import annotations

import os


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
