"""The output folder against bad luck: two builds at once, a build killed while it moves files into place,
symbolic links inside it. Real processes, real kills, real files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.writer import JOURNAL, holding, staging_folders
from helpers import REPO, built_paths, run_build

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.slow
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1622505600"}
OPTIONS = ("--content", "content", "--output", "site", "--templates", str(REPO / "templates"))


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: a file's bytes, a link's target, a folder's mark."""
    found = {}
    for path in built_paths(folder):
        name = path.relative_to(folder).as_posix()
        found[name] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes() if path.is_file() else "folder"
    return found


def build(work: Path, *args: str) -> subprocess.CompletedProcess:
    return run_build(*args, *OPTIONS, cwd=work, env=ENV, timeout=300)


def start_build(work: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(REPO / "build.py"), *OPTIONS], cwd=work, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def edit_every_brief(content: Path, mark: str) -> None:
    for brief in (content / "companies").iterdir():
        brief.write_text(brief.read_text("utf-8") + f"\nEdited: {mark}.\n", "utf-8")


def fresh_build(work: Path) -> dict:
    """What a first build of `work`'s content makes, in a folder of its own with a cache of its own."""
    fresh = work.parent / f"{work.name}-fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    (fresh / "content").symlink_to(work / "content")
    assert build(fresh).returncode == 0
    return tree(fresh / "site")


@pytest.fixture
def generated(tmp_path) -> Path:
    work = tmp_path / "work"
    generate(150, work)
    assert build(work).returncode == 0
    return work


def test_a_second_build_stops_at_once_naming_the_first(generated):
    before = tree(generated / "site")
    edit_every_brief(generated / "content", "locked out")
    with holding(generated / "site"):
        started = time.perf_counter()
        second = build(generated)
        took = time.perf_counter() - started
    assert second.returncode == 1
    assert f"another build is writing this folder: Briefing process {os.getpid()}" in second.stderr
    assert "site is unchanged" in second.stderr and "Traceback" not in second.stderr
    assert took < 5
    assert tree(generated / "site") == before
    assert build(generated).returncode == 0  # the lock ends with the process holding it


def test_two_builds_at_once_never_leave_a_mixed_site(generated):
    for attempt in range(3):
        edit_every_brief(generated / "content", f"attempt {attempt}")
        first, second = start_build(generated), start_build(generated)
        results = [(p.wait(timeout=300), p.stderr.read()) for p in (first, second)]
        for code, stderr in results:
            assert code == 0 or (code == 1 and "another build is writing this folder" in stderr), stderr
            assert "Traceback" not in stderr
        assert 0 in [code for code, _ in results]
        assert tree(generated / "site") == fresh_build(generated)
        again = build(generated)
        assert again.returncode == 0 and ": 0 files written" in again.stdout, again.stdout


def kill_while_placing(work: Path) -> bool:
    """Start a build and SIGKILL it the moment its journal appears; whether it was caught moving files."""
    process = start_build(work)
    journal = work / "site" / JOURNAL
    while process.poll() is None and not journal.exists():
        pass
    caught = process.poll() is None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return caught and journal.exists()


def test_a_build_killed_while_moving_files_is_repaired_by_the_next(generated):
    caught = 0
    for attempt in range(3):
        edit_every_brief(generated / "content", f"kill {attempt}")
        caught += kill_while_placing(generated)
        repair = build(generated)
        assert repair.returncode == 0, repair.stderr
        if (generated / "site" / JOURNAL).exists() or caught:
            assert "repaired" in repair.stderr
        assert not (generated / "site" / JOURNAL).exists() and not staging_folders(generated / "site")
        assert tree(generated / "site") == fresh_build(generated)
    assert caught, "no kill landed while files were being moved"


def test_a_build_killed_while_rendering_leaves_its_staging_to_the_next(generated):
    edit_every_brief(generated / "content", "killed early")
    process = start_build(generated)
    while process.poll() is None and not staging_folders(generated / "site"):
        pass
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert staging_folders(generated / "site")
    after = build(generated)
    assert after.returncode == 0
    assert "removed the staged files of an interrupted build" in after.stderr
    assert tree(generated / "site") == fresh_build(generated)


def test_a_linked_folder_in_the_output_is_an_error_and_nothing_outside_is_touched(generated, tmp_path):
    """`site/static -> ~/mystatic`: a rebuild that no longer makes static/style.css must not delete the user's own."""
    templates = generated / "templates"
    shutil.copytree(REPO / "templates", templates)
    options = ("--content", "content", "--output", "site", "--templates", "templates")
    assert run_build(*options, cwd=generated, env=ENV).returncode == 0
    mine = tmp_path / "mystatic"
    shutil.move(generated / "site" / "static", mine)
    (generated / "site" / "static").symlink_to(mine)
    kept = tree(mine)
    before = tree(generated / "site")
    (templates / "static" / "style.css").unlink()
    result = run_build(*options, cwd=generated, env=ENV)
    assert result.returncode == 1
    assert "site/static: is a symbolic link inside the output folder" in result.stderr
    assert tree(mine) == kept and tree(generated / "site") == before


def test_a_linked_companies_folder_is_an_error_not_a_site_with_pages_missing(generated, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.move(generated / "site" / "companies", elsewhere)
    (generated / "site" / "companies").symlink_to(elsewhere)
    edit_every_brief(generated / "content", "through a link")
    kept = tree(elsewhere)
    result = build(generated)
    assert result.returncode == 1
    assert "site/companies: is a symbolic link inside the output folder" in result.stderr
    assert tree(elsewhere) == kept


def test_the_output_folder_itself_may_be_a_link(generated, tmp_path):
    real = tmp_path / "real-site"
    shutil.move(generated / "site", real)
    (generated / "site").symlink_to(real)
    edit_every_brief(generated / "content", "linked output")
    assert build(generated).returncode == 0
    assert (generated / "site").is_symlink()
    assert tree(real) == fresh_build(generated)


def test_a_first_build_killed_while_moving_files_is_repaired_not_refused(tmp_path):
    work = tmp_path / "first"
    generate(150, work)
    process = start_build(work)
    journal = work / "site" / JOURNAL
    while process.poll() is None and not journal.exists():
        pass
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if not journal.exists():
        pytest.skip("the build ended before the kill landed")
    repair = build(work)
    assert repair.returncode == 0, repair.stderr
    assert "repaired" in repair.stderr
    assert tree(work / "site") == fresh_build(work)
