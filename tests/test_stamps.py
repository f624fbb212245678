"""Stamps and digests: which input files changed since the last build, and nothing else."""

import os
import time

from briefing.incremental import stamps
from briefing.incremental.stamps import (
    MISSING,
    changed_files,
    input_entries,
    output_stamps,
)


def test_edits_additions_and_removals_are_seen_but_not_hidden_files(tmp_path, monkeypatch):
    monkeypatch.setattr(stamps, "TRUST_AFTER_NS", 0)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text("one")
    first = input_entries([tmp_path], {})
    assert changed_files(input_entries([tmp_path], first), first) == set()
    (tmp_path / ".swap").write_text("editor state")
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / ".hidden" / "x.md").write_text("x")
    assert input_entries([tmp_path], first) == first
    (tmp_path / "a" / "one.md").write_text("one, longer")
    edited = input_entries([tmp_path], first)
    assert changed_files(edited, first) == {str(tmp_path / "a" / "one.md")}
    (tmp_path / "a" / "two.md").write_text("two")
    assert changed_files(input_entries([tmp_path], edited), edited) is None  # a file added: not a list of edits
    (tmp_path / "a" / "two.md").unlink()
    assert input_entries([tmp_path], edited).keys() == edited.keys()


def test_a_touch_that_keeps_the_bytes_is_no_change(tmp_path, monkeypatch):
    monkeypatch.setattr(stamps, "TRUST_AFTER_NS", 0)
    path = tmp_path / "x.md"
    path.write_text("same bytes")
    before = input_entries([tmp_path], {})
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    after = input_entries([tmp_path], before)
    assert after != before and changed_files(after, before) == set()


def test_a_file_changed_just_now_is_digested_again_next_time(tmp_path, monkeypatch):
    path = tmp_path / "x.md"
    path.write_text("one")
    recent = input_entries([tmp_path], {})
    assert recent[str(path)].startswith(MISSING)  # its stamp is not trusted
    calls = []
    monkeypatch.setattr(stamps, "digest_file", lambda name: calls.append(name) or b"digest")
    input_entries([tmp_path], recent)
    assert calls == [str(path)]


def test_a_broken_or_looping_link_is_a_file_that_cannot_be_read(tmp_path):
    os.symlink("nowhere.md", tmp_path / "broken.md")
    os.symlink("self.md", tmp_path / "self.md")
    entries = input_entries([tmp_path], {})
    assert set(entries) == {str(tmp_path / "broken.md"), str(tmp_path / "self.md")}
    assert all(entry.endswith(stamps.UNREADABLE) for entry in entries.values())


def test_a_missing_folder_has_no_files_and_a_missing_output_no_stamp(tmp_path):
    assert input_entries([tmp_path / "missing"], {}) == {}
    assert output_stamps(tmp_path, ["gone.html"]) == {"gone.html": MISSING}
