from pathlib import Path

import pytest

from briefing.files import (
    MAX_BYTES,
    FrontMatterSplit,
    UnclosedFrontMatter,
    inside,
    read_text,
    split_front_matter,
)
from briefing.problems import Problems


@pytest.fixture
def content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "content"
    folder.mkdir()
    return folder


def read(path, root):
    problems = Problems()
    return read_text(path, root, problems), [p.format() for p in problems.errors]


def test_reads_utf8(content):
    path = content / "nio.md"
    path.write_text("Nio 蔚来\n", encoding="utf-8")
    assert read(path, content) == ("Nio 蔚来\n", [])


def test_non_utf8_names_the_line_and_the_byte(content):
    path = content / "nio.md"
    path.write_bytes(b"---\ntitle: Nio\nsummary: caf\xe9\n---\n")
    assert read(path, content) == (None, ["content/nio.md:3: is not UTF-8 (byte 0xe9); save the file as UTF-8"])


def test_byte_order_mark_is_dropped(content):
    path = content / "nio.md"
    path.write_bytes(b"\xef\xbb\xbf---\ntitle: Nio\n")
    assert read(path, content) == ("---\ntitle: Nio\n", [])


def test_crlf_and_cr_line_ends_become_newlines(content):
    path = content / "nio.md"
    path.write_bytes(b"---\r\ntitle: Nio\r\n---\rbody\r\n")
    assert read(path, content) == ("---\ntitle: Nio\n---\nbody\n", [])


def test_nul_byte_is_rejected_with_its_line(content):
    path = content / "nio.md"
    path.write_bytes(b"a\nb\nc\x00d\n")
    assert read(path, content) == (None, ["content/nio.md:3: contains a NUL byte; is it a text file?"])


def test_file_over_4_mib_is_rejected_without_reading_it(content):
    path = content / "huge.md"
    with open(path, "wb") as out:
        out.truncate(MAX_BYTES + 1)
    assert MAX_BYTES == 4 * 1024 * 1024
    assert read(path, content) == (None, ["content/huge.md: is 4 MiB; a file may be at most 4 MiB"])


def test_file_of_exactly_4_mib_is_read(content):
    path = content / "big.md"
    path.write_bytes(b"a" * MAX_BYTES)
    text, errors = read(path, content)
    assert errors == [] and len(text) == MAX_BYTES


def test_symlink_leaving_the_content_folder_is_rejected(content, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    link = content / "nio.md"
    link.symlink_to(secret)
    assert read(Path("content/nio.md"), Path("content")) == (None, ["content/nio.md: links outside the content folder content; move the file into it"])


def test_symlink_within_the_content_folder_is_read(content):
    (content / "real.md").write_text("hello\n")
    link = content / "alias.md"
    link.symlink_to(content / "real.md")
    assert read(link, content) == ("hello\n", [])


def test_unreadable_file_is_reported_not_raised(content):
    folder = content / "dir.md"
    folder.mkdir()
    text, errors = read(folder, content)
    assert text is None
    assert len(errors) == 1 and errors[0].startswith("content/dir.md: cannot be read: ")


def test_inside(tmp_path):
    assert inside(tmp_path / "a" / "b.md", tmp_path)
    assert not inside(tmp_path.parent / "x.md", tmp_path)
    assert not inside(tmp_path / ".." / "x.md", tmp_path)


def test_split_front_matter_gives_file_lines():
    split = split_front_matter("---\ntitle: Nio\nsummary: s\n---\n## Heading\nText\n")
    assert split == FrontMatterSplit("title: Nio\nsummary: s\n", 2, "## Heading\nText\n", 5)


def test_split_front_matter_accepts_the_yaml_end_marker():
    split = split_front_matter("---\ntitle: Nio\n...\nbody")
    assert (split.yaml, split.body, split.body_line) == ("title: Nio\n", "body", 4)


def test_no_front_matter_leaves_the_whole_text_as_body():
    split = split_front_matter("# Just Markdown\n")
    assert split == FrontMatterSplit(None, 0, "# Just Markdown\n", 1)


def test_a_dashes_line_later_in_the_text_is_not_front_matter():
    assert split_front_matter("Intro\n---\ntitle: x\n---\n").yaml is None


def test_unclosed_front_matter_raises():
    with pytest.raises(UnclosedFrontMatter):
        split_front_matter("---\ntitle: Nio\nno end\n")

