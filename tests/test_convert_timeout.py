"""A body Python-Markdown would take minutes over is stopped at the time limit and reported, never a stalled build."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import error_lines, run_build

from briefing.guarded import TIMED_OUT, Limit, StandingWorker, guarded_iter
from briefing.parallel import reap_resource_tracker
from briefing.writer import holding

STALLING = "[](" * 20000  # minutes in Python-Markdown (its links are matched in Python, bracket by bracket)


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(workspace, *args, command=()):
    started = time.perf_counter()
    result = run_build(*command, "--content", "content", "--templates", "templates", "--output", "site", *args, cwd=workspace,
                       env={**os.environ, "SOURCE_DATE_EPOCH": "1622505600"}, timeout=120)
    assert "Traceback" not in result.stderr
    return result, time.perf_counter() - started


def append(path, text):
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def test_a_brief_too_slow_to_convert_is_an_error_at_the_limit(workspace):
    assert build(workspace)[0].returncode == 0
    before = tree(workspace / "site")
    append(workspace / "content" / "companies" / "nio.md", "\n" + STALLING + "\n")
    append(workspace / "content" / "index.md", "\n" + STALLING + "\n")
    for command in (("check",), ()):
        result, took = build(workspace, "--convert-timeout", "2", command=command)
        assert result.returncode == 1
        errors = error_lines(result.stderr)
        assert any(e.startswith("content/companies/nio.md:") and "took longer than 2 s" in e and "--convert-timeout" in e for e in errors), errors
        assert any(e.startswith("content/index.md:") and "took longer than 2 s" in e for e in errors), errors
        assert took < 2 + 8, took  # the limit, and the rest of the work: not one limit after another
    assert tree(workspace / "site") == before


def test_a_quick_rebuild_stops_at_the_limit_once(workspace):
    """The new-process text edit path converts the brief first: its timeout is remembered, not paid twice."""
    assert build(workspace)[0].returncode == 0
    before = tree(workspace / "site")
    append(workspace / "content" / "companies" / "nio.md", "\n" + STALLING + "\n")
    result, took = build(workspace, "--convert-timeout", "2")
    assert result.returncode == 1 and "took longer than 2 s" in result.stderr
    assert took < 2 + 6, took
    assert tree(workspace / "site") == before


@pytest.mark.slow
def test_the_default_limit_is_ten_seconds(workspace):
    append(workspace / "content" / "companies" / "xpeng.md", "\n" + STALLING + "\n")
    result, took = build(workspace)
    assert result.returncode == 1 and "took longer than 10 s" in result.stderr
    assert 10 <= took < 10 + 8


def test_the_limit_must_be_a_positive_number(workspace):
    for bad in ("0", "-1", "soon"):
        result, _ = build(workspace, "--convert-timeout", bad)
        assert result.returncode == 2 and "is not a number of seconds above 0" in result.stderr


def sleepy_upper(slow: str):
    """A guarded.Setup: upper-cases an item, and sleeps on the `slow` one."""
    def work(item):
        if item == slow:
            time.sleep(30)
        return item.upper()
    return work


@pytest.mark.parametrize("count", [6, 240], ids=["forked", "spawned"])
def test_guarded_work_keeps_order_and_ends_every_worker(monkeypatch, count):
    monkeypatch.setattr(Limit, "seconds", 1.0)
    items = [f"item {n}" for n in range(count - 2)]
    items[1:1] = ["slow"]
    items[4:4] = ["slow"]
    started = time.perf_counter()
    assert list(guarded_iter(sleepy_upper, ("slow",), items)) == [None if item == "slow" else item.upper() for item in items]
    assert time.perf_counter() - started < 10  # the second "slow" is known to time out: not tried again
    assert "slow" in TIMED_OUT
    TIMED_OUT.discard("slow")
    assert multiprocessing.active_children() == []


def test_a_worker_s_start_is_not_counted_against_the_limit_and_the_tracker_is_left_to_a_standing_worker(monkeypatch):
    monkeypatch.setattr(Limit, "seconds", 0.25)  # less than a spawned worker takes to start
    worker = StandingWorker(sleepy_upper)
    try:
        assert worker.run(("slow",), "quick") == "QUICK"
        assert worker.run(("other",), "again") == "AGAIN"  # a new setup, the same worker
        started = time.perf_counter()
        reap_resource_tracker()  # the standing worker holds the tracker's pipe: waiting for it would never end
        assert time.perf_counter() - started < 1
    finally:
        worker.stop()
    assert multiprocessing.active_children() == []


ORPHANING = """
import sys, time
from pathlib import Path
from briefing.guarded import Limit, guarded_iter
from briefing.writer import holding
sys.path.insert(0, {tests!r})
from test_convert_timeout import sleepy_upper
with holding(Path({output!r})):
    for result in guarded_iter(sleepy_upper, ("slow",), ["slow", "a"]):
        pass
"""


def test_workers_of_a_killed_build_end_and_do_not_keep_the_folder_locked(tmp_path):
    output = tmp_path / "site"
    script = ORPHANING.format(tests=str(Path(__file__).parent), output=str(output))
    build = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parent.parent)
    deadline = time.monotonic() + 20
    workers = []
    while not workers:
        assert time.monotonic() < deadline and build.poll() is None, "no worker started"
        workers = [int(pid) for pid in Path(f"/proc/{build.pid}/task/{build.pid}/children").read_text().split()]
        time.sleep(0.05)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    with holding(output):  # the lock went with the build, though its worker may still run
        pass
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text() for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its build"
        time.sleep(0.1)
