"""Only regular files are read: a FIFO or a device as a brief is an error naming it, never a hang."""

from __future__ import annotations

import os

from helpers import error_lines, run_build


def test_a_fifo_and_a_device_as_briefs_are_errors_in_build_and_check(workspace):
    companies = workspace / "content" / "companies"
    os.mkfifo(companies / "f.md")
    (companies / "z.md").symlink_to("/dev/zero")
    for command in ((), ("check",)):
        result = run_build(*command, "--content", "content", "--templates", "templates", "--output", "site", cwd=workspace, timeout=30)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        errors = error_lines(result.stderr)
        assert any(e.startswith("content/companies/f.md:") for e in errors), errors
        assert any(e.startswith("content/companies/z.md:") for e in errors), errors
    assert not (workspace / "site").exists()


def test_a_file_name_that_is_not_utf_8_is_built_around_not_a_traceback(workspace):
    name = os.fsdecode(b"content/\xc3.md")
    (workspace / name).write_bytes((workspace / "content" / "companies" / "nio.md").read_bytes())
    for _ in range(2):
        result = run_build("--content", "content", "--templates", "templates", "--output", "site", cwd=workspace, timeout=60)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def test_a_fifo_among_the_static_files_is_an_error_not_a_hang(workspace):
    os.mkfifo(workspace / "templates" / "static" / "pipe.css")
    result = run_build("--content", "content", "--templates", "templates", "--output", "site", cwd=workspace, timeout=30)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert any(e.startswith("templates/static/pipe.css:") for e in error_lines(result.stderr)), result.stderr
    assert not (workspace / "site").exists()
