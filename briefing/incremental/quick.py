"""A build in a new process when nothing changed, or only the texts of a few briefs: without loading the site.

Loading a large site's model takes seconds even from the cache. This path
reads only the record of the last build, the briefs that changed and their
stored pages: a brief that kept the text of its front-matter (so no YAML is
read) and whose body kept its links, anchors and citations changes only the
pages whose view shows texts (views.views_showing_texts: its own page, and the
volume of the briefing pack that holds it, rendered again from the stored pages
of the volume's other companies, which keep the text they showed), and
every other page, problem and warning of the last build holds (a stricter
rule than patch.with_new_texts, which also takes new links in memory). Anything else returns None, and
the build runs in full.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..files import UnclosedFrontMatter, read_bytes, read_text, split_front_matter
from ..guarded import guarded_iter
from ..markup import Names, RenderedBody, converting
from ..model import (
    ChangeEntry,
    Company,
    CompanyText,
    Referrer,
    anchors_and_citations,
    links_of,
)
from ..problems import Problems
from ..render import Renderer
from .. import urls
from ..views import Chrome, PackBrief, PackVolume, PageView, views_showing_texts
from ..writer import Staging, WriteReport, read_manifest
from .fingerprints import Fingerprints
from .plain import MISS, decode, storable
from .record import BuildRecord
from .stamps import (
    MISSING,
    STAMP,
    changed_files,
    digest_bytes,
    digest_of,
    output_stamps,
)
from .store import Store

T = TypeVar("T")
MAX_BRIEFS = 20  # a larger change (a search and replace) goes to the full build's workers


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A company page as the quick path needs it: its declaration without its text, what the rest of the site
    reads of that text (model.links_of, model.anchors_and_citations), and the body the page showed (for the
    pack's volume that shows it too)."""

    url: str
    kind: str
    title: str
    template: str
    chrome: Chrome
    company: Company
    absolute_links: bool
    referenced_by: tuple[Referrer, ...]
    links: tuple[tuple[tuple[str, str], ...], tuple[str, ...]]
    anchors: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    history: tuple[ChangeEntry, ...]
    body: RenderedBody

    def page(self, text: CompanyText | None) -> PageView:
        return PageView(self.url, self.kind, self.title, self.template, self.chrome, self.company, text, self.absolute_links)

    def text(self, body: RenderedBody) -> CompanyText:
        return CompanyText(body, self.referenced_by, self.history)


@dataclass(frozen=True, slots=True)
class StoredVolume:
    """A volume of the briefing pack as the quick path needs it: its declaration, with its briefs by slug."""

    url: str
    kind: str
    title: str
    template: str
    chrome: Chrome
    absolute_links: bool
    number: int
    volumes: tuple[tuple[str, str, str], ...]
    slugs: tuple[str, ...]

    def page(self, briefs: tuple[PackBrief, ...]) -> PageView:
        return PageView(self.url, self.kind, self.title, self.template, self.chrome, PackVolume(self.number, self.volumes, briefs), None,
                        self.absolute_links)


@dataclass(frozen=True, slots=True)
class QuickResult:
    record: BuildRecord  # the record as it now stands
    rendered: int
    reused: int
    report: WriteReport


def stored_key(page: PageView) -> str | None:
    """Where the store keeps a page the quick path renders again: a company page by its slug, a volume of the
    pack by its URL (which no slug can be); None for other pages."""
    if page.text is not None:
        return page.item.slug
    return page.url if isinstance(page.item, PackVolume) else None


def stored_page(page: PageView) -> bytes | None:
    """A page with a stored_key as plain data (plain.py) for the store; None if it cannot be stored."""
    if isinstance(page.item, PackVolume):
        volume = page.item
        return storable(StoredVolume(page.url, page.kind, page.title, page.template, page.site, page.absolute_links, volume.number,
                                     volume.volumes, tuple(brief.company.slug for brief in volume.briefs)))
    text = page.text
    return storable(StoredPage(page.url, page.kind, page.title, page.template, page.site, page.item, page.absolute_links,
                               text.referenced_by, links_of(text.body), anchors_and_citations(text.body), text.history, text.body))


def intact(output: Path, record: BuildRecord) -> bool:
    """The output is as the record left it: every file there with its recorded stamp, and no other in the manifest."""
    stamps = output_stamps(output, record.outputs)
    return all(stamp != MISSING and record.outputs[name][:STAMP.size] == stamp for name, stamp in stamps.items()) \
        and read_manifest(output) == set(record.outputs)


def quick_build(content: Path, output: Path, store: Store, record: BuildRecord, inputs: dict[str, bytes], renderer: Renderer,
                fingerprints: Fingerprints, names: tuple[Names, bool] | None, later: frozenset[str] = frozenset()) -> QuickResult | None:
    """Bring the output up to date with `inputs` (the content and templates as scanned now) from `record` (the
    last build's, with the same options, date and engine), or None when a full build is needed. `names`: the
    company names and autolink setting the last build converted bodies with. Volumes of the pack to render
    again are left as they are when `later` holds their kind, and the record says so (BuildRecord.left)."""
    if views_showing_texts() != ("company", "pack"):
        return None  # a new kind of page shows texts: teach this path its pages first
    edited = changed_files(inputs, record.inputs)
    briefs = edited_briefs(content, edited) if edited is not None and len(edited) <= MAX_BRIEFS else None
    if briefs is None or (briefs and names is None) or not intact(output, record):
        return None
    rows = store.pages(output, list(briefs))
    pages = []
    for slug, path in briefs.items():
        page = edited_page(content, path, inputs[path], record, rows.get(slug), names)
        if page is None:
            return None
        pages.append(page)
    volumes = edited_volumes(output, store, record, pages) if pages or record.left else []
    if volumes is None:
        return None
    left = tuple(sorted(volume.output_file for volume in volumes if volume.kind in later))
    todo = pages + [volume for volume in volumes if volume.kind not in later]
    report = WriteReport(0, len(record.outputs), 0)
    if todo:
        report, record = render_pages(todo, output, renderer, fingerprints, record, store)
    if todo or inputs != record.inputs or left != record.left:
        record = dataclasses.replace(record, inputs=inputs, left=left)
    return QuickResult(record, len(todo), len(inputs) - len(edited), report)


def edited_briefs(content: Path, edited: set[str]) -> dict[str, str] | None:
    """slug -> path of the edited files, when they are all briefs."""
    briefs = {}
    for path in edited:
        folder, _, name = path.rpartition(os.sep)
        if folder != str(content / "companies") or not name.endswith(".md"):
            return None
        briefs[name[:-3]] = path
    return briefs


def edited_page(content: Path, path: str, entry: bytes, record: BuildRecord, row: tuple[bytes, bytes] | None,
                names: tuple[Names, bool]) -> PageView | None:
    """The page of an edited brief, when nothing but that page changes (see the module's docstring); else None."""
    if row is None:
        return None  # a draft the last build left out, or a store that lost it
    fingerprint, data = row
    stored = decode(data, StoredPage)
    if stored is MISS or record.fingerprint(stored.page(None).output_file) != fingerprint:
        return None
    problems = Problems()
    data = read_bytes(Path(path), content, problems)
    if data is None or digest_bytes(data) != digest_of(entry):
        return None  # unreadable, or changed again since the scan
    text = read_text(Path(path), content, problems, data)
    if text is None:
        return None  # the full build reports why
    try:
        split = split_front_matter(text)
    except UnclosedFrontMatter:
        return None
    company = stored.company
    if split.yaml is None or split.yaml_digest() != company.brief.front_matter:
        return None  # the same front-matter's text gives the same fields: no YAML is read
    [body] = guarded_iter(converting, names, [(company.slug, split.body, split.body_line)])
    if body is None:
        return None  # it took too long to convert: the full build reports it
    if links_of(body) != stored.links or anchors_and_citations(body) != stored.anchors:
        return None
    return stored.page(stored.text(body))


def edited_volumes(output: Path, store: Store, record: BuildRecord, edited: list[PageView]) -> list[PageView] | None:
    """The volumes of the briefing pack that show the edited pages' companies, with their new texts, and those
    the last build left for later; None when the store lacks what one of them shows as the record has it."""
    fresh = {page.item.slug: PackBrief(page.item, page.text.body) for page in edited}
    found = stored_pages(output, store, record, [name.removesuffix("index.html") for name in record.outputs if name.startswith(urls.PACK)],
                         StoredVolume)
    if found is None:
        return None
    volumes = [volume for volume in found if urls.output_file(volume.url) in record.left or not fresh.keys().isdisjoint(volume.slugs)]
    shown = stored_pages(output, store, record, [slug for volume in volumes for slug in volume.slugs if slug not in fresh], StoredPage)
    if shown is None:
        return None
    briefs = {**{page.company.slug: PackBrief(page.company, page.body) for page in shown}, **fresh}
    return [volume.page(tuple(briefs[slug] for slug in volume.slugs)) for volume in volumes]


def stored_pages(output: Path, store: Store, record: BuildRecord, keys: list[str], kind: type[T]) -> list[T] | None:
    """The stored pages of these keys, as the record has them; None if one is missing or out of date."""
    rows = store.pages(output, keys)
    pages = []
    for key in keys:
        fingerprint, data = rows.get(key, (None, None))
        stored = MISS if data is None else decode(data, kind)
        if stored is MISS or record.fingerprint(urls.output_file(stored.url)) != fingerprint:
            return None
        pages.append(stored)
    return pages


def render_pages(pages: list[PageView], output: Path, renderer: Renderer, fingerprints: Fingerprints, record: BuildRecord,
                 store: Store) -> tuple[WriteReport, BuildRecord]:
    """Render and write the pages; the record with their new stamps and fingerprints, which the store's rows get too."""
    staging = Staging(output)
    names = set(record.outputs)
    prints = {page.output_file: fingerprints.page(page) for page in pages}
    try:
        for page in pages:
            renderer.put(page, staging.put)
        report = staging.commit(names, names)
    except BaseException:
        staging.discard()
        raise
    stamps = output_stamps(output, prints)  # MISSING if gone already: no match next time
    outputs = {**record.outputs, **{name: stamps[name] + prints[name] for name in prints}}
    store.save_pages(output, [(stored_key(page), prints[page.output_file], stored_page(page)) for page in pages])
    return report, dataclasses.replace(record, outputs=outputs)


@dataclass(frozen=True, slots=True)
class PageNotes:
    """render.Describe: each page's fingerprint, made where the page renders (a large site's helper processes
    share the work); with `store`, company pages are kept there for the quick path of the next process too.
    Rows kept before the build fails are harmless: a row is used only while the record names its fingerprint."""

    salt: bytes
    store: Path | None
    output: Path

    def __call__(self, pages: list[PageView]) -> list[bytes]:
        shared: dict[int, bytes] = {}
        fingerprints = Fingerprints(self.salt)
        prints = [fingerprints.page(page, shared) for page in pages]
        rows = [(key, fingerprint, stored_page(page)) for page, fingerprint in zip(pages, prints) if (key := stored_key(page)) is not None]
        if self.store is not None and rows:
            store = Store("", self.store)
            store.save_pages(self.output, rows)
            store.close()
        return prints
