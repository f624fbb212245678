"""Work that may not stall a build: each item runs in a worker process, ended when it takes too long.

Python-Markdown takes minutes over some bodies (thousands of `[](`), and
Python cannot interrupt its own thread in the middle of a library's work; it
can end another process. So every conversion runs in a worker: one item at a
time is given to each, so the parent knows which item a worker is on and
since when. An item that outlasts the limit gives None (its caller reports
it), its worker is killed and replaced, and the same item is not tried again
in this process.

A worker is sent `setup` and its arguments first, and applies the function
`setup(*args)` returns to each item it is sent: so it can be a fresh process.
Many items go to spawned workers (a forked one would count the whole build's
memory again, for nothing: it needs only the converter and its items); a few
go to forked ones, which start in milliseconds.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Hashable, Iterator, Sequence

from .parallel import (
    MIN_ITEMS,
    WorkerLost,
    ctrl_c_ignored,
    reap_resource_tracker,
    worker_count,
)

DEFAULT_LIMIT = 10.0
STARTING_SECONDS = 120  # for a worker to start and set up (not counted against an item's time limit)
READY = "ready"
Setup = Callable[..., Callable[[Any], Any]]  # module-level, so a spawned worker can find it


class Limit:
    seconds = DEFAULT_LIMIT  # --convert-timeout


TIMED_OUT: set = set()  # items that outlasted the limit in this process: not tried again


class Worker:
    """One worker process, sent `setup(*args)` once and then one item at a time."""

    def __init__(self, context, setup: Setup, args: tuple):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=stand, args=(theirs,), daemon=True)
        with ctrl_c_ignored():  # it starts with Ctrl-C ignored: the parent handles it, and ends its workers
            self.process.start()
        theirs.close()
        self.set_up(setup, args)
        self.started = 0.0

    def set_up(self, setup: Setup, args: tuple) -> None:
        self.connection.send(("setup", setup, args))
        self.ready = False

    def give(self, item: Hashable) -> None:
        """Send an item, once the worker has run its setup: starting is not counted against the item's time."""
        if not self.ready:
            if not self.connection.poll(STARTING_SECONDS) or self.result() != READY:
                self.kill()
                raise WorkerLost("a worker process did not start")
            self.ready = True
        self.connection.send(("item", item))
        self.started = time.monotonic()

    def result(self) -> Any:
        try:
            ok, result = self.connection.recv()
        except (EOFError, OSError):
            self.kill()
            raise WorkerLost("a worker process ended without its results") from None
        if not ok:
            self.kill()
            raise RuntimeError(result)
        return result

    def finish(self) -> None:
        self.connection.send(None)
        self.connection.close()
        self.process.join()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def guarded_iter(setup: Setup, args: tuple, items: Sequence[Hashable], progress: Callable[[int], None] | None = None) -> Iterator[Any]:
    """`setup(*args)(item)` for each item, in order, in worker processes; None for an item that took longer
    than `Limit.seconds`. The items must be hashable (they name what timed out) and pickle, as must the results."""
    todo = [index for index, item in enumerate(items) if item not in TIMED_OUT]
    done: dict[int, Any] = dict.fromkeys(set(range(len(items))) - set(todo))
    if progress and done:
        progress(len(done))  # known to take too long: done already
    spawned = len(todo) >= MIN_ITEMS
    context = multiprocessing.get_context("spawn" if spawned else "fork")
    waiting = collections.deque(todo)
    working: dict[Connection, tuple[Worker, int]] = {}
    every: list[Worker] = []  # to end them all, whatever happens

    def new_worker() -> Worker:
        every.append(Worker(context, setup, args))
        return every[-1]

    def give_next(worker: Worker) -> None:
        if not waiting:
            worker.finish()
        else:
            index = waiting.popleft()
            worker.give(items[index])
            working[worker.connection] = (worker, index)

    try:
        for worker in [new_worker() for _ in range(min(worker_count(), len(todo)))]:  # all start at once
            give_next(worker)
        next_out = 0
        while next_out < len(items):
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if not working:
                break
            deadline = min(worker.started for worker, _ in working.values()) + Limit.seconds
            for connection in wait(list(working), timeout=max(0.0, deadline - time.monotonic())):
                worker, index = working.pop(connection)
                done[index] = worker.result()
                if progress:
                    progress(1)
                give_next(worker)
            now = time.monotonic()
            for connection, (worker, index) in list(working.items()):
                if now - worker.started > Limit.seconds:
                    del working[connection]
                    worker.kill()
                    TIMED_OUT.add(items[index])
                    done[index] = None
                    if progress:
                        progress(1)
                    if waiting:
                        give_next(new_worker())
    finally:
        for worker in every:
            worker.kill()
        if spawned:
            reap_resource_tracker()


class StandingWorker:
    """One spawned worker kept between calls, for one item at a time (serve's edits): forking a large process
    for each would cost more than the work. It is sent `setup` and `args` again only when `args` change. A worker
    that outlasts the limit is killed, and started anew for the next item."""

    def __init__(self, setup: Setup):
        self.setup = setup
        self.args: tuple | None = None
        self.worker: Worker | None = None

    def run(self, args: tuple, item: Hashable) -> Any:
        """setup(*args)(item), or None when it took longer than `Limit.seconds` (or did before)."""
        if item in TIMED_OUT:
            return None
        try:
            if self.worker is None:
                self.worker = Worker(multiprocessing.get_context("spawn"), self.setup, args)
            elif args != self.args:
                self.worker.set_up(self.setup, args)
            self.args = args
            self.worker.give(item)
            if not self.worker.connection.poll(Limit.seconds):
                TIMED_OUT.add(item)
                self.stop()
                return None
            return self.worker.result()
        except BaseException:  # a lost worker, an error in it, Ctrl-C: its pipe may hold a stale answer
            self.stop()
            raise

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None


def stand(connection: Connection) -> None:
    """A worker: a new function on ("setup", setup, args), then READY; a result for each ("item", item); until
    None. It ends with its parent, even in the middle of an item: a forked worker holds the parent's end of the
    pipe too, so it would never see the pipe close."""
    threading.Thread(target=end_with_parent, args=(os.getppid(),), daemon=True).start()
    function = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            if message[0] == "setup":
                function = message[1](*message[2])
                connection.send((True, READY))
            else:
                connection.send((True, function(message[1])))
        except Exception as exc:  # noqa: BLE001 - it reaches the parent as a message, whatever it was
            connection.send((False, f"{type(exc).__name__}: {exc}"))


def end_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
