"""One build of the site, and a Builder that keeps what it can between builds.

A build runs the stages (settings -> documents -> model -> views -> render ->
writer), renders each page straight to a staging folder, and moves the staged
files into place only when every page rendered; any error leaves the output
folder as it was. The speed machinery (incremental/) plugs in here: it hands
the stages their `read` and `convert`, patches the last model after a text
edit, picks the pages whose slice changed, and in a new process may bring the
output up to date without loading the site at all.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path

from .history import repository_tip
from .incremental import Incremental
from .loader import build_date, load_documents
from .parallel import Progress, WorkerLost
from .problems import ContentError, Problem, Problems
from .render import render_pages, site_files
from .views import LISTED
from .writer import HalfWritten, Interrupted, Staging, WriteReport, check_output_folder, holding, read_manifest


@dataclass(frozen=True, slots=True)
class BuildOptions:
    content: Path
    templates: Path
    output: Path
    base_url: str | None = None  # overrides site.yml (the command line folds BRIEFING_BASE_URL into it)
    drafts: bool = False
    strict: bool = False
    offline: bool = False  # every internal link names its index.html (a folder that works from disk)


@dataclass(frozen=True, slots=True)
class BuildResult:
    ok: bool
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    pages: int = 0
    rendered: int = 0
    reused: int = 0  # files and bodies taken from the last build instead of read and converted again
    report: WriteReport | None = None
    seconds: float = 0.0
    base_path: str = ""
    repaired: str = ""  # what an interrupted build had left, now put right
    half_written: bool = False  # the output was left half-written by this build's own failure (the next one repairs it)
    left: int = 0  # pages of the kinds asked to be left for a later build, left as they were (see Builder.build)


class Builder:
    def __init__(self, options: BuildOptions, progress: Progress | None = None):
        self.options = options
        self.progress = progress
        self.cache = Incremental(options.content, options.templates, options.output, progress)
        self.committed: set[str] | None = None  # the output files of this builder's last build

    def build(self, later: frozenset[str] = frozenset()) -> BuildResult:
        """Build the site. Pages of the kinds in `later` whose file the output holds are not rendered again but
        left as they were, for the next build to bring up to date (serve renders the briefing pack's volumes,
        200 briefs each, after the reload, as it indexes for search)."""
        # A build makes many long-lived objects and few reference cycles: the collector's
        # passes over them cost about a tenth of the time and free next to nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self.build_once(later)
        finally:
            if collecting:
                gc.enable()

    def build_once(self, later: frozenset[str]) -> BuildResult:
        started = time.perf_counter()
        options = self.options
        problems = Problems()
        try:
            refused = check_output_folder(options.output, [(options.content, False), (options.templates, False), (Path.cwd(), True)])
            if refused:
                raise ContentError(refused)
            with holding(options.output) as interrupted:
                return self.build_holding(started, problems, interrupted, later)
        except ContentError as exc:
            errors = sorted(set(problems.errors) | set(exc.problems))
            return BuildResult(False, tuple(errors), tuple(problems.warnings), seconds=time.perf_counter() - started)

    def build_holding(self, started: float, problems: Problems, interrupted: Interrupted | None, later: frozenset[str]) -> BuildResult:
        """The build, once this process holds the output folder; `interrupted`: what a build stopped midway left."""
        options = self.options
        repaired = interrupted.note(options.output) if interrupted is not None else ""
        previous = self.committed
        repairing = interrupted is not None  # a full build: only a commit removes what was left
        if repairing and interrupted.files is not None:
            self.cache.forget()  # any file may be the old or the new one: compare every page with its file
            previous = read_manifest(options.output) | interrupted.files
        try:
            date = build_date()
            tip = repository_tip(options.content)  # a new commit (or more of a shallow clone's history) changes the history
            quick = self.cache.start(repr((options, date, tip)), trust_output=not repairing, later=later)
            if quick is not None:
                record = quick.record
                return BuildResult(True, (), record.warnings, record.pages, quick.rendered, quick.reused, quick.report,
                                   time.perf_counter() - started, record.base_path, repaired, left=len(record.left))
            settings, documents = load_documents(options.content, problems, options.base_url, self.cache.memo.read, self.cache.memo.list_files,
                                                 options.offline)
            history = self.cache.history(tip, settings)
            site = self.cache.site(documents, settings, date, options.drafts, problems, history)
            problems.raise_errors()
            pages = self.cache.pages(site, problems)
            problems.raise_errors()
            if options.strict and problems.warnings:
                raise ContentError([])
            todo, kept = self.cache.to_render(pages, later)
            staging = Staging(options.output)
            try:
                sizes, described = render_pages(todo, self.cache.renderer, staging.put, self.progress, self.cache.describe)
                for name, data in site_files(settings, options.templates, options.content, documents.assets).items():
                    staging.put(name, [data])
                    sizes[name] = len(data)
            except BaseException:
                staging.discard()
                raise
            sizes.update(kept)
            report = staging.commit(set(sizes), previous)
            self.committed = set(sizes)
            page_count = sum(page.kind in LISTED for page in pages)
            self.cache.built(site, pages, page_count, sizes, described, problems.warnings)
        except HalfWritten as exc:  # from this build's commit or the quick path's
            self.cache.forget()
            self.committed = None
            return BuildResult(False, tuple(exc.problems), tuple(problems.warnings), seconds=time.perf_counter() - started, half_written=True)
        except ContentError as exc:
            errors = sorted(set(problems.errors) | set(exc.problems))
            return BuildResult(False, tuple(errors), tuple(problems.warnings), seconds=time.perf_counter() - started)
        except WorkerLost as exc:
            lost = Problem(str(options.output), 0, f"{exc}; it may have been killed for lack of memory: build again, or with fewer other programs running")
            return BuildResult(False, (lost,), tuple(problems.warnings), seconds=time.perf_counter() - started)
        seconds = time.perf_counter() - started
        return BuildResult(True, (), tuple(problems.warnings), page_count, len(todo), self.cache.memo.hits, report, seconds, settings.base_path, repaired,
                           left=len(self.cache.left))
