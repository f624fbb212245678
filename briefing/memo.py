"""What a long-lived builder remembers between builds: folder listings, parsed
files, converted bodies and the last good site.

Each entry is reused only while everything it was computed from is unchanged:
a folder's or file's stamp (modification time, size, inode) plus the settings
it was read with; a body's text plus every company name autolinks and labels
can use; for the site, see model.with_new_bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from .markup import BodyConverter, Names, RenderedBody
from .parallel import Progress, counter, parallel_map
from .problems import Problem, Problems
from .stamps import file_stamp

if TYPE_CHECKING:
    from .documents import Documents
    from .model import Site

T = TypeVar("T")


@dataclass(frozen=True)
class LastBuild:
    """The documents and site of the last good build, and the problems its model stage reported."""

    documents: "Documents"
    site: "Site"
    drafts: bool
    problems: tuple[Problem, ...]


class Memo:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, tuple[object, tuple, T, list[Problem]]]] = {}
        self.names: Names | None = None
        self.autolink: bool | None = None
        self.converter: BodyConverter | None = None
        self.bodies: dict[tuple[str, str, int], RenderedBody] = {}
        self.last: LastBuild | None = None
        self.listings: dict[Path, tuple[object, list[str], list[Problem]]] = {}
        self.hits = 0
        self.progress: Progress | None = None  # set by the builder that wants to hear

    def read_all(self, kind: str, paths: list[str], inputs: tuple, problems: Problems, read: Callable[[str, Problems], T]) -> list[T]:
        """`read(path, problems)` for each file (in worker processes when many), or its remembered result and problems.

        Files of one `kind` (briefs, sources) are remembered together; those no longer listed are forgotten.
        """
        remembered_files = self.files.setdefault(kind, {})
        stamps = [file_stamp(path) for path in paths]
        missing = [
            index for index, (path, stamp) in enumerate(zip(paths, stamps))
            if stamp is None or (remembered := remembered_files.get(path)) is None or remembered[:2] != (stamp, inputs)
        ]
        self.hits += len(paths) - len(missing)

        def read_one(index: int) -> tuple[T, list[Problem]]:
            own = Problems()
            return read(paths[index], own), own.items

        for index, (value, own) in zip(missing, parallel_map(read_one, missing, counter(self.progress, "reading", len(missing)))):
            remembered_files[paths[index]] = (stamps[index], inputs, value, own)
        remembered_files = self.files[kind] = {path: remembered_files[path] for path in paths}
        results = []
        for path in paths:
            _, _, value, own = remembered_files[path]
            problems.extend(own)
            results.append(value)
        return results

    def listing(self, folder: Path, problems: Problems, list_files: Callable[[Problems], list[str]]) -> list[str]:
        """`list_files(problems)` for a folder, or its remembered result while the folder's own stamp is unchanged
        (adding, removing or renaming a file in it changes that stamp)."""
        stamp = file_stamp(folder)
        remembered = self.listings.get(folder)
        if stamp is None or remembered is None or remembered[0] != stamp:
            own = Problems()
            remembered = self.listings[folder] = (stamp, list_files(own), own.items)
        problems.extend(remembered[2])
        return remembered[1]

    def convert_all(self, names: Names, autolink: bool, bodies: dict[str, tuple[str, int]]) -> dict[str, RenderedBody]:
        """slug -> converted body, converting only bodies (or names) that changed since the last build."""
        if self.converter is None or names != self.names or autolink != self.autolink:
            self.names, self.autolink = names, autolink
            self.converter = BodyConverter(names, autolink=autolink)
            self.bodies = {}
        keys = [(slug, text, first_line) for slug, (text, first_line) in bodies.items()]
        missing = [key for key in keys if key not in self.bodies]
        self.hits += len(keys) - len(missing)
        convert = self.converter.convert
        fresh = parallel_map(lambda index: convert(missing[index][1], missing[index][2], missing[index][0]), range(len(missing)), counter(self.progress, "converting", len(missing)))
        converted = {key: self.bodies.get(key) for key in keys}
        converted.update(zip(missing, fresh))
        self.bodies = converted
        return {slug: converted[(slug, *source)] for slug, source in bodies.items()}

    def convert_one(self, slug: str, text: str, first_line: int) -> RenderedBody:
        """One brief's body with the names of the last build (the caller knows they have not changed)."""
        body = self.converter.convert(text, first_line, slug)
        self.bodies[(slug, text, first_line)] = body
        return body
