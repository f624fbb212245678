"""The memo reuses a file's result only while the file and its inputs are unchanged."""

import os
import time

from briefing.diskcache import DiskCache
from briefing.markup import Names
from briefing.memo import Memo
from briefing.parallel import worker_count
from briefing.problems import Problems


def test_a_file_is_read_again_only_after_it_changes(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    memo, calls = Memo(), []

    def read(read_path, data, problems):
        calls.append(read_path.read_text())
        problems.error(read_path, 1, "an error that must be reported every time")
        return calls[-1]

    for _ in range(2):
        problems = Problems()
        assert memo.read_all("t", [path], ("t",), tmp_path, problems, read) == ["one"]
        assert len(problems.errors) == 1
    assert calls == ["one"]
    path.write_text("two, longer")
    assert memo.read_all("t", [path], ("t",), tmp_path, Problems(), read) == ["two, longer"]
    assert memo.read_all("t", [path], ("other taxonomies",), tmp_path, Problems(), read) == ["two, longer"]
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

    values = Memo().read_all("t", paths, (), tmp_path, problems, read)
    assert [v for _, v in values] == list(range(300))
    if worker_count() > 1:
        assert len({pid for pid, _ in values}) > 1


def test_bodies_are_converted_again_when_the_names_change():
    memo = Memo()
    names = Names.build({"nio": ("Nio",)}, {"nio": "Nio"})
    first = memo.convert_all(names, True, {"x": ("About Nio.", 5)})
    assert first["x"].autolinks == ("nio",)
    again = memo.convert_all(names, True, {"x": ("About Nio.", 5)})
    assert again["x"] is first["x"]
    renamed = Names.build({"nio": ("NIO Inc",)}, {"nio": "NIO Inc"})
    assert memo.convert_all(renamed, True, {"x": ("About Nio.", 5)})["x"].autolinks == ()


NAMES = {"nio": ("Nio",), "xpeng": ("XPeng",)}
TITLES = {"nio": "Nio", "xpeng": "XPeng"}
BODIES = {"a": ("About Nio.", 1), "b": ("About XPeng.", 1), "c": ("Links [[nio]] by slug.", 1), "d": ("Names no company.", 1)}
RENAMED = Names.build({**NAMES, "nio": ("NIO Inc",)}, {**TITLES, "nio": "NIO Inc"})


def test_a_renamed_company_converts_again_only_the_bodies_that_show_its_names():
    memo = Memo()
    first = memo.convert_all(Names.build(NAMES, TITLES), True, BODIES)
    again = memo.convert_all(RENAMED, True, BODIES)
    assert [slug for slug in BODIES if again[slug] is first[slug]] == ["b", "d"]
    assert again == Memo().convert_all(RENAMED, True, BODIES)
    assert again["a"].autolinks == () and "NIO Inc" in again["c"].html


def test_an_added_company_converts_again_only_the_bodies_that_name_it():
    memo = Memo()
    first = memo.convert_all(Names.build(NAMES, TITLES), True, BODIES)
    added = Names.build({**NAMES, "li-auto": ("Li Auto", "Names")}, {**TITLES, "li-auto": "Li Auto"})
    again = memo.convert_all(added, True, BODIES)
    assert [slug for slug in BODIES if again[slug] is not first[slug]] == ["d"]
    assert again["d"].autolinks == ("li-auto",)


def test_a_new_process_after_a_rename_finds_the_unchanged_bodies_in_the_disk_cache(tmp_path):
    disk = DiskCache(tmp_path / "cache.sqlite3", "engine")
    before = Memo(disk)
    before.convert_all(Names.build(NAMES, TITLES), True, BODIES)
    before.save()
    after = Memo(disk)
    bodies = after.convert_all(RENAMED, True, BODIES)
    assert after.hits == 2  # b and d; a and c show Nio's old name
    assert bodies == Memo().convert_all(RENAMED, True, BODIES)
    after.save()
    third = Memo(disk)
    third.convert_all(RENAMED, True, BODIES)
    assert third.hits == 4  # all of them now stored under the new names
