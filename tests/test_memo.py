"""The memo reuses a file's result only while the file and its inputs are unchanged."""

import os
import time

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
