"""parallel_map: same results as a loop, in order, errors arrive whole, small batches stay here."""

import os

import pytest

from briefing.parallel import MIN_ITEMS, parallel_map, worker_count
from briefing.problems import ContentError, Problem

multicore = pytest.mark.skipif(worker_count() < 2, reason="needs two cores")


def test_results_come_back_in_order():
    items = list(range(MIN_ITEMS * 3))
    assert parallel_map(lambda n: n * n, items) == [n * n for n in items]


@multicore
def test_large_batches_run_in_other_processes_and_small_ones_here():
    assert os.getpid() not in set(parallel_map(lambda _: os.getpid(), range(MIN_ITEMS)))
    assert set(parallel_map(lambda _: os.getpid(), range(3))) == {os.getpid()}


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
