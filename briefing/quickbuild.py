"""A build in a new process when nothing changed, or only the bodies of a few briefs: without loading the site.

Loading a large site's model takes seconds even from the disk cache. This
path reads only the record of the last build, the briefs that changed and
their rows in the page store, and takes the decision model.with_new_bodies
takes in memory: when a brief kept the text of its front-matter (so no YAML
is read), and its body kept its links to other companies, its headings and
its citations, only its own page changes, and every other page, problem and
warning of the last build holds. Anything else returns None, and the build
runs in full.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

from . import urls
from .buildcache import BuildRecord, save_record
from .documents import Markdown
from .inputs import changed, digest_bytes, digest_of
from .markup import BodyConverter
from .model import Company, anchors_and_citations, links_of
from .outputs import output_stamps
from .pagestore import PageStore, Shared, StoredPage
from .problems import Problems
from .records import record
from .render import Job, Renderer, company_print
from .sourcefiles import UnclosedFrontMatter, read_bytes, read_text, split_front_matter
from .writer import Staging, WriteReport

MAX_BRIEFS = 20  # what one writer saves at once; a larger change (a search and replace) goes to the full build's workers


@record
class QuickResult:
    pages: int
    rendered: int
    reused: int
    report: WriteReport


def quick_build(content: Path, output: Path, record: BuildRecord, inputs: dict[str, bytes], intact: bool, renderer: Renderer) -> QuickResult | None:
    """Bring the output up to date with `inputs` (the content and templates as scanned now) from `record`
    (the last build's, with the same options, date and engine), or None when a full build is needed.
    `intact`: the output is as the record left it (outputs.intact)."""
    edited = changed(inputs, record.inputs)
    briefs = edited_briefs(content, edited) if edited is not None and len(edited) <= MAX_BRIEFS else None
    if briefs is None or not intact:
        return None
    loaded = PageStore(output).load(record.token, list(briefs)) if briefs else None
    if briefs and loaded is None:
        return None
    jobs = []
    converter = BodyConverter(loaded[0].names, autolink=loaded[0].autolink) if briefs else None
    for slug, path in briefs.items():
        job = edited_page(content, path, slug, inputs[path], record, *loaded, converter)
        if job is None:
            return None
        jobs.append(job)
    report = WriteReport(0, len(record.files), 0)
    if jobs:
        report, record = render_pages(jobs, output, renderer, record)
    if jobs or inputs != record.inputs:
        save_record(output, dataclasses.replace(record, inputs=inputs))
    return QuickResult(record.pages, len(jobs), len(inputs) - len(edited), report)


def edited_briefs(content: Path, edited: set[str]) -> dict[str, str] | None:
    """slug -> path of the edited files, when they are all briefs."""
    briefs = {}
    for path in edited:
        folder, _, name = path.rpartition(os.sep)
        if folder != str(content / "companies") or not name.endswith(".md"):
            return None
        briefs[name[:-3]] = path
    return briefs


def edited_page(content: Path, path: str, slug: str, entry: bytes, record: BuildRecord, shared: Shared,
                rows: dict[str, tuple[str, StoredPage]], converter: BodyConverter) -> tuple[Job, bytes] | None:
    """The job that renders an edited brief's page, and its company in outline pickled, when nothing but the
    page changes (see the module's docstring); else None."""
    if slug not in rows:
        return None  # a draft the last build left out, or a store that lost it
    fingerprint, stored = rows[slug]
    name = urls.output_file(stored.page.url)
    if record.prints.get(name, b"").hex() != fingerprint:
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
    outline = unpickled_company(stored.outline)
    if outline is None or split.yaml is None or split.yaml_digest() != outline.brief.front_matter:
        return None  # the same front-matter's text gives the same fields: no YAML is read
    brief = dataclasses.replace(outline.brief, body=Markdown(outline.brief.path, split.body, split.body_line))
    body = converter.convert(brief.body.text, brief.body.first_line, slug)
    if links_of(body) != stored.links or anchors_and_citations(body) != stored.anchors:
        return None
    company = dataclasses.replace(outline, brief=brief, body=body, referenced_by=stored.referenced_by)
    page = dataclasses.replace(stored.page, item=company)
    return Job(name, page, f"{page.kind}.html", (shared.chrome, company), shared.chrome), stored.outline


def unpickled_company(data: bytes) -> Company | None:
    try:
        company = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a damaged row is no row, whatever unpickling raised
        return None
    return company if isinstance(company, Company) else None


def render_pages(jobs: list[tuple[Job, bytes]], output: Path, renderer: Renderer, record: BuildRecord) -> tuple[WriteReport, BuildRecord]:
    """Render and write the pages; the record with their fingerprints and stamps."""
    renderer.prepare()
    prints = {}
    staging = Staging(output)
    names = set(record.files)
    try:
        for job, outline in jobs:
            prints[job.page.item.slug] = company_print(renderer.digest, job, renderer.digest_pickled(outline))
            renderer.put_rendered(job, job.view.settings, staging.put)
        report = staging.commit(names, names)
    except BaseException:
        staging.discard()
        raise
    record = dataclasses.replace(record, prints={**record.prints, **{job.name: bytes.fromhex(prints[job.page.item.slug]) for job, _ in jobs}})
    for job, _ in jobs:
        record = record.with_stamp(job.name, output_stamps(output, (job.name,)))  # MISSING if gone already: no match next time
    PageStore(output).refresh(prints)
    return report, record
