"""parallel_map and the spawned pools: same results as a loop, in order, errors arrive whole, small batches stay here."""

import multiprocessing
import os
import time

import pytest

from briefing.parallel import (
    MIN_ITEMS,
    WorkerLost,
    batched,
    bounded,
    parallel_map,
    spawned_pool,
    worker_count,
)
from briefing.problems import ContentError, Problem

multicore = pytest.mark.skipif(worker_count() < 2, reason="needs two cores")


def test_results_come_back_in_order():
    items = list(range(MIN_ITEMS * 3))
    assert parallel_map(lambda n: n * n, items) == [n * n for n in items]


@multicore
def test_large_batches_are_shared_with_helper_processes_and_small_ones_stay_here():
    def slow_pid(_):
        time.sleep(0.002)  # long enough that every process gets a share
        return os.getpid()

    assert len(set(parallel_map(slow_pid, range(MIN_ITEMS * 2)))) == worker_count()
    assert set(parallel_map(lambda _: os.getpid(), range(3))) == {os.getpid()}


@multicore
def test_an_error_in_this_process_stops_the_helpers_too():
    def fail_in_parent(n):
        if os.getpid() == parent:
            raise ValueError("boom")
        time.sleep(0.01)
        return n

    parent = os.getpid()
    with pytest.raises(ValueError):
        parallel_map(fail_in_parent, range(MIN_ITEMS * 2))
    assert multiprocessing.active_children() == []


@multicore
def test_an_error_in_a_worker_stops_the_others_too():
    def fail_on_one(n):
        if n == MIN_ITEMS:
            raise ValueError("boom")
        time.sleep(0.01)
        return n

    with pytest.raises(ValueError):
        parallel_map(fail_on_one, range(MIN_ITEMS * 2))
    assert multiprocessing.active_children() == []


def test_an_unpicklable_error_in_a_helper_still_arrives():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail(n):
        if n == MIN_ITEMS + 5:
            raise Local("deep inside")
        time.sleep(0.001)
        return n

    with pytest.raises(Exception, match="deep inside"):
        parallel_map(fail, range(MIN_ITEMS * 2))


def test_a_content_error_in_a_worker_arrives_with_its_problems():
    def fail_on_7(n):
        if n == 7:
            raise ContentError([Problem("templates/x.html", 3, "template error: boom")])
        return n

    with pytest.raises(ContentError) as raised:
        parallel_map(fail_on_7, range(MIN_ITEMS * 2))
    assert raised.value.problems == [Problem("templates/x.html", 3, "template error: boom")]


def test_progress_counts_every_item():
    seen = []
    parallel_map(lambda n: n, range(MIN_ITEMS + 17), seen.append)
    assert sum(seen) == MIN_ITEMS + 17


SEEN_BY_THIS_PROCESS: list[int] = []  # filled at run time: a forked helper would see it, a fresh one does not


def square_each(chunk: list[int]) -> tuple[int, int, list[int]]:
    if 13 in chunk:
        raise ContentError([Problem("templates/company.html", 4, "template error: 13")])
    return os.getpid(), len(SEEN_BY_THIS_PROCESS), [n * n for n in chunk]


def chunks_of(numbers, size=3):
    return batched(iter(numbers), size)


def results_of(function, chunks, in_flight=2):
    pool = spawned_pool(1, os.getpid, ())
    try:
        return list(bounded(pool, function, chunks, in_flight))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@multicore
def test_spawned_helpers_return_every_chunk_as_it_is_done_from_processes_that_hold_nothing_of_this_one():
    SEEN_BY_THIS_PROCESS.append(1)
    results = results_of(square_each, chunks_of(range(12)))  # as each is done: a slow chunk keeps no other waiting
    assert sorted(n for _, _, squares in results for n in squares) == [n * n for n in range(12)]
    assert os.getpid() not in {pid for pid, _, _ in results}
    assert {seen for _, seen, _ in results} == {0}
    assert multiprocessing.active_children() == []


@multicore
def test_an_error_in_a_spawned_helper_arrives_with_its_problems_and_the_helpers_end():
    with pytest.raises(ContentError) as raised:
        results_of(square_each, chunks_of(range(30)))
    assert raised.value.problems == [Problem("templates/company.html", 4, "template error: 13")]
    assert multiprocessing.active_children() == []


@multicore
def test_an_error_making_the_chunks_arrives_too():
    def numbers():
        yield from range(5)
        raise ValueError("no more numbers")

    with pytest.raises(ValueError, match="no more numbers"):
        results_of(square_each, batched(numbers(), 2))


def test_batched_keeps_every_item_in_order():
    assert list(batched(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched(iter([]), 3)) == []


def end_abruptly(chunk):
    os._exit(3)  # as a process killed for lack of memory would


@multicore
def test_a_spawned_helper_that_dies_is_reported_as_lost():
    with pytest.raises(WorkerLost):
        results_of(end_abruptly, chunks_of(range(6)))


@multicore
def test_a_forked_helper_that_dies_is_reported_as_lost():
    parent = os.getpid()

    def die_in_helper(n):
        if os.getpid() != parent:
            os._exit(3)
        time.sleep(0.01)
        return n

    with pytest.raises(WorkerLost, match="a worker process ended without its results"):
        parallel_map(die_in_helper, range(MIN_ITEMS * 2))
