"""content/site.yml: the site's settings, checked strictly."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import fields
from .fields import Field, FieldReader
from .files import read_text
from .problems import Problems
from .slugs import MAX_COMPONENT_BYTES, is_brief_slug, too_long
from .yamlsafe import load_yaml

DEFAULT_TAXONOMIES = ("partnerships", "positioning", "threats")
BASE_URL_OVERRIDE = "--base-url/BRIEFING_BASE_URL"  # where an overriding base_url comes from, for messages
RESERVED_PATHS = frozenset({"assets", "companies", "timeline", "sources", "map", "matrix", "landscape", "changes", "changes.xml", "review", "data", "search", "pagefind", "pack", "static", "feed.xml", "sitemap.xml", "robots.txt", "404.html"})


def language(reader: FieldReader, value: object, at: tuple) -> str:
    tag = fields.text(reader, value, at)
    if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag):
        return tag
    raise fields.Invalid(f"'{tag}' is not a language tag; write e.g. en, en-GB or zh-Hans")


def taxonomy_list(reader: FieldReader, value: object, at: tuple) -> tuple[str, ...]:
    names = fields.text_list(reader, value, at)
    for index, name in enumerate(names):
        if not is_brief_slug(name):
            reader.report(at + (index,), f"taxonomy '{name}' must be lowercase letters, digits and hyphens")
        elif name in RESERVED_PATHS:
            reader.report(at + (index,), f"taxonomy '{name}' would clash with the page /{name}/; choose another name")
        elif too_long(name):
            reader.report(at + (index,), f"taxonomy '{name[:40]}...' is longer than {MAX_COMPONENT_BYTES} bytes, too long for a folder name; shorten it")
    return tuple(n for n in names if is_brief_slug(n) and n not in RESERVED_PATHS and not too_long(n))


def hostname(reader: FieldReader, value: object, at: tuple) -> str:
    host = fields.text(reader, value, at)
    if re.fullmatch(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", host.lower()):
        return host.lower()
    raise fields.Invalid(f"'{host}' is not a domain name; write e.g. briefing.example.com")


AXIS_SCHEMA = {
    "label": Field(fields.text, required=True),
    "low": Field(fields.text, required=True),
    "high": Field(fields.text, required=True),
}


@dataclass(frozen=True, slots=True)
class Axis:
    label: str
    low: str  # what the low end (0) means
    high: str  # what the high end (1) means


@dataclass(frozen=True, slots=True)
class Axes:
    """The landscape map's axes."""

    x: Axis
    y: Axis


def axis(reader: FieldReader, value: object, at: tuple) -> Axis | None:
    if not isinstance(value, dict):
        raise fields.Invalid(f"must be a mapping {{label: ..., low: ..., high: ...}}, got {fields.describe(value)}")
    values = reader.read(value, AXIS_SCHEMA, at)
    return None if None in values.values() else Axis(**values)


def axes(reader: FieldReader, value: object, at: tuple) -> Axes | None:
    if not isinstance(value, dict):
        raise fields.Invalid(f"must be a mapping of two axes, x: {{label: ..., low: ..., high: ...}} and y: {{...}}; got {fields.describe(value)}")
    values = reader.read(value, {"x": Field(axis, required=True), "y": Field(axis, required=True)}, at)
    return None if None in values.values() else Axes(**values)


SCHEMA = {
    "title": Field(fields.text, required=True),
    "base_url": Field(fields.url, required=True),
    "description": Field(fields.text, default=""),
    "language": Field(language, default="en"),
    "taxonomies": Field(taxonomy_list, default=DEFAULT_TAXONOMIES),
    "stale_after_days": Field(fields.positive_int, default=180),
    "autolink": Field(fields.flag, default=True),
    "cname": Field(hostname, default=""),
    "landscape": Field(axes, default=None),
    "rumor_after_days": Field(fields.positive_int, default=30),
}


@dataclass(frozen=True, slots=True)
class Settings:
    title: str
    base_url: str  # always ends with '/'
    description: str
    language: str
    taxonomies: tuple[str, ...]
    stale_after_days: int
    autolink: bool
    cname: str
    landscape: Axes | None  # the landscape map's axes; without them the site has no landscape map
    rumor_after_days: int  # a rumor older than this goes on /review/
    offline: bool = False  # --offline: every internal link names its index.html, so the folder works opened from disk

    @property
    def base_path(self) -> str:
        """'/ev-briefing/' for https://acme.github.io/ev-briefing/."""
        return urlsplit(self.base_url).path or "/"


def normalize_base_url(address: str) -> str:
    return address if address.endswith("/") else address + "/"


def load_settings(content: Path, problems: Problems, base_url: str | None = None, offline: bool = False) -> Settings | None:
    """Read site.yml; `base_url` (from --base-url or the environment) wins over the file; `offline` (--offline) is
    not in it."""
    path = content / "site.yml"
    if not os.path.lexists(path):  # a link, folder or pipe by that name: read_text says why it cannot be used
        problems.error(path, 0, "is missing; create it with at least 'title:' and 'base_url:'")
        return None
    text = read_text(path, content, problems)
    if text is None:
        return None
    parsed = load_yaml(text)
    for line, message in parsed.errors:
        problems.error(path, line, message)
    if parsed.errors:
        return None
    if not isinstance(parsed.value, dict):
        problems.error(path, 1, "must be a mapping of settings (title: ..., base_url: ...)")
        return None
    reader = FieldReader(path, parsed, problems)
    values = reader.read(parsed.value, SCHEMA)
    if base_url:
        try:
            values["base_url"] = fields.url(reader, base_url, ("base_url",))
        except fields.Invalid as exc:
            problems.error(BASE_URL_OVERRIDE, 0, f"base_url {exc}")
    if values["title"] is None or values["base_url"] is None:
        return None
    values["base_url"] = normalize_base_url(values["base_url"])
    return Settings(**values, offline=offline)
