"""Work spread over the machine's cores, in forked worker processes.

Workers are forked, so they start with everything the parent holds (the site
model, the converter, the templates) and only the items and the results cross
between processes. Small batches stay in this process: forking costs more than
it saves there.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200
_function: Callable | None = None


def _run_chunk(chunk: Sequence) -> list:
    return [_function(item) for item in chunk]


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def counter(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    """An advance(count) for parallel_map that reports running totals of `stage` to `progress`."""
    if progress is None or total == 0:
        return None
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(stage, done, total)

    return advance


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parallel_map(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None) -> list[R]:
    """`[function(item) for item in items]`, in worker processes when there are enough items; order kept."""
    return list(parallel_iter(function, items, progress))


def parallel_iter(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None) -> Iterator[R]:
    """`function(item)` for each item, in order, as the results come: the caller need not hold them all."""
    global _function
    workers = worker_count()
    if len(items) < MIN_ITEMS or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        done = 0
        for item in items:
            yield function(item)
            done += 1
            if progress and done % 50 == 0:
                progress(50)
        if progress:
            progress(done % 50)
        return
    size = max(1, min(100, len(items) // (workers * 4)))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    _function = function
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in pool.imap(_run_chunk, chunks):
                if progress:
                    progress(len(chunk))
                yield from chunk
    finally:
        _function = None
