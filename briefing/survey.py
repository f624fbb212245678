"""What the inputs and the output look like now, beside the last build's record: made on another core.

A build in a new process starts by comparing the stamp of every content and
template file with the last build's record, and of every output file with the
stamp the record kept: at 10,000 briefs, 20,000 calls to stat, 60 ms. None of
it needs the libraries the process imports meanwhile (Jinja2, Python-Markdown:
over 100 ms), so the command line forks a child that makes the survey while
the parent imports them, and the build takes it from a pipe. Where there is no
fork or no second core, or the child fails, the build makes the survey itself.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from .cores import worker_count

if TYPE_CHECKING:
    from .buildcache import BuildRecord


class Survey(NamedTuple):  # not a record: this module is imported before the fork, and dataclasses costs 7 ms
    record: BuildRecord | None
    inputs: dict[str, bytes]  # every content and template file's entry now (inputs.Scan.entries)
    outputs: bytes  # the stamps now of the record's files (buildcache.output_stamps)
    intact: bool  # the output is as the record left it (buildcache.output_intact)


def survey(content: Path, templates: Path, output: Path) -> Survey:
    return made_here(content, templates, output)[0]


def made_here(content: Path, templates: Path, output: Path) -> tuple[Survey, tuple | None]:
    """The survey, and the version of the record's file it compared with (buildcache.read_record)."""
    from .buildcache import output_intact, output_stamps, parse_record, read_record
    from .inputs import Scan

    scan = Scan([content, templates])  # before anything is read: an edit from now on shows next time
    data, version = read_record(output)
    record = parse_record(data)
    inputs = scan.entries(record.inputs if record else {})
    outputs = output_stamps(output, record.files) if record else b""
    return Survey(record, inputs, outputs, record is not None and output_intact(output, record, outputs)), version


def wire(content: Path, templates: Path, output: Path) -> tuple:
    """The survey made here, as what differs from the record it compared with: a pipe carries a few kilobytes
    at once, and the parent reads the record's two megabytes at 10,000 briefs faster from the file."""
    found, version = made_here(content, templates, output)
    recorded = found.record.inputs if found.record else {}
    differ = {path: entry for path, entry in found.inputs.items() if recorded.get(path) != entry}
    removed = [path for path in recorded if path not in found.inputs]
    return version, differ, removed, None if found.intact else found.outputs, found.intact


def from_wire(output: Path, version: tuple | None, differ: dict[str, bytes], removed: list[str], outputs: bytes | None, intact: bool) -> Survey:
    """The survey the child sent, with the record read here; ValueError when the record changed since."""
    from .buildcache import parse_record, read_record

    data, now = read_record(output)
    if now != version:
        raise ValueError("the record changed during the survey")
    record = parse_record(data)
    inputs = dict(record.inputs) if record else {}
    for path in removed:
        inputs.pop(path, None)
    inputs.update(differ)
    return Survey(record, inputs, record.stamps if intact else outputs, intact)


def start_survey(content: Path, templates: Path, output: Path) -> Callable[[], Survey]:
    """Start the survey in a child process where that can save time; the function returns it when it is done."""
    if not can_fork():
        return lambda: survey(content, templates, output)
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only stats and reads, writes nothing but the pipe, and never returns
        code = 1
        try:
            os.close(readable)
            with os.fdopen(writable, "wb") as pipe:
                pipe.write(marshal.dumps(wire(content, templates, output)))
            code = 0
        finally:
            os._exit(code)
    os.close(writable)
    taken: list[Survey] = []

    def take() -> Survey:
        if not taken:
            with os.fdopen(readable, "rb") as pipe:
                payload = pipe.read()
            _, status = os.waitpid(pid, 0)
            try:
                if status != 0:
                    raise ValueError(f"the survey's process ended with status {status}")
                taken.append(from_wire(output, *marshal.loads(payload)))
            except Exception:  # noqa: BLE001 - a survey that cannot be read is made again here, whatever went wrong
                taken.append(survey(content, templates, output))
        return taken[0]

    return take


def can_fork() -> bool:
    """Forking is safe (no other thread runs: the child could inherit a lock one holds) and pays (a second core)."""
    threading = sys.modules.get("threading")
    running = threading.active_count() if threading is not None else 1
    return hasattr(os, "fork") and running == 1 and worker_count() > 1
