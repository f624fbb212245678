"""Typed fields for front-matter and settings, and the reader that checks them.

A schema is a dict of key -> Field. `FieldReader.read` checks one mapping
against it, reports every problem with its line, and returns the parsed
values (None for a value that was wrong, so later stages can carry on and
find more errors).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .problems import Problems, did_you_mean
from .yamlsafe import Plain, YamlResult

TRUE = frozenset({"true", "True", "TRUE"})
FALSE = frozenset({"false", "False", "FALSE"})
PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class Invalid(Exception):
    """A value that does not fit its field; the message says what would."""


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """YYYY, YYYY-MM or YYYY-MM-DD, shown as written, sorted by what it gives."""

    key: tuple[int, int, int]
    text: str

    @property
    def year(self) -> int:
        return self.key[0]

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Field:
    parse: Callable[["FieldReader", object, tuple], object]
    required: bool = False
    default: object = None


def describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


def text(reader: "FieldReader", value: object, at: tuple) -> str:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped:
            return stripped
        raise Invalid("is empty; write some text")
    raise Invalid(f"must be text, got {describe(value)}")


def date(reader: "FieldReader", value: object, at: tuple) -> datetime.date:
    try:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise Invalid(f"{describe(value)} is not a date; write YYYY-MM-DD, e.g. 2021-03-26")


def partial_date(reader: "FieldReader", value: object, at: tuple) -> PartialDate:
    match = PARTIAL_DATE.fullmatch(value) if isinstance(value, str) else None
    if match:
        year, month, day = (int(g) if g else 0 for g in match.groups())
        try:
            datetime.date(year, month or 1, day or 1)
            return PartialDate((year, month, day), value)
        except ValueError:
            pass
    raise Invalid(f"{describe(value)} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")


def url(reader: "FieldReader", value: object, at: tuple) -> str:
    address = text(reader, value, at)
    if re.match(r"https?://[^\s/]+", address) and not re.search(r"\s", address):
        return address
    raise Invalid(f"'{address}' is not a web address; write one starting with https://")


def flag(reader: "FieldReader", value: object, at: tuple) -> bool:
    if isinstance(value, Plain) and value in TRUE:
        return True
    if isinstance(value, Plain) and value in FALSE:
        return False
    raise Invalid(f"must be true or false, got {describe(value)}")


def positive_int(reader: "FieldReader", value: object, at: tuple) -> int:
    if isinstance(value, Plain) and value.isdigit() and int(value) > 0:
        return int(value)
    raise Invalid(f"must be a whole number of days greater than 0, got {describe(value)}")


def one_of(*choices: str) -> Callable:
    def parse(reader: "FieldReader", value: object, at: tuple) -> str:
        if isinstance(value, str) and value in choices:
            return str(value)
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        raise Invalid(f"{describe(value)} is not valid{hint}; use one of: {', '.join(choices)}")

    return parse


def text_list(reader: "FieldReader", value: object, at: tuple) -> tuple[str, ...]:
    if isinstance(value, str):
        raise Invalid(f"must be a list; write [{value}]")
    if not isinstance(value, list):
        raise Invalid(f"must be a list of text, got {describe(value)}")
    items = []
    for index, item in enumerate(value):
        parsed = reader.parse_item(text, item, at + (index,))
        if parsed is not None and parsed not in items:
            items.append(parsed)
    return tuple(items)


def list_of(schema: dict[str, Field], example: str) -> Callable:
    def parse(reader: "FieldReader", value: object, at: tuple) -> tuple[dict, ...]:
        if not isinstance(value, list):
            raise Invalid(f"must be a list of mappings ({example}), got {describe(value)}")
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                reader.report(at + (index,), f"must be a mapping ({example}), got {describe(item)}")
                continue
            items.append(reader.read(item, schema, at + (index,)))
        return tuple(items)

    return parse


def texts_or_mappings(schema: dict[str, Field]) -> Callable:
    """A list whose items are text, or mappings of `schema` (whose first key takes the text): both as mappings."""
    keys = ", ".join(schema)
    first = next(iter(schema))
    defaults = {key: spec.default for key, spec in schema.items()}

    def parse(reader: "FieldReader", value: object, at: tuple) -> tuple[dict, ...]:
        if not isinstance(value, list):
            raise Invalid(f"must be a list; each item text, or a mapping of {keys}")
        items = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                items.append(reader.read(item, schema, at + (index,)))
            elif isinstance(item, str):
                parsed = reader.parse_item(text, item, at + (index,))
                if parsed is not None:
                    items.append({**defaults, first: parsed})
            else:
                reader.report(at + (index,), f"must be text or a mapping of {keys}, got {describe(item)}")
        return tuple(items)

    return parse


NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def unit_number(reader: "FieldReader", value: object, at: tuple) -> float:
    if isinstance(value, Plain) and NUMBER.fullmatch(value) and 0 <= float(value) <= 1:
        return float(value)
    raise Invalid(f"must be a number from 0 to 1, e.g. 0.25, got {describe(value)}")


def position(reader: "FieldReader", value: object, at: tuple) -> tuple[float, float]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping {{x: 0.25, y: 0.8}}, each a number from 0 to 1; got {describe(value)}")
    values = reader.read(value, {"x": Field(unit_number, required=True), "y": Field(unit_number, required=True)}, at)
    if values["x"] is None or values["y"] is None:
        return None
    return (values["x"], values["y"])


def field_name(at: tuple) -> str:
    name = ""
    for part in at:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


class FieldReader:
    """Checks mappings from one YAML document, reporting into `problems`."""

    def __init__(self, path: Path, yaml: YamlResult, problems: Problems):
        self.path = path
        self.yaml = yaml
        self.problems = problems

    def line(self, at: tuple) -> int:
        return self.yaml.line(at)

    def report(self, at: tuple, message: str) -> None:
        prefix = f"{field_name(at)}: " if at else ""
        self.problems.error(self.path, self.line(at), prefix + message)

    def parse_item(self, parse: Callable, value: object, at: tuple) -> object:
        try:
            return parse(self, value, at)
        except Invalid as exc:
            self.report(at, str(exc))
            return None

    def read(self, data: dict, schema: dict[str, Field], at: tuple = ()) -> dict:
        parsed: dict[str, object] = {}
        for key in data:
            if key not in schema:
                hint = did_you_mean(key, schema)
                self.report(at + (key,), f"unknown key '{key}'{hint}; valid keys: {', '.join(schema)}")
        for key, spec in schema.items():
            value = data.get(key)
            if value is None:
                if spec.required:
                    where = f"{field_name(at)}: " if at else ""
                    self.problems.error(self.path, self.line(at), f"{where}missing required key '{key}'")
                parsed[key] = spec.default
                continue
            result = self.parse_item(spec.parse, value, at + (key,))
            parsed[key] = spec.default if result is None else result
        return parsed
