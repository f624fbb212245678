"""One build of the site, and a Builder that keeps what it can between builds.

A build loads and checks everything, then renders each page straight to a
staging folder, and moves the staged files into place only when every page
rendered; any error leaves the output folder as it was. The Builder keeps its
memo and its renderer (and so its memory of unchanged pages), so the preview
server's rebuilds touch only what changed.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Callable

from .buildcache import BuildRecord, build_key, disk_cache, save_record, untouched
from .loader import build_date, load_site
from .memo import Memo
from .outputs import complete, output_stamps
from .pagestore import PageStore, Shared
from .parallel import Progress, WorkerLost
from .problems import ContentError, Problem, Problems
from .quickbuild import quick_build
from .records import record
from .render import Renderer
from .survey import Survey, survey
from .writer import Staging, WriteReport, check_output_folder


@record
class BuildOptions:
    content: Path
    templates: Path
    output: Path
    base_url: str | None = None  # overrides site.yml (the command line folds BRIEFING_BASE_URL into it)
    drafts: bool = False
    strict: bool = False


@record
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


class Builder:
    def __init__(self, options: BuildOptions, progress: Progress | None = None, take_survey: Callable[[], Survey] | None = None):
        """`take_survey`: the survey of options' folders (survey.start_survey), for the first build."""
        self.options = options
        self.take_survey = take_survey
        self.renderer = Renderer(options.templates)
        self.committed: set[str] | None = None  # the output files of this builder's last build
        self.memo = Memo(disk_cache())
        self.memo.progress = self.progress = progress

    def build(self) -> BuildResult:
        # A build makes many long-lived objects and few reference cycles: the collector's
        # passes over them cost about a tenth of the time and free next to nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self.build_once()
        finally:
            if collecting:
                gc.enable()

    def surveyed(self) -> Survey:
        take, self.take_survey = self.take_survey, None
        options = self.options
        return take() if take is not None else survey(options.content, options.templates, options.output)

    def build_once(self) -> BuildResult:
        started = time.perf_counter()
        options = self.options
        self.memo.hits = 0
        problems = Problems()
        found = self.surveyed() if self.memo.last is None else None  # a fresh builder: the last build's record may show little or nothing changed
        try:
            refused = check_output_folder(options.output, [(options.content, False), (options.templates, False), (Path.cwd(), True)])
            if refused:
                raise ContentError(refused)
            key = recorded = None
            if found is not None:
                key = build_key(repr((options, build_date())))
                record, inputs = found.record, found.inputs
                if record and record.key == key:
                    quick = quick_build(options.content, options.output, record, inputs, found.intact, self.renderer)
                    if quick is not None:
                        seconds = time.perf_counter() - started
                        return BuildResult(True, (), record.warnings, quick.pages, quick.rendered, quick.reused, quick.report, seconds, record.base_path)
                recorded = untouched(record, found.outputs)  # pages whose inputs are unchanged need no rendering
            try:
                site = load_site(options.content, problems, options.base_url, options.drafts, memo=self.memo)
            finally:
                self.memo.save()  # what was parsed and converted holds even when the site has errors
            if options.strict and problems.warnings:
                raise ContentError([])
            staging = Staging(options.output)
            store = PageStore(options.output).writer() if key is not None else None
            try:
                sizes = self.renderer.render(site, staging.put, self.progress, recorded, store and store.keep)
            except BaseException:
                staging.discard()
                if store is not None:
                    store.close()
                raise
            names = set(sizes)
            try:
                report = staging.commit(names, self.committed)
            except ContentError:
                self.renderer.forget()
                self.committed = None
                if store is not None:
                    store.close()
                raise
            self.committed = names
        except ContentError as exc:
            errors = sorted(set(problems.errors) | set(exc.problems))
            return BuildResult(False, tuple(errors), tuple(problems.warnings), seconds=time.perf_counter() - started)
        except WorkerLost as exc:
            lost = Problem(str(options.output), 0, f"{exc}; it may have been killed for lack of memory: build again, or with fewer other programs running")
            return BuildResult(False, (lost,), tuple(problems.warnings), seconds=time.perf_counter() - started)
        if key is not None:
            token = os.urandom(8).hex()
            store.finish(token, Shared(self.renderer.last.chrome, self.memo.names, self.memo.autolink), {company.slug for company in site.companies})
            files = tuple(sizes)
            stamps = output_stamps(options.output, files)
            if complete(stamps):  # else a file is gone already: the next build looks at every page again
                prints = {name: bytes.fromhex(fingerprint) for name, fingerprint in self.renderer.fingerprints.items()}
                save_record(options.output, BuildRecord(key, inputs, files, stamps, prints, len(site.pages), site.settings.base_path, tuple(problems.warnings), token))
        seconds = time.perf_counter() - started
        return BuildResult(True, (), tuple(problems.warnings), len(site.pages), self.renderer.rendered, self.memo.hits, report, seconds, site.settings.base_path)
