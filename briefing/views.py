"""What each page shows, declared once: its URL, its template and the exact slice of the model it sees.

A `View` declares a kind of page; `declare_pages` turns the site model into
one `PageView` per output file, before anything is rendered. A template sees
`site` (the `Chrome` for a page about one item, the `WholeSite` for a page
about all of it), `item` (what the page is about) and `text` (a company's
body and backlinks, which only its own page shows), and nothing else of the
model. The speed machinery derives everything from these slices: a page is
rendered again only when its slice changed, and an edit to a brief's text
touches only the pages whose view shows texts.

Adding a page is one `View` here and one template.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Callable, Iterable

from . import urls
from .diagrams import HOME_MAP_LIMIT, landscape_map, network_map, threat_matrix
from .export import companies_data, event_rows, relation_rows
from .markup import RenderedBody
from .model import (
    REVIEW_KINDS,
    ChangeEntry,
    Company,
    CompanyText,
    Event,
    Home,
    ReviewItem,
    Site,
    SourceEntry,
    Taxonomy,
    Threat,
    by_year,
)
from .problems import Problems
from .settings import Settings


@dataclass(frozen=True, slots=True)
class NavItem:
    name: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every page shows besides its own item: the settings, the build date and the navigation."""

    settings: Settings
    build_date: datetime.date
    taxonomies: tuple[NavItem, ...]
    history: bool  # the content is in git: the site has /changes/


@dataclass(frozen=True, slots=True)
class WholeSite:
    """What a page about the whole site shows: everything but the companies' texts."""

    settings: Settings
    build_date: datetime.date
    home: Home
    companies: tuple[Company, ...]
    taxonomies: tuple[Taxonomy, ...]
    events: tuple[Event, ...]
    sources: tuple[SourceEntry, ...]
    threats: tuple[Threat, ...]
    pages: tuple[tuple[str, datetime.date | None], ...]  # every HTML page for the sitemap: (url, updated)
    history: bool  # the content is in git: the site has /changes/
    recent_changes: tuple[ChangeEntry, ...]
    review: tuple[ReviewItem, ...]

    @property
    def events_by_year(self) -> tuple[tuple[int, tuple[Event, ...]], ...]:
        return by_year(self.events)


@dataclass(frozen=True, slots=True)
class ChangeLog:
    """The item of /changes/ and /changes.xml: changes, newest first."""

    entries: tuple[ChangeEntry, ...]

    @property
    def by_month(self) -> tuple[tuple[datetime.date, tuple[ChangeEntry, ...]], ...]:
        """(first day of the month, its changes), newest first."""
        months: dict[datetime.date, list[ChangeEntry]] = {}
        for entry in self.entries:
            months.setdefault(entry.time.date().replace(day=1), []).append(entry)
        return tuple((month, tuple(entries)) for month, entries in months.items())


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """The item of /review/: what needs attention, by kind."""

    items: tuple[ReviewItem, ...]

    @property
    def groups(self) -> tuple[tuple[str, str, tuple[ReviewItem, ...]], ...]:
        """(kind, heading, items) for each kind with items, in the order of model.REVIEW_KINDS."""
        return tuple((kind, heading, found) for kind, heading in REVIEW_KINDS.items() if (found := tuple(i for i in self.items if i.kind == kind)))


RECENT_CHANGES = 5  # on the home page
PACK_VOLUME = 200  # briefs in a volume of the briefing pack


@dataclass(frozen=True, slots=True)
class PackBrief:
    """A brief as the pack shows it: the company and its converted body (not its backlinks or history)."""

    company: Company
    body: RenderedBody


@dataclass(frozen=True, slots=True)
class PackVolume:
    """The item of a volume of /pack/: its briefs in title order, each with its text, and where every volume is."""

    number: int
    volumes: tuple[tuple[str, str, str], ...]  # (url, first title, last title) of each volume
    briefs: tuple[PackBrief, ...]

    def with_texts(self, texts: dict[str, CompanyText]) -> "PackVolume":
        """The volume with its briefs' bodies from `texts` (the same object where unchanged)."""
        if all(texts[b.company.slug].body is b.body for b in self.briefs):
            return self
        return dataclasses.replace(self, briefs=tuple(PackBrief(b.company, texts[b.company.slug].body) for b in self.briefs))


def pack_volumes(site: Site) -> list[tuple[str, str, PackVolume]]:
    """The briefing pack's volumes, PACK_VOLUME briefs each: (url, title, volume); none for a site without briefs."""
    groups = [site.companies[start:start + PACK_VOLUME] for start in range(0, len(site.companies), PACK_VOLUME)]
    volumes = tuple((urls.pack_volume(n), group[0].title, group[-1].title) for n, group in enumerate(groups, 1))
    return [
        (url, "Briefing pack" if len(groups) == 1 else f"Briefing pack, volume {n} of {len(groups)}",
         PackVolume(n, volumes, tuple(PackBrief(c, site.texts[c.slug].body) for c in group)))
        for n, (group, (url, _, _)) in enumerate(zip(groups, volumes), 1)
    ]


@dataclass(frozen=True, slots=True)
class PageView:
    """One output file: where it goes, its template, and what it shows."""

    url: str  # site-relative: '' is home, 'companies/nio/', 'feed.xml'
    kind: str
    title: str
    template: str
    site: Chrome | WholeSite
    item: object = None
    text: CompanyText | None = None
    absolute_links: bool = False  # 404.html is served at any depth, so it links from the base path

    @property
    def output_file(self) -> str:
        return urls.output_file(self.url)

    def with_texts(self, texts: dict[str, CompanyText]) -> "PageView":
        """The page showing the companies' texts in `texts` (the same object when it shows none of them anew)."""
        if self.text is not None:
            text = texts[self.item.slug]
            return self if text is self.text else dataclasses.replace(self, text=text)
        if isinstance(self.item, PackVolume):
            item = self.item.with_texts(texts)
            return self if item is self.item else dataclasses.replace(self, item=item)
        return self


@dataclass(frozen=True, slots=True)
class View:
    """A kind of page: its template and the pages it makes of a site, each (url, title, item)."""

    kind: str
    template: str
    pages: Callable[[Site], Iterable[tuple[str, str, object]]]
    whole_site: bool = False  # shows the WholeSite; else the Chrome and its item
    shows_texts: bool = False  # shows companies' texts: a Company item's own (PageView.text), or those its item holds
    listed: bool = True  # an HTML page, listed in the sitemap
    absolute_links: bool = False


def single(url: str, title: str) -> Callable[[Site], list[tuple[str, str, object]]]:
    return lambda site: [(url, title, None)]


VIEWS = (
    View("home", "home.html", lambda site: [(urls.HOME, site.home.title, network_map(site.companies, HOME_MAP_LIMIT))], whole_site=True),
    View("companies", "companies.html", single(urls.COMPANIES, "Companies"), whole_site=True),
    View("company", "company.html", lambda site: [(c.url, c.title, c) for c in site.companies], shows_texts=True),
    View("map", "map.html", lambda site: [(urls.MAP, "Relationship map", network_map(site.companies))]),
    View("matrix", "matrix.html", lambda site: [(urls.MATRIX, "Threat matrix", threat_matrix(site.threats))]),
    View("landscape", "landscape.html", lambda site: [(urls.LANDSCAPE, "Landscape", landscape_map(site))] if site.settings.landscape else []),
    View("taxonomy", "taxonomy.html", lambda site: [(t.url, t.title, t) for t in site.taxonomies]),
    View("term", "term.html", lambda site: [(term.ref.url, term.ref.name, term) for t in site.taxonomies for term in t.terms]),
    View("timeline", "timeline.html", single(urls.TIMELINE, "Timeline"), whole_site=True),
    View("changes", "changes.html", lambda site: [(urls.CHANGES, "Changes", ChangeLog(site.changes))] if site.changes is not None else []),
    View("changes.xml", "changes.xml", lambda site: [("changes.xml", "changes.xml", ChangeLog(site.public_changes))] if site.changes is not None else [],
         listed=False),
    View("search", "search.html", single(urls.SEARCH, "Search")),
    View("pack", "pack.html", pack_volumes, shows_texts=True),
    View("review", "review.html", lambda site: [(urls.REVIEW, "Review", ReviewQueue(site.review))]),
    View("companies.json", "data/companies.json", lambda site: [(urls.DATA + "companies.json", "companies.json", companies_data(site))], listed=False),
    View("relations.csv", "data/relations.csv", lambda site: [(urls.DATA + "relations.csv", "relations.csv", relation_rows(site))], listed=False),
    View("events.csv", "data/events.csv", lambda site: [(urls.DATA + "events.csv", "events.csv", event_rows(site))], listed=False),
    View("sources", "sources.html", single(urls.SOURCES, "Sources"), whole_site=True),
    View("feed.xml", "feed.xml", single("feed.xml", "feed.xml"), whole_site=True, listed=False),
    View("sitemap.xml", "sitemap.xml", single("sitemap.xml", "sitemap.xml"), whole_site=True, listed=False),
    View("robots.txt", "robots.txt", single("robots.txt", "robots.txt"), whole_site=True, listed=False),
    View("404", "404.html", single("404.html", "Page not found"), listed=False, absolute_links=True),
)

LISTED = frozenset(view.kind for view in VIEWS if view.listed)


def chrome_of(site: Site) -> Chrome:
    return Chrome(site.settings, site.build_date, tuple(NavItem(t.name, t.title, t.url) for t in site.taxonomies), site.changes is not None)


def declare_pages(site: Site, problems: Problems) -> tuple[PageView, ...]:
    """Every output file of the site made from templates, declared before any is rendered; two pages with
    one URL are an error."""
    chrome = chrome_of(site)
    made = [(view, url, title, item) for view in VIEWS for url, title, item in view.pages(site)]
    listed = tuple((url, item.brief.updated if isinstance(item, Company) else None) for view, url, _, item in made
                   if view.listed and not (isinstance(item, Company) and item.brief.draft))  # a draft (--drafts) is no page to publish
    whole = WholeSite(site.settings, site.build_date, site.home, site.companies, site.taxonomies, site.events, site.sources, site.threats, listed,
                      site.changes is not None, (site.changes or ())[:RECENT_CHANGES], site.review)
    pages = tuple(
        PageView(url, view.kind, title, view.template, whole if view.whole_site else chrome, item,
                 site.texts[item.slug] if view.shows_texts and isinstance(item, Company) else None, view.absolute_links)
        for view, url, title, item in made
    )
    check_unique_urls(pages, problems)
    return pages


def views_showing_texts() -> tuple[str, ...]:
    """The kinds of page that show a company's text: the only pages an edit to a brief's text changes
    (as long as the text keeps what other pages depend on: see incremental.patch)."""
    return tuple(view.kind for view in VIEWS if view.shows_texts)


def check_unique_urls(pages: tuple[PageView, ...], problems: Problems) -> None:
    seen: dict[str, PageView] = {}
    for page in pages:
        if page.url in seen:
            problems.error("site.yml", 0, f"two pages would be written to /{page.url}: {seen[page.url].kind} '{seen[page.url].title}' and {page.kind} '{page.title}'")
        seen[page.url] = page
