"""What a long-lived builder remembers between builds: parsed files and converted bodies.

Each entry is reused only while everything it was computed from is unchanged:
a file's stamp (size, modification time, inode) plus the settings it was read
with; a body's text plus every company name autolinks and labels can use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from .markup import BodyConverter, Names, RenderedBody
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
        self.files: dict[Path, tuple[object, tuple, T, list[Problem]]] = {}
        self.names: Names | None = None
        self.autolink: bool | None = None
        self.converter: BodyConverter | None = None
        self.bodies: dict[tuple[str, str, int], RenderedBody] = {}
        self.last: LastBuild | None = None
        self.hits = 0

    def read(self, path: Path, inputs: tuple, problems: Problems, read: Callable[[Problems], T]) -> T:
        """`read(problems)` for this file, or its remembered result and problems."""
        stamp = file_stamp(path)
        remembered = self.files.get(path)
        if stamp is not None and remembered is not None and remembered[0] == stamp and remembered[1] == inputs:
            problems.extend(remembered[3])
            self.hits += 1
            return remembered[2]
        own = Problems()
        value = read(own)
        problems.extend(own.items)
        if stamp is not None:
            self.files[path] = (stamp, inputs, value, own.items)
        return value

    def convert_all(self, names: Names, autolink: bool, bodies: dict[str, tuple[str, int]]) -> dict[str, RenderedBody]:
        """slug -> converted body, converting only bodies (or names) that changed since the last build."""
        if self.converter is None or names != self.names or autolink != self.autolink:
            self.names, self.autolink = names, autolink
            self.converter = BodyConverter(names, autolink=autolink)
            self.bodies = {}
        converted = {}
        remembered = self.bodies
        for slug, (text, first_line) in bodies.items():
            key = (slug, text, first_line)
            body = remembered.get(key)
            if body is None:
                body = self.converter.convert(text, first_line, slug)
            else:
                self.hits += 1
            converted[key] = body
        self.bodies = converted
        return {slug: converted[(slug, *source)] for slug, source in bodies.items()}

    def convert_one(self, slug: str, text: str, first_line: int) -> RenderedBody:
        """One brief's body with the names of the last build (the caller knows they have not changed)."""
        body = self.converter.convert(text, first_line, slug)
        self.bodies[(slug, text, first_line)] = body
        return body
