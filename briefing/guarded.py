"""Work that may not stall a build: each item runs in a forked worker process, ended when it takes too long.

Python-Markdown takes minutes over some bodies (thousands of `[](`), and
Python cannot interrupt its own thread in the middle of a library's work; it
can end another process. So every conversion runs in a worker: one item at a
time is given to each, so the parent knows which item a worker is on and
since when. An item that outlasts the limit gives None (its caller reports
it), its worker is killed and replaced, and the same item is not tried again
in this process.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection, wait
from typing import Callable, Hashable, Iterator, Sequence, TypeVar

from .parallel import WorkerLost, ctrl_c_ignored, worker_count

T = TypeVar("T", bound=Hashable)
R = TypeVar("R")
DEFAULT_LIMIT = 10.0


class Limit:
    seconds = DEFAULT_LIMIT  # --convert-timeout


TIMED_OUT: set = set()  # items that outlasted the limit in this process: not tried again
GUARDED: dict[str, object] = {}  # in a worker: the function and the items, inherited when it forked


def guarded_iter(function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None) -> Iterator[R | None]:
    """`function(item)` for each item, in order, each in a worker process; None for an item that took longer
    than `Limit.seconds`. The items must be hashable (they name what timed out), the results must pickle."""
    todo = [index for index, item in enumerate(items) if item not in TIMED_OUT]
    if not todo:
        yield from (None for _ in items)
        return
    GUARDED.update(function=function, items=items)  # before the workers fork, so they inherit them
    context = multiprocessing.get_context("fork")
    working: dict[Connection, tuple[multiprocessing.Process, int, float]] = {}
    waiting = iter(todo)
    skipped = set(range(len(items))) - set(todo)
    done: dict[int, R | None] = dict.fromkeys(skipped)

    def start_worker() -> None:
        index = next(waiting, None)
        if index is None:
            return
        mine, theirs = context.Pipe()
        process = context.Process(target=work, args=(theirs,), daemon=True)
        with ctrl_c_ignored():  # the worker starts with Ctrl-C ignored: it is the parent's to handle, which ends the workers
            process.start()
        theirs.close()
        mine.send(index)
        working[mine] = (process, index, time.monotonic())

    def give_next(connection: Connection, process: multiprocessing.Process) -> None:
        index = next(waiting, None)
        if index is None:
            connection.send(None)
            connection.close()
            process.join()
            del working[connection]
        else:
            connection.send(index)
            working[connection] = (process, index, time.monotonic())

    def end(connection: Connection) -> None:
        process = working.pop(connection)[0]
        process.kill()
        process.join()
        connection.close()

    try:
        for _ in range(min(worker_count(), len(todo))):
            start_worker()
        next_out = 0
        while working or next_out < len(items):
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if not working:
                break
            deadline = min(started for _, _, started in working.values()) + Limit.seconds
            for connection in wait(list(working), timeout=max(0.0, deadline - time.monotonic())):
                process, index, _ = working[connection]
                try:
                    ok, result = connection.recv()
                except (EOFError, OSError):
                    end(connection)
                    raise WorkerLost("a worker process ended without its results") from None
                if not ok:
                    raise RuntimeError(result)
                done[index] = result
                if progress:
                    progress(1)
                give_next(connection, process)
            now = time.monotonic()
            for connection, (_, index, started) in list(working.items()):
                if now - started > Limit.seconds:
                    end(connection)
                    TIMED_OUT.add(items[index])
                    done[index] = None
                    if progress:
                        progress(1)
                    start_worker()
    finally:
        for connection in list(working):
            end(connection)
        GUARDED.clear()


def work(connection: Connection) -> None:
    """A worker: the items it is given, one at a time, until it is given None."""
    function, items = GUARDED["function"], GUARDED["items"]
    while (index := connection.recv()) is not None:
        try:
            connection.send((True, function(items[index])))
        except Exception as exc:  # noqa: BLE001 - it reaches the parent as a message, whatever it was
            connection.send((False, f"{type(exc).__name__}: {exc}"))


class StandingWorker:
    """One spawned worker kept between calls, for one item at a time (serve's edits): forking a large process
    for each would cost more than the work. `setup(*args)`, run in the worker, makes the function it applies;
    it is sent again only when `args` change. A worker that outlasts the limit is killed, and started anew
    for the next item."""

    def __init__(self, setup: Callable):
        self.setup = setup
        self.args: tuple | None = None
        self.process: multiprocessing.Process | None = None
        self.connection: Connection | None = None

    def run(self, args: tuple, item: Hashable) -> object | None:
        """setup(*args)(item), or None when it took longer than `Limit.seconds` (or did before)."""
        if item in TIMED_OUT:
            return None
        if self.process is None:
            context = multiprocessing.get_context("spawn")
            self.connection, theirs = context.Pipe()
            self.process = context.Process(target=stand, args=(theirs,), daemon=True)
            with ctrl_c_ignored():
                self.process.start()
            theirs.close()
            self.args = None
        if args != self.args:
            self.connection.send(("setup", self.setup, args))
            self.args = args
        self.connection.send(("item", item))
        if not self.connection.poll(Limit.seconds):
            TIMED_OUT.add(item)
            self.stop()
            return None
        try:
            ok, result = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerLost("the conversion worker ended without its result") from None
        if not ok:
            raise RuntimeError(result)
        return result

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.connection.close()
            self.process = self.connection = None


def stand(connection: Connection) -> None:
    """A standing worker: a new function on ("setup", setup, args), a result for each ("item", item), until None."""
    function = None
    while (message := connection.recv()) is not None:
        if message[0] == "setup":
            function = message[1](*message[2])
            continue
        try:
            connection.send((True, function(message[1])))
        except Exception as exc:  # noqa: BLE001 - it reaches the parent as a message, whatever it was
            connection.send((False, f"{type(exc).__name__}: {exc}"))
