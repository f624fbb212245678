"""Stamps change when a file is edited, added or removed, and not otherwise."""

import os

from briefing.stamps import file_stamp, tree_stamp


def test_tree_stamp_sees_edits_additions_and_removals_but_not_hidden_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text("one")
    first = tree_stamp([tmp_path])
    assert tree_stamp([tmp_path]) == first
    (tmp_path / ".swap").write_text("editor state")
    assert tree_stamp([tmp_path]) == first
    (tmp_path / "a" / "one.md").write_text("one, longer")
    edited = tree_stamp([tmp_path])
    assert edited != first
    (tmp_path / "a" / "two.md").write_text("two")
    added = tree_stamp([tmp_path])
    assert len(added) == 2
    (tmp_path / "a" / "two.md").unlink()
    assert tree_stamp([tmp_path]) == edited


def test_tree_stamp_of_a_missing_folder_is_empty(tmp_path):
    assert tree_stamp([tmp_path / "missing"]) == ()


def test_file_stamp_changes_with_the_modification_time(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("same size")
    before = file_stamp(path)
    os.utime(path, ns=(before[0] + 1_000_000, before[0] + 1_000_000))
    assert file_stamp(path) != before
    assert file_stamp(tmp_path / "missing") is None
