"""README's quick start, run as written on a clean copy of the repository.

Slow (it creates virtual environments and installs from the package index),
so it runs only under CI or with BRIEFING_QUICKSTART=1. The copy holds the
files git tracks, as a fresh clone would. The test command is run with
`-m 'not quickstart'` so that it does not run this test again, and on the
sample site's tests alone: the whole suite is what runs this test, so a second
run in the fresh venv would only double CI's time. What this test shows is that
the command works as written: the venv, the install from the index and pytest.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import REPO

slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("BRIEFING_QUICKSTART") == "1"),
    reason="slow: set BRIEFING_QUICKSTART=1 (CI runs it)",
)

INSTALL_TIMEOUT = 1200  # seconds for a command that installs and then runs
SMOKE_TESTS = ("tests/test_sample.py", "tests/test_cli.py")  # what the README's test command runs here (see the docstring)
SERVER_URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*")


def section_commands(readme: str, heading: str) -> list[str]:
    """The ```bash blocks of one '## ' section of README."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"README.md has no '## {heading}' section"
    return [block.strip() for block in re.findall(r"^```bash\n(.*?)^```", match.group(1), re.M | re.S)]


def quick_start_commands(readme: str) -> list[str]:
    return section_commands(readme, "Quick start")


def test_every_shell_block_of_readme_is_one_this_test_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ran = quick_start_commands(readme) + section_commands(readme, "Your first brief")
    assert len(re.findall(r"^```(?:bash|sh|shell|console)\n", readme, re.M)) == len(ran) == 3


def test_readme_has_two_quick_start_commands():
    commands = quick_start_commands((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands), "each quick-start command is one line"


def clean_copy(target: Path) -> Path:
    """The files git tracks (as they are in the work tree), copied to `target`."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet committed
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    return target


def fresh_shell_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell on a fresh machine: no CI flag, no active venv, no pytest state."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("PYTEST_")}
    venv_bin = str(REPO / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(extra)
    return env


def run_to_completion(command: str, cwd: Path, env: dict[str, str], timeout: int) -> None:
    result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"`{command}` exited {result.returncode}\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def run_server_until_it_answers(command: str, cwd: Path, env: dict[str, str], timeout: int) -> str:
    """Start a long-running `serve` command, wait for its printed URL to answer 200, then stop it."""
    log_path = cwd / "quickstart-serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = log_path.read_text(errors="replace")
            found = SERVER_URL.search(output)
            if found and answers_200(found.group()):
                return found.group()
            if process.poll() is not None:
                pytest.fail(f"`{command}` exited {process.returncode} before serving\n{output[-5000:]}")
            time.sleep(0.5)
        pytest.fail(f"`{command}` did not serve a page within {timeout} s\n{log_path.read_text(errors='replace')[-5000:]}")
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End the command and everything it started (its own session), by its id."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def run_quick_start_command(command: str, cwd: Path, env: dict[str, str]) -> None:
    if re.search(r"\sserve\b", command):
        run_server_until_it_answers(command, cwd, env, INSTALL_TIMEOUT)
    else:
        run_to_completion(command, cwd, env, INSTALL_TIMEOUT)


@pytest.mark.quickstart
@slow
def test_quick_start_on_a_clean_copy(tmp_path):
    main_command, test_command = quick_start_commands((REPO / "README.md").read_text(encoding="utf-8"))
    copy = clean_copy(tmp_path / "briefing")
    assert not (copy / ".venv").exists()

    run_quick_start_command(main_command, copy, fresh_shell_env())
    [first_brief] = section_commands((REPO / "README.md").read_text(encoding="utf-8"), "Your first brief")
    run_quick_start_command(first_brief, copy, fresh_shell_env())
    assert (copy.parent / "my-briefing" / "content" / "companies" / "nio.md").is_file()

    run_quick_start_command(test_command, copy, fresh_shell_env(PYTEST_ADDOPTS=f"-m 'not quickstart' -x -q {' '.join(SMOKE_TESTS)}"))
