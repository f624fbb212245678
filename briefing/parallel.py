"""Work spread over the machine's cores: this process and forked helpers take batches in turn.

Helpers are forked, so they start with everything the parent holds (the site
model, the converter, the templates) and only the items' results cross
between processes. The parent works too instead of waiting: one process
fewer holds a copy of the parent's page tables, which is most of a build's
memory. Small batches stay in this process: forking costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200
DONE = -1

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


def parallel_map(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None, heavy: bool = False) -> list[R]:
    """`[function(item) for item in items]`, spread over the cores when there are enough items; order kept.
    `heavy`: each item costs far more than forking a worker, so even two are spread, one at a time."""
    return list(parallel_iter(function, items, progress, heavy))


def parallel_iter(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None, heavy: bool = False) -> Iterator[R]:
    """`function(item)` for each item, in order, as the results come: the caller need not hold them all."""
    cores = worker_count()
    if len(items) < (2 if heavy else MIN_ITEMS) or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        done = 0
        for item in items:
            yield function(item)
            done += 1
            if progress and done % 50 == 0:
                progress(50)
        if progress:
            progress(done % 50)
        return
    size = 1 if heavy else max(1, min(100, len(items) // (cores * 4)))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    yield from Batches(function, chunks, cores - 1, progress)


class Batches:
    """Chunks taken in turn by this process and `helpers` forked ones, through a shared counter."""

    def __init__(self, function: Callable, chunks: list[Sequence], helpers: int, progress: Callable[[int], None] | None):
        context = multiprocessing.get_context("fork")
        self.function = function
        self.chunks = chunks
        self.progress = progress
        self.next_chunk = context.Value("i", 0)
        self.results = context.Queue()  # a feeder thread per helper: a put never waits for the parent
        self.helpers = [context.Process(target=self.help, daemon=True) for _ in range(helpers)]
        for helper in self.helpers:
            helper.start()

    def claim(self) -> int:
        with self.next_chunk.get_lock():
            index = self.next_chunk.value
            self.next_chunk.value += 1
        return index

    def help(self) -> None:
        """A helper's life: run chunks until none are left; results and errors go back through the queue."""
        try:
            while (index := self.claim()) < len(self.chunks):
                self.results.put((index, [self.function(item) for item in self.chunks[index]]))
        except BaseException as exc:  # noqa: BLE001 - every error, ContentError above all, goes to the parent
            try:
                pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - the queue would drop it, and the parent wait forever
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            self.results.put((DONE, exc))
        else:
            self.results.put((DONE, None))
        self.results.close()
        self.results.join_thread()

    def __iter__(self) -> Iterator:
        done: dict[int, list] = {}
        finished = 0
        try:
            for wanted in range(len(self.chunks)):
                while wanted not in done:
                    if self.next_chunk.value < len(self.chunks):  # work left: take what is ready, else work
                        try:
                            index, value = self.results.get_nowait()
                        except queue.Empty:
                            if (index := self.claim()) < len(self.chunks):
                                done[index] = [self.function(item) for item in self.chunks[index]]
                            continue
                    else:
                        index, value = self.wait_for_helpers(finished)
                    if index != DONE:
                        done[index] = value
                    elif value is not None:
                        raise value
                    else:
                        finished += 1
                chunk = done.pop(wanted)
                if self.progress:
                    self.progress(len(chunk))
                yield from chunk
        finally:
            for helper in self.helpers:
                if helper.is_alive():
                    helper.terminate()
                helper.join()
            self.results.close()

    def wait_for_helpers(self, finished: int) -> tuple[int, object]:
        while True:
            try:
                return self.results.get(timeout=1)
            except queue.Empty:
                lost = [h for h in self.helpers if h.exitcode not in (None, 0)]
                if lost or finished == len(self.helpers):
                    raise RuntimeError(f"a worker process ended without its results (exit code {lost[0].exitcode if lost else 0})") from None
