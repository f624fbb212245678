"""Search: Pagefind's index of the company pages, in <output>/pagefind/, kept up to date after each build.

Pagefind reads the written site and has no incremental mode, so it runs only
after a build that wrote or removed a company page (or when the index is
missing, or an earlier run did not finish: a marker in the output folder says
so). It writes into a scratch folder inside the output, and the new index
replaces the old one in two renames while this process holds the output
folder, so a browser never reads a half-written index. `serve` runs the slow
part in the background (`wait` on a thread of its own, then `finish` on the server's).
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .problems import WARNING, ContentError, Problem
from .builder import BuildResult
from .writer import holding

INDEX = "pagefind"
INDEXED_PAGES = "companies/*/index.html"  # company pages only; inside them, only what data-pagefind-body marks
PENDING = ".briefing-search-pending"  # there from a build that changed company pages until their index is in place
SCRATCH = ".briefing-search-"  # .briefing-search-<process id>: the index being made


@dataclass(frozen=True, slots=True)
class Indexed:
    pages: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Run:
    """Pagefind running into its scratch folder."""

    output: Path
    scratch: Path
    process: subprocess.Popen | None  # None: no company pages, nothing to index
    started: float
    token: str  # what this run wrote into the marker: if another run marks it since, that run's index is newer


def pages_changed(result: BuildResult) -> bool:
    """The build wrote or removed a company page, or repaired the folder (an interrupted build may have put pages in
    place that were never indexed, and that this one found already written)."""
    changed = result.report.changed if result.report is not None else ()
    return bool(result.repaired) or any(fnmatch.fnmatchcase(name, INDEXED_PAGES) for name in changed)


def wanted(output: Path, result: BuildResult) -> bool:
    """Whether the index must be made again after `result`, a successful build."""
    return pages_changed(result) or os.path.lexists(output / PENDING) or not (output / INDEX).is_dir()


def start(output: Path, keep_index_file: bool = False, background: bool = False) -> Run | Problem:
    """Mark the index as wanted and start Pagefind on the written company pages; `keep_index_file`: results
    link .../index.html (a site built with --offline); `background`: at a low priority, so that a rebuild
    meanwhile (in `serve`) gets the processor first."""
    try:
        import pagefind_bin

        executable = str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        return problem(output, "Pagefind is not installed (pip install 'pagefind[bin]')")
    scratch = output / f"{SCRATCH}{os.getpid()}"
    token = f"{os.getpid()} {time.time_ns()}"
    try:
        (output / PENDING).write_text(token, "utf-8")
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
    except OSError as exc:
        return problem(output, f"cannot write {exc.filename}: {exc.strerror or exc}")
    started = time.perf_counter()
    if not any((output / "companies").glob("*/index.html")):
        return Run(output, scratch, None, started, token)
    command = [executable, "--site", str(output.resolve()), "--glob", INDEXED_PAGES, "--output-path", str((scratch / INDEX).resolve()), "--silent",
               "--exclude-selectors", ".cites", "--exclude-selectors", ".confidence"]  # citation numbers and confidence words are noise in results
    if keep_index_file:
        command.append("--keep-index-url")
    try:  # from the scratch folder: Pagefind reads a pagefind.yml or .toml from its working folder
        process = subprocess.Popen(command, cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        return problem(output, f"cannot run Pagefind ({executable}): {exc.strerror or exc}")
    if background:
        with contextlib.suppress(OSError):  # it has just started: lowering its priority costs it next to nothing
            os.setpriority(os.PRIO_PROCESS, process.pid, 10)
    return Run(output, scratch, process, started, token)


def wait(run: Run) -> str:
    """Wait for Pagefind; what went wrong, or '' (the slow part: `serve` waits on another thread)."""
    if run.process is None:
        return ""
    try:
        messages = run.process.communicate()[0].decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        return f"Pagefind's output could not be read: {exc}"
    if run.process.returncode == 0:
        return ""
    return "Pagefind failed: " + (" ".join(messages.split()[-60:]) or f"exit status {run.process.returncode}")


def finish(run: Run, failure: str) -> Indexed | Problem | None:
    """Put the index Pagefind made in place (with no company pages, an empty folder); `failure`: wait's. None
    when another run marked the index as wanted since this one started: its index is the newer, this one goes."""
    try:
        placed = place(run, failure)
    finally:
        shutil.rmtree(run.scratch, ignore_errors=True)  # with the old index in it: thousands of files on a large site
    return Indexed(placed, time.perf_counter() - run.started) if isinstance(placed, int) else placed


def place(run: Run, failure: str) -> int | Problem | None:
    """finish's swap, under the output folder's lock: the pages the new index holds."""
    if failure:
        return problem(run.output, failure)
    try:
        with holding(run.output):
            if read_marker(run.output) != run.token:
                return None
            pages = replace_index(run.output, run.scratch / INDEX)
            remove_abandoned(run.output)
            (run.output / PENDING).unlink(missing_ok=True)
            return pages
    except ContentError as exc:
        return problem(run.output, f"{exc.problems[0].message} (the next build indexes it)")
    except OSError as exc:
        return problem(run.output, f"cannot put the index in place: {exc.strerror or exc}")


def read_marker(output: Path) -> str | None:
    try:
        return (output / PENDING).read_text("utf-8", "replace")
    except OSError:
        return None


def stop(run: Run) -> None:
    if run.process is not None and run.process.poll() is None:
        run.process.kill()
        run.process.wait()
    shutil.rmtree(run.scratch, ignore_errors=True)


def refresh(output: Path, result: BuildResult, keep_index_file: bool = False) -> Indexed | Problem | None:
    """Bring the index up to date after `result`, a successful build; None when it already was."""
    if not wanted(output, result):
        return None
    run = start(output, keep_index_file)
    if isinstance(run, Problem):
        return run
    try:
        return finish(run, wait(run))
    except BaseException:  # Ctrl-C: no Pagefind left running, no scratch folder left in the output
        stop(run)
        raise


def replace_index(output: Path, made: Path) -> int:
    """Swap the new index (`made`; with no company pages, an empty folder) in for the old one; the pages it holds."""
    current = output / INDEX
    if os.path.lexists(current):
        os.rename(current, made.parent / "old")  # a symbolic link is moved, never followed
    if not made.is_dir():
        made.mkdir()
    os.rename(made, current)
    try:
        entry = json.loads((current / "pagefind-entry.json").read_bytes())
        return sum(int(language["page_count"]) for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0  # none there (no company pages), or a shape this Pagefind does not write: only the count is lost


def remove_abandoned(output: Path) -> None:
    """Remove the scratch folders of indexing processes that were killed."""
    for folder in output.glob(f"{SCRATCH}*"):
        pid = folder.name[len(SCRATCH):]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's
    return True


def problem(output: Path, message: str) -> Problem:
    return Problem(str(output / INDEX), 0, f"search index not updated: {message}", WARNING)
