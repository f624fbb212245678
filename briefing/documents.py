"""Documents: every content file read, parsed and checked on its own.

Nothing here looks across files; cross-references are the site model's job.
The caller may hand `read_documents` its own `read` and `list_files` (how a
cache plugs in); by default every brief is parsed, on every core when there
are many.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from . import fields
from .fields import Field, FieldReader, PartialDate
from .files import UnclosedFrontMatter, inside, read_text, split_front_matter, unreadable, walk_files
from .parallel import Progress, counter, parallel_iter
from .problems import Problem, Problems, did_you_mean
from .settings import Settings
from .slugs import is_brief_slug, slugify
from .yamlsafe import YamlResult, load_yaml

ASSETS = "assets"  # the content folder's folder of images and files, published as they are
RELATION_TYPES = ("partner", "manufacturing", "supplier", "investor", "subsidiary", "competitor")
CONFIDENCE = ("rumor", "reported", "confirmed")
THREATS = ("high", "medium", "low", "unclear")  # highest first: the order they rank in
HORIZONS = ("near-term", "long-term")
SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

RELATION_SCHEMA = {
    "to": Field(fields.text, required=True),
    "type": Field(fields.one_of(*RELATION_TYPES), required=True),
    "note": Field(fields.text, default=""),
    "confidence": Field(fields.one_of(*CONFIDENCE), default="reported"),
    "source": Field(fields.text, default=""),
    "threat": Field(fields.one_of(*THREATS), default=""),
    "horizon": Field(fields.one_of(*HORIZONS), default=""),
}
EVENT_SCHEMA = {
    "date": Field(fields.partial_date, required=True),
    "title": Field(fields.text, required=True),
    "source": Field(fields.text, default=""),
    "confidence": Field(fields.one_of(*CONFIDENCE), default="reported"),
}
POINT_SCHEMA = {  # a strength or weakness given as a mapping
    "text": Field(fields.text, required=True),
    "source": Field(fields.text, default=""),
    "confidence": Field(fields.one_of(*CONFIDENCE), default="reported"),
}
PERSON_SCHEMA = {
    "name": Field(fields.text, required=True),
    "role": Field(fields.text, default=""),
}
SOURCE_SCHEMA = {
    "title": Field(fields.text, required=True),
    "publisher": Field(fields.text, default=""),
    "date": Field(fields.partial_date, default=None),
    "url": Field(fields.url, default=""),
}
PAGE_SCHEMA = {"title": Field(fields.text, default="")}

T = TypeVar("T")
Parse = Callable[[str, "bytes | None", Problems], T]  # (path, its bytes if already read, problems) -> parsed file
# (kind of file, paths, what else parsing depends on, parse, problems, the type parse returns) -> each file
# parsed, its problems reported
Read = Callable[[str, list[str], tuple, Parse, Problems, Any], list[T]]
ListFiles = Callable[[Path, Problems, str], list[str]]  # (folder, problems, what its files are) -> their paths


def read_each(kind: str, paths: list[str], inputs: tuple, parse: Parse, problems: Problems, parsed: Any = Any,
              progress: Progress | None = None) -> list[T]:
    """Every file parsed, on every core when there are many; `kind`, `inputs` and `parsed` only matter to a cache."""
    results = parallel_iter(lambda path: parsed_alone(parse, path, None), paths, counter(progress, "reading", len(paths)))
    values = []
    for value, own in results:
        problems.extend(own)
        values.append(value)
    return values


def parsed_alone(parse: Parse, path: str, data: bytes | None) -> tuple[object, tuple[Problem, ...]]:
    """A file parsed with problems of its own, so that they can travel with it between processes."""
    own = Problems()
    return parse(path, data, own), tuple(own.items)


def brief_schema(taxonomies: tuple[str, ...]) -> dict[str, Field]:
    schema = {
        "title": Field(fields.text, required=True),
        "summary": Field(fields.text, required=True),
        "updated": Field(fields.date, required=True),
        "aliases": Field(fields.text_list, default=()),
        "website": Field(fields.url, default=""),
        "headquarters": Field(fields.text, default=""),
        "listing": Field(fields.text, default=""),
        "draft": Field(fields.flag, default=False),
    }
    for taxonomy in taxonomies:
        schema[taxonomy] = Field(fields.text_list, default=())
    schema["relations"] = Field(fields.list_of(RELATION_SCHEMA, "- to: slug, type: partner"), default=())
    schema["events"] = Field(fields.list_of(EVENT_SCHEMA, "- date: 2021-03, title: ..."), default=())
    schema["people"] = Field(fields.list_of(PERSON_SCHEMA, "- name: ..., role: ..."), default=())
    schema["strengths"] = Field(fields.texts_or_mappings(POINT_SCHEMA), default=())
    schema["weaknesses"] = Field(fields.texts_or_mappings(POINT_SCHEMA), default=())
    schema["landscape"] = Field(fields.position, default=None)
    return schema


@dataclass(frozen=True, slots=True)
class Ref:
    """A value that names something in another file, with the line that names it."""

    name: str
    line: int


@dataclass(frozen=True, slots=True)
class RelationEntry:
    to: Ref
    type: str
    note: str
    confidence: str
    source: Ref | None
    threat: str
    horizon: str


@dataclass(frozen=True, slots=True)
class EventEntry:
    date: PartialDate
    title: str
    source: Ref | None
    confidence: str
    line: int  # where the event starts


@dataclass(frozen=True, slots=True)
class PointEntry:
    """A strength or a weakness."""

    text: str
    source: Ref | None
    confidence: str


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Markdown:
    """A Markdown body and the file line its first line sits on."""

    path: Path
    text: str
    first_line: int


@dataclass(frozen=True, slots=True)
class Brief:
    slug: str
    path: Path
    title: str
    summary: str
    updated: datetime.date
    updated_line: int
    aliases: tuple[str, ...]
    aliases_line: int
    website: str
    headquarters: str
    listing: str
    draft: bool
    terms: dict[str, tuple[Ref, ...]] = field(hash=False)
    relations: tuple[RelationEntry, ...]
    events: tuple[EventEntry, ...]
    people: tuple[Person, ...]
    strengths: tuple[PointEntry, ...]
    weaknesses: tuple[PointEntry, ...]
    landscape: tuple[float, float] | None  # (x, y), each in [0, 1]
    body: Markdown  # without its text in model.Company, which keeps the texts apart (Site.texts)
    front_matter: bytes  # a digest of its text: the same text gives the same fields, without reading its YAML again


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    path: Path
    line: int
    title: str
    publisher: str
    date: PartialDate | None
    url: str


@dataclass(frozen=True, slots=True)
class TextPage:
    """index.md or a term description: an optional title and a Markdown body."""

    path: Path
    slug: str
    title: str
    body: Markdown


@dataclass(frozen=True, slots=True)
class Documents:
    briefs: tuple[Brief, ...]
    sources: tuple[Source, ...]
    index: TextPage | None
    term_pages: dict[str, tuple[TextPage, ...]] = field(hash=False)
    # Briefs and sources that exist but whose errors were already reported:
    # a reference to one of them is not reported again as unknown.
    unreadable_briefs: frozenset[str] = frozenset()
    unreadable_sources: frozenset[str] = frozenset()
    sources_file_failed: bool = False
    assets: frozenset[str] = frozenset()  # the files under content/assets/, relative to the content folder ('assets/plant.jpg')


SourcesFile = tuple[tuple[Source, ...], frozenset[str], bool]  # the sources, the ids that failed, whether the file did


def read_documents(content: Path, settings: Settings, problems: Problems, read: Read = read_each, list_files: ListFiles | None = None) -> Documents:
    companies = content / "companies"
    if not companies.is_dir():
        problems.error(companies, 0, "is missing; create it and put one <slug>.md brief per company in it")
    schema = brief_schema(settings.taxonomies)
    list_files = list_files or markdown_files
    paths = list_files(companies, problems, "brief")
    parsed = read("briefs", paths, settings.taxonomies, lambda path, data, own: read_brief(Path(path), content, schema, settings, own, data), problems,
                  Brief | None)
    by_slug = {path.rpartition(os.sep)[2][:-3]: brief for path, brief in zip(paths, parsed)}  # markdown_files joined them with os.sep
    briefs = tuple(brief for brief in by_slug.values() if brief is not None)
    index_path = content / "index.md"
    # There when anything has the name (a link, a folder, a pipe): read_text then says why it cannot be used.
    index = read_text_page(index_path, content, problems) if os.path.lexists(index_path) else None
    term_pages = {
        taxonomy: tuple(
            page
            for path in list_files(content / taxonomy, problems, "term description")
            if (page := read_text_page(Path(path), content, problems)) is not None
        )
        for taxonomy in settings.taxonomies
    }
    check_unknown_folders(content, settings, problems)
    sources_path = content / "sources.yml"
    sources, unreadable_sources, sources_file_failed = (
        read("sources", [str(sources_path)], (), lambda path, data, own: read_sources(content, own, data), problems, SourcesFile)[0]
        if os.path.lexists(sources_path) else ((), frozenset(), False)
    )
    return Documents(
        briefs, sources, index, term_pages,
        unreadable_briefs=frozenset(slug for slug, brief in by_slug.items() if brief is None),
        unreadable_sources=unreadable_sources,
        sources_file_failed=sources_file_failed,
        assets=asset_files(content, problems),
    )


def asset_files(content: Path, problems: Problems) -> frozenset[str]:
    """The regular files under content/assets/ (relative to the content folder), each published at the same path
    under the site's root; anything else there (a pipe, a link out of the content folder, a loop) is an error."""
    found = set()
    for path, info in walk_files([content / ASSETS]):
        if info is None:
            problems.error(path, 0, "is a broken or looping symbolic link; put the file itself there")
        elif not inside(Path(path), content):
            problems.error(path, 0, f"links outside the content folder {content}; put the file itself in {ASSETS}/")
        elif not stat.S_ISREG(info.st_mode):
            problems.error(path, 0, f"is not a regular file (a pipe or device); put only files in {ASSETS}/")
        else:
            found.add(Path(path).relative_to(content).as_posix())
    return frozenset(found)


def markdown_files(folder: Path, problems: Problems, what: str) -> list[str]:
    """The paths (as text: large sites have many) of the <slug>.md files in `folder`, reporting anything else."""
    if not folder.is_dir():
        return []
    found = []
    base = os.fspath(folder)
    with os.scandir(folder) as entries:  # scandir knows file types without a stat each
        named = sorted((entry.name, kind_of(entry)) for entry in entries if not entry.name.startswith("."))
    for name, kind in named:
        stem, dot, suffix = name.rpartition(".")
        if isinstance(kind, OSError):
            problems.error(folder / name, 0, unreadable(kind))
        elif not kind or (dot + suffix) != ".md":
            problems.error(folder / name, 0, f"is not a {what}: put only <slug>.md files in {folder.name}/")
        elif not is_brief_slug(stem):
            suggestion = slugify(stem) or "name"
            problems.error(folder / name, 0, f"file name '{stem}' is not a valid slug; use lowercase letters, digits and hyphens, e.g. '{suggestion}.md'")
        else:
            found.append(f"{base}{os.sep}{name}")
    return found


def kind_of(entry: os.DirEntry) -> bool | OSError:
    """Whether a folder entry is a file (following links), or why that cannot be known (a link that loops)."""
    try:
        return entry.is_file()
    except OSError as exc:
        return exc


def check_unknown_folders(content: Path, settings: Settings, problems: Problems) -> None:
    known = {"companies", ASSETS, *settings.taxonomies}
    for path in sorted(content.iterdir()):
        if path.is_dir() and not path.name.startswith(".") and path.name not in known:
            if any(path.glob("*.md")):
                hint = did_you_mean(path.name, known)
                problems.error(path, 0, f"folder '{path.name}' is not a taxonomy{hint}; taxonomies are {', '.join(settings.taxonomies)} (set them in site.yml)")


def read_front_matter(path: Path, content: Path, problems: Problems, required: bool, data: bytes | None = None) -> tuple[YamlResult | None, Markdown, bytes] | None:
    """The parsed front-matter (None when absent and allowed), the body and a digest of the front-matter's text;
    `data`: the file's bytes, if already read."""
    text = read_text(path, content, problems, data)
    if text is None:
        return None
    try:
        split = split_front_matter(text)
    except UnclosedFrontMatter:
        problems.error(path, 1, "front-matter is not closed; add a line '---' after the YAML")
        return None
    body = Markdown(path, split.body, split.body_line)
    if split.yaml is None:
        if required:
            problems.error(path, 1, "has no front-matter; start the file with '---', then 'title:', 'summary:', 'updated:', then '---'")
            return None
        return None, body, split.yaml_digest()
    parsed = load_yaml(split.yaml, split.yaml_line)
    for line, message in parsed.errors:
        problems.error(path, line, message)
    if parsed.errors:
        return None
    if not isinstance(parsed.value, dict):
        kind = "empty" if parsed.value is None else f"{fields.describe(parsed.value)}, not a mapping"
        problems.error(path, split.yaml_line, f"front-matter is {kind}; write keys such as 'title: ...'")
        return None
    return parsed, body, split.yaml_digest()


def read_brief(path: Path, content: Path, schema: dict, settings: Settings, problems: Problems, data: bytes | None = None) -> Brief | None:
    read = read_front_matter(path, content, problems, required=True, data=data)
    if read is None:
        return None
    parsed, body, front_matter = read
    reader = FieldReader(path, parsed, problems)
    values = reader.read(parsed.value, schema)
    if None in (values["title"], values["summary"], values["updated"]):
        return None

    def ref(value: str, at: tuple) -> Ref | None:
        return Ref(value, reader.line(at)) if value else None

    terms = {
        taxonomy: tuple(Ref(term, reader.line((taxonomy, i))) for i, term in enumerate(values[taxonomy]))
        for taxonomy in settings.taxonomies
    }
    relations = tuple(
        RelationEntry(
            to=Ref(r["to"], reader.line(("relations", i, "to"))),
            type=r["type"],
            note=r["note"],
            confidence=r["confidence"],
            source=ref(r["source"], ("relations", i, "source")),
            threat=r["threat"],
            horizon=r["horizon"],
        )
        for i, r in enumerate(values["relations"])
        if r["to"] and r["type"] and competitor_fields_fit(r, reader, ("relations", i))
    )
    events = tuple(
        EventEntry(e["date"], e["title"], ref(e["source"], ("events", i, "source")), e["confidence"], reader.line(("events", i)))
        for i, e in enumerate(values["events"])
        if e["date"] and e["title"]
    )
    people = tuple(Person(p["name"], p["role"]) for p in values["people"] if p["name"])
    points = {
        key: tuple(PointEntry(p["text"], ref(p["source"], (key, i, "source")), p["confidence"]) for i, p in enumerate(values[key]) if p["text"])
        for key in ("strengths", "weaknesses")
    }
    if values["landscape"] is not None and settings.landscape is None:
        reader.report(("landscape",), "the site has no landscape map; add its axes to site.yml (landscape: {x: {label: ..., low: ..., high: ...}, y: ...}) or remove this key")
    return Brief(
        slug=path.stem,
        path=path,
        title=values["title"],
        summary=values["summary"],
        updated=values["updated"],
        updated_line=reader.line(("updated",)),
        aliases=values["aliases"],
        aliases_line=reader.line(("aliases",)),
        website=values["website"],
        headquarters=values["headquarters"],
        listing=values["listing"],
        draft=values["draft"],
        terms=terms,
        relations=relations,
        events=events,
        people=people,
        strengths=points["strengths"],
        weaknesses=points["weaknesses"],
        landscape=values["landscape"] if settings.landscape is not None else None,
        body=body,
        front_matter=front_matter,
    )


def competitor_fields_fit(relation: dict, reader: FieldReader, at: tuple) -> bool:
    fits = True
    if relation["type"] != "competitor":
        for key in ("threat", "horizon"):
            if relation[key]:
                reader.report(at + (key,), f"'{key}' is only for competitor relations; remove it or set type: competitor")
                fits = False
    return fits


def read_text_page(path: Path, content: Path, problems: Problems) -> TextPage | None:
    read = read_front_matter(path, content, problems, required=False)
    if read is None:
        return None
    parsed, body, _ = read
    title = ""
    if parsed is not None:
        title = FieldReader(path, parsed, problems).read(parsed.value, PAGE_SCHEMA)["title"]
    return TextPage(path, path.stem, title, body)


def read_sources(content: Path, problems: Problems, data: bytes | None = None) -> SourcesFile:
    """The sources, the ids of entries with errors, and whether the whole file failed; `data`: its bytes, if already read."""
    path = content / "sources.yml"
    if not os.path.lexists(path):
        return (), frozenset(), False
    text = read_text(path, content, problems, data)
    if text is None:
        return (), frozenset(), True
    parsed = load_yaml(text)
    for line, message in parsed.errors:
        problems.error(path, line, message)
    if parsed.errors:
        return (), frozenset(), True
    if parsed.value is None:
        return (), frozenset(), False
    if not isinstance(parsed.value, dict):
        problems.error(path, 1, "must be a mapping of source ids to sources (reuters-report: {title: ...})")
        return (), frozenset(), True
    reader = FieldReader(path, parsed, problems)
    sources = []
    unreadable = set()
    for source_id, entry in parsed.value.items():
        line = reader.line((source_id,))
        unreadable.add(source_id)
        if not SOURCE_ID.fullmatch(source_id):
            problems.error(path, line, f"source id '{source_id}' must be letters, digits, '-', '_' or '.', e.g. '{slugify(source_id) or 'reuters-report'}'")
            continue
        if not isinstance(entry, dict):
            reader.report((source_id,), f"must be a mapping (title: ..., publisher: ..., date: ...), got {fields.describe(entry)}")
            continue
        values = reader.read(entry, SOURCE_SCHEMA, (source_id,))
        if values["title"]:
            sources.append(Source(source_id, path, line, **values))
            unreadable.discard(source_id)
    return tuple(sources), frozenset(unreadable), False
