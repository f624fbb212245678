"""The cache is never trusted blindly: whatever it holds, a build makes the pages a fresh build makes, never a
traceback, and never runs code from it. Real builds in new processes (build.py), the cache file edited by hand."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers import REPO, built_paths, run_build

from briefing.incremental.plain import encode, sealed

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1622505600"}
TABLES = {"entries": "value", "builds": "record", "pages": "data"}


def build(workspace: Path, output: str = "site"):
    result = run_build("--content", "content", "--templates", "templates", "--output", output, cwd=workspace, env=ENV)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def pages(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in built_paths(folder) if p.is_file()}


def assert_fresh(workspace: Path) -> None:
    fresh = workspace / "fresh-work"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    for folder in ("content", "templates"):
        shutil.copytree(workspace / folder, fresh / folder)
    assert build(fresh).returncode == 0
    assert pages(workspace / "site") == pages(fresh / "site")


def edit_nio(workspace: Path, words: str) -> None:
    nio = workspace / "content" / "companies" / "nio.md"
    text = nio.read_text("utf-8")
    assert "Nio is positioned" in text
    nio.write_text(text.replace("Nio is positioned", f"Nio, {words}, is positioned", 1), "utf-8")


def cache_db(workspace: Path) -> sqlite3.Connection:
    return sqlite3.connect(workspace / ".briefing-cache" / "cache.sqlite3", isolation_level=None)


def rewrite(workspace: Path, table: str, change) -> int:
    """Every value of `table` replaced by change(value); how many there were."""
    column = TABLES[table]
    keys = {"entries": "key", "builds": "output", "pages": "output || '/' || slug"}[table]
    db = cache_db(workspace)
    rows = db.execute(f"SELECT {keys}, {column} FROM {table}").fetchall()
    for key, value in rows:
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {keys} = ?", (change(value), key))
    db.close()
    return len(rows)


def flip_shown_letter(value: bytes) -> bytes:
    """One bit flipped in a letter the page shows ("Positioning" -> "Posithoning" is one such flip)."""
    for word in (b"positioned", b"Positioning", b"Nio", b"electric"):
        at = value.find(word)
        if at >= 0:
            return value[:at + 1] + bytes([value[at + 1] ^ 0x01]) + value[at + 2:]
    return value[:-1] + bytes([value[-1] ^ 0x01])


@pytest.fixture
def built(workspace):
    assert build(workspace).returncode == 0
    return workspace


@pytest.mark.parametrize("table", TABLES)
def test_a_flipped_bit_anywhere_in_the_cache_is_a_miss_not_a_wrong_page(built, table):
    assert rewrite(built, table, flip_shown_letter) > 0
    edit_nio(built, "after a flipped bit")  # the quick path reads the stored Nio page and the record
    assert build(built).returncode == 0
    (built / "content" / "site.yml").write_text((built / "content" / "site.yml").read_text("utf-8") + "# full build\n", "utf-8")
    assert build(built).returncode == 0  # a full build reads the stored briefs and bodies
    assert_fresh(built)


@pytest.mark.parametrize("table", TABLES)
def test_a_well_sealed_value_of_the_wrong_shape_is_a_miss_not_a_traceback(built, table):
    assert rewrite(built, table, lambda value: sealed(encode({"key": 5, "inputs": [1, 2], "slug": None}))) > 0
    edit_nio(built, "after a wrong shape")
    assert build(built).returncode == 0
    (built / "content" / "site.yml").write_text((built / "content" / "site.yml").read_text("utf-8") + "# full build\n", "utf-8")
    assert build(built).returncode == 0
    assert_fresh(built)


class RunsCode:
    """A pickle that, loaded, would create the file `path`."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


@pytest.mark.parametrize("seal", [lambda data: data, sealed], ids=["as is", "sealed"])
@pytest.mark.parametrize("table", TABLES)
def test_a_cache_from_elsewhere_can_never_run_code(built, tmp_path, table, seal):
    """A pickle in the cache, even sealed with a right digest, is only data that is not a value: a miss."""
    marker = tmp_path / "code-ran"
    payload = seal(pickle.dumps(RunsCode(marker)))
    assert rewrite(built, table, lambda value: payload) > 0
    edit_nio(built, "after a poisoned cache")
    assert build(built).returncode == 0
    (built / "content" / "site.yml").write_text((built / "content" / "site.yml").read_text("utf-8") + "# full build\n", "utf-8")
    assert build(built).returncode == 0
    assert not marker.exists()
    assert_fresh(built)


def test_the_cache_folder_as_a_file_only_costs_time(workspace):
    (workspace / ".briefing-cache").write_text("not a folder")
    first, second = build(workspace), build(workspace)
    assert first.returncode == 0 and second.returncode == 0
    assert (workspace / ".briefing-cache").read_text() == "not a folder"
    assert_fresh(workspace)


def test_the_cache_file_as_a_folder_only_costs_time(workspace):
    (workspace / ".briefing-cache" / "cache.sqlite3").mkdir(parents=True)
    first, second = build(workspace), build(workspace)
    assert first.returncode == 0 and second.returncode == 0
    assert (workspace / ".briefing-cache" / "cache.sqlite3").is_dir()
    assert_fresh(workspace)


def test_no_module_of_briefing_loads_pickle_or_marshal_data_from_the_cache():
    """The cache's modules use plain.py alone; pickle stays between this build's own processes."""
    for path in (REPO / "briefing" / "incremental").glob("*.py"):
        text = path.read_text("utf-8")
        for word in ("pickle", "marshal", "pickling", "bytecode"):
            assert f"import {word}" not in text and f"{word}." not in text.replace("plain.", ""), (path.name, word)
