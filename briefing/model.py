"""The site model: every relation, inverse, term, backlink and citation resolved.

`build_site` runs in named steps over the checked documents and returns one
immutable `Site`. What a company's own page alone shows (its converted body
and its backlinks) is kept apart from what every page may show of it, in
`Site.texts`: an edit to a brief's text then leaves every `Company` as it was.
The caller may hand `build_site` its own `convert` (how a cache plugs in).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import urls
from .documents import (
    ASSETS,
    RELATION_TYPES,
    THREATS,
    Brief,
    Documents,
    Markdown,
    PointEntry,
    Source,
)
from .fields import PartialDate
from .guarded import Limit, guarded_iter
from .markup import FileLink, Names, RenderedBody, converting, pack_html
from .parallel import Progress, counter
from .problems import Problems, did_you_mean, display_path
from .settings import Settings
from .slugs import MAX_COMPONENT_BYTES, slugify, too_long

# type -> (label on the `from` page, label on the `to` page): the content model's table.
RELATION_LABELS = {
    "partner": ("Partner of", "Partner of"),
    "manufacturing": ("Manufactured by", "Manufactures for"),
    "supplier": ("Supplied by", "Supplies"),
    "investor": ("Backed by", "Invests in"),
    "subsidiary": ("Subsidiary of", "Parent of"),
    "competitor": ("Competes with", "Competes with"),
}
LABEL_ORDER = tuple(dict.fromkeys(label for t in RELATION_TYPES for label in RELATION_LABELS[t]))


@dataclass(frozen=True, slots=True)
class CompanyRef:
    slug: str
    title: str
    summary: str
    url: str


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    title: str
    publisher: str
    url: str  # the source's entry on /sources/


@dataclass(frozen=True, slots=True)
class Edge:
    """One relation as one company's page shows it."""

    label: str
    type: str
    other: CompanyRef
    outgoing: bool
    note: str
    confidence: str
    source: SourceRef | None
    threat: str
    horizon: str


@dataclass(frozen=True, slots=True)
class Threat:
    """A competitor edge read as a threat: how strongly `by` threatens `to`, and how soon."""

    by: CompanyRef
    to: CompanyRef
    level: str  # high | medium | low | unclear
    horizon: str  # near-term | long-term | '' (not said)
    confidence: str
    note: str
    source: SourceRef | None

    @property
    def rank(self) -> int:
        """0 for the highest level; unclear ranks last."""
        return THREATS.index(self.level)


@dataclass(frozen=True, slots=True)
class Point:
    """A strength or a weakness."""

    text: str
    source: SourceRef | None
    confidence: str


@dataclass(frozen=True, slots=True)
class RelationGroup:
    label: str
    edges: tuple[Edge, ...]


@dataclass(frozen=True, slots=True)
class TermRef:
    taxonomy: str
    name: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True)
class Event:
    date: PartialDate
    title: str
    company: CompanyRef
    source: SourceRef | None
    confidence: str


@dataclass(frozen=True, slots=True)
class Referrer:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Company:
    """A company as every page may show it."""

    ref: CompanyRef
    brief: Brief  # its front-matter: `body` is None (see CompanyText)
    relations: tuple[RelationGroup, ...]
    terms: tuple[tuple[str, tuple[TermRef, ...]], ...]  # (taxonomy, terms) in site order
    events: tuple[Event, ...]
    cited: tuple[SourceRef, ...]  # body citations, numbered in this order
    stale: bool
    strengths: tuple[Point, ...]
    weaknesses: tuple[Point, ...]
    poses: Threat | None  # the highest threat it poses to another company
    faces: Threat | None  # the highest threat another company poses to it

    @property
    def slug(self) -> str:
        return self.ref.slug

    @property
    def url(self) -> str:
        return self.ref.url

    @property
    def title(self) -> str:
        return self.ref.title

    def relation_count(self) -> int:
        return sum(len(g.edges) for g in self.relations)


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """What one commit changed about one company (or in sources.yml), in words (changes.py)."""

    id: str  # '<commit>-<slug>': stable as new commits arrive
    commit: str
    time: datetime.datetime  # the author date, in UTC
    company: CompanyRef | None  # None: a brief no longer in the site, or sources.yml
    name: str
    url: str  # where its name links: the company's page, the sources page, or '' (a brief removed)
    lines: tuple[str, ...]
    draft: bool


@dataclass(frozen=True, slots=True)
class CompanyText:
    """What only a company's own page shows: its converted body, the pages that link to it and its history."""

    body: RenderedBody
    referenced_by: tuple[Referrer, ...]
    history: tuple[ChangeEntry, ...] = ()  # newest first


# kind -> heading on /review/, in the order the page lists them; warnings are also printed by every build
REVIEW_KINDS = {
    "stale": "Stale briefs",
    "rumor": "Old rumors",
    "unsourced": "Relations and events without a source",
    "uncited": "Sources nothing cites",
    "unlinked": "Briefs nothing links to",
    "thin": "Briefs that cite one source or none",
    "unused-term": "Term descriptions no brief uses",
    "history": "History from git",
}
WARNING_KINDS = frozenset({"stale", "uncited", "unlinked", "unused-term", "history"})


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """Something that needs a writer's attention, where it is; a warning (printed, fails --strict) or not."""

    kind: str  # a key of REVIEW_KINDS
    path: str  # as the command line shows it
    line: int
    message: str
    name: str  # what it is about: a company's or a source's title, or a term description's name
    url: str  # its page, or '' when it has none
    file: str  # the file relative to the content folder, as /review/ names it (the same wherever the build runs from)

    @property
    def warning(self) -> bool:
        return self.kind in WARNING_KINDS


@dataclass(frozen=True, slots=True)
class Term:
    ref: TermRef
    description: RenderedBody | None
    members: tuple[CompanyRef, ...]


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name: str
    title: str
    url: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """Something a brief says on the strength of a source."""

    kind: str  # relation | event | body
    text: str
    company: CompanyRef
    url: str


@dataclass(frozen=True, slots=True)
class SourceEntry:
    ref: SourceRef
    source: Source
    claims: tuple[Claim, ...]


@dataclass(frozen=True, slots=True)
class Home:
    title: str
    intro: RenderedBody | None


@dataclass(frozen=True, slots=True)
class Site:
    settings: Settings
    build_date: datetime.date
    home: Home
    companies: tuple[Company, ...]
    taxonomies: tuple[Taxonomy, ...]
    events: tuple[Event, ...]  # newest first
    sources: tuple[SourceEntry, ...]
    threats: tuple[Threat, ...]  # every competitor edge, highest first
    review: tuple[ReviewItem, ...]  # in the order of REVIEW_KINDS, each kind in its own order
    texts: dict[str, CompanyText] = field(hash=False)  # by slug
    changes: tuple[ChangeEntry, ...] | None = None  # newest first; None when the content is not in git (changes.py)
    public_changes: tuple[ChangeEntry, ...] = ()  # the changes without drafts or lines that name one: the feed's

    def company(self, slug: str) -> Company:
        return next(c for c in self.companies if c.slug == slug)

    @property
    def events_by_year(self) -> tuple[tuple[int, tuple[Event, ...]], ...]:
        return by_year(self.events)


def by_year(events: tuple[Event, ...]) -> tuple[tuple[int, tuple[Event, ...]], ...]:
    """Events grouped by year, in their order."""
    years: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        years[event.date.year].append(event)
    return tuple((year, tuple(group)) for year, group in years.items())


def sort_key(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


# (names, autolink, slug -> (text, first line)) -> slug -> body, None for a body that took too long to convert
Convert = Callable[[Names, bool, dict[str, tuple[str, int]]], dict[str, RenderedBody | None]]
EMPTY_BODY = RenderedBody(pack_html(""), (), (), (), (), ())  # in place of a body that took too long, reported


def convert_each(names: Names, autolink: bool, bodies: dict[str, tuple[str, int]], progress: Progress | None = None) -> dict[str, RenderedBody | None]:
    """Every body converted in worker processes (guarded.py), on every core."""
    items = [(slug, *source) for slug, source in bodies.items()]
    return dict(zip(bodies, guarded_iter(converting, (names, autolink), items, counter(progress, "converting", len(items)))))


def report_too_slow(problems: Problems, path: Path, line: int) -> None:
    problems.error(path, line, f"converting this text took longer than {Limit.seconds:g} s, so it was stopped (Python-Markdown is very slow "
                   "on some text, such as thousands of '[' or '[](' in a row); shorten or simplify it, or allow more time with --convert-timeout")


def build_site(documents: Documents, settings: Settings, problems: Problems, build_date: datetime.date, drafts: bool = False, convert: Convert = convert_each) -> Site:
    """Resolve the documents into a Site, reporting every broken reference into `problems`."""
    briefs = {b.slug: b for b in sorted(documents.briefs, key=lambda b: b.slug) if drafts or not b.draft}
    skipped_drafts = {b.slug for b in documents.briefs if b.draft and not drafts}
    refs = {slug: CompanyRef(slug, b.title, b.summary, urls.company(slug)) for slug, b in briefs.items()}
    sources = {s.id: s for s in documents.sources}
    source_refs = {s.id: SourceRef(s.id, s.title, s.publisher, urls.source(s.id)) for s in documents.sources}
    resolver = Resolver(refs, skipped_drafts, source_refs, problems, documents)
    check_aliases(briefs, problems)

    bodies = convert(company_names(briefs), settings.autolink, {slug: (b.body.text, b.body.first_line) for slug, b in briefs.items()})
    for slug, body in bodies.items():
        if body is None:
            report_too_slow(problems, briefs[slug].body.path, briefs[slug].body.first_line)
            bodies[slug] = EMPTY_BODY
    home, descriptions = convert_pages(documents, Names.build({}, {slug: r.title for slug, r in refs.items()}), problems)
    resolver.check_body_references(briefs, bodies, home, descriptions, documents)
    terms = collect_terms(briefs, settings, problems)
    edges = resolve_relations(briefs, refs, resolver)
    events = resolve_events(briefs, refs, resolver)
    points = resolve_points(briefs, resolver)
    threats = threats_of(edges, refs)
    highest_posed, highest_faced = {}, {}
    for threat in threats:  # highest first: the first of each company's is its highest
        highest_posed.setdefault(threat.by.slug, threat)
        highest_faced.setdefault(threat.to.slug, threat)
    backlinks = collect_backlinks(briefs, bodies, edges, home, descriptions, refs, documents, terms)
    claims = collect_claims(briefs, bodies, edges, events, points, refs)
    review = review_items(briefs, bodies, backlinks, claims, documents, terms, refs, settings, build_date)
    for item in review:
        if item.warning:
            problems.warn(item.path, item.line, item.message)

    events_by_company: dict[str, list[Event]] = {slug: [] for slug in briefs}
    for event in events:
        events_by_company[event.company.slug].append(event)
    companies = tuple(
        Company(
            ref=refs[slug],
            brief=dataclasses.replace(brief, body=Markdown(brief.body.path, "", brief.body.first_line)),
            relations=group_edges(edges[slug]),
            terms=tuple((t, tuple(terms[t][term_slug][0] for term in brief.terms[t] if (term_slug := slugify(term.name)) in terms[t])) for t in settings.taxonomies),
            events=tuple(sorted(events_by_company[slug], key=event_order)),
            cited=tuple(source_refs[c.source_id] for c in bodies[slug].citations if c.source_id in source_refs),
            stale=is_stale(brief, settings, build_date),
            strengths=points[slug]["strengths"],
            weaknesses=points[slug]["weaknesses"],
            poses=highest_posed.get(slug),
            faces=highest_faced.get(slug),
        )
        for slug, brief in sorted(briefs.items(), key=lambda item: sort_key(item[1].title))
    )
    texts = {slug: CompanyText(bodies[slug], in_order(backlinks[slug])) for slug in briefs}
    taxonomies = tuple(
        Taxonomy(
            name=t,
            title=t.replace("-", " ").capitalize(),
            url=urls.taxonomy(t),
            terms=tuple(
                Term(ref, descriptions.get((t, ref.slug)), tuple(sorted(members, key=lambda c: sort_key(c.title))))
                for ref, members in sorted(terms[t].values(), key=lambda v: sort_key(v[0].name))
            ),
        )
        for t in settings.taxonomies
    )
    return Site(
        settings=settings,
        build_date=build_date,
        home=Home(documents.index.title if documents.index and documents.index.title else settings.title, home),
        companies=companies,
        taxonomies=taxonomies,
        events=tuple(sorted(events, key=event_order)),
        sources=tuple(
            SourceEntry(source_refs[s.id], s, tuple(claims.get(s.id, ())))
            for s in sorted(sources.values(), key=lambda s: sort_key(s.title))
        ),
        threats=threats,
        review=review,
        texts=texts,
    )


def links_of(body: RenderedBody) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """What the rest of the model reads of a body's links to other companies (their backlinks): its
    wikilinks (with anchors) and autolinks."""
    return tuple((w.target, w.anchor) for w in body.wikilinks), body.autolinks


def anchors_and_citations(body: RenderedBody) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What else the rest of the model reads of a body: its anchors (other bodies link to them), its
    citations (the sources page lists them), its rejected links (errors) and the files it links (each must exist)."""
    return (
        tuple(h.anchor for h in body.headings),
        tuple(c.source_id for c in body.citations),
        tuple(u.address for u in body.unsafe_links),
        tuple(f.path for f in body.files),
    )


def linked_companies(body: RenderedBody) -> set[str]:
    return {w.target for w in body.wikilinks} | set(body.autolinks)


def in_order(referrers: set[Referrer]) -> tuple[Referrer, ...]:
    """A company's backlinks as its page lists them."""
    return tuple(sorted(referrers, key=lambda r: (sort_key(r.title), r.url)))


def check_aliases(briefs: dict[str, Brief], problems: Problems) -> None:
    """An alias names one company: one that two briefs claim (in any case) is an error naming both."""
    claimed: dict[str, Brief] = {}
    for brief in briefs.values():
        for alias in dict.fromkeys(brief.aliases):
            other = claimed.setdefault(alias.casefold(), brief)
            if other is not brief:
                problems.error(brief.path, brief.aliases_line,
                               f"alias '{alias}' is also claimed by {display_path(other.path)}; an alias names one company: keep it in one brief")


def company_names(briefs: dict[str, Brief]) -> Names:
    return Names.build(
        {slug: (b.title, *b.aliases) for slug, b in briefs.items()},
        {slug: b.title for slug, b in briefs.items()},
    )


def convert_pages(documents: Documents, names: Names, problems: Problems) -> tuple[RenderedBody | None, dict[tuple[str, str], RenderedBody]]:
    """index.md and the term descriptions (wikilinks and citations, but no autolinks), in worker processes
    (guarded.py): the home page's body, and each description's by (taxonomy, term slug)."""
    pages = {("", ""): documents.index} if documents.index is not None else {}
    pages.update({(taxonomy, page.slug): page for taxonomy, term_pages in documents.term_pages.items() for page in term_pages})
    items = [("", page.body.text, page.body.first_line) for page in pages.values()]
    converted = dict(zip(pages, guarded_iter(converting, (names, False), items)))
    for key, body in converted.items():
        if body is None:
            report_too_slow(problems, pages[key].body.path, pages[key].body.first_line)
            converted[key] = EMPTY_BODY
    home = converted.pop(("", ""), None)
    return home, converted


class Resolver:
    """Looks up the companies and sources that references name, reporting misses."""

    def __init__(self, refs: dict[str, CompanyRef], drafts: set[str], sources: dict[str, SourceRef], problems: Problems, documents: Documents):
        self.refs = refs
        self.drafts = drafts
        self.sources = sources
        self.problems = problems
        self.documents = documents

    def company(self, path: Path, line: int, slug: str, what: str) -> CompanyRef | None:
        if slug in self.refs:
            return self.refs[slug]
        if slug in self.documents.unreadable_briefs:
            return None  # the brief exists; its own errors are reported
        if slug in self.drafts:
            self.problems.error(path, line, f"{what}: '{slug}' is a draft; build with --drafts or remove the reference")
        else:
            hint = did_you_mean(slug, self.refs) or f"; companies are: {', '.join(sorted(self.refs)) or 'none yet'}"
            self.problems.error(path, line, f"{what}: unknown company '{slug}'{hint}")
        return None

    def source(self, path: Path, line: int, source_id: str, what: str) -> SourceRef | None:
        if source_id in self.sources:
            return self.sources[source_id]
        if source_id in self.documents.unreadable_sources or self.documents.sources_file_failed:
            return None  # sources.yml's own errors are reported
        hint = did_you_mean(source_id, self.sources) or "; add it to sources.yml"
        self.problems.error(path, line, f"{what}: unknown source '{source_id}'{hint}")
        return None

    def check_body_references(self, briefs, bodies, home, descriptions, documents) -> None:
        anchors = {slug: {h.anchor for h in body.headings} for slug, body in bodies.items()}
        pages = [(b.body.path, bodies[slug]) for slug, b in briefs.items()]
        if home is not None:
            pages.append((documents.index.path, home))
        term_paths = {(t, p.slug): p.body.path for t, ps in documents.term_pages.items() for p in ps}
        pages.extend((term_paths[key], body) for key, body in descriptions.items() if body is not None)
        for path, body in pages:
            for link in body.wikilinks:
                raw = f"[[{link.target}" + (f"#{link.anchor}" if link.anchor else "") + "]]"
                if self.company(path, link.line, link.target, raw) and link.anchor and link.anchor not in anchors[link.target]:
                    hint = did_you_mean(link.anchor, anchors[link.target]) or (
                        f"; its anchors are: {', '.join(sorted(anchors[link.target]))}" if anchors[link.target] else "; it has no headings"
                    )
                    self.problems.error(path, link.line, f"{raw}: no heading with anchor '{link.anchor}' in '{link.target}'{hint}")
            for citation in body.citations:
                self.source(path, citation.line, citation.source_id, f"[@{citation.source_id}]")
            for unsafe in body.unsafe_links:
                self.problems.error(path, unsafe.line, f"link '{unsafe.address[:60]}' is not allowed; use an http(s), mailto or relative address")
            for link in body.files:
                self.file(path, link)

    def file(self, path: Path, link: FileLink) -> None:
        """A brief's relative link to a file: it must be a file of content/assets/, which the site publishes."""
        where = f"'{link.address[:80]}'"
        if link.path in self.documents.assets:
            return
        if not link.path.startswith(ASSETS + "/"):
            self.problems.error(path, link.line, f"{where} is not a file under {ASSETS}/: only the content folder's {ASSETS}/ is published; "
                                                 f"put the file there and link it as ../{ASSETS}/NAME (or link a brief as [[slug]])")
        else:
            hint = did_you_mean(link.path[len(ASSETS) + 1:], [name[len(ASSETS) + 1:] for name in self.documents.assets])
            self.problems.error(path, link.line, f"{where}: there is no file content/{link.path}{hint}")


def collect_terms(briefs: dict[str, Brief], settings: Settings, problems: Problems) -> dict[str, dict[str, tuple[TermRef, list[CompanyRef]]]]:
    """taxonomy -> term slug -> (the term, its members); two spellings of one URL are errors."""
    terms: dict[str, dict[str, tuple[TermRef, list[CompanyRef]]]] = {t: {} for t in settings.taxonomies}
    first_seen: dict[tuple[str, str], tuple[Path, int]] = {}
    for slug, brief in briefs.items():
        member = CompanyRef(slug, brief.title, brief.summary, urls.company(slug))
        for taxonomy in settings.taxonomies:
            for term in brief.terms[taxonomy]:
                term_slug = slugify(term.name)
                if not term_slug:
                    problems.error(brief.path, term.line, f"{taxonomy}: term '{term.name}' has no letters or digits to make a URL from; reword it")
                    continue
                if too_long(term_slug):
                    size = len(term_slug.encode("utf-8", "surrogateescape"))
                    problems.error(brief.path, term.line, f"{taxonomy}: term '{term.name[:40]}...' makes a URL part {size} bytes long; the limit is {MAX_COMPONENT_BYTES} bytes (UTF-8): shorten the term")
                    continue
                known = terms[taxonomy].get(term_slug)
                if known is None:
                    terms[taxonomy][term_slug] = (TermRef(taxonomy, term.name, term_slug, urls.term(taxonomy, term_slug)), [member])
                    first_seen[(taxonomy, term_slug)] = (brief.path, term.line)
                elif known[0].name != term.name:
                    where, line = first_seen[(taxonomy, term_slug)]
                    problems.error(
                        brief.path, term.line,
                        f"{taxonomy}: term '{term.name}' and '{known[0].name}' ({where.as_posix()}:{line}) both map to /{urls.term(taxonomy, term_slug)}; spell them the same",
                    )
                else:
                    known[1].append(member)
    return terms


def resolve_relations(briefs: dict[str, Brief], refs: dict[str, CompanyRef], resolver: Resolver) -> dict[str, list[Edge]]:
    """Every relation as an edge on both companies, in the labels of the content model."""
    edges: dict[str, list[Edge]] = {slug: [] for slug in briefs}
    for slug, brief in briefs.items():
        for index, relation in enumerate(brief.relations):
            what = f"relations[{index}].to"
            if relation.to.name == slug:
                resolver.problems.error(brief.path, relation.to.line, f"{what}: a relation from '{slug}' to itself; point 'to' at another company")
                continue
            other = resolver.company(brief.path, relation.to.line, relation.to.name, what)
            source = relation.source and resolver.source(brief.path, relation.source.line, relation.source.name, f"relations[{index}].source")
            if other is None:
                continue
            forward, backward = RELATION_LABELS[relation.type]
            threat = relation.threat or ("unclear" if relation.type == "competitor" else "")
            common = dict(type=relation.type, note=relation.note, confidence=relation.confidence, source=source or None, threat=threat, horizon=relation.horizon)
            edges[slug].append(Edge(label=forward, other=other, outgoing=True, **common))
            edges[other.slug].append(Edge(label=backward, other=refs[slug], outgoing=False, **common))
    return edges


def group_edges(edges: list[Edge]) -> tuple[RelationGroup, ...]:
    groups = defaultdict(list)
    for edge in edges:
        groups[edge.label].append(edge)
    return tuple(
        RelationGroup(label, tuple(sorted(groups[label], key=lambda e: (sort_key(e.other.title), not e.outgoing, e.type, e.note))))
        for label in LABEL_ORDER
        if label in groups
    )


def resolve_points(briefs: dict[str, Brief], resolver: Resolver) -> dict[str, dict[str, tuple[Point, ...]]]:
    """Each company's strengths and weaknesses, their sources resolved: slug -> 'strengths'/'weaknesses' -> points."""

    def point(brief: Brief, key: str, index: int, entry: PointEntry) -> Point:
        source = entry.source and resolver.source(brief.path, entry.source.line, entry.source.name, f"{key}[{index}].source")
        return Point(entry.text, source or None, entry.confidence)

    return {
        slug: {key: tuple(point(brief, key, i, entry) for i, entry in enumerate(getattr(brief, key))) for key in ("strengths", "weaknesses")}
        for slug, brief in briefs.items()
    }


HORIZON_ORDER = {"near-term": 0, "long-term": 1, "": 2}


def threats_of(edges: dict[str, list[Edge]], refs: dict[str, CompanyRef]) -> tuple[Threat, ...]:
    """Every competitor edge as a threat, highest first; then the nearer, then by the two companies' titles."""
    threats = [
        Threat(refs[slug], edge.other, edge.threat, edge.horizon, edge.confidence, edge.note, edge.source)
        for slug, slug_edges in edges.items()
        for edge in slug_edges
        if edge.outgoing and edge.type == "competitor"
    ]
    return tuple(sorted(threats, key=lambda t: (t.rank, HORIZON_ORDER[t.horizon], sort_key(t.by.title), sort_key(t.to.title), t.note)))


def resolve_events(briefs: dict[str, Brief], refs: dict[str, CompanyRef], resolver: Resolver) -> list[Event]:
    events = []
    for slug, brief in briefs.items():
        for index, event in enumerate(brief.events):
            source = event.source and resolver.source(brief.path, event.source.line, event.source.name, f"events[{index}].source")
            events.append(Event(event.date, event.title, refs[slug], source or None, event.confidence))
    return events


def event_order(event: Event) -> tuple:
    """Newest first; within a date, by company then title, so the order never depends on file order."""
    year, month, day = event.date.key
    return (-year, -month, -day, sort_key(event.company.title), event.title)


def collect_backlinks(briefs, bodies, edges, home, descriptions, refs, documents, terms) -> dict[str, set[Referrer]]:
    backlinks: dict[str, set[Referrer]] = {slug: set() for slug in briefs}
    for slug, body in bodies.items():
        referrer = Referrer(refs[slug].title, refs[slug].url)
        for target in linked_companies(body):
            if target in backlinks and target != slug:
                backlinks[target].add(referrer)
    for slug, slug_edges in edges.items():
        for edge in slug_edges:
            backlinks[edge.other.slug].add(Referrer(refs[slug].title, refs[slug].url))
    if home is not None:
        for link in home.wikilinks:
            if link.target in backlinks:
                backlinks[link.target].add(Referrer(documents.index.title or "Home", urls.HOME))
    for (taxonomy, term_slug), body in descriptions.items():
        if body is None or term_slug not in terms[taxonomy]:
            continue
        term = terms[taxonomy][term_slug][0]
        for link in body.wikilinks:
            if link.target in backlinks:
                backlinks[link.target].add(Referrer(term.name, term.url))
    return backlinks


CLAIM_KINDS = ("body", "relation", "strength", "weakness", "event")  # the order a source's claims by one company are listed in


def collect_claims(briefs, bodies, edges, events, points, refs) -> dict[str, list[Claim]]:
    claims: dict[str, list[Claim]] = defaultdict(list)
    for slug, slug_edges in edges.items():
        for edge in slug_edges:
            if edge.outgoing and edge.source:
                text = f"{refs[slug].title}: {edge.label.lower()} {edge.other.title}" + (f". {edge.note}" if edge.note else "")
                claims[edge.source.id].append(Claim("relation", text, refs[slug], refs[slug].url + "#relations"))
    for slug, kinds in points.items():
        for key, kind in (("strengths", "strength"), ("weaknesses", "weakness")):
            for point in kinds[key]:
                if point.source:
                    claims[point.source.id].append(Claim(kind, f"{refs[slug].title}: {point.text}", refs[slug], refs[slug].url + f"#{key}"))
    for event in events:
        if event.source:
            claims[event.source.id].append(Claim("event", f"{event.date}: {event.title}", event.company, event.company.url + "#events"))
    for slug, body in bodies.items():
        for citation in body.citations:
            claims[citation.source_id].append(Claim("body", f"Cited in the brief on {refs[slug].title}", refs[slug], refs[slug].url + f"#source-{citation.source_id}"))
    for source_claims in claims.values():
        source_claims.sort(key=lambda c: (sort_key(c.company.title), CLAIM_KINDS.index(c.kind), c.text))
    return claims


def is_stale(brief: Brief, settings: Settings, build_date: datetime.date) -> bool:
    return (build_date - brief.updated).days > settings.stale_after_days


def review_items(briefs, bodies, backlinks, claims, documents: Documents, terms, refs, settings: Settings,
                 build_date: datetime.date) -> tuple[ReviewItem, ...]:
    """What needs attention, in the order /review/ lists it: the warnings, and what only that page shows."""
    items: dict[str, list[tuple[tuple, ReviewItem]]] = {kind: [] for kind in REVIEW_KINDS}

    # A brief that did not parse may cite, link or tag what now looks unused: those warnings would only repeat its error.
    judged = not documents.unreadable_briefs
    def add(kind: str, order: tuple, path: Path, line: int, message: str, name: str, url: str, file: str) -> None:
        items[kind].append((order, ReviewItem(kind, display_path(path), line, message, name, url, file)))

    for slug, brief in sorted(briefs.items(), key=lambda item: sort_key(item[1].title)):
        title = (sort_key(brief.title),)
        company = (brief.title, refs[slug].url, f"companies/{slug}.md")
        if is_stale(brief, settings, build_date):
            age = (build_date - brief.updated).days
            add("stale", (brief.updated, *title), brief.path, brief.updated_line,
                f"stale: updated {brief.updated} is {age} days old (limit {settings.stale_after_days}); review the brief and set 'updated'", *company)
        rumor_age = (build_date - brief.updated).days
        for relation in brief.relations:
            what = f"relation to {refs[relation.to.name].title if relation.to.name in refs else relation.to.name}"
            if relation.confidence == "rumor" and rumor_age > settings.rumor_after_days:
                add("rumor", (brief.updated, *title, relation.to.line), brief.path, relation.to.line,
                    f"{what} is still a rumor {rumor_age} days after the brief was updated ({brief.updated}); confirm it, or remove it", *company)
            if relation.source is None:
                add("unsourced", (*title, relation.to.line), brief.path, relation.to.line, f"{what} has no source; add 'source:'", *company)
        for event in brief.events:
            age = (build_date - last_day(event.date)).days
            if event.confidence == "rumor" and age > settings.rumor_after_days:
                add("rumor", (last_day(event.date), *title, event.line), brief.path, event.line,
                    f"event '{event.title}' ({event.date}) is a rumor {age} days old; confirm it, or remove it", *company)
            if event.source is None:
                add("unsourced", (*title, event.line), brief.path, event.line, f"event '{event.title}' has no source; add 'source:'", *company)
        if not backlinks[slug] and len(briefs) > 1 and judged:  # a site's only brief has no other to be linked from
            add("unlinked", title, brief.path, 1, f"nothing links to this brief; link it from another with [[{slug}]] or add a relation", *company)
        cited = {c.source.name for c in (*brief.relations, *brief.events, *brief.strengths, *brief.weaknesses) if c.source}
        cited |= {citation.source_id for citation in bodies[slug].citations}
        if len(cited) < 2:
            add("thin", title, brief.path, 1, f"cites {'one source' if cited else 'no source'}; back its claims with more", *company)
    for source in documents.sources:
        if source.id not in claims and judged:
            add("uncited", (source.line,), source.path, source.line,
                f"source '{source.id}' is not cited; cite it with [@{source.id}] or source: {source.id}, or remove it", source.title, urls.source(source.id), source.path.name)
    for taxonomy, pages in documents.term_pages.items():
        for page in pages:
            if page.slug not in terms[taxonomy] and judged:
                hint = did_you_mean(page.slug, terms[taxonomy])
                add("unused-term", (taxonomy, page.slug), page.path, 1, f"describes a {taxonomy} term '{page.slug}' that no brief uses{hint}", f"{taxonomy}/{page.slug}", "", f"{taxonomy}/{page.path.name}")
    return tuple(item for kind in REVIEW_KINDS for _, item in sorted(items[kind], key=lambda pair: pair[0]))


def last_day(date: PartialDate) -> datetime.date:
    """The latest day a partial date may mean: how old a rumor of '2021-03' is at least."""
    year, month, day = date.key
    if day:
        return datetime.date(year, month, day)
    if month:
        return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    return datetime.date(year, 12, 31)
