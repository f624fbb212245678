"""Each tests/fixtures/invalid/<case>/ is a broken site; `build.py check` must report exactly its expected.txt.

A case is a `content/` folder that breaks one rule of the content model (or, in
`two-broken-files`, two files at once) and an `expected.txt` with the exact
`path:line: message` error lines, as printed with the case folder as the
working folder. Warnings may be printed too; other errors may not.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, error_lines, run_build

CASES = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir())


def expected_lines(case: Path) -> list[str]:
    return [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_there_is_a_case_per_rule():
    names = {case.name for case in CASES}
    assert {
        "missing-front-matter", "front-matter-not-mapping", "invalid-yaml", "duplicate-key", "missing-required-key",
        "unknown-key", "wrong-kind-date", "wrong-kind-choice", "wrong-kind-list", "invalid-slug-file-name",
        "term-url-clash", "unknown-wikilink", "unknown-relation-target", "unknown-citation", "unknown-source-field",
        "missing-anchor", "relation-to-self", "non-utf8", "unknown-site-key", "two-broken-files",
    } <= names
    for case in CASES:
        assert (case / "content" / "site.yml").is_file(), case.name
        assert expected_lines(case), f"{case.name}/expected.txt is empty"


@pytest.fixture(scope="module")
def runs():
    """Every case's `build.py check`, run side by side (each is a separate Python process)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        results = pool.map(lambda case: run_build("check", "--content", "content", cwd=case), CASES)
        return dict(zip(CASES, results))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_site_is_rejected_with_exact_errors(case, runs):
    result = runs[case]
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 1, output
    expected = expected_lines(case)
    printed = result.stderr.splitlines()
    missing = [line for line in expected if line not in printed]
    assert missing == [], f"not printed:\n{chr(10).join(missing)}\n\nstderr:\n{result.stderr}"
    unexpected = [line for line in error_lines(result.stderr) if line not in expected]
    assert unexpected == [], f"errors not in expected.txt:\n{chr(10).join(unexpected)}"
    assert printed[-1].startswith(f"{len(expected)} error(s), ")


def test_two_broken_files_report_both():
    case = FIXTURES / "invalid" / "two-broken-files"
    files = {line.split(":", 1)[0] for line in expected_lines(case)}
    assert files == {"content/companies/li-auto.md", "content/companies/nio.md"}


@pytest.mark.parametrize("name", ["symlink-loop", "symlink-cycle", "term-too-long"])
def test_a_build_reports_what_check_reports_and_writes_nothing(name, tmp_path):
    """Names the file system cannot take, and links that never reach a file, are content errors for `build` too."""
    case = FIXTURES / "invalid" / name
    result = run_build("--content", str(case / "content"), "--templates", str(REPO / "templates"), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    printed = [line.split(": ", 1)[1] for line in error_lines(result.stderr)]
    assert printed == [line.split(": ", 1)[1] for line in expected_lines(case)]
    assert not (tmp_path / "site").exists()
