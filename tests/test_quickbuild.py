"""A new process after an edit to a few briefs' bodies renders their pages without loading the site
(incremental/quick.py); any other change, or a cache it cannot trust, gets a full build. Either way the output is
what a fresh build writes."""

import os
import re
import shutil
import sqlite3
from pathlib import Path

import msgspec
import pytest
from helpers import brief, built_paths, run_build
from helpers import build_here as build

import briefing.builder
from briefing import yamlsafe
from briefing.incremental import stamps
from briefing.incremental.record import engine_fingerprint, load_record
from briefing.incremental.store import Store, cache_path


@pytest.fixture
def loads(monkeypatch):
    """How many builds loaded the site: none does on the quick path."""
    calls = []
    real = briefing.builder.load_documents

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(briefing.builder, "load_documents", counted)
    return calls


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def assert_same_as_a_fresh_build(workspace: Path) -> None:
    assert build(output=workspace / "fresh").ok
    fresh = {p.relative_to(workspace / "fresh") for p in built_paths(workspace / "fresh") if p.is_file()}
    built = {p.relative_to(workspace / "site") for p in built_paths(workspace / "site") if p.is_file()}
    assert fresh == built
    for name in fresh:
        if name.name != ".briefing-manifest.json":
            assert (workspace / "site" / name).read_bytes() == (workspace / "fresh" / name).read_bytes(), name


def test_an_edited_body_renders_its_page_alone_without_loading_the_site(workspace, loads):
    first = build()
    assert first.ok and len(loads) == 1
    nio = workspace / "content" / "companies" / "nio.md"
    edit(nio, "Nio is positioned in the luxury market", "Nio, edited quickly, is positioned in the luxury market")
    quick = build()
    assert quick.ok and len(loads) == 1
    assert (quick.rendered, quick.report.written, quick.pages) == (2, 2, first.pages)  # its page and the pack's volume
    assert quick.warnings == first.warnings
    for page in ("companies/nio", "pack"):
        assert "Nio, edited quickly" in (workspace / "site" / page / "index.html").read_text("utf-8")
    edit(nio, "Nio, edited quickly, is", "Nio, edited twice, is")
    xpeng = workspace / "content" / "companies" / "xpeng.md"
    xpeng.write_text(xpeng.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    both = build()
    assert both.ok and len(loads) == 1 and both.rendered == 3
    assert_same_as_a_fresh_build(workspace)


@pytest.mark.parametrize("edit_made", [
    pytest.param(("Nio is positioned in the luxury market", "Nio, edited, is positioned in the luxury market"), id="the quick path"),
    pytest.param(("title: Nio", "title: NIO Inc."), id="a full build"),
])
def test_a_volume_left_for_later_by_a_new_process_is_rendered_by_the_next(workspace, edit_made):
    """serve leaves the pack's volumes for after the reload; if it stops before it catches up, the record says
    so, and the next build of any process renders them."""
    from briefing.builder import Builder, BuildOptions

    build()
    pack = workspace / "site" / "pack" / "index.html"
    before = pack.read_bytes()
    edit(workspace / "content" / "companies" / "nio.md", *edit_made)
    left = Builder(BuildOptions(Path("content"), Path("templates"), Path("site"))).build(later=frozenset({"pack"}))
    assert left.ok and left.left == 1 and pack.read_bytes() == before
    caught_up = build()
    assert caught_up.ok and caught_up.rendered == 1 and caught_up.left == 0 and pack.read_bytes() != before
    assert build().rendered == 0
    assert_same_as_a_fresh_build(workspace)


def test_an_edited_body_is_rendered_without_reading_yaml(workspace, loads, monkeypatch):
    build()
    monkeypatch.setattr(yamlsafe, "yaml_loader", lambda: pytest.fail("the quick path read YAML"))
    edit(workspace / "content" / "companies" / "nio.md", "Nio is positioned", "Nio, edited, is positioned")
    assert build().rendered == 2 and len(loads) == 1


def test_nothing_changed_loads_nothing_and_a_later_build_loads_nothing_either(workspace, loads):
    build()
    again = build()
    assert again.ok and again.rendered == 0 and again.report.written == 0 and len(loads) == 1
    assert build().rendered == 0 and len(loads) == 1


@pytest.mark.parametrize("change, rendered_at_least", [
    pytest.param(lambda c: edit(c / "companies" / "nio.md", "title: Nio", "title: NIO Inc."), 2, id="front-matter"),
    pytest.param(lambda c: edit(c / "companies" / "nio.md", "title: Nio", "title: Nio  # the same value"), 1, id="a front-matter comment"),
    pytest.param(lambda c: edit(c / "companies" / "nio.md", "Nio is positioned", "Nio, unlike [[baidu]], is positioned"), 2, id="a new link"),
    pytest.param(lambda c: edit(c / "companies" / "nio.md", "## Exposure to Xiaomi", "## Exposure to others\n\nText.\n\n## Exposure to Xiaomi"), 1, id="a new heading"),
    pytest.param(lambda c: edit(c / "companies" / "nio.md", "luxury market [@xiaomi-threat-analysis]", "luxury market [@reuters-factory-talks]"), 2, id="another citation"),
    pytest.param(lambda c: edit(c / "positioning" / "luxury.md", "\n", "\n\n"), 0, id="a term description"),
    pytest.param(lambda c: (c.parent / "templates" / "company.html").write_text((c.parent / "templates" / "company.html").read_text() + "\n"), 7, id="a template"),
    pytest.param(lambda c: (c / "companies" / "nio-copy.md").write_text((c / "companies" / "nio.md").read_text("utf-8").replace("aliases:", "# aliases:"),
                                                                        "utf-8"), 2, id="a brief added"),
    pytest.param(lambda c: (c / "index.md").unlink(), 1, id="a page removed"),
])
def test_anything_but_a_body_edit_builds_in_full(workspace, loads, change, rendered_at_least):
    build()
    change(workspace / "content")
    edit(workspace / "content" / "companies" / "xpeng.md", "\n## ", "\nA body edit alongside.\n\n## ")
    result = build()
    assert len(loads) == 2, result.errors
    assert result.ok and result.rendered >= rendered_at_least
    assert_same_as_a_fresh_build(workspace)


def store() -> Store:
    return Store(engine_fingerprint())


def rewrite_record(root: Path, **changes) -> None:
    """The record with fields changed, stored as intact plain data: only its shape is wrong."""
    fields = msgspec.msgpack.decode(store().record(root / "site"))
    store().save_record(root / "site", msgspec.msgpack.encode({**fields, **changes}))


@pytest.mark.parametrize("damage", [
    pytest.param(lambda root: cache_path().unlink(), id="store deleted"),
    pytest.param(lambda root: cache_path().write_bytes(b"not a database" * 100), id="store garbage"),
    pytest.param(lambda root: store().save_record(root / "site", b"\x00garbage"), id="record garbage"),
    pytest.param(lambda root: rewrite_record(root, inputs={"content/site.yml": 1}), id="record of another shape"),
    pytest.param(lambda root: rewrite_record(root, outputs={"companies/nio/index.html": b"short"}), id="record entries cut short"),
    pytest.param(lambda root: rewrite_record(root, key=5), id="record key of another kind"),
    pytest.param(lambda root: rewrite_record(root, warnings=[("a.md", "2", "odd")]), id="record warnings of another shape"),
    pytest.param(lambda root: damage_row(root, "nio"), id="store row damaged"),
    pytest.param(lambda root: (root / "site" / "companies" / "xpeng" / "index.html").write_text("changed by hand"), id="output edited"),
    pytest.param(lambda root: (root / "site" / "sources" / "index.html").unlink(), id="output deleted"),
])
def test_a_cache_or_output_it_cannot_trust_gives_a_full_build(workspace, loads, damage):
    build()
    damage(workspace)
    edit(workspace / "content" / "companies" / "nio.md", "Nio is positioned", "Nio, edited, is positioned")
    result = build()
    assert result.ok and len(loads) == 2
    assert_same_as_a_fresh_build(workspace)


def damage_row(root: Path, slug: str) -> None:
    with sqlite3.connect(cache_path()) as db:
        (data,) = db.execute("SELECT data FROM pages WHERE slug = ?", (slug,)).fetchone()
        db.execute("UPDATE pages SET data = ? WHERE slug = ?", (data[:len(data) // 2], slug))
    db.close()


def test_a_store_saved_by_another_build_is_not_used(workspace, loads):
    build()
    record = load_record(store(), workspace / "site")
    shutil.copy(cache_path(), workspace / "store-then")
    edit(workspace / "content" / "companies" / "nio.md", "title: Nio", "title: Nio Inc")
    build()  # a full build: new fingerprints, new rows
    assert load_record(store(), workspace / "site").outputs != record.outputs
    shutil.copy(workspace / "store-then", cache_path())
    edit(workspace / "content" / "companies" / "nio.md", "Nio is positioned", "Nio, edited, is positioned")
    assert build().ok and len(loads) == 3
    assert_same_as_a_fresh_build(workspace)


def test_an_error_in_an_edited_body_is_reported_as_a_full_build_reports_it(workspace):
    build()
    before = {p: p.read_bytes() for p in (workspace / "site").rglob("*") if p.is_file()}
    edit(workspace / "content" / "companies" / "nio.md", "Nio is positioned", "Nio [[no-such-company]] is positioned")
    quick = build()
    shutil.rmtree(workspace / ".briefing-cache")
    full = build()
    assert not quick.ok and quick.errors == full.errors and "no-such-company" in quick.errors[0].message
    assert {p: p.read_bytes() for p in (workspace / "site").rglob("*") if p.is_file()} == before


def test_a_draft_edited_is_not_rendered(workspace, loads):
    draft = workspace / "content" / "companies" / "new-entrant.md"
    draft.write_text(brief("New Entrant", "draft: true", "A company in draft.\n"), "utf-8")
    first = build()
    edit(draft, "in draft", "still in draft")
    result = build()
    assert result.ok and result.pages == first.pages and not (workspace / "site" / "companies" / "new-entrant").exists()
    assert_same_as_a_fresh_build(workspace)


def test_an_edit_that_keeps_size_and_modification_time_is_seen(workspace):
    """The change time moves on every write, and no tool can set it back."""
    build()
    nio = workspace / "content" / "companies" / "nio.md"
    before = os.stat(nio)
    edit(nio, "Nio is positioned in the luxury market", "Nio is positioned in the LUXURY market")
    os.utime(nio, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(nio).st_size == before.st_size
    assert build().rendered == 2  # its page and the pack's volume
    assert "the LUXURY market" in (workspace / "site" / "companies" / "nio" / "index.html").read_text("utf-8")


def test_a_file_changed_just_before_a_build_is_digested_again_next_time(tmp_path, monkeypatch):
    """Within a coarse clock's tick a second write could keep the stamp, so a recent stamp is not kept."""
    (tmp_path / "old.md").write_text("old")
    (tmp_path / "new.md").write_text("new")
    monkeypatch.setattr(stamps, "TRUST_AFTER_NS", 0)
    assert all(not entry.startswith(stamps.MISSING) for entry in stamps.input_entries([tmp_path], {}).values())
    monkeypatch.setattr(stamps, "TRUST_AFTER_NS", 3600 * 10**9)
    entries = stamps.input_entries([tmp_path], {})
    assert [entry.startswith(stamps.MISSING) for entry in entries.values()] == [True, True]
    assert stamps.changed_files(entries, entries) == set()
    (tmp_path / "new.md").write_text("NEW")
    assert stamps.changed_files(stamps.input_entries([tmp_path], entries), entries) == {str(tmp_path / "new.md")}
    (tmp_path / "newer.md").write_text("")
    assert stamps.changed_files(stamps.input_entries([tmp_path], entries), entries) is None


def test_a_new_process_records_the_fingerprints_a_full_build_finds(workspace):
    """After quick builds, a full one (site.yml gained a comment) renders nothing, in processes with other hash seeds."""
    def build_in_new_process(seed: str) -> int:
        result = run_build("--content", "content", "--templates", "templates", "--output", "site", cwd=workspace, env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        return int(re.search(r"\((\d+) rendered", result.stdout).group(1))

    build_in_new_process("1")
    nio = workspace / "content" / "companies" / "nio.md"
    edit(nio, "Nio is positioned", "Nio, edited, is positioned")
    assert build_in_new_process("2") == 2  # its page and the pack's volume
    site_yml = workspace / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text("utf-8") + "# a comment\n", "utf-8")
    assert build_in_new_process("3") == 0
    edit(nio, "Nio, edited, is", "Nio, edited again, is")
    assert build_in_new_process("4") == 2
    assert_same_as_a_fresh_build(workspace)
