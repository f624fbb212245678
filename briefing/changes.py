"""The history in words: each commit's changes to a brief as lines a person reads.

`with_history` adds to a site what `history.read_history` found in git: every
change on /changes/ (worded from the side of the brief that was edited) and,
on each company's page, the changes that concern it, a relation's from its own
side ("threat from Xiaomi raised from low to medium"). Companies are named by
today's titles; a brief no longer in the site by its last title.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from . import urls
from .documents import THREATS
from .history import Change, History
from .model import ChangeEntry, CompanyRef, Site

# type -> (phrase on the `from` company's side, on the `to` company's side)
RELATION_PHRASES = {
    "partner": ("partnership with {}", "partnership with {}"),
    "manufacturing": ("manufacturing by {}", "manufacturing for {}"),
    "supplier": ("supply by {}", "supply to {}"),
    "investor": ("investment by {}", "investment in {}"),
    "subsidiary": ("parent company {}", "subsidiary {}"),
    "competitor": ("competition with {}", "competition with {}"),
}
THREAT_PHRASES = ("threat to {}", "threat from {}")
SIMPLE_LINES = {
    "added": "brief added",
    "removed": "brief removed",
    "text": "text revised",
    "details": "details revised",
    "draft": "made a draft",
    "published": "published (was a draft)",
    "summary": "summary revised",
    "placed": "placed on the landscape",
    "unplaced": "taken off the landscape",
    "moved": "moved on the landscape",
}


def with_history(site: Site, history: History | None, hidden: frozenset[str]) -> Site:
    """`site` with its changes and each company's history; `hidden`: the drafts this build leaves out, whose
    changes (and the lines that name them) are not shown."""
    if history is None or not history.revisions:
        return site  # not in git, or no brief committed yet (a content folder git ignores, say): no history pages
    refs = {company.slug: company.ref for company in site.companies}
    drafts = {company.slug for company in site.companies if company.brief.draft}
    last_titles: dict[str, str] = {}
    for revision in reversed(history.revisions):
        if revision.slug and revision.change.title:
            last_titles[revision.slug] = revision.change.title

    def name(slug: str) -> str:
        return refs[slug].title if slug in refs else last_titles.get(slug) or slug

    entries: list[ChangeEntry] = []
    others: dict[tuple[str, str], list[str]] = defaultdict(list)  # (commit, company) -> lines from its side
    times: dict[str, int] = {}
    for revision in history.revisions:
        if revision.slug in hidden:
            continue
        times[revision.commit] = revision.time
        shown = [change for change in revision.change.changes if change.other not in hidden]
        lines = tuple(line for change in shown if (line := words(change, 0, revision.slug, name)))
        if lines:
            title = name(revision.slug) if revision.slug else "Sources"
            entries.append(entry(revision.commit, revision.time, revision.slug, refs.get(revision.slug), title, lines, revision.slug in drafts))
        for change in shown:
            if change.kind.startswith("relation-") and change.other in refs and change.other != revision.slug:
                line = words(change, 1, revision.slug, name)
                if line:
                    others[(revision.commit, change.other)].append(line)
    histories: dict[str, list[ChangeEntry]] = defaultdict(list)
    for item in entries:
        if item.company is not None:
            extra = others.pop((item.commit, item.company.slug), [])
            histories[item.company.slug].append(dataclasses.replace(item, lines=item.lines + tuple(extra)))
    for (commit, slug), lines in others.items():
        histories[slug].append(entry(commit, times[commit], slug, refs[slug], refs[slug].title, tuple(lines), slug in drafts))
    order = {commit: index for index, commit in enumerate(times)}
    texts = {
        slug: dataclasses.replace(text, history=tuple(sorted(histories[slug], key=lambda e: order[e.commit]))) if slug in histories else text
        for slug, text in site.texts.items()
    }
    return dataclasses.replace(site, changes=tuple(entries), texts=texts)


def entry(commit: str, time: int, slug: str, company: CompanyRef | None, name: str, lines: tuple[str, ...], draft: bool) -> ChangeEntry:
    """One commit's lines about one company (`slug`; '' for sources.yml)."""
    url = company.url if company else "" if slug else urls.SOURCES
    when = datetime.datetime.fromtimestamp(time, datetime.timezone.utc)
    return ChangeEntry(f"{commit}-{slug or 'sources'}", commit, when, company, name, url, lines, draft)


def words(change: Change, side: int, writer: str, name) -> str:
    """One change as a line, from the side of the brief that was edited (0) or of the other company (1);
    '' when there is nothing to say (an unrated threat written out as 'unclear')."""
    kind = change.kind
    if kind in SIMPLE_LINES:
        return SIMPLE_LINES[kind]
    other = name(change.other if side == 0 else writer) if change.other else ""
    if kind.startswith("relation-"):
        phrase = RELATION_PHRASES[change.relation][side].format(other)
        threat = THREAT_PHRASES[side].format(other)
        if kind == "relation-added":
            level = change.text if change.text and change.text != "unclear" else ""
            return f"new relation: {phrase} ({level + ' ' + threat + ', ' if level else ''}{change.after})"
        if kind == "relation-removed":
            return f"relation removed: {phrase}"
        if kind == "relation-type":
            return f"{RELATION_PHRASES[change.before][side].format(other)} became {phrase}"
        if kind == "relation-threat":
            return threat_words(threat, change.before or "unclear", change.after or "unclear")
        if kind == "relation-horizon":
            return f"horizon of the {threat} now {change.after or 'not given'} (was {change.before or 'not given'})"
        return f"{phrase} now {change.after} (was {change.before})"
    if kind == "title":
        return f"renamed from {change.before}"
    if kind == "reviewed":
        return f"reviewed (updated {change.after})"
    if kind in ("term-added", "term-removed"):
        return f"{change.aspect.replace('-', ' ')} term {'added' if kind == 'term-added' else 'removed'}: {change.text}"
    if kind == "event-added":
        return f"new event: {change.text} ({change.after})"
    if kind == "event-removed":
        return f"event removed: {change.text} ({change.before})"
    if kind == "event-date":
        return f"event moved from {change.before} to {change.after}: {change.text}"
    if kind == "source-added":
        return f"new source: {change.text}"
    if kind == "source-revised":
        return f"source revised: {change.text}"
    if kind == "source-removed":
        return f"source removed: {change.text}"
    point, _, what = kind.partition("-")  # strength-added, weakness-dropped, event-confidence, ...
    if what == "confidence":
        return f"{point} now {change.after} (was {change.before}): {change.text}"
    return f"{point} {what}: {change.text}"


def threat_words(threat: str, before: str, after: str) -> str:
    if before == after:
        return ""
    if "unclear" in (before, after):
        return f"{threat} now {after} (was {before})"
    direction = "raised" if THREATS.index(after) < THREATS.index(before) else "lowered"
    return f"{threat} {direction} from {before} to {after}"
