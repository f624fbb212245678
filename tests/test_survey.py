"""The survey a build in a new process starts with (survey.py): made by a forked child while the libraries
load, it is exactly the survey the build would make itself, and a child that fails costs only the time."""

import dataclasses
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from briefing import buildcache, outputs, survey
from briefing.inputs import changed
from helpers import build_here as build

FOLDERS = (Path("content"), Path("templates"), Path("site"))
needs_fork = pytest.mark.skipif(not survey.can_fork(), reason="no fork or a single core here")


def edit_the_content(workspace: Path) -> None:
    nio = workspace / "content" / "companies" / "nio.md"
    nio.write_text(nio.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    shutil.copy(nio, workspace / "content" / "companies" / "nio-copy.md")
    (workspace / "content" / "index.md").unlink()
    (workspace / "site" / "sources" / "index.html").unlink()
    (workspace / "site" / "companies" / "xpeng" / "index.html").write_text("changed by hand", "utf-8")


@needs_fork
def test_the_childs_survey_is_the_one_made_here(workspace):
    build()
    edit_the_content(workspace)
    forked = survey.start_survey(*FOLDERS)()
    here = survey.survey(*FOLDERS)
    assert forked == here
    assert here.record == buildcache.load_record(Path("site"))
    assert changed(here.inputs, here.record.inputs) is None  # a brief added and a page removed
    assert here.outputs != here.record.stamps and not outputs.complete(here.outputs)


@needs_fork
def test_a_child_that_fails_leaves_the_survey_to_the_build(workspace, monkeypatch):
    build()
    edit_the_content(workspace)
    made_here = survey.survey(*FOLDERS)
    wire = survey.wire
    monkeypatch.setattr(survey, "wire", lambda *folders: os.kill(os.getpid(), 9))
    take = survey.start_survey(*FOLDERS)  # the child is killed; the parent makes the survey with the real wire
    monkeypatch.setattr(survey, "wire", wire)
    assert take() == made_here
    assert take() is take()  # taken once


@needs_fork
def test_a_record_saved_during_the_survey_is_the_one_the_build_gets(workspace):
    build()
    take = survey.start_survey(*FOLDERS)
    time.sleep(1)  # the child has read the record
    record = buildcache.load_record(Path("site"))
    other = dataclasses.replace(record, pages=record.pages + 1, stamps=record.stamps[::-1])  # no longer the output's
    buildcache.save_record(Path("site"), other)
    taken = take()
    assert taken.record == other and not taken.intact and taken == survey.survey(*FOLDERS)


def test_with_another_thread_running_no_child_is_forked(workspace, monkeypatch):
    build()
    forks = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or pytest.fail("forked"))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert survey.start_survey(*FOLDERS)() == survey.survey(*FOLDERS)
    finally:
        stop.set()
        thread.join()
    assert forks == []


def test_with_no_record_every_input_is_new(workspace):
    found = survey.survey(*FOLDERS)
    assert found.record is None and found.outputs == b""
    assert str(Path("content") / "companies" / "nio.md") in found.inputs
