"""The record of the last good build, kept in .briefing-cache/, so a build with nothing changed does nothing.

The record holds everything a build reads: a digest of the options, the build
date and the versions of Briefing's own code and of the libraries that shape
the output (its key), and the stamp and digest of every content and template
file (inputs.py); and what it wrote: every output file with its size, and the
fingerprint of each rendered page's inputs with the file's stamp. When the key
and every input match and the output is as the record left it, the output is
what a new build would write. A missing or damaged record is simply ignored:
the build then runs in full.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import marshal
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from .diskcache import DiskCache
from .problems import WARNING, Problem
from .stamps import file_stamp
from .writer import MANIFEST

CACHE_FOLDER = Path(".briefing-cache")
ENGINE = Path(__file__).resolve().parent
LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "yaml": "pyyaml", "markupsafe": "markupsafe"}  # module -> distribution


OUTPUT_STAMP = struct.Struct("<qQQ")  # an output file's modification time, size and inode


@dataclass(frozen=True)
class BuildRecord:
    key: str  # the options, the build date, Briefing's code and library versions (build_key)
    inputs: dict[str, bytes]  # every content and template file, as inputs.Scan.entries gives it
    files: dict[str, int]  # every output file's size
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]
    rendered: dict[str, bytes]  # each rendered file's made_entry: the fingerprint of its inputs and its stamp
    token: str = ""  # names the page store saved with this record (pagestore.py)


def library_versions() -> str:
    return ";".join(f"{distribution}={installed_version(module, distribution)}" for module, distribution in LIBRARIES.items())


def installed_version(module: str, distribution: str) -> str:
    """The version in the name of the one `<distribution>-<version>.dist-info` folder beside the module's
    package, as pip installs it; else what importlib.metadata finds (importing it costs a new process 20 ms)."""
    try:
        folder = os.path.dirname(os.path.dirname(importlib.import_module(module).__file__))
        wanted = distribution.lower() + "-"
        found = [name[len(wanted):-len(".dist-info")] for name in os.listdir(folder) if name.endswith(".dist-info") and name.lower().startswith(wanted)]
        if len(found) == 1 and "-" not in found[0]:
            return found[0]
    except (ImportError, TypeError, OSError):
        pass
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def engine_fingerprint() -> str:
    """Briefing's own code, and the versions of Python and of the libraries that shape the output."""
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
    """The record, or None when it is missing or damaged. Marshal, and entries as bytes: a new process after
    an edit reads 30,000 of them in a few milliseconds, and a damaged entry only compares unequal."""
    try:
        data = marshal.loads(record_path(output).read_bytes())
        record = BuildRecord(
            key=data["key"],
            inputs=data["inputs"],
            files=data["files"],
            pages=data["pages"],
            base_path=data["base_path"],
            warnings=tuple(Problem(p, line, message, WARNING) for p, line, message in data["warnings"]),
            rendered=data["rendered"],
            token=data["token"],
        )
    except Exception:  # noqa: BLE001 - a damaged record is no record, whatever unmarshalling raised
        return None
    shapes = ((record.key, str), (record.inputs, dict), (record.files, dict), (record.pages, int), (record.base_path, str), (record.rendered, dict), (record.token, str))
    if not all(type(value) is kind for value, kind in shapes):
        return None
    tables = ((record.inputs, bytes), (record.files, int), (record.rendered, bytes))
    return record if all(set(map(type, table)) <= {str} and set(map(type, table.values())) <= {kind} for table, kind in tables) else None


def made_entry(fingerprint: str, stamp: os.stat_result) -> bytes:
    return bytes.fromhex(fingerprint) + OUTPUT_STAMP.pack(stamp.st_mtime_ns, stamp.st_size, stamp.st_ino)


def fingerprint_of(entry: bytes) -> str:
    return entry[:16].hex()


def save_record(output: Path, record: BuildRecord) -> None:
    path = record_path(output)
    data = {
        "key": record.key,
        "inputs": record.inputs,
        "files": record.files,
        "pages": record.pages,
        "base_path": record.base_path,
        "warnings": [(w.path, w.line, w.message) for w in record.warnings],
        "rendered": record.rendered,
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


def output_matches(output: Path, record: BuildRecord) -> bool:
    """The output is as the record's build left it: the manifest lists exactly its files, each at its recorded size,
    and every rendered file has its recorded stamp (so a later build in `serve` changed none)."""
    try:
        if record.files.keys() != set(json.loads((output / MANIFEST).read_text("utf-8"))["files"]):
            return False
        rendered, folder, stat, pack = record.rendered, f"{output}{os.sep}", os.stat, OUTPUT_STAMP.pack
        for name, size in record.files.items():  # 10,000 files: most of a quick build
            info = stat(folder + name)
            made = rendered.get(name)
            if made is None:
                if info.st_size != size:
                    return False
            elif made[16:] != pack(info.st_mtime_ns, info.st_size, info.st_ino):
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return False


def stamped(output: Path, fingerprints: dict[str, str]) -> dict[str, bytes]:
    """Each rendered file's entry, with its stamp in the output now, for the record."""
    made = {}
    for name, fingerprint in fingerprints.items():
        try:
            made[name] = made_entry(fingerprint, os.stat(os.path.join(output, name)))
        except OSError:
            pass
    return made


def untouched(output: Path, record: BuildRecord | None) -> dict[str, tuple[str, int]]:
    """The files of the record still in the output as that build left them: file -> (fingerprint, size)."""
    if record is None:
        return {}
    kept = {}
    for name, made in record.rendered.items():
        stamp = file_stamp(os.path.join(output, name))
        if stamp is not None and made[16:] == OUTPUT_STAMP.pack(*stamp):
            kept[name] = (fingerprint_of(made), stamp[1])
    return kept
