"""A build leaves no process behind: when it exits, nothing of its session is left (issue 15 item 9)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PR_SET_CHILD_SUBREAPER = 36


def session_processes(sid: int) -> dict[int, str]:
    """pid -> state and command line of each process of session `sid`."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, ...
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[3]) == sid:
            found[int(pid)] = f"{fields[0]} {cmdline or '<defunct>'}"
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers and /proc are Linux's")
@pytest.mark.slow
def test_a_cold_build_of_a_large_site_leaves_no_process_of_its_session(tmp_path):
    # 400 briefs: enough company pages for the spawned helpers (render.render_pages), and the fork pools before them
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--briefs", "400", "--out", str(tmp_path / "corpus")],
                   check=True, capture_output=True)
    command = [sys.executable, str(REPO / "build.py"), "--content", str(tmp_path / "corpus" / "content"),
               "--templates", str(REPO / "templates"), "--output", str(tmp_path / "site")]
    libc = ctypes.CDLL(None, use_errno=True)
    # The build's orphans come to this process, which reaps them only below: whatever outlived the build stays
    # visible, however soon init would have reaped it.
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    left = {}
    try:
        build = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)  # its pid is its session's id
        stdout, stderr = build.communicate(timeout=300)
        left = session_processes(build.pid)
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        for pid in left:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    assert build.returncode == 0, stderr
    assert left == {}, f"processes of the build's session left after it exited: {left}"
