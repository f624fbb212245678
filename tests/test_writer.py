"""Writing output: only changed files, stale files removed, foreign folders refused."""

import json
import shutil

import pytest

from briefing.problems import ContentError
from briefing.writer import MANIFEST, Staging, WriteReport, check_output_folder


def write_site(files: dict[str, bytes], output) -> WriteReport:
    staging = Staging(output)
    for name, data in files.items():
        staging.put(name, [data])
    return staging.commit(set(files))


def counts(report: WriteReport) -> tuple[int, int, int]:
    return report.written, report.unchanged, report.removed


def test_first_write_then_nothing_changed(tmp_path):
    out = tmp_path / "site"
    files = {"index.html": b"home", "companies/a/index.html": b"a"}
    assert write_site(files, out) == WriteReport(2, 0, 0, frozenset(files))
    assert (out / "companies" / "a" / "index.html").read_bytes() == b"a"
    assert json.loads((out / MANIFEST).read_text())["files"] == ["companies/a/index.html", "index.html"]
    assert write_site(files, out) == WriteReport(0, 2, 0, frozenset())


def test_files_no_longer_made_are_removed_with_their_empty_folders(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home", "companies/a/index.html": b"a"}, out)
    report = write_site({"index.html": b"home, edited"}, out)
    assert (report.written, report.removed, report.changed) == (1, 1, {"index.html", "companies/a/index.html"})
    assert not (out / "companies").exists()


def test_files_briefing_did_not_make_are_never_removed(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    (out / "notes.txt").write_text("mine")
    write_site({"other.html": b"x"}, out)
    assert (out / "notes.txt").read_text() == "mine"


def test_a_manifest_naming_paths_outside_the_output_is_ignored(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    (tmp_path / "precious.txt").write_text("keep")
    (out / MANIFEST).write_text(json.dumps({"files": ["../precious.txt", "/etc/hostname", "index.html"]}))
    write_site({"new.html": b"x"}, out)
    assert (tmp_path / "precious.txt").read_text() == "keep"


def test_a_foreign_non_empty_folder_is_refused(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    with pytest.raises(ContentError):
        write_site({"index.html": b"x"}, out)
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_output_may_not_be_or_sit_inside_the_content_folder(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    assert check_output_folder(content / "site", [(content, False)])
    assert check_output_folder(tmp_path, [(content, False)])
    assert check_output_folder(tmp_path / "site", [(content, False), (tmp_path, True)]) == []


def test_staged_files_reach_the_output_only_on_commit(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home", "companies/a/index.html": b"a"}, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    staging = Staging(out)
    staging.put("index.html", [b"home, edited"])
    staging.put("companies/b/index.html", [b"b"])
    staging.put("companies/a/index.html", [b"a"])  # unchanged: not staged
    assert sorted(p.relative_to(staging.folder).as_posix() for p in staging.folder.rglob("*") if p.is_file()) == ["companies/b/index.html", "index.html"]
    staging.discard()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    staging = Staging(out)
    for name, data in {"index.html": b"home, edited", "companies/b/index.html": b"b", "companies/a/index.html": b"a"}.items():
        staging.put(name, [data])
    assert counts(staging.commit({"index.html", "companies/a/index.html", "companies/b/index.html"})) == (2, 1, 0)
    assert (out / "companies" / "b" / "index.html").read_bytes() == b"b"
    assert not staging.folder.exists()


def test_a_file_put_in_pieces_is_written_whole_and_known_unchanged_by_its_pieces(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    staging = Staging(out)
    staging.put("big.html", [b"<p>", b"", b"one", b" two</p>"])
    staging.put("index.html", [b"ho", b"me"])  # the same bytes as the output's: not staged
    staging.put("other.html", [b"ho", b"mE"])
    assert counts(staging.commit({"index.html", "big.html", "other.html"})) == (2, 1, 0)
    assert (out / "big.html").read_bytes() == b"<p>one two</p>"
    staging = Staging(out)
    staging.put("big.html", [b"<p>one", b" two</p>"])
    staging.put("other.html", [b"hom", b"e"])  # the same size, one byte different
    assert counts(staging.commit({"index.html", "big.html", "other.html"})) == (1, 2, 0)
    assert (out / "other.html").read_bytes() == b"home"


def test_a_failed_first_build_leaves_no_output_folder(tmp_path):
    staging = Staging(tmp_path / "site")
    staging.put("index.html", [b"x"])
    staging.discard()
    assert not (tmp_path / "site").exists()


def test_a_symlink_in_the_output_is_refused_not_followed(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    (tmp_path / "outside.html").write_text("outside")
    (out / "page.html").symlink_to(tmp_path / "outside.html")
    with pytest.raises(ContentError) as raised:
        write_site({"index.html": b"home", "page.html": b"new"}, out)
    assert [p.path for p in raised.value.problems] == [str(out / "page.html")]
    assert "symbolic link" in raised.value.problems[0].message
    assert (tmp_path / "outside.html").read_text() == "outside"


def test_a_linked_folder_deep_in_the_output_is_neither_written_nor_deleted_through(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home", "companies/a/index.html": b"a", "companies/b/index.html": b"b"}, out)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own file")
    shutil.rmtree(out / "companies" / "a")
    (out / "companies" / "a").symlink_to(mine)
    before = tree_of(out)
    for files in ({"index.html": b"home"}, {"index.html": b"home", "companies/a/index.html": b"new a"}):
        staging = Staging(out)
        for name, data in files.items():
            staging.put(name, [data])
        with pytest.raises(ContentError) as raised:
            staging.commit(set(files))
        assert [p.path for p in raised.value.problems] == [str(out / "companies" / "a")]
        assert (mine / "index.html").read_text() == "my own file"
        assert tree_of(out) == before


def tree_of(folder):
    return {str(p.relative_to(folder)): (p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in folder.rglob("*")}


def test_a_file_that_cannot_be_written_is_a_problem_not_a_traceback(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    staging = Staging(out)
    with pytest.raises(ContentError) as raised:
        staging.put("companies/" + "a" * 300 + "/index.html", [b"a"])
    [problem] = raised.value.problems
    assert problem.message.startswith("cannot write the site: ")


def test_a_folder_where_a_page_goes_is_an_error_before_anything_moves(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home", "feed.xml": b"feed"}, out)
    (out / "feed.xml").unlink()
    (out / "feed.xml").mkdir()
    (out / "feed.xml" / "mine.txt").write_text("mine")
    before = tree_of(out)
    staging = Staging(out)
    staging.put("index.html", [b"home, edited"])
    staging.put("feed.xml", [b"feed, edited"])
    with pytest.raises(ContentError) as raised:
        staging.commit({"index.html", "feed.xml"})
    assert [(p.path, p.message.split(";")[0]) for p in raised.value.problems] == [(str(out / "feed.xml"), "is a folder where Briefing writes a file of the site")]
    assert tree_of(out) == before


def test_a_file_no_build_made_where_a_folder_goes_is_an_error(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"home"}, out)
    (out / "companies").write_text("my notes")
    staging = Staging(out)
    staging.put("companies/a/index.html", [b"a"])
    with pytest.raises(ContentError) as raised:
        staging.commit({"index.html", "companies/a/index.html"})
    assert raised.value.problems[0].path == str(out / "companies")
    assert (out / "companies").read_text() == "my notes"
