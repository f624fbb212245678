import os
from pathlib import Path

import pytest

from briefing.problems import (
    ERROR,
    WARNING,
    ContentError,
    Problem,
    Problems,
    did_you_mean,
    display_path,
)


def test_format_with_line():
    assert Problem("content/companies/nio.md", 7, "unknown company 'x'").format() == "content/companies/nio.md:7: unknown company 'x'"


def test_format_without_line_names_only_the_file():
    assert Problem("content/site.yml", 0, "is missing").format() == "content/site.yml: is missing"


def test_format_marks_warnings():
    problem = Problem("content/sources.yml", 3, "source 'a' is not cited", WARNING)
    assert problem.format() == "content/sources.yml:3: warning: source 'a' is not cited"


def test_errors_and_warnings_are_kept_apart_and_sorted_by_file_then_line():
    problems = Problems()
    problems.error("b.md", 2, "second file")
    problems.warn("a.md", 9, "a warning")
    problems.error("a.md", 10, "line ten")
    problems.error("a.md", 9, "line nine")
    assert [(p.path, p.line) for p in problems.errors] == [("a.md", 9), ("a.md", 10), ("b.md", 2)]
    assert [p.message for p in problems.warnings] == ["a warning"]
    assert {p.severity for p in problems.errors} == {ERROR}


def test_raise_errors_raises_once_with_every_error():
    problems = Problems()
    problems.error("b.md", 1, "two")
    problems.error("a.md", 1, "one")
    problems.warn("c.md", 1, "only a warning")
    with pytest.raises(ContentError) as caught:
        problems.raise_errors()
    assert [p.message for p in caught.value.problems] == ["one", "two"]
    assert str(caught.value) == "a.md:1: one\nb.md:1: two"


def test_warnings_alone_do_not_raise():
    problems = Problems()
    problems.warn("a.md", 1, "stale")
    problems.raise_errors()  # must not raise
    assert problems.errors == []


def test_extend_adds_ready_made_problems():
    problems = Problems()
    problems.extend([Problem("x.md", 1, "m")])
    assert problems.errors == [Problem("x.md", 1, "m")]


def test_display_path_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "content" / "companies" / "nio.md"
    assert display_path(inside) == "content/companies/nio.md"
    assert display_path(Path("content") / "site.yml") == "content/site.yml"


def test_display_path_keeps_an_absolute_path_outside_the_working_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    outside = tmp_path / "elsewhere" / "site.yml"
    assert display_path(outside) == os.fspath(outside)


def test_did_you_mean_suggests_the_close_candidate():
    assert did_you_mean("li-auot", ["li-auto", "nio", "xpeng"]) == " (did you mean 'li-auto'?)"


def test_did_you_mean_lists_several_close_candidates_best_first():
    assert did_you_mean("partne", ["partner", "partners", "competitor"]) == " (did you mean 'partner' or 'partners'?)"


def test_did_you_mean_is_empty_when_nothing_is_close():
    assert did_you_mean("zzz", ["li-auto", "nio"]) == ""
    assert did_you_mean("nio", []) == ""
