"""Work spread over the machine's cores, with the standard library's process pools.

`parallel_map` forks its workers: they start with everything this process
holds (the documents, the converter), so only the items and their results
cross between processes; this process takes a share of the work too. Rendering uses `spawned_pool` instead: rendering
touches every object of the site model, and a forked worker that touches the
parent's objects ends up with its own copy of them, doubling the build's
memory; a spawned one holds only what it imports and what it is sent.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, as_completed, wait
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from .pickling import dumps, loads

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200  # fewer items are done in this process: starting workers would cost more than it saves

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class WorkerLost(RuntimeError):
    """A worker process ended without its results: killed (out of memory, by a user) or crashed."""


def worker_count() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def counter(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    """An advance(count) that reports running totals of `stage` to `progress`."""
    if progress is None or total == 0:
        return None
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(stage, done, total)

    return advance


FORKED: dict[str, Callable] = {}  # in a forked worker: the function it applies


def apply_forked(items: list) -> bytes:
    function = FORKED["function"]
    try:
        return dumps([function(item) for item in items])
    except Exception as exc:
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - it could not reach the parent: its message can
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise


def parallel_map(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None) -> list[R]:
    """`[function(item) for item in items]`, in forked workers when there are many items and cores; order kept."""
    return list(parallel_iter(function, items, progress))


def parallel_iter(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None) -> Iterator[R]:
    """`function(item)` for each item, in order, as the results come: the caller need not hold them all.
    `function` need not pickle (forked workers inherit it); the items and results must."""
    cores = worker_count()
    if len(items) < MIN_ITEMS or cores < 2 or not hasattr(os, "fork"):
        done = 0
        for item in items:
            yield function(item)
            done += 1
            if progress and done % 50 == 0:
                progress(50)
        if progress:
            progress(done % 50)
        return
    size = max(1, min(100, len(items) // (cores * 4)))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    FORKED["function"] = function  # set before the workers fork, so they inherit it
    pool = process_pool("fork", cores - 1)
    futures: dict[int, Future] = {}  # chunks sent to the workers, by position
    taken: dict[int, list] = {}  # chunks this process did itself, by position
    sent = 0  # chunks given out, to the workers or to this process

    def send() -> None:  # a chunk at work and one waiting for each worker: the rest stay here to be taken
        nonlocal sent
        while sent < len(chunks) and len(futures) < 2 * (cores - 1):
            futures[sent] = pool.submit(apply_forked, chunks[sent])
            sent += 1

    try:
        with ctrl_c_ignored():  # the workers fork at the first submit
            send()
        for index in range(len(chunks)):
            # While the next chunk in order is not ready, this process takes the next one no worker has: it works
            # instead of waiting, with one forked worker fewer (each counts what it shares with this process).
            while index not in taken and not futures[index].done() and sent < len(chunks):
                taken[sent] = [function(item) for item in chunks[sent]]
                sent += 1
            results = taken.pop(index) if index in taken else loads(futures.pop(index).result())
            send()
            if progress:
                progress(len(results))
            yield from results
    except BrokenExecutor:
        raise WorkerLost("a worker process ended without its results") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        FORKED.clear()


def process_pool(start_method: str, workers: int, **options) -> Executor:
    """concurrent.futures' pool of processes (and multiprocessing), imported by a build that needs one."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method), **options)


def spawned_pool(workers: int, setup: Callable, setup_args: tuple) -> Executor:
    """A pool of `workers` fresh processes, each prepared by `setup(*setup_args)`."""
    pool = process_pool("spawn", workers, initializer=setup, initargs=setup_args)
    with ctrl_c_ignored():  # a spawned pool starts a worker for each task until it has them all
        for _ in range(workers):
            pool.submit(int)
    return pool


def reap_resource_tracker() -> None:
    """Stop and wait for multiprocessing's resource tracker, once no process of ours holds its pipe. A spawned
    pool starts it (popen_spawn_posix), and CPython before 3.14 never waits for it: it would outlive the build,
    ending only when the build exits and then left for init to reap (a process of the build's session still
    there after the build). Call it after the spawned pool is shut down, its workers joined."""
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None or multiprocessing.active_children():
        return  # a worker still running (serve's standing one) holds its pipe: it would never end
    tracker = getattr(sys.modules.get("multiprocessing.resource_tracker"), "_resource_tracker", None)
    stop = getattr(tracker, "_stop", None)
    if stop is not None:
        stop()


def bounded(pool: Executor, function: Callable, chunks: Iterable, in_flight: int) -> Iterator:
    """`function(chunk)` in the pool for each chunk, each result as soon as it is ready, with at most `in_flight`
    chunks sent and not yet answered: a large site's pages never pile up in memory, and a slow chunk never
    keeps the others waiting."""
    pending: set = set()
    try:
        for chunk in chunks:
            pending.add(pool.submit(function, chunk))
            if len(pending) >= in_flight:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        for future in as_completed(pending):
            yield future.result()
    except BrokenExecutor:
        raise WorkerLost("a helper process ended without its results") from None
    finally:
        for future in pending:
            future.cancel()


class ctrl_c_ignored:
    """SIGINT ignored while workers start, so they inherit it ignored: Ctrl-C in a terminal reaches every
    process of the build, and this one answers it (a worker interrupted while it starts would print a
    traceback). Only the main thread may change it; elsewhere this does nothing."""

    def __enter__(self):
        import threading

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last may be shorter), taken from `items` as they come."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
