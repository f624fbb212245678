"""The memo reuses a file's result only while the file and its inputs are unchanged."""


from briefing.markup import Names
from briefing.memo import Memo
from briefing.problems import Problems


def test_a_file_is_read_again_only_after_it_changes(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    memo, calls = Memo(), []

    def read(problems):
        calls.append(path.read_text())
        problems.error(path, 1, "an error that must be reported every time")
        return calls[-1]

    for _ in range(2):
        problems = Problems()
        assert memo.read(path, ("t",), problems, read) == "one"
        assert len(problems.errors) == 1
    assert calls == ["one"]
    path.write_text("two, longer")
    assert memo.read(path, ("t",), Problems(), read) == "two, longer"
    assert memo.read(path, ("other taxonomies",), Problems(), read) == "two, longer"
    assert len(calls) == 3


def test_bodies_are_converted_again_when_the_names_change():
    memo = Memo()
    names = Names.build({"nio": ("Nio",)}, {"nio": "Nio"})
    first = memo.convert_all(names, True, {"x": ("About Nio.", 5)})
    assert first["x"].autolinks == ("nio",)
    again = memo.convert_all(names, True, {"x": ("About Nio.", 5)})
    assert again["x"] is first["x"]
    renamed = Names.build({"nio": ("NIO Inc",)}, {"nio": "NIO Inc"})
    assert memo.convert_all(renamed, True, {"x": ("About Nio.", 5)})["x"].autolinks == ()
