"""The record of the last good build, kept in .briefing-cache/, so a build with nothing changed does nothing.

The record holds a digest of everything a build reads: every byte of the
content and templates, the options, the build date, and the versions of
Briefing's own code and of the libraries that shape the output. When the
digest matches and every output file is still there at its recorded size, the
output is what a new build would write. A missing or damaged record is simply
ignored: the build then runs in full.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .diskcache import DiskCache
from .problems import WARNING, Problem
from .stamps import content_digest, file_stamp
from .writer import MANIFEST

CACHE_FOLDER = Path(".briefing-cache")
ENGINE = Path(__file__).resolve().parent
LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "yaml": "pyyaml", "markupsafe": "markupsafe"}  # module -> distribution


@dataclass(frozen=True)
class BuildRecord:
    digest: str
    files: dict[str, int]
    pages: int
    base_path: str
    warnings: tuple[Problem, ...]
    rendered: dict[str, tuple[str, tuple[int, int, int]]]  # file -> (fingerprint of its inputs, its stamp when built)


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


def inputs_digest(content: Path, templates: Path, settings_key: str) -> str:
    """Everything that decides the output: the user's files, the options and date, and the engine itself."""
    return content_digest([content, templates], f"{settings_key}\n{engine_fingerprint()}")


def disk_cache() -> DiskCache:
    return DiskCache(CACHE_FOLDER / "parsed.sqlite3", engine_fingerprint())


def record_path(output: Path) -> Path:
    key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
    return CACHE_FOLDER / f"build-{key}.json"


def load_record(output: Path) -> BuildRecord | None:
    try:
        data = json.loads(record_path(output).read_text("utf-8"))
        return BuildRecord(
            digest=str(data["digest"]),
            files={str(name): int(size) for name, size in data["files"].items()},
            pages=int(data["pages"]),
            base_path=str(data["base_path"]),
            warnings=tuple(Problem(str(p), int(line), str(message), WARNING) for p, line, message in data["warnings"]),
            rendered={str(name): (str(fingerprint), (int(mtime), int(size), int(inode))) for name, (fingerprint, (mtime, size, inode)) in data["rendered"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_record(output: Path, record: BuildRecord) -> None:
    path = record_path(output)
    data = {
        "digest": record.digest,
        "files": record.files,
        "pages": record.pages,
        "base_path": record.base_path,
        "warnings": [[w.path, w.line, w.message] for w in record.warnings],
        "rendered": record.rendered,
    }
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), "utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next build its shortcut


def output_matches(output: Path, files: dict[str, int]) -> bool:
    """Every file of the record is in the output at its recorded size, and the manifest lists exactly them."""
    try:
        if sorted(json.loads((output / MANIFEST).read_text("utf-8"))["files"]) != sorted(files):
            return False
        return all(os.stat(output / name).st_size == size for name, size in files.items())
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
