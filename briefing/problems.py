"""Errors and warnings as data: collected through a build, reported together."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ERROR = "error"
WARNING = "warning"
# Characters that would split a problem's line or rearrange it on a terminal or in the preview's overlay:
# controls (line breaks included), Unicode's line and paragraph separators, bidirectional marks and overrides.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = ERROR

    def format(self) -> str:
        """One line, whatever the content put in it: what cannot be shown as it is is written as an escape."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == WARNING else ""
        return printable(f"{where}: {prefix}{self.message}")


    def annotation(self) -> str:
        """The problem as a GitHub Actions workflow command, which a pull request shows on the line it names."""
        place = f"file={escape_property(printable(self.path))}" + (f",line={self.line}" if self.line else "")
        return f"::{self.severity} {place}::{escape_data(printable(self.message))}"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped as GitHub's runner reads them back."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def printable(line: str) -> str:
    """`line` with what cannot be shown as it is written as an escape (`\\n`, `\\x1b`, `\\u202e`)."""
    return UNPRINTABLE.sub(lambda m: ESCAPES.get(m[0]) or (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}"), line)


class ContentError(Exception):
    """Raised once, at the end of a stage, with every error that stage found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self):  # so an error raised in a worker process arrives whole
        return (ContentError, (self.problems,))


class Problems:
    """A collector passed through the stages; nothing is raised until `raise_errors`."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Problem(display_path(path), line, message, ERROR))

    def warn(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Problem(display_path(path), line, message, WARNING))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == WARNING)

    def raise_errors(self) -> None:
        if self.errors:
            raise ContentError(self.errors)


def display_path(path: Path | str) -> str:
    """A path as the user should read it: relative to the working folder when inside it."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        return text.replace(os.sep, "/")
    try:
        relative = os.path.relpath(text)
    except ValueError:
        return text
    return text if relative.startswith("..") else relative.replace(os.sep, "/")


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidates, or '' when none is close."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return ""
    options = " or ".join(f"'{c}'" for c in close)
    return f" (did you mean {options}?)"
