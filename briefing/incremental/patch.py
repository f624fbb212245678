"""The last site with new brief texts, when nothing else changed: a one-brief edit costs that brief alone.

Taken only when every changed brief kept its front-matter and its body kept
what the rest of the model reads of it (model.anchors_and_citations). Links
to other companies may change when every new link is valid and no company
gains its first or loses its last referrer: then only the texts of the
companies linked or unlinked change (their backlinks), and every Company,
term, claim and warning of the last build still holds.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, fields
from itertools import compress
from operator import is_not

from ..documents import Documents
from ..history import History
from ..markup import Names, RenderedBody
from ..model import (
    CompanyText,
    Referrer,
    Site,
    anchors_and_citations,
    in_order,
    linked_companies,
    links_of,
)
from ..problems import Problem, Problems
from ..settings import Settings
from ..views import PageView
from .memo import Memo


@dataclass(frozen=True, slots=True)
class LastBuild:
    """The documents and site of the last good build, the problems its model stage reported, and the company
    names and autolink setting its bodies were converted with."""

    documents: Documents
    site: Site
    drafts: bool
    problems: tuple[Problem, ...]
    names: Names
    autolink: bool
    history: History | None  # what the site's changes were made from


def with_new_texts(last: LastBuild, documents: Documents, settings: Settings, build_date: datetime.date, drafts: bool, memo: Memo,
                   problems: Problems) -> Site | None:
    """The last site with the changed briefs' texts made anew, or None when a full build is needed."""
    site, before = last.site, last.documents
    if (settings, build_date, drafts) != (site.settings, site.build_date, last.drafts):
        return None
    unchanged = ("sources", "index", "term_pages", "unreadable_briefs", "unreadable_sources", "sources_file_failed", "assets")
    if any(getattr(documents, name) != getattr(before, name) for name in unchanged):
        return None
    if len(documents.briefs) != len(before.briefs) or memo.names is not last.names or memo.autolink != last.autolink:
        return None  # the memo's names are not the last good build's (a failed build changed the names since)
    texts = site.texts
    updated: dict[str, CompanyText] = {}
    relinked: list[tuple[str, RenderedBody]] = []
    differs = list(map(is_not, documents.briefs, before.briefs))  # on a large site, walks over every brief run in C
    for brief, previous in zip(compress(documents.briefs, differs), compress(before.briefs, differs)):
        if dataclasses.replace(brief, body=previous.body) != previous:  # the slug too: the same briefs, in the same order
            return None
        text = texts.get(brief.slug)
        if text is None:
            continue  # a draft this build leaves out
        body = memo.convert_one(brief.slug, brief.body.text, brief.body.first_line, (previous.body.text, previous.body.first_line))
        if body is None:
            return None  # it took too long to convert: the full build reports it
        if anchors_and_citations(body) != anchors_and_citations(text.body):
            return None
        if links_of(body) != links_of(text.body):
            if not links_resolve(body, texts):
                return None
            relinked.append((brief.slug, body))
        updated[brief.slug] = dataclasses.replace(text, body=body)
    for slug, referenced_by in new_backlinks(relinked, site).items():
        if bool(referenced_by) != bool(texts[slug].referenced_by):
            return None  # a "nothing links to this brief" warning comes or goes
        updated[slug] = dataclasses.replace(updated.get(slug, texts[slug]), referenced_by=referenced_by)
    problems.extend(last.problems)
    if not updated:
        return site
    return dataclasses.replace(site, texts={**texts, **updated})


def links_resolve(body: RenderedBody, texts: dict[str, CompanyText]) -> bool:
    """Every wikilink names a company of the site and, if it has one, an anchor of it (else a full build reports it)."""
    for link in body.wikilinks:
        target = texts.get(link.target)
        if target is None or (link.anchor and link.anchor not in {h.anchor for h in target.body.headings}):
            return False
    return True


def new_backlinks(relinked: list[tuple[str, RenderedBody]], site: Site) -> dict[str, tuple[Referrer, ...]]:
    """slug -> its new referenced_by, for the companies that bodies now link to or no longer link to."""
    companies = {company.slug: company for company in site.companies} if relinked else {}
    changed: dict[str, set[Referrer]] = {}
    for slug, body in relinked:
        company = companies[slug]
        referrer = Referrer(company.title, company.url)
        before, after = (linked_companies(b) - {slug} for b in (site.texts[slug].body, body))
        for target in before ^ after:
            if target not in companies:
                continue
            referrers = changed.setdefault(target, set(site.texts[target].referenced_by))
            related = any(edge.other.slug == slug for group in companies[target].relations for edge in group.edges)
            if target in after:
                referrers.add(referrer)
            elif not related:  # a relation between the two keeps the backlink
                referrers.discard(referrer)
    return {slug: in_order(referrers) for slug, referrers in changed.items()}


def pages_with_new_texts(pages: tuple[PageView, ...], last_site: Site, site: Site) -> tuple[PageView, ...] | None:
    """The last build's pages with the texts of `site`, when `site` is `last_site` with new texts and nothing
    else new (as with_new_texts makes it); else None, and the pages are declared anew. Every other page is
    the very object it was, so it is known unchanged without a look at what it shows."""
    if any(getattr(site, f.name) is not getattr(last_site, f.name) for f in fields(Site) if f.name != "texts"):
        return None
    return tuple(page.with_texts(site.texts) for page in pages)
