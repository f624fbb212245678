"""The real `python build.py check`, run as a user runs it."""

import os

import pytest
from helpers import REPO, VALID, brief, run_build, write_site

EPOCH_2021_06_01 = "1622505600"


def env(**extra):
    values = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_BASE_URL", "SOURCE_DATE_EPOCH")}
    values["SOURCE_DATE_EPOCH"] = EPOCH_2021_06_01
    values.update(extra)
    return values


def check(*args, cwd=REPO, **extra_env):
    result = run_build("check", *args, cwd=cwd, env=env(**extra_env))
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def clean_site(tmp_path):
    """A site with no errors and no warnings; cwd for runs is tmp_path."""
    write_site(tmp_path, {
        "companies/nio.md": brief("Nio", "relations:\n  - to: xpeng\n    type: competitor", body="## Plans\n"),
        "companies/xpeng.md": brief("XPeng", body="See [[nio#plans]]."),
    })
    return tmp_path


def test_valid_site_exits_0_and_prints_warnings():
    result = check("--content", str(VALID.relative_to(REPO)))
    assert result.returncode == 0
    assert result.stdout == "checked 4 briefs, 3 sources, 22 pages: no errors, 2 warning(s)\n"
    assert result.stderr.splitlines() == [
        "tests/fixtures/valid/content/companies/delta-auto.md:4: warning: stale: updated 2020-06-01 is 365 days old (limit 180); review the brief and set 'updated'",
        "tests/fixtures/valid/content/sources.yml:10: warning: source 'unused-source' is not cited; "
        "cite it with [@unused-source] or source: unused-source, or remove it",
    ]


def test_strict_turns_warnings_into_failure():
    assert check("--content", str(VALID), "--strict").returncode == 1


def test_strict_passes_a_clean_site(clean_site):
    result = check("--strict", cwd=clean_site)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("checked 2 briefs, 0 sources, ")


def test_content_defaults_to_content_in_the_working_folder(clean_site):
    assert check(cwd=clean_site).returncode == 0


def test_errors_exit_1_with_path_line_message_and_a_count(clean_site):
    (clean_site / "content/companies/nio.md").write_text(brief("Nio", "relations:\n  - to: xpegn\n    type: competitor"))
    result = check(cwd=clean_site)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "content/companies/nio.md:6: relations[0].to: unknown company 'xpegn' (did you mean 'xpeng'?)" in lines
    assert "content/companies/xpeng.md:6: [[nio#plans]]: no heading with anchor 'plans' in 'nio'; it has no headings" in lines
    assert lines[-1] == "2 error(s), 1 warning(s)"


def test_drafts_flag(clean_site):
    (clean_site / "content/companies/nio.md").write_text(brief("Nio", "draft: true", body="## Plans\n"))
    without = check(cwd=clean_site)
    assert without.returncode == 1
    assert "content/companies/xpeng.md:6: [[nio#plans]]: 'nio' is a draft; build with --drafts or remove the reference" in without.stderr
    assert check("--drafts", cwd=clean_site).returncode == 0


def test_missing_content_folder(tmp_path):
    result = check("--content", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "nowhere: content folder not found; pass --content DIR or create content/"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_bad_base_url_override(clean_site, how):
    result = check("--base-url", "acme.github.io", cwd=clean_site) if how == "option" else check(cwd=clean_site, BRIEFING_BASE_URL="acme.github.io")
    assert result.returncode == 1
    assert "--base-url/BRIEFING_BASE_URL: base_url 'acme.github.io' is not a web address; write one starting with https://" in result.stderr


def test_binary_garbage_is_reported_not_crashed_on(clean_site):
    (clean_site / "content/companies/nio.md").write_bytes(bytes(b for b in range(256) if b != 10) * 8)
    result = check(cwd=clean_site)
    assert result.returncode == 1
    assert result.stderr.startswith("content/companies/nio.md:1: is not UTF-8 (byte 0x80); save the file as UTF-8\n")


def test_unknown_command_is_a_usage_error(clean_site):
    result = run_build("chekc", cwd=clean_site, env=env())
    assert result.returncode == 2
    assert "invalid choice: 'chekc'" in result.stderr
    assert "Traceback" not in result.stderr


def test_each_problem_prints_on_one_line_whatever_the_content_holds(clean_site):
    """Line breaks, terminal escapes and bidirectional overrides in a value or a file name are printed escaped."""
    (clean_site / "content/companies/nio.md").write_text(brief("Nio", 'relations:\n  - to: "xp\\neng\\u202e"\n    type: partner', body="## Plans\n"))
    (clean_site / "content/companies/new\nline\x1b[31m.md").write_text(brief("New"))
    result = check(cwd=clean_site)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "content/companies/nio.md:6: relations[0].to: unknown company 'xp\\neng\\u202e' (did you mean 'xpeng'?)" in lines
    assert any(line.startswith("content/companies/new\\nline\\x1b[31m.md: file name ") for line in lines), lines
    assert lines[-1].startswith("2 error(s), ")
    assert all(line.startswith("content/companies/") for line in lines[:-1]), lines


def test_check_format_github_annotates_each_error_and_warning_at_its_file_and_line(tmp_path):
    write_site(tmp_path, {
        "companies/nio.md": brief("Nio", "relations:\n  - to: nowhere\n    type: competitor", body="Text.\n"),
        "companies/xpeng.md": brief("XPeng", body="See [[nio]].\n", updated="2020-01-01"),
    })
    result = check("--format", "github", cwd=tmp_path)
    assert result.returncode == 1
    annotations = result.stdout.splitlines()
    assert annotations[0] == "::error file=content/companies/nio.md,line=6::relations[0].to: unknown company 'nowhere'; companies are: nio, xpeng"
    assert "::warning file=content/companies/xpeng.md,line=4::stale: updated 2020-01-01" in result.stdout
    assert len(annotations) == len([line for line in result.stderr.splitlines() if ": " in line]) == 3  # each problem, not the count line
    assert not check(cwd=tmp_path).stdout  # without --format github: nothing on stdout


def test_an_annotation_escapes_what_would_end_its_fields():
    from briefing.problems import WARNING, Problem

    problem = Problem("content/a:b,c.md", 3, "100% sure\nor not", WARNING)
    assert problem.annotation() == "::warning file=content/a%3Ab%2Cc.md,line=3::100%25 sure\\nor not"
    assert Problem("content/site.yml", 0, "x").annotation() == "::error file=content/site.yml::x"


@pytest.mark.parametrize("command", [["build.py"], ["-m", "briefing.cli"]])
def test_version_names_the_command_and_the_package_version(command):
    import subprocess
    import sys
    from importlib.metadata import version

    args = [str(REPO / "build.py")] if command == ["build.py"] else command
    result = subprocess.run([sys.executable, *args, "--version"], capture_output=True, text=True, cwd=REPO)
    name = "build.py" if command == ["build.py"] else "briefing"
    assert result.returncode == 0 and result.stdout == f"{name} {version('briefing')}\n"
