"""The cache file: a new process finds what an earlier one parsed and converted, and a bad cache is only a miss."""

import sqlite3
from pathlib import Path

import pytest
from test_builder import fresh_build, snapshot

from briefing.builder import Builder, BuildOptions
from briefing.incremental.memo import Memo
from briefing.incremental.store import Store, cache_path
from briefing.incremental.plain import encode
from briefing.markup import Names
from briefing.problems import Problems


def test_values_come_back_under_the_same_salt_only(tmp_path):
    cache = Store("engine 1", tmp_path / "c.sqlite3")
    key = cache.key("file", "a.md", b"bytes")
    cache.put_many({key: encode(("value", []))})
    assert cache.get_many([key], tuple[str, tuple[int, ...]]) == {key: ("value", ())}
    assert cache.get_many([key], tuple[int, int]) == {}  # not a value of the type asked for: a miss
    assert cache.key("file", "a.md", b"other bytes") != key
    assert cache.key("file", "a.m", b"dbytes") != key  # parts are delimited
    later = Store("engine 2", tmp_path / "c.sqlite3")
    assert later.get_many([later.key("file", "a.md", b"bytes")], tuple[str, tuple[int, ...]]) == {}


@pytest.mark.parametrize("damage", [b"", b"SQLite format 3\x00" + b"\xff" * 5000, b"not a database at all" * 100])
def test_a_damaged_cache_is_a_miss_and_is_replaced(tmp_path, damage):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(damage)
    cache = Store("engine", path)
    key = cache.key("x")
    assert cache.get_many([key], int) == {}
    cache.put_many({key: encode(1)})
    assert cache.get_many([key], int) == {key: 1}


def test_entries_no_longer_used_are_pruned_once_they_outnumber_the_used(tmp_path):
    paths = []
    for n in range(3000):
        (tmp_path / f"{n}.md").write_text(f"version 1 of {n}")
        paths.append(str(tmp_path / f"{n}.md"))
    memo = Memo(Store("engine", tmp_path / "c.sqlite3"), tmp_path)
    memo.read("briefs", paths, (), lambda path, data, own: data, Problems())
    memo.save()
    for path in paths[:1000]:
        Path(path).write_text(Path(path).read_text() + ", version 2")
    later = Memo(Store("engine", tmp_path / "c.sqlite3"), tmp_path)
    later.read("briefs", paths[:1000], (), lambda path, data, own: data, Problems())
    later.save()  # 4,000 entries, 1,000 in use: the 3,000 others go
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (1000,)
    again = Memo(Store("engine", tmp_path / "c.sqlite3"), tmp_path)
    again.read("briefs", paths[:1000], (), lambda path, data, own: pytest.fail("read again"), Problems())


def test_a_new_memo_reads_and_converts_nothing_it_finds_in_the_cache(tmp_path):
    paths = []
    for n in range(3):
        path = tmp_path / f"{n}.md"
        path.write_text(f"text {n}")
        paths.append(str(path))
    calls = []

    def read(path, data, problems):
        calls.append(path)
        problems.warn(path, 1, "a warning that must come back with the value")
        assert data == Path(path).read_bytes()  # read once, for the key and the value alike
        return data.decode()

    names = Names.build({"nio": ("Nio",)}, {"nio": "Nio"})
    first = Memo(Store("engine", tmp_path / "c.sqlite3"), tmp_path)
    assert first.read("briefs", paths, (), read, Problems()) == ["text 0", "text 1", "text 2"]
    body = first.convert(names, True, {"x": ("About Nio.", 5)})["x"]
    first.save()

    Path(paths[1]).write_text("text 1, edited")
    second = Memo(Store("engine", tmp_path / "c.sqlite3"), tmp_path)
    problems = Problems()
    assert second.read("briefs", paths, (), read, problems) == ["text 0", "text 1, edited", "text 2"]
    assert calls == [*paths, paths[1]]
    assert len(problems.warnings) == 3
    assert second.convert(names, True, {"x": ("About Nio.", 5)})["x"] == body
    assert second.hits == 3  # two files and the body
    renamed = Names.build({"nio": ("NIO Inc",)}, {"nio": "NIO Inc"})
    assert second.convert(renamed, True, {"x": ("About Nio.", 5)})["x"].autolinks == ()


def new_process_build(workspace: Path):
    """A build by a new Builder, as `python build.py` in a new process makes it."""
    result = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site")).build()
    assert result.ok, result.errors
    return result


def test_a_new_process_after_an_edit_converts_only_the_edited_brief_and_equals_a_fresh_build(workspace):
    briefs = len(list((workspace / "content" / "companies").glob("*.md")))
    new_process_build(workspace)
    Store("any").write([("DELETE FROM pages", [()])])  # else the build takes the quick path, which loads no other brief
    nio = workspace / "content" / "companies" / "nio.md"
    nio.write_text(nio.read_text("utf-8").replace("## ", "A sentence added by hand.\n\n## ", 1), "utf-8")
    result = new_process_build(workspace)
    assert result.reused == 2 * briefs - 2 + 1  # every other brief read and converted, and sources.yml
    assert snapshot(workspace / "site") == fresh_build(workspace)
    assert b"A sentence added by hand." in (workspace / "site" / "companies" / "nio" / "index.html").read_bytes()


def test_a_damaged_cache_between_builds_changes_nothing_in_the_output(workspace):
    new_process_build(workspace)
    before = snapshot(workspace / "site")
    for path in [cache_path()]:
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + b"garbage" * 1000)
    (workspace / "content" / "site.yml").write_text((workspace / "content" / "site.yml").read_text("utf-8") + "\n", "utf-8")
    assert new_process_build(workspace).reused == 0
    assert snapshot(workspace / "site") == before


@pytest.mark.parametrize("change", [
    lambda content: (content / "site.yml").write_text((content / "site.yml").read_text("utf-8") + "autolink: false\n", "utf-8"),
    lambda content: (content / "site.yml").write_text((content / "site.yml").read_text("utf-8").replace("threats]", "threats, markets]"), "utf-8"),
    lambda content: (content / "companies" / "xpeng.md").write_text((content / "companies" / "xpeng.md").read_text("utf-8").replace("title: XPeng", "title: XPeng Motors"), "utf-8"),
    # other briefs that name Reuters in their text now link to Nio: their cached bodies must not be used
    lambda content: (content / "companies" / "nio.md").write_text((content / "companies" / "nio.md").read_text("utf-8").replace('aliases: ["NIO"]', 'aliases: ["NIO", "Reuters"]'), "utf-8"),
], ids=["autolink off", "a new taxonomy", "a company renamed", "a new alias"])
def test_what_parsing_and_converting_depend_on_is_in_the_cache_key(workspace, change):
    new_process_build(workspace)
    change(workspace / "content")
    result = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site")).build()
    assert result.ok, result.errors
    assert snapshot(workspace / "site") == fresh_build(workspace)
