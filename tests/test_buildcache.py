"""The record of the last build: a build with nothing changed does nothing, anything changed builds."""

import os
import re

import pytest
from helpers import build_here, run_build

from briefing.incremental.record import engine_fingerprint
from briefing.incremental.store import Store


def test_nothing_changed_renders_and_writes_nothing_but_still_warns(workspace):
    first = build_here()
    second = build_here()
    assert first.rendered > 20 and second.rendered == 0
    assert (second.report.written, second.report.unchanged) == (0, first.report.written)
    assert second.warnings == first.warnings and len(second.warnings) == 7
    assert second.pages == first.pages


@pytest.mark.parametrize("change", [
    lambda root: (root / "content" / "companies" / "nio.md").write_text((root / "content" / "companies" / "nio.md").read_text() + "\nMore.\n"),
    lambda root: (root / "templates" / "static" / "style.css").write_text("body{}"),
    lambda root: (root / "content" / "positioning" / "luxury.md").rename(root / "content" / "positioning" / "luxury-cars.md"),
    lambda root: (root / "site" / "companies" / "nio" / "index.html").unlink(),
    lambda root: (root / "site" / "index.html").write_text("edited by hand"),
    lambda root: Store(engine_fingerprint()).save_record(root / "site", b"{not marshal"),
])
def test_any_change_builds_again_and_gives_a_fresh_build(workspace, change):
    build_here()
    change(workspace)
    again = build_here()
    assert again.ok and again.rendered > 0
    fresh = build_here(output=workspace / "fresh")
    for path in (workspace / "fresh").rglob("*"):
        if path.is_file() and path.name != ".briefing-manifest.json":
            assert (workspace / "site" / path.relative_to(workspace / "fresh")).read_bytes() == path.read_bytes()
    assert fresh.ok


def test_other_options_are_other_builds(workspace):
    build_here()
    assert build_here(base_url="https://example.org/other/").rendered > 0
    assert build_here(drafts=True).rendered > 0


def test_a_new_build_date_builds_again(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1617235200")  # 2021-04-01: nothing is stale yet
    assert len(build_here().warnings) == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1617235200 + 200 * 86400))
    later = build_here()
    assert later.rendered > 0 and len(later.warnings) == 7


def test_a_new_process_renders_only_the_pages_an_edit_changes(workspace):
    """The record keeps a fingerprint of every page's inputs: independent of the process (hash seeds differ)."""
    def build_in_new_process(seed: str):
        result = run_build("--content", "content", "--templates", "templates", "--output", "site", cwd=workspace, env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        return int(re.search(r"\((\d+) rendered", result.stdout).group(1))

    first = build_in_new_process("1")
    nio = workspace / "content" / "companies" / "nio.md"
    nio.write_text(nio.read_text().replace("\n## ", "\nA sentence that names no company.\n\n## ", 1))
    assert build_in_new_process("2") == 2  # its own page and the pack's volume: nothing else shows its text
    nio.write_text(nio.read_text().replace("A sentence that names no company.", "A sentence that links [[baidu]]."))
    assert build_in_new_process("3") == 3  # and Baidu's, which lists it under "Referenced by"
    company = workspace / "templates" / "company.html"
    company.write_text(company.read_text() + "\n")
    assert build_in_new_process("4") == first  # a template changed: every page
    fresh = build_here(output=workspace / "fresh")
    assert fresh.ok
    for path in (workspace / "fresh").rglob("*"):
        if path.is_file() and path.name != ".briefing-manifest.json":
            assert (workspace / "site" / path.relative_to(workspace / "fresh")).read_bytes() == path.read_bytes()


def test_the_engine_fingerprint_names_the_versions_importlib_metadata_finds():
    from importlib import metadata

    from briefing.incremental.record import LIBRARIES

    for distribution in LIBRARIES:
        assert f"{distribution}={metadata.version(distribution)}" in engine_fingerprint()
