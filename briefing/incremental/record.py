"""The record of an output folder's last good build, so a new process knows what is already done.

It holds everything the build read, and what it wrote: its key (the options,
the build date, Briefing's code and library versions), the entry of every
content and template file (stamps.input_entries), and every output file with
its stamp and the fingerprint of what it shows. Kept in the cache file as
plain data (plain.py), read in a few milliseconds. A missing, damaged or
misshapen record is no record: the build then runs in full.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..problems import Problem
from .plain import MISS, decode, storable
from .stamps import STAMP
from .store import Store

ENGINE = Path(__file__).resolve().parent.parent
LIBRARIES = ("jinja2", "markdown", "pyyaml", "markupsafe", "networkx", "numpy")  # the distributions that shape the output


@dataclass(frozen=True, slots=True)
class BuildRecord:
    key: str
    inputs: dict[str, bytes]  # path -> stamp and digest
    outputs: dict[str, bytes]  # output file -> its stamp, then its fingerprint (none for files not rendered)
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]
    left: tuple[str, ...] = ()  # output files left for a later build (Builder.build's `later`): still the older pages

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
    record = MISS if data is None else decode(data, BuildRecord)
    if record is MISS or not all(len(entry) >= STAMP.size for table in (record.inputs, record.outputs) for entry in table.values()):
        return None
    return record


def save_record(store: Store, output: Path, record: BuildRecord) -> None:
    data = storable(record)
    if data is not None:  # else the next build finds no record, and builds in full
        store.save_record(output, data)
