"""The memo reuses a file's result only while the file and its inputs are unchanged."""

import os
import time

from briefing.incremental.memo import Memo
from briefing.incremental.store import Store
from briefing.markup import Names
from briefing.parallel import worker_count
from briefing.problems import Problems


def test_a_file_is_read_again_only_after_it_changes(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    memo, calls = Memo(None, tmp_path), []

    def read(read_path, data, problems):
        calls.append(read_path.read_text())
        problems.error(read_path, 1, "an error that must be reported every time")
        return calls[-1]

    for _ in range(2):
        problems = Problems()
        assert memo.read("t", [path], ("t",), read, problems) == ["one"]
        assert len(problems.errors) == 1
    assert calls == ["one"]
    path.write_text("two, longer")
    assert memo.read("t", [path], ("t",), read, Problems()) == ["two, longer"]
    assert memo.read("t", [path], ("other taxonomies",), read, Problems()) == ["two, longer"]
    assert len(calls) == 3


def test_many_files_are_read_in_several_processes_in_order(tmp_path):
    paths = []
    for n in range(300):
        path = tmp_path / f"{n:03d}.md"
        path.write_text(str(n))
        paths.append(path)
    problems = Problems()

    def read(path, data, own):
        time.sleep(0.001)  # long enough for a helper process to take its share
        return os.getpid(), int(path.read_text())

    values = Memo(None, tmp_path).read("t", paths, (), read, problems)
    assert [v for _, v in values] == list(range(300))
    if worker_count() > 1:
        assert len({pid for pid, _ in values}) > 1


def test_bodies_are_converted_again_when_the_names_change():
    memo = Memo()
    names = Names.build({"nio": ("Nio",)}, {"nio": "Nio"})
    first = memo.convert(names, True, {"x": ("About Nio.", 5)})
    assert first["x"].autolinks == ("nio",)
    again = memo.convert(names, True, {"x": ("About Nio.", 5)})
    assert again["x"] is first["x"]
    renamed = Names.build({"nio": ("NIO Inc",)}, {"nio": "NIO Inc"})
    assert memo.convert(renamed, True, {"x": ("About Nio.", 5)})["x"].autolinks == ()


NAMES = {"nio": ("Nio",), "xpeng": ("XPeng",)}
TITLES = {"nio": "Nio", "xpeng": "XPeng"}
BODIES = {"a": ("About Nio.", 1), "b": ("About XPeng.", 1), "c": ("Links [[nio]] by slug.", 1), "d": ("Names no company.", 1)}
RENAMED = Names.build({**NAMES, "nio": ("NIO Inc",)}, {**TITLES, "nio": "NIO Inc"})


def test_a_renamed_company_converts_again_only_the_bodies_that_show_its_names():
    memo = Memo()
    first = memo.convert(Names.build(NAMES, TITLES), True, BODIES)
    again = memo.convert(RENAMED, True, BODIES)
    assert [slug for slug in BODIES if again[slug] is first[slug]] == ["b", "d"]
    assert again == Memo().convert(RENAMED, True, BODIES)
    assert again["a"].autolinks == () and "NIO Inc" in again["c"].html


def test_an_added_company_converts_again_only_the_bodies_that_name_it():
    memo = Memo()
    first = memo.convert(Names.build(NAMES, TITLES), True, BODIES)
    added = Names.build({**NAMES, "li-auto": ("Li Auto", "Names")}, {**TITLES, "li-auto": "Li Auto"})
    again = memo.convert(added, True, BODIES)
    assert [slug for slug in BODIES if again[slug] is not first[slug]] == ["d"]
    assert again["d"].autolinks == ("li-auto",)


def test_a_new_process_after_a_rename_finds_the_unchanged_bodies_in_the_disk_cache(tmp_path):
    disk = Store("engine", tmp_path / "cache.sqlite3")
    before = Memo(disk)
    before.convert(Names.build(NAMES, TITLES), True, BODIES)
    before.save()
    after = Memo(disk)
    bodies = after.convert(RENAMED, True, BODIES)
    assert after.hits == 2  # b and d; a and c show Nio's old name
    assert bodies == Memo().convert(RENAMED, True, BODIES)
    after.save()
    third = Memo(disk)
    third.convert(RENAMED, True, BODIES)
    assert third.hits == 4  # all of them now stored under the new names
