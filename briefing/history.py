"""History from git: what each commit changed in the briefs and in sources.yml, as plain data.

When the content folder is inside a git work tree, one `git log` pass lists
every commit that touched `companies/` or `sources.yml`, following first
parents, with each file's blob before and after; `git cat-file --batch` reads
the blobs. Each pair of blobs is compared field by field (the relations, their
type, threat, horizon and confidence; events; summary; terms; strengths and
weaknesses) into `Change`s, which name companies by slug: the model words
them with today's titles. A caller may hand `read_history` what it derived
before (`known`), by blob pair, so that a rebuild reads only new commits.

Committed history only. Not in git, or no git: no history, and no error. Git
present but refusing (an ownership check), or failing: one warning with its
message. A shallow clone has the history since its cut: the commits it was
cut at are left out, since their parents, and so what they changed, are missing.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .documents import Brief, brief_schema, read_brief, read_sources
from .files import MAX_BYTES, UnclosedFrontMatter, split_front_matter
from .parallel import parallel_map
from .problems import Problems
from .settings import Settings
from .slugs import is_brief_slug

NO_BLOB = "0" * 40
SOURCES_FILE = "sources.yml"
REGULAR_FILE_MODES = frozenset({"100644", "100755"})
LATEST_TIME = 253402300799  # 9999-12-31 23:59:59 UTC: a later author date (git allows one) is taken as this
GIT_SECONDS = 300  # a git command that takes longer is given up: no history, one warning
# What `git rev-parse --local-env-vars` lists: set by a git hook that runs a build, they would point git elsewhere.
LOCAL_GIT_VARIABLES = frozenset({
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR",
    "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
})


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions of a brief (or of sources.yml), by kind; see changes.py for its words."""

    kind: str
    text: str = ""  # an event's title, a strength's text, a term, a source's title
    other: str = ""  # the other company of a relation, by slug
    relation: str = ""  # the relation's type
    aspect: str = ""  # what changed of it: type, threat, horizon, confidence, date, or a taxonomy's name
    before: str = ""
    after: str = ""


@dataclass(frozen=True, slots=True)
class FileChange:
    """What one commit changed in one file."""

    title: str  # the brief's title after the commit (before it, when removed); '' when not read (a brief added)
    draft: bool  # the brief was a draft after the commit (before it, when removed)
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Revision:
    """One commit's change to one file."""

    commit: str
    time: int  # the author date, in seconds since 1970 (UTC)
    slug: str  # the brief's slug; '' for sources.yml
    change: FileChange


@dataclass(frozen=True, slots=True)
class History:
    revisions: tuple[Revision, ...]  # newest first, by author date (commits with the same date in first-parent order)
    derived: int  # blob pairs compared for this read (the others were known)
    refused: str = ""  # why git would not give the history: no history, and one warning


@dataclass(frozen=True, slots=True)
class Tip:
    """What the content folder's history is read at."""

    head: str  # the commit
    shallow: tuple[str, ...]  # the commits a shallow clone was cut at (their parents are missing)


@dataclass(frozen=True, slots=True)
class Touch:
    """A file a commit touched, as `git log --raw` lists it."""

    commit: str
    time: int
    slug: str  # the brief's; '' for sources.yml
    before: str  # blob ids; NO_BLOB where the file did not exist (or was not a regular file)
    after: str


Pair = tuple[str, str, str]  # (kind of file: 'brief' | 'sources', blob before, blob after)


class GitFailed(Exception):
    """Git is there, but would not answer: its message."""


def git(content: Path, *arguments: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Git, run in the content folder without a shell, a terminal or the variables a hook may have set."""
    environment = {name: value for name, value in os.environ.items() if name not in LOCAL_GIT_VARIABLES}
    environment.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_NO_LAZY_FETCH="1", LC_ALL="C")
    try:
        return subprocess.run(["git", "-C", os.fspath(content), *arguments], input=stdin, capture_output=True, env=environment,
                              check=False, timeout=GIT_SECONDS)
    except subprocess.TimeoutExpired:
        raise GitFailed(f"git {arguments[0]} took longer than {GIT_SECONDS} s") from None


def failure(result: subprocess.CompletedProcess) -> str:
    message = result.stderr.decode("utf-8", "replace").strip()
    first = message.splitlines()[0] if message else f"git exited with status {result.returncode}"
    return first.removeprefix("fatal: ")


def repository_tip(content: Path) -> Tip | str | None:
    """Where the content folder's repository is; None when it is not in a work tree with commits, or there is no
    git; git's message when it refuses to read the repository (an ownership check, say)."""
    try:
        result = git(content, "rev-parse", "--is-inside-work-tree", "--git-path", "shallow", "HEAD")
    except OSError:
        return None  # no git
    except GitFailed as exc:
        return str(exc)
    lines = result.stdout.decode("utf-8", "surrogateescape").splitlines()
    if result.returncode == 0 and len(lines) == 3 and lines[0] == "true":
        try:
            shallow = (content / lines[1]).read_text("ascii").split()
        except (OSError, UnicodeDecodeError):
            shallow = []  # not a shallow clone
        return Tip(lines[2], tuple(sorted(shallow)))
    if result.returncode != 0 and not lines and b"not a git repository" not in result.stderr:
        return failure(result)
    return None  # outside a work tree, inside .git, or a repository without commits


def touched_files(content: Path, tip: Tip) -> list[Touch]:
    """Every brief and sources.yml change of the first-parent history up to the tip, newest first."""
    result = git(
        content, "-c", "log.showRoot=true", "-c", "log.showSignature=false", "log", "--first-parent", "--diff-merges=first-parent",
        "--no-renames", "--raw", "-z", "--no-abbrev", "--relative", "--format=%x01%H %at", tip.head, "--", "companies", SOURCES_FILE,
    )
    if result.returncode != 0:
        raise GitFailed(failure(result))
    touches: list[Touch] = []
    commit, time = "", 0
    tokens = iter(result.stdout.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b"\x01"):
            commit, _, stamp = token[1:].decode("ascii", "replace").partition(" ")
            time = min(int(stamp), LATEST_TIME) if stamp.isdigit() else 0
        elif token.startswith(b":"):
            path = next(tokens, b"").decode("utf-8", "surrogateescape")
            old_mode, new_mode, before, after, _status = token[1:].decode("ascii", "replace").split(" ")
            slug = history_slug(path)
            if slug is not None and commit not in tip.shallow:  # a cut commit's changes are all "added": unknown
                touches.append(Touch(commit, time, slug,
                                     before if old_mode in REGULAR_FILE_MODES else NO_BLOB,
                                     after if new_mode in REGULAR_FILE_MODES else NO_BLOB))
    return [touch for touch in touches if touch.before != touch.after]


def history_slug(path: str) -> str | None:
    """The slug of a brief's path relative to the content folder, '' for sources.yml, None for any other file."""
    if path == SOURCES_FILE:
        return ""
    folder, _, name = path.rpartition("/")
    return name[:-3] if folder == "companies" and name.endswith(".md") and is_brief_slug(name[:-3]) else None


def read_blobs(content: Path, blobs: set[str]) -> dict[str, bytes]:
    """The blobs git has, each at most files.MAX_BYTES long (a larger one reads as missing)."""
    wanted = sorted(blobs - {NO_BLOB})
    if not wanted:
        return {}
    listing = git(content, "cat-file", "--batch-check", stdin="".join(f"{blob}\n" for blob in wanted).encode())
    if listing.returncode != 0:
        raise GitFailed(failure(listing))
    small = []
    for line in listing.stdout.decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit() and int(parts[2]) <= MAX_BYTES:
            small.append(parts[0])
    if not small:
        return {}
    output = git(content, "cat-file", "--batch", stdin="".join(f"{blob}\n" for blob in small).encode()).stdout
    blobs_read: dict[str, bytes] = {}
    at = 0
    while (end := output.find(b"\n", at)) != -1:
        parts = output[at:end].decode("ascii", "replace").split(" ")
        if len(parts) != 3 or not parts[2].isdigit():  # '<id> missing'
            at = end + 1
            continue
        size = int(parts[2])
        blobs_read[parts[0]] = output[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return blobs_read


def read_history(content: Path, tip: Tip, settings: Settings, known: Callable[[list[Pair]], dict[Pair, FileChange]]) -> tuple[History, dict[Pair, FileChange]]:
    """The history at `tip`, and what was derived anew for it (by blob pair); `known` gives what was derived before."""
    try:
        touches = touched_files(content, tip)
        pairs = {touch: ("brief" if touch.slug else "sources", touch.before, touch.after) for touch in touches}
        derived = known(sorted(set(pairs.values())))
        missing = sorted(set(pairs.values()) - set(derived))
        blobs = read_blobs(content, {blob for _, before, after in missing for blob in (before, after)}) if missing else {}
    except GitFailed as exc:
        return History((), 0, str(exc)), {}
    new: dict[Pair, FileChange] = {}
    if missing:
        compare = Comparison(content, settings, blobs)
        new = dict(zip(missing, parallel_map(compare.file_change, missing)))
        derived = {**derived, **new}
    revisions = [Revision(touch.commit, touch.time, touch.slug, derived[pair]) for touch, pair in pairs.items()]
    revisions.sort(key=lambda revision: -revision.time)  # stable: the same date keeps first-parent order
    return History(tuple(revisions), len(new)), new


class Comparison:
    """Turns a pair of blobs into the changes between them."""

    def __init__(self, content: Path, settings: Settings, blobs: dict[str, bytes]):
        self.content, self.settings, self.blobs = content, settings, blobs
        self.schema = brief_schema(settings.taxonomies)
        self.parsed: dict[str, Brief | None] = {}  # a blob is often the version after one commit and before the next

    def brief(self, blob: str) -> Brief | None:
        """A version of a brief, parsed as the build parses one (any problem: None). Its path is made up: only the
        fields are compared, never the slug."""
        if blob not in self.parsed:
            data, problems, brief = self.blobs.get(blob), Problems(), None
            if data is not None:
                brief = read_brief(self.content / "companies" / "history.md", self.content, self.schema, self.settings, problems, data)
            self.parsed[blob] = None if problems.errors else brief
        return self.parsed[blob]

    def is_draft(self, blob: str) -> bool:
        """Whether a version is a draft, parsed only when it may be (it names 'draft')."""
        brief = self.brief(blob) if b"draft" in self.blobs.get(blob, b"") else None
        return brief is not None and brief.draft

    def file_change(self, pair: Pair) -> FileChange:
        kind, before, after = pair
        if kind == "sources":
            return FileChange("", False, self.source_changes(before, after))
        if before == NO_BLOB:
            return FileChange("", self.is_draft(after), (Change("added"),))  # one line, whatever it holds
        if after == NO_BLOB:
            brief = self.brief(before)
            return FileChange(brief.title if brief else "", bool(brief and brief.draft), (Change("removed"),))
        old = new = None
        if not self.same_front_matter(before, after):
            old, new = self.brief(before), self.brief(after)
            if old is None or new is None:
                return FileChange(new.title if new else "", bool(new and new.draft), (Change("text"),))
        changes = brief_changes(old, new, self.settings.taxonomies) if old is not None else ()
        if self.body(before) != self.body(after):
            changes += (Change("text"),)
        elif not changes:
            changes = (Change("details"),)
        return FileChange(new.title if new else "", new.draft if new else self.is_draft(after), changes)

    def split(self, blob: str):
        try:
            return split_front_matter(self.blobs[blob].decode("utf-8"))
        except (KeyError, UnicodeDecodeError, UnclosedFrontMatter):
            return None

    def same_front_matter(self, before: str, after: str) -> bool:
        old, new = self.split(before), self.split(after)
        return old is not None and new is not None and old.yaml == new.yaml

    def body(self, blob: str) -> str | None:
        split = self.split(blob)
        return None if split is None else split.body.strip()

    def source_changes(self, before: str, after: str) -> tuple[Change, ...]:
        old, new = (self.sources(blob) for blob in (before, after))
        if old is None or new is None:
            return ()  # a version that does not parse (or is too large to read) says nothing of its sources
        return tuple(
            [Change("source-added", new[key][0]) for key in new if key not in old]
            + [Change("source-revised", new[key][0]) for key in new if key in old and old[key] != new[key]]
            + [Change("source-removed", old[key][0]) for key in old if key not in new]
        )

    def sources(self, blob: str) -> dict[str, tuple] | None:
        """id -> (title, publisher, date, url) of each source in a version of sources.yml (none in a file that is
        not there yet, or no more); None where it does not parse or could not be read."""
        if blob == NO_BLOB:
            return {}
        data = self.blobs.get(blob)
        problems = Problems()
        sources, _, failed = read_sources(self.content, problems, data) if data is not None else ((), frozenset(), True)
        if failed or problems.errors:
            return None
        return {source.id: (source.title, source.publisher, str(source.date), source.url) for source in sources}


def brief_changes(old: Brief, new: Brief, taxonomies: tuple[str, ...]) -> tuple[Change, ...]:
    """What changed between two versions of a brief's front-matter, in the order a reader wants it."""
    changes: list[Change] = []
    if old.title != new.title:
        changes.append(Change("title", before=old.title, after=new.title))
    if old.draft != new.draft:
        changes.append(Change("draft" if new.draft else "published"))
    if old.summary != new.summary:
        changes.append(Change("summary"))
    for taxonomy in taxonomies:
        before, after = ([term.name for term in brief.terms.get(taxonomy, ())] for brief in (old, new))
        changes += [Change("term-added", term, aspect=taxonomy) for term in after if term not in before]
        changes += [Change("term-removed", term, aspect=taxonomy) for term in before if term not in after]
    changes += relation_changes(old, new)
    changes += event_changes(old, new)
    for key in ("strengths", "weaknesses"):
        changes += point_changes(key, getattr(old, key), getattr(new, key))
    if old.landscape != new.landscape:
        kind = "placed" if old.landscape is None else "unplaced" if new.landscape is None else "moved"
        changes.append(Change(kind))
    if not changes and old.updated != new.updated:
        unchanged = dataclasses.replace(old, updated=new.updated, updated_line=new.updated_line, body=new.body, front_matter=new.front_matter)
        changes.append(Change("reviewed" if unchanged == new else "details", after=new.updated.isoformat()))
    return tuple(changes)


def relation_changes(old: Brief, new: Brief) -> list[Change]:
    before = {(r.to.name, r.type): r for r in old.relations}
    after = {(r.to.name, r.type): r for r in new.relations}
    removed = [key for key in before if key not in after]
    added = [key for key in after if key not in before]
    changes = []
    for other in dict.fromkeys(to for to, _ in removed):  # one relation to a company that changed only its type
        gone, came = [k for k in removed if k[0] == other], [k for k in added if k[0] == other]
        if len(gone) == 1 and len(came) == 1:
            changes.append(Change("relation-type", other=other, relation=came[0][1], aspect="type", before=gone[0][1], after=came[0][1]))
            removed.remove(gone[0])
            added.remove(came[0])
    for to, kind in added:
        relation = after[(to, kind)]
        changes.append(Change("relation-added", relation.threat, other=to, relation=kind, after=relation.confidence))
    changes += [Change("relation-removed", other=to, relation=kind) for to, kind in removed]
    for key in before.keys() & after.keys():
        was, now = before[key], after[key]
        for aspect in ("threat", "horizon", "confidence"):
            if getattr(was, aspect) != getattr(now, aspect):
                changes.append(Change("relation-" + aspect, other=key[0], relation=key[1], aspect=aspect,
                                      before=getattr(was, aspect), after=getattr(now, aspect)))
    order = {key: index for index, key in enumerate([*after, *before])}
    return sorted(changes, key=lambda c: order.get((c.other, c.relation), len(order)))


def event_changes(old: Brief, new: Brief) -> list[Change]:
    before = {event.title: event for event in old.events}
    after = {event.title: event for event in new.events}
    changes = [Change("event-added", title, after=str(event.date)) for title, event in after.items() if title not in before]
    changes += [Change("event-removed", title, before=str(event.date)) for title, event in before.items() if title not in after]
    for title in after.keys() & before.keys():
        was, now = before[title], after[title]
        if was.date != now.date:
            changes.append(Change("event-date", title, aspect="date", before=str(was.date), after=str(now.date)))
        if was.confidence != now.confidence:
            changes.append(Change("event-confidence", title, aspect="confidence", before=was.confidence, after=now.confidence))
    order = {title: index for index, title in enumerate([*after, *before])}
    return sorted(changes, key=lambda c: order[c.text])


def point_changes(key: str, old: tuple, new: tuple) -> list[Change]:
    kind = {"strengths": "strength", "weaknesses": "weakness"}[key]
    before = {point.text: point for point in old}
    after = {point.text: point for point in new}
    changes = [Change(f"{kind}-added", text) for text in after if text not in before]
    changes += [Change(f"{kind}-dropped", text) for text in before if text not in after]
    changes += [Change(f"{kind}-confidence", text, aspect="confidence", before=before[text].confidence, after=after[text].confidence)
                for text in after if text in before and before[text].confidence != after[text].confidence]
    return changes


def read_with(settings: Settings) -> tuple[str, str]:
    """What the changes between two blobs depend on besides them: which keys are taxonomies, and whether the site has axes."""
    return ",".join(settings.taxonomies), str(settings.landscape is not None)

