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
from .model import ChangeEntry, CompanyRef, ReviewItem, Site
from .problems import Problems

# type -> (phrase on the `from` company's side, on the `to` company's side)
RELATION_PHRASES = {
    "partner": ("partnership with {}", "partnership with {}"),
    "manufacturing": ("manufacturing by {}", "manufacturing for {}"),
    "supplier": ("supply by {}", "supply to {}"),
    "investor": ("investment by {}", "investment in {}"),
    "subsidiary": ("subsidiary of {}", "parent of {}"),
    "competitor": ("competition with {}", "competition with {}"),
}
THREAT_PHRASES = ("threat to {}", "threat from {}")
LINES = {  # every change but a relation's: its line, with the change's text, before, after and taxonomy put in
    "added": "brief added",
    "removed": "brief removed",
    "text": "text revised",
    "details": "details revised",
    "reviewed": "reviewed (updated {after})",
    "title": "renamed from {before}",
    "draft": "made a draft",
    "published": "published (was a draft)",
    "summary": "summary revised",
    "term-added": "{taxonomy} term added: {text}",
    "term-removed": "{taxonomy} term removed: {text}",
    "event-added": "new event: {text} ({after})",
    "event-removed": "event removed: {text} ({before})",
    "event-date": "event moved from {before} to {after}: {text}",
    "event-confidence": "event now {after} (was {before}): {text}",
    "strength-added": "strength added: {text}",
    "strength-dropped": "strength dropped: {text}",
    "strength-confidence": "strength now {after} (was {before}): {text}",
    "weakness-added": "weakness added: {text}",
    "weakness-dropped": "weakness dropped: {text}",
    "weakness-confidence": "weakness now {after} (was {before}): {text}",
    "placed": "placed on the landscape",
    "unplaced": "taken off the landscape",
    "moved": "moved on the landscape",
    "source-added": "new source: {text}",
    "source-revised": "source revised: {text}",
    "source-removed": "source removed: {text}",
}


def with_history(site: Site, history: History | None, drafts: frozenset[str], drafts_built: bool, where: str, problems: Problems) -> Site:
    """`site` with its changes and each company's history. `drafts`: the briefs marked draft now, built or not.
    Unless drafts are built, the changes made while a brief was a draft are left out, and so are the lines that
    name a brief that is not public now (a draft, or a draft since removed); the feed never shows them. `where`:
    the content folder as messages name it."""
    if history is not None and history.refused:
        item = ReviewItem("history", where, 0, f"no history: git will not read this folder's repository ({history.refused})", "Git", "", "")
        problems.warn(item.path, item.line, item.message)
        return dataclasses.replace(site, review=site.review + (item,))
    if history is None or not history.revisions:
        return site  # not in git, or no brief committed yet (a content folder git ignores, say): no history pages
    refs = {company.slug: company.ref for company in site.companies}
    public_now = {company.slug for company in site.companies if not company.brief.draft}
    secret = {revision.slug for revision in history.revisions if revision.slug and revision.change.draft} - public_now
    secret |= drafts
    hidden = frozenset() if drafts_built else secret
    last_titles: dict[str, str] = {}
    for revision in reversed(history.revisions):
        if revision.slug and revision.change.title:
            last_titles[revision.slug] = revision.change.title

    def name(slug: str) -> str:
        return refs[slug].title if slug in refs else last_titles.get(slug) or slug

    entries: list[ChangeEntry] = []
    public: list[ChangeEntry] = []  # what the feed shows: never a draft, nor a line that names one
    others: dict[tuple[str, str], list[str]] = defaultdict(list)  # (commit, company) -> lines from its side
    times: dict[str, int] = {}
    for revision in history.revisions:
        if revision.slug in hidden or (revision.change.draft and not drafts_built):
            continue  # (a draft that is not built: not in the site, so not in `public_now` either)
        times[revision.commit] = revision.time
        shown = [change for change in revision.change.changes if change.other not in hidden]
        lines = tuple(line for change in shown if (line := words(change, 0, revision.slug, name)))
        if lines:
            title = name(revision.slug) if revision.slug else "Sources"
            draft = revision.change.draft or revision.slug in secret
            entries.append(entry(revision.commit, revision.time, revision.slug, refs.get(revision.slug), title, lines, draft))
            public_lines = tuple(line for change in shown if change.other not in secret and (line := words(change, 0, revision.slug, name)))
            if public_lines and not draft:
                public.append(dataclasses.replace(entries[-1], lines=public_lines))
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
        histories[slug].append(entry(commit, times[commit], slug, refs[slug], refs[slug].title, tuple(lines), slug in secret))
    order = {commit: index for index, commit in enumerate(times)}
    texts = {
        slug: dataclasses.replace(text, history=tuple(sorted(histories[slug], key=lambda e: order[e.commit]))) if slug in histories else text
        for slug, text in site.texts.items()
    }
    return dataclasses.replace(site, changes=tuple(entries), public_changes=tuple(public), texts=texts)


def entry(commit: str, time: int, slug: str, company: CompanyRef | None, name: str, lines: tuple[str, ...], draft: bool) -> ChangeEntry:
    """One commit's lines about one company (`slug`; '' for sources.yml)."""
    url = company.url if company else "" if slug else urls.SOURCES
    when = datetime.datetime.fromtimestamp(time, datetime.timezone.utc)
    return ChangeEntry(f"{commit}-{slug or 'sources.yml'}", commit, when, company, name, url, lines, draft)


def words(change: Change, side: int, writer: str, name) -> str:
    """One change as a line, from the side of the brief that was edited (0) or of the other company (1);
    '' when there is nothing to say (an unrated threat written out as 'unclear')."""
    if change.kind.startswith("relation-"):
        return relation_words(change, side, name(change.other if side == 0 else writer))
    return LINES[change.kind].format(text=change.text, before=change.before, after=change.after, taxonomy=change.aspect.replace("-", " "))


def relation_words(change: Change, side: int, other: str) -> str:
    phrase = RELATION_PHRASES[change.relation][side].format(other)
    threat = THREAT_PHRASES[side].format(other)
    if change.kind == "relation-added":
        level = change.text if change.text and change.text != "unclear" else ""
        return f"new relation: {phrase} ({level + ' ' + threat + ', ' if level else ''}{change.after})"
    if change.kind == "relation-removed":
        return f"relation removed: {phrase}"
    if change.kind == "relation-type":
        return f"{RELATION_PHRASES[change.before][side].format(other)} became {phrase}"
    if change.kind == "relation-threat":
        return threat_words(threat, change.before or "unclear", change.after or "unclear")
    if change.kind == "relation-horizon":
        return f"horizon of the {threat} now {change.after or 'not given'} (was {change.before or 'not given'})"
    return f"{phrase} now {change.after} (was {change.before})"  # its confidence


def threat_words(threat: str, before: str, after: str) -> str:
    if before == after:
        return ""
    if "unclear" in (before, after):
        return f"{threat} now {after} (was {before})"
    direction = "raised" if THREATS.index(after) < THREATS.index(before) else "lowered"
    return f"{threat} {direction} from {before} to {after}"
