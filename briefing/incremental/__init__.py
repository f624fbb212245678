"""The speed machinery, behind one interface the builder calls: `Incremental`.

The stages know nothing of it. It hands the documents and model stages a
`read`, a `list_files` and a `convert` that remember (memo.py), patches the last site after
an edit to a brief's text instead of resolving the model again (patch.py),
tells which declared pages show something new (fingerprints.py), and keeps
in the cache file (store.py) what a new process can reuse: parsed files,
converted bodies, the record of the last build (record.py) and the company
pages the quick path renders from (quick.py), all as plain data (plain.py).
"""

from __future__ import annotations

import datetime
import hashlib
from itertools import compress
from operator import is_not
from pathlib import Path

from ..changes import with_history
from ..documents import Documents
from ..history import FileChange, History, Pair, Tip, read_history, read_with
from ..markup import Names
from ..model import Site, build_site
from ..parallel import Progress
from ..problems import Problem, Problems, display_path
from ..render import Renderer, theme_folders
from ..settings import Settings
from ..views import PageView, declare_pages
from .fingerprints import Fingerprints
from .memo import Memo
from .patch import LastBuild, pages_with_new_texts, with_new_texts
from .plain import storable
from .quick import PageNotes, QuickResult, quick_build, stored_key, stored_page
from .record import BuildRecord, build_key, engine_fingerprint, load_record, save_record
from .stamps import MISSING, STAMP, digest_of, input_entries, output_stamps, size_in
from .store import Store, output_key


class Incremental:
    """What a Builder keeps between its builds, and what a new process finds of the last one."""

    def __init__(self, content: Path, templates: Path, output: Path, progress: Progress | None = None):
        self.content, self.templates, self.output = content, templates, output
        self.store = Store(engine_fingerprint())
        self.memo = Memo(self.store, content)
        self.memo.progress = progress
        self.last: LastBuild | None = None  # the documents and site of the last good build
        self.written: tuple[Site, tuple[PageView, ...]] | None = None  # the site and pages the output holds
        self.prints: dict[str, bytes] = {}  # output file -> fingerprint, of the last build's files as they are on disk
        self.sizes: dict[str, int] = {}
        self.template_entries: dict[str, bytes] = {}
        self.renderer: Renderer | None = None
        self.fingerprints: Fingerprints | None = None
        self.key = ""
        self.inputs: dict[str, bytes] | None = None  # the first build's scan, for its record
        self.pending: dict[str, bytes] = {}  # the fingerprints of the pages being rendered, where known before
        self.describe: PageNotes | None = None
        self.new_process = True
        self.last_history: tuple[tuple, History] | None = None  # the last history read, by what it was read for
        self.history_keys: set[bytes] = set()  # the cache entries of its blob pairs
        self.left: set[str] = set()  # output files the last build left as they were (to_render's `later`): their pages are not as declared

    def start(self, options_and_date: str, trust_output: bool = True, later: frozenset[str] = frozenset()) -> QuickResult | None:
        """Before a build: look at the templates; in a new process, at the record of the last build, and
        bring the output up to date without loading the site when only briefs' texts changed (None otherwise).
        Without `trust_output` (an interrupted build left it), no file of the output is taken as recorded."""
        self.memo.hits = 0
        self.inputs = None  # a record pairs the inputs and outputs of one build
        self.prepare_templates()
        if not self.new_process:
            return None
        self.new_process = False
        self.key = build_key(options_and_date)
        record = load_record(self.store, self.output)
        self.inputs = input_entries([self.content, *theme_folders(self.templates)], record.inputs if record else {})
        if record is None or not trust_output:
            return None
        if record.key == self.key:
            quick = quick_build(self.content, self.output, self.store, record, self.inputs, self.renderer, self.fingerprints, self.recorded_names(),
                                later)
            if quick is not None:
                if quick.record != record:
                    save_record(self.store, self.output, quick.record)
                self.new_process = True  # the next build looks at the record again
                return quick
        stamps = output_stamps(self.output, record.outputs)
        for name, entry in record.outputs.items():  # pages the output still holds as that build left them
            if stamps[name] != MISSING and stamps[name] == entry[:STAMP.size] and entry[STAMP.size:]:
                self.prints[name], self.sizes[name] = entry[STAMP.size:], size_in(stamps[name])
        return None

    def prepare_templates(self) -> None:
        """A new renderer and new fingerprints when the templates changed (every page is then rendered again)."""
        entries = input_entries(list(theme_folders(self.templates)), self.template_entries)
        digests = sorted((path, digest_of(entry)) for path, entry in entries.items())
        self.template_entries = entries
        salt = hashlib.blake2b(repr((engine_fingerprint(), digests)).encode("utf-8", "surrogateescape"), digest_size=32).digest()
        if self.fingerprints is None or self.fingerprints.salt != salt:
            self.renderer = Renderer(self.templates)
            self.fingerprints = Fingerprints(salt)
            self.written = None  # its pages' fingerprints were made with the old salt

    def history(self, tip: Tip | str | None, settings: Settings) -> History | None:
        """The history at `tip` (None: not in git; git's message: it refused): the last one read when nothing it
        depends on changed, else read with what was derived before, by blob pair, from the cache file (so only new
        commits are compared)."""
        if tip is None or isinstance(tip, str):
            self.history_keys = set()
            return None if tip is None else History((), 0, tip)
        read_for = (tip, read_with(settings))
        if self.last_history is not None and self.last_history[0] == read_for:
            return self.last_history[1]

        def key(pair: Pair) -> bytes:
            return self.store.key("history", *pair, *read_with(settings))

        def known(pairs: list[Pair]) -> dict[Pair, FileChange]:
            keys = {key(pair): pair for pair in pairs}
            self.history_keys = set(keys)  # in use: the memo keeps them when it drops what is not
            return {keys[found]: change for found, change in self.store.get_many(list(keys), FileChange).items()}

        history, derived = read_history(self.content, tip, settings, known)
        self.store.put_many({key(pair): data for pair, change in derived.items() if (data := storable(change)) is not None})
        self.last_history = (read_for, history)
        return history

    def site(self, documents: Documents, settings: Settings, build_date: datetime.date, drafts: bool, problems: Problems,
             history: History | None = None) -> Site:
        """The last site with new texts where that is all that changed (patch.py), else the site built anew."""
        site = None
        if self.last is not None and not problems.errors and history is self.last.history:
            site = with_new_texts(self.last, documents, settings, build_date, drafts, self.memo, problems)
        if site is None:
            first = len(problems.items)
            site = build_site(documents, settings, problems, build_date, drafts, self.memo.convert)
            marked = frozenset(brief.slug for brief in documents.briefs if brief.draft)
            site = with_history(site, history, marked, drafts, display_path(self.content), problems)
            model_problems = tuple(problems.items[first:])
        else:
            model_problems = self.last.problems
        self.memo.save(self.history_keys)  # what was parsed and converted holds even when the site has errors
        if not problems.errors:
            self.last = LastBuild(documents, site, drafts, model_problems, self.memo.names, self.memo.autolink, history)
        return site

    def pages(self, site: Site, problems: Problems) -> tuple[PageView, ...]:
        """Every page of the site: those the output holds with new texts where only texts changed, else declared anew."""
        pages = None
        if self.written is not None:
            pages = pages_with_new_texts(self.written[1], self.written[0], site)
        return declare_pages(site, problems) if pages is None else pages

    def to_render(self, pages: tuple[PageView, ...], later: frozenset[str] = frozenset()) -> tuple[list[PageView], dict[str, int]]:
        """The pages whose fingerprint is not that of their file in the output, and the sizes of the others.
        A page that is the very object the output was written from needs no fingerprint. With nothing to
        compare (a first build), every page is rendered, and fingerprinted where it renders (`describe`).
        A page of a kind in `later` that may have changed is left as its file is, not even fingerprinted
        (`self.left`): its old fingerprint stands, so the next build looks at it again."""
        store = self.store.path if self.inputs is not None else None  # a record will be saved: store the company pages
        self.describe = PageNotes(self.fingerprints.salt, store, self.output) if store or not self.prints else None
        if not self.prints:
            self.pending, self.left = {}, set()
            return list(pages), {}
        last = self.written[1] if self.written is not None and len(self.written[1]) == len(pages) else None
        fresh = pages if last is None else list(compress(pages, map(is_not, pages, last)))
        if last is not None and self.left:
            fresh += [page for page, old in zip(pages, last) if page is old and page.output_file in self.left]
        self.left = {page.output_file for page in fresh if page.kind in later and page.output_file in self.sizes}
        if self.left:
            fresh = [page for page in fresh if page.output_file not in self.left]
        prints = self.fingerprints.of(fresh)
        self.pending = {**self.prints, **prints} if last is not None else prints
        self.pending.update((name, self.prints.get(name, b"")) for name in self.left)
        todo, kept = [], {}
        for page in pages:
            name = page.output_file
            if name in self.sizes and self.prints.get(name) == self.pending[name]:
                kept[name] = self.sizes[name]
            else:
                todo.append(page)
        return todo, kept

    def built(self, site: Site, pages: tuple[PageView, ...], page_count: int, sizes: dict[str, int], described: dict[str, object],
              warnings: list[Problem]) -> None:
        """After the output was written: remember what it now holds; after a new process's first build, record it."""
        self.prints, self.sizes = {**self.pending, **described}, dict(sizes)
        self.written = (site, pages)
        if self.inputs is None:
            return
        inputs, self.inputs = self.inputs, None
        stamps = output_stamps(self.output, sizes)
        if MISSING in stamps.values():
            return  # a file is gone already: the next build looks at every page again
        outputs = {name: stamp + self.prints.get(name, b"") for name, stamp in stamps.items()}
        save_record(self.store, self.output, BuildRecord(self.key, inputs, outputs, page_count, site.settings.base_path, tuple(warnings),
                                                         tuple(sorted(self.left))))
        self.store.put_many({self.names_key(): storable((self.last.names, self.last.autolink))})
        self.store_pages(pages, described)

    def names_key(self) -> bytes:
        return self.store.key("recorded names", output_key(self.output))

    def recorded_names(self) -> tuple[Names, bool] | None:
        """The company names and autolink setting the bodies of the recorded build were converted with."""
        return self.store.get_many([self.names_key()], tuple[Names, bool]).get(self.names_key())

    def store_pages(self, pages: tuple[PageView, ...], described: dict[str, object]) -> None:
        """The pages the quick path renders (quick.stored_key) that the store lacks (those rendered stored themselves),
        and none that is gone."""
        stored = self.store.page_prints(self.output)
        shown = {key: page for page in pages if (key := stored_key(page)) is not None}
        rows = [(key, self.prints[page.output_file], stored_page(page)) for key, page in shown.items()
                if page.output_file not in described and stored.get(key) != self.prints[page.output_file]]
        self.store.save_pages(self.output, rows, stored.keys() - shown.keys())

    def forget(self) -> None:
        """Render every page next time: what is on disk may not be what the last build put there."""
        self.prints, self.sizes, self.written, self.left = {}, {}, None, set()

