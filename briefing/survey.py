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
    outputs: bytes  # the stamps now of the record's files (outputs.output_stamps)
    intact: bool  # the output is as the record left it (outputs.intact)


def survey(content: Path, templates: Path, output: Path) -> Survey:
    """The survey made here."""
    from .buildcache import parse_record
    from .inputs import Scan
    from .outputs import intact, output_stamps
    from .recordfile import read_record

    scan = Scan([content, templates])  # before anything is read: an edit from now on shows next time
    record = parse_record(read_record(output)[0])
    inputs = scan.entries(record.inputs if record else {})
    outputs = output_stamps(output, record.files) if record else b""
    return Survey(record, inputs, outputs, record is not None and intact(output, record.files, record.stamps, outputs))


def wire(content: Path, templates: Path, output: Path) -> tuple:
    """The survey made in the child, as what differs from the record it compared with (and that record file's
    version): a pipe carries a few kilobytes at once, and the parent reads the record faster from its file.
    Only light modules are imported here: the child starts with what the parent had before the libraries."""
    from .inputs import Scan
    from .outputs import intact, output_stamps
    from .recordfile import read_record, record_fields

    scan = Scan([content, templates])
    data, version = read_record(output)
    fields = record_fields(data)
    recorded = fields or {"inputs": {}, "files": (), "stamps": b""}
    differ, removed = scan.changes(recorded["inputs"])
    outputs = output_stamps(output, recorded["files"])
    whole = fields is not None and intact(output, recorded["files"], recorded["stamps"], outputs)
    return version, differ, removed, None if whole else outputs, whole


def from_wire(read: tuple[BuildRecord | None, tuple | None], version: tuple | None, differ: dict[str, bytes], removed: list[str],
              outputs: bytes | None, whole: bool) -> Survey:
    """The survey the child sent, with `read`, the record read here and its file's version; ValueError when the
    child compared with another version."""
    from .inputs import with_changes

    record, now = read
    if now != version:
        raise ValueError("the record changed during the survey")
    return Survey(record, with_changes(record.inputs if record else {}, differ, removed), record.stamps if whole else outputs, whole)


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
            from .buildcache import parse_record
            from .recordfile import read_record

            data, version = read_record(output)  # while the child may still be at work
            read = parse_record(data), version
            with os.fdopen(readable, "rb") as pipe:
                payload = pipe.read()
            _, status = os.waitpid(pid, 0)
            try:
                if status != 0:
                    raise ValueError(f"the survey's process ended with status {status}")
                taken.append(from_wire(read, *marshal.loads(payload)))
            except Exception:  # noqa: BLE001 - a survey that cannot be read is made again here, whatever went wrong
                taken.append(survey(content, templates, output))
        return taken[0]

    return take


def can_fork() -> bool:
    """Forking is safe (no other thread runs: the child could inherit a lock one holds) and pays (a second core)."""
    threading = sys.modules.get("threading")
    running = threading.active_count() if threading is not None else 1
    return hasattr(os, "fork") and running == 1 and worker_count() > 1
