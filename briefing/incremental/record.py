"""The record of an output folder's last good build, so a new process knows what is already done.

It holds everything the build read, and what it wrote: its key (the options,
the build date, Briefing's code and library versions), the entry of every
content and template file (stamps.input_entries), and every output file with
its stamp and the fingerprint of what it shows. Kept in the cache file as
marshal: plain data, read in a few milliseconds. A missing, damaged or
misshapen record is no record: the build then runs in full.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..problems import WARNING, Problem
from .stamps import STAMP
from .store import Store

ENGINE = Path(__file__).resolve().parent.parent
LIBRARIES = ("jinja2", "markdown", "pyyaml", "markupsafe")  # the distributions that shape the output


@dataclass(frozen=True, slots=True)
class BuildRecord:
    key: str
    inputs: dict[str, bytes]  # path -> stamp and digest
    outputs: dict[str, bytes]  # output file -> its stamp, then its fingerprint (none for files not rendered)
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]

    def fingerprint(self, name: str) -> bytes:
        return self.outputs.get(name, b"")[STAMP.size:]


@functools.cache
def engine_fingerprint() -> str:
    """Briefing's own code, and the versions of Python and of the libraries that shape the output."""
    engine = hashlib.blake2b(digest_size=20)
    for path in sorted(ENGINE.rglob("*.py")):
        engine.update(path.relative_to(ENGINE).as_posix().encode() + b"\0" + path.read_bytes())
    versions = ";".join(f"{name}={installed_version(name)}" for name in LIBRARIES)
    return f"{sys.version}\n{versions}\n{engine.hexdigest()}"


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def build_key(options_and_date: str) -> str:
    """What decides the output besides the user's files: the options and date, and the engine itself."""
    return hashlib.blake2b(f"{options_and_date}\n{engine_fingerprint()}".encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def load_record(store: Store, output: Path) -> BuildRecord | None:
    data = store.record(output)
    try:
        fields = marshal.loads(data) if data is not None else None
    except Exception:  # noqa: BLE001 - a damaged record is no record, whatever unmarshalling raised
        return None
    if not well_formed(fields):
        return None
    warnings = tuple(Problem(path, line, message, WARNING) for path, line, message in fields["warnings"])
    return BuildRecord(fields["key"], fields["inputs"], fields["outputs"], fields["pages"], fields["base_path"], warnings)


SHAPES = {"key": str, "inputs": dict, "outputs": dict, "pages": int, "base_path": str, "warnings": list}


def well_formed(fields: object) -> bool:
    if type(fields) is not dict or any(type(fields.get(name)) is not kind for name, kind in SHAPES.items()):
        return False
    for table in (fields["inputs"], fields["outputs"]):
        if not all(type(name) is str and type(entry) is bytes and len(entry) >= STAMP.size for name, entry in table.items()):
            return False
    return all(type(w) is tuple and tuple(map(type, w)) == (str, int, str) for w in fields["warnings"])


def save_record(store: Store, output: Path, record: BuildRecord) -> None:
    store.save_record(output, marshal.dumps({
        "key": record.key,
        "inputs": record.inputs,
        "outputs": record.outputs,
        "pages": record.pages,
        "base_path": record.base_path,
        "warnings": [(w.path, w.line, w.message) for w in record.warnings],
    }))
