"""The preview's watcher, on a real event loop and real files: what it reports, and when."""

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

from briefing.watch import SourceWatcher

WATCHERS = [SourceWatcher]


def heard_after(make_watcher, folder: Path, *changes, quiet: float = 0.15) -> set[str]:
    """Start a watcher on `folder`, make the `changes` (letting it run between them), and collect
    what it reports until `quiet` seconds pass without a report."""
    heard: set[str] = set()
    last = [0.0]

    def report(paths: set[str]) -> None:
        heard.update(paths)
        last[0] = time.monotonic()

    async def run():
        watcher = make_watcher([folder], report)
        try:
            for change in changes:
                await asyncio.sleep(0.05)
                change()
            started = time.monotonic()
            while time.monotonic() - max(last[0], started) < quiet:
                await asyncio.sleep(0.01)
        finally:
            watcher.stop()
        return watcher

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run())
    finally:
        loop.close()
    return heard


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "content"
    (root / "companies").mkdir(parents=True)
    (root / "companies" / "nio.md").write_text("one")
    (root / "site.yml").write_text("title: x")
    return root


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_an_edit_is_reported_by_its_path(make_watcher, tree):
    brief = tree / "companies" / "nio.md"
    assert heard_after(make_watcher, tree, lambda: brief.write_text("two, longer")) == {str(brief)}


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_added_removed_and_renamed_files_are_reported(make_watcher, tree):
    companies = tree / "companies"

    def change():
        (companies / "xpeng.md").write_text("new")
        (tree / "site.yml").unlink()
        (companies / "nio.md").rename(companies / "li-auto.md")

    heard = heard_after(make_watcher, tree, change)
    assert {str(companies / "xpeng.md"), str(tree / "site.yml"), str(companies / "nio.md"), str(companies / "li-auto.md")} <= heard


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_an_editor_saving_through_a_hidden_temporary_file_is_reported_as_the_brief(make_watcher, tree):
    brief = tree / "companies" / "nio.md"

    def change():
        temporary = tree / "companies" / ".nio.md.swp"
        temporary.write_text("saved")
        os.replace(temporary, brief)

    assert heard_after(make_watcher, tree, change) == {str(brief)}


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_hidden_files_and_folders_are_ignored(make_watcher, tree):
    (tree / ".cache").mkdir()

    def change():
        (tree / ".notes.md").write_text("private")
        (tree / ".cache" / "x").write_text("cached")

    assert heard_after(make_watcher, tree, change) == set()


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_files_in_a_folder_made_or_moved_in_while_watching_are_reported(make_watcher, tree, tmp_path):
    outside = tmp_path / "drafts"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "byd.md").write_text("moved in")

    def change():
        (tree / "positioning").mkdir()
        (tree / "positioning" / "premium.md").write_text("written at once")
        outside.rename(tree / "drafts")

    heard = heard_after(make_watcher, tree, change)
    assert {str(tree / "positioning" / "premium.md"), str(tree / "drafts" / "deep" / "byd.md")} <= heard


@pytest.mark.parametrize("make_watcher", WATCHERS)
def test_edits_in_a_folder_made_while_watching_are_reported(make_watcher, tree):
    premium = tree / "positioning" / "premium.md"
    heard = heard_after(make_watcher, tree, premium.parent.mkdir, lambda: premium.write_text("later"))
    assert str(premium) in heard


def test_a_watched_folder_that_goes_away_is_watched_again_when_it_is_back(tree):
    brief = tree / "companies" / "byd.md"
    later = tree / "companies" / "later.md"
    heard = heard_after(SourceWatcher, tree, lambda: shutil.rmtree(tree), lambda: brief.parent.mkdir(parents=True),
                        lambda: brief.write_text("back"), lambda: time.sleep(0.2), lambda: later.write_text("later"))
    assert {str(brief), str(later)} <= heard
