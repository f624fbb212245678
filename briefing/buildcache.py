"""The record of the last good build, kept in .briefing-cache/, so a build with nothing changed does nothing.

The record holds everything a build reads: a digest of the options, the build
date and the versions of Briefing's own code and of the libraries that shape
the output (its key), and the stamp and digest of every content and template
file (inputs.py); and what it wrote: every output file with its stamp, and the
fingerprint of each rendered page's inputs. When the key
and every input match and the output is as the record left it, the output is
what a new build would write. A missing or damaged record is simply ignored:
the build then runs in full.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from . import recordfile
from .diskcache import DiskCache
from .outputs import MISSING, OUTPUT_STAMP
from .problems import WARNING, Problem
from .recordfile import read_record, record_fields, write_record
from .records import record

ENGINE = Path(__file__).resolve().parent
LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "yaml": "pyyaml", "markupsafe": "markupsafe"}  # module -> distribution


@record
class BuildRecord:
    key: str  # the options, the build date, Briefing's code and library versions (build_key)
    inputs: dict[str, bytes]  # every content and template file, as inputs.Scan.entries gives it
    files: tuple[str, ...]  # every output file
    stamps: bytes  # each output file's OUTPUT_STAMP, in the order of `files`: compared all at once
    prints: dict[str, bytes]  # each rendered file's fingerprint of its inputs
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]
    token: str = ""  # names the page store saved with this record (pagestore.py)

    def with_stamp(self, name: str, stamp: bytes) -> "BuildRecord":
        index = self.files.index(name) * OUTPUT_STAMP.size
        return dataclasses.replace(self, stamps=self.stamps[:index] + stamp + self.stamps[index + OUTPUT_STAMP.size:])


def library_versions() -> str:
    return ";".join(f"{distribution}={installed_version(module, distribution)}" for module, distribution in LIBRARIES.items())


def installed_version(module: str, distribution: str) -> str:
    """The version in the name of the one `<distribution>-<version>.dist-info` folder beside the module's
    package, as pip installs it; else what importlib.metadata finds (importing it costs a new process 20 ms).
    The module is found, not imported: a build that reads no YAML does not import PyYAML."""
    try:
        folder = os.path.dirname(os.path.dirname(importlib.util.find_spec(module).origin))
        wanted = distribution.lower() + "-"
        found = [name[len(wanted):-len(".dist-info")] for name in os.listdir(folder) if name.endswith(".dist-info") and name.lower().startswith(wanted)]
        if len(found) == 1 and "-" not in found[0]:
            return found[0]
    except (ImportError, TypeError, AttributeError, OSError, ValueError):
        pass
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


@functools.cache
def engine_fingerprint() -> str:
    """Briefing's own code, and the versions of Python and of the libraries that shape the output: those this
    process imported (a file edited since would only run in the next process), read once."""
    engine = hashlib.blake2b(digest_size=20)
    for path in sorted(ENGINE.glob("*.py")):
        engine.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{sys.version}\n{library_versions()}\n{engine.hexdigest()}"


def build_key(settings_key: str) -> str:
    """What decides the output besides the user's files: the options and date, and the engine itself."""
    return hashlib.blake2b(f"{settings_key}\n{engine_fingerprint()}".encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def disk_cache() -> DiskCache:
    return DiskCache(recordfile.CACHE_FOLDER / "parsed.sqlite3", engine_fingerprint())


def load_record(output: Path) -> BuildRecord | None:
    """The record, or None when it is missing or damaged."""
    return parse_record(read_record(output)[0])


def parse_record(data: bytes | None) -> BuildRecord | None:
    """The record in `data`, or None when there is none or it is damaged."""
    fields = record_fields(data)
    if fields is None:
        return None
    warnings = tuple(Problem(path, line, message, WARNING) for path, line, message in fields["warnings"])
    return BuildRecord(fields["key"], fields["inputs"], fields["files"], fields["stamps"], fields["prints"], fields["pages"],
                       fields["base_path"], warnings, fields["token"])


def save_record(output: Path, record: BuildRecord) -> None:
    write_record(output, {
        "key": record.key,
        "inputs": record.inputs,
        "files": record.files,
        "stamps": record.stamps,
        "prints": record.prints,
        "pages": record.pages,
        "base_path": record.base_path,
        "warnings": [(w.path, w.line, w.message) for w in record.warnings],
        "token": record.token,
    })


def untouched(record: BuildRecord | None, stamps: bytes) -> dict[str, tuple[str, int]]:
    """The rendered files of the record still in the output as that build left them, by their `stamps` now:
    file -> (fingerprint, size)."""
    if record is None:
        return {}
    size, kept = OUTPUT_STAMP.size, {}
    for index, name in enumerate(record.files):
        start = index * size
        stamp = stamps[start:start + size]
        if name in record.prints and stamp == record.stamps[start:start + size] and stamp != MISSING:
            kept[name] = (record.prints[name].hex(), OUTPUT_STAMP.unpack_from(stamps, start)[1])
    return kept
