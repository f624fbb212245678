"""Work spread over the machine's cores, two ways.

`parallel_map`: this process and forked helpers take batches in turn. Forked
helpers start with everything the parent holds (the documents, the
converter) and only the items' results cross between processes. The parent
works too instead of waiting, and small batches stay in this process:
forking costs more than it saves. Used while the site is read and converted.

`FreshHelpers`: spawned helpers that get pickled work. A forked helper that
touches the parent's objects (rendering touches the whole site model) ends
up with its own copy of them, doubling the build's memory; a fresh one
holds only what it was sent. Used to render the pages of a large site.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import signal
import threading
from typing import Callable, Iterator, Sequence, TypeVar

from .cores import worker_count

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200
DONE = -1

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class WorkerLost(RuntimeError):
    """A worker process ended without its results: killed (out of memory, by a user) or crashed."""


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


def processes():
    """The multiprocessing module, imported when first needed: a build that needs no other process (nothing
    or one brief changed) is spared importing it, 10 ms."""
    import multiprocessing

    return multiprocessing


def parallel_map(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None, heavy: bool = False) -> list[R]:
    """`[function(item) for item in items]`, spread over the cores when there are enough items; order kept.
    `heavy`: each item costs far more than forking a worker, so even two are spread, one at a time."""
    return list(parallel_iter(function, items, progress, heavy))


def parallel_iter(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None, heavy: bool = False) -> Iterator[R]:
    """`function(item)` for each item, in order, as the results come: the caller need not hold them all."""
    cores = worker_count()
    if len(items) < (2 if heavy else MIN_ITEMS) or cores < 2 or "fork" not in processes().get_all_start_methods():
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
        context = processes().get_context("fork")
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
                    raise WorkerLost(f"a worker process ended without its results (exit code {lost[0].exitcode if lost else 0})") from None


class FreshHelpers:
    """`function(chunk)` for each chunk of pickled work, in helper processes started fresh, as this process goes on.

    Forked helpers share the parent's memory only until they touch it, and
    rendering touches every object of the site model: each would end up with
    its own copy. These are spawned instead: they hold what they import and
    the work sent to them. A thread here takes the chunks from the caller's
    iterator (which may do the pickling), keeping a few in flight so they
    never pile up in memory; `results()` gives each chunk's result, in order.
    """

    IN_FLIGHT = 4

    def __init__(self, function: Callable, chunks: Iterator, setup: Callable, setup_args: tuple, helpers: int):
        from concurrent.futures import ProcessPoolExecutor

        context = processes().get_context("spawn")
        self.executor = ProcessPoolExecutor(helpers, mp_context=context, initializer=setup, initargs=setup_args)
        # Ctrl-C in a terminal reaches every process of the build: this one answers it. Helpers start with it
        # ignored (the executor starts one for each task until it has them all); one interrupted while it
        # starts would print a traceback.
        with ctrl_c_ignored():
            for _ in range(helpers):
                self.executor.submit(int)
        self.futures: queue.SimpleQueue = queue.SimpleQueue()
        self.slots = threading.Semaphore(self.IN_FLIGHT)
        self.stopped = False
        self.feeder = threading.Thread(target=self.feed, args=(function, chunks), daemon=True)
        self.feeder.start()

    def feed(self, function: Callable, chunks: Iterator) -> None:
        try:
            for chunk in chunks:
                self.slots.acquire()
                if self.stopped:
                    return
                future = self.executor.submit(function, chunk)
                future.add_done_callback(lambda _: self.slots.release())
                self.futures.put(future)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by results()
            self.futures.put(exc)
        else:
            self.futures.put(None)

    def results(self) -> Iterator:
        from concurrent.futures.process import BrokenProcessPool

        while (item := self.futures.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            try:
                yield item.result()
            except BrokenProcessPool:
                raise WorkerLost("a helper process ended without its results") from None

    def close(self) -> None:
        """Stop taking chunks, drop those not started, and wait for the helpers to end."""
        self.stopped = True
        self.slots.release()
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.feeder.join()


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored by this process, and so by the processes it starts meanwhile (Python leaves an ignored
    SIGINT ignored). Only the main thread may change it; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last may be shorter), taken from `items` as they come."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
