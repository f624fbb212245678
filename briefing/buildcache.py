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
import sys
from dataclasses import dataclass
from pathlib import Path

from .diskcache import DiskCache
from .inputs import Entry
from .problems import WARNING, Problem
from .stamps import file_stamp
from .writer import MANIFEST

CACHE_FOLDER = Path(".briefing-cache")
ENGINE = Path(__file__).resolve().parent
LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "yaml": "pyyaml", "markupsafe": "markupsafe"}  # module -> distribution


@dataclass(frozen=True)
class BuildRecord:
    key: str  # the options, the build date, Briefing's code and library versions (build_key)
    inputs: dict[str, Entry]  # every content and template file, as inputs.Scan found it
    files: dict[str, int]
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]
    rendered: dict[str, tuple[str, tuple[int, int, int]]]  # file -> (fingerprint of its inputs, its stamp when built)
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
    """The record, or None when it is missing or damaged (marshal: the fastest to read, and it makes no objects but
    plain values; a new-process build after an edit reads 20,000 entries in a few milliseconds)."""
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
        if not (isinstance(record.key, str) and isinstance(record.pages, int) and isinstance(record.base_path, str) and isinstance(record.token, str)
                and all(type(entry) is tuple and len(entry) == 2 and type(entry[1]) is str and (entry[0] is None or len(entry[0]) == 4) for entry in record.inputs.values())
                and all(type(size) is int for size in record.files.values())
                and all(type(print_) is str and len(stamp) == 3 for print_, stamp in record.rendered.values())):
            return None
        return record
    except Exception:  # noqa: BLE001 - a damaged record is no record, whatever unmarshalling raised
        return None


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
        rendered, folder, stat = record.rendered, f"{output}{os.sep}", os.stat  # 10,000 files: the loop is most of a quick build
        for name, size in record.files.items():
            info = stat(folder + name)
            made = rendered.get(name)
            if (info.st_mtime_ns, info.st_size, info.st_ino) != made[1] if made is not None else info.st_size != size:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def stamped(output: Path, fingerprints: dict[str, str]) -> dict[str, tuple[str, tuple[int, int, int]]]:
    """Each rendered file's fingerprint with its stamp in the output now, for the record."""
    stamps = {name: file_stamp(os.path.join(output, name)) for name in fingerprints}
    return {name: (fingerprint, stamps[name]) for name, fingerprint in fingerprints.items() if stamps[name] is not None}


def untouched(output: Path, record: BuildRecord | None) -> dict[str, tuple[str, int]]:
    """The files of the record still in the output as that build left them: file -> (fingerprint, size)."""
    if record is None:
        return {}
    return {name: (fingerprint, stamp[1]) for name, (fingerprint, stamp) in record.rendered.items() if file_stamp(os.path.join(output, name)) == stamp}
