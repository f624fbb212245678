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
import json
import marshal
import os
import struct
import sys
from pathlib import Path

from .diskcache import DiskCache
from .problems import WARNING, Problem
from .records import record
from .writer import MANIFEST

CACHE_FOLDER = Path(".briefing-cache")
ENGINE = Path(__file__).resolve().parent
LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "yaml": "pyyaml", "markupsafe": "markupsafe"}  # module -> distribution


OUTPUT_STAMP = struct.Struct("<qQQ")  # an output file's modification time, size and inode
MISSING = bytes(OUTPUT_STAMP.size)  # the stamp of a file that is not there: it never counts as a match


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
    return DiskCache(CACHE_FOLDER / "parsed.sqlite3", engine_fingerprint())


def cache_file(output: Path, kind: str, suffix: str) -> Path:
    """This output folder's own file of `kind` in the cache folder."""
    key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
    return CACHE_FOLDER / f"{kind}-{key}{suffix}"


def record_path(output: Path) -> Path:
    return cache_file(output, "build", ".marshal")


def load_record(output: Path) -> BuildRecord | None:
    """The record, or None when it is missing or damaged."""
    return parse_record(read_record(output)[0])


def read_record(output: Path) -> tuple[bytes | None, tuple | None]:
    """The record's bytes, and the version of its file (a save replaces the file: another inode)."""
    try:
        with open(record_path(output), "rb") as handle:
            info = os.fstat(handle.fileno())
            return handle.read(), (info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        return None, None


def parse_record(data: bytes | None) -> BuildRecord | None:
    """The record in `data`, or None when there is none or it is damaged. Marshal, and entries as bytes: a new
    process after an edit reads 30,000 of them in a few milliseconds, and a damaged entry only compares unequal."""
    try:
        data = marshal.loads(data)
        record = BuildRecord(
            key=data["key"],
            inputs=data["inputs"],
            files=data["files"],
            stamps=data["stamps"],
            prints=data["prints"],
            pages=data["pages"],
            base_path=data["base_path"],
            warnings=tuple(Problem(p, line, message, WARNING) for p, line, message in data["warnings"]),
            token=data["token"],
        )
    except Exception:  # noqa: BLE001 - a damaged record is no record, whatever unmarshalling raised
        return None
    shapes = ((record.key, str), (record.inputs, dict), (record.files, tuple), (record.stamps, bytes), (record.prints, dict),
              (record.pages, int), (record.base_path, str), (record.token, str))
    if not all(type(value) is kind for value, kind in shapes) or len(record.stamps) != len(record.files) * OUTPUT_STAMP.size:
        return None
    tables = ((record.inputs, bytes), (record.prints, bytes))
    if not set(map(type, record.files)) <= {str} or not all(set(map(type, table)) <= {str} and set(map(type, table.values())) <= {kind} for table, kind in tables):
        return None
    return record


def save_record(output: Path, record: BuildRecord) -> None:
    path = record_path(output)
    data = {
        "key": record.key,
        "inputs": record.inputs,
        "files": record.files,
        "stamps": record.stamps,
        "prints": record.prints,
        "pages": record.pages,
        "base_path": record.base_path,
        "warnings": [(w.path, w.line, w.message) for w in record.warnings],
        "token": record.token,
    }
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(marshal.dumps(data))
        os.replace(temporary, path)
        path.with_suffix(".json").unlink(missing_ok=True)  # the record's format before 2026-11-26
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs the next build its shortcut


def output_intact(output: Path, record: BuildRecord, stamps: bytes) -> bool:
    """The output is as the record's build left it: the manifest lists exactly its files, and `stamps` (theirs
    now) are the recorded ones (so no later build in `serve`, and no hand, changed one)."""
    if stamps != record.stamps or not complete(stamps):
        return False
    try:
        return set(record.files) == set(json.loads((output / MANIFEST).read_text("utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def output_stamps(output: Path, names: tuple[str, ...]) -> bytes:
    """Each file's OUTPUT_STAMP, in order; MISSING for one that is not there."""
    folder, pack, stat = f"{output}{os.sep}", OUTPUT_STAMP.pack, os.stat
    stamps = []
    for name in names:
        try:
            info = stat(folder + name)
        except OSError:
            stamps.append(MISSING)
            continue
        stamps.append(pack(info.st_mtime_ns, info.st_size, info.st_ino))
    return b"".join(stamps)


def complete(stamps: bytes) -> bool:
    """No file of `stamps` is missing."""
    size = OUTPUT_STAMP.size
    return all(stamps[start:start + size] != MISSING for start in range(0, len(stamps), size))


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
