"""Rendering: every output file of the site, handed to a writer as it is made.

Templates get the read-only model, the page, and helpers that turn site-relative
URLs into links relative to the page (so one build works under any base path).

A page about one item (a company, a term, a taxonomy) sees only that item and
the site's chrome (settings, navigation, build date), so it is re-rendered only
when one of those changed; pages about the whole site are re-rendered when
anything in the model changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import pickle
import threading
import traceback
from itertools import compress, islice
from operator import is_not
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import parallel, recordfile, urls
from .buildcache import engine_fingerprint
from .markup import SITE, RenderedBody
from .model import Company, Page, Site
from .parallel import MIN_ITEMS, FreshHelpers, Progress, batched, counter, parallel_map
from .problems import ContentError, Problem, display_path
from .records import record
from .settings import Settings
from .stamps import content_digest, tree_stamp

STATIC = "static/"
HEAVY_SITE = 500  # companies from which rendering a page about the whole site costs more than forking a worker
PAGES_PER_CHUNK = 25  # pages about one item sent to a helper at a time
FRAGMENTS_PER_CHUNK = 20_000  # pieces of template output encoded at a time; a company page has a few thousand
SITE_FILES = (("feed.xml", "feed.xml"), ("sitemap.xml", "sitemap.xml"), ("robots.txt", "robots.txt"))


@record
class NavItem:
    name: str
    title: str
    url: str


@record
class Chrome:
    """What every page may show besides its own item: the `site` of an item page."""

    settings: Settings
    build_date: datetime.date
    taxonomies: tuple[NavItem, ...]


class PageContext:
    """What a template may call, bound to one page."""

    __slots__ = ("settings", "page", "absolute_links", "prefix")

    def __init__(self, settings: Settings, page: Page, absolute_links: bool = False):
        self.settings = settings
        self.page = page
        self.absolute_links = absolute_links  # 404.html is served at any depth, so it links from the base path
        self.prefix = settings.base_path if absolute_links else urls.root_prefix(page.url)

    def url(self, target: str) -> str:
        """A link from this page to a site-relative URL ('' is home, 'companies/nio/', 'sources/#id')."""
        link = self.prefix + target if self.absolute_links else urls.relative(self.page.url, target, self.prefix)
        return link if link.isascii() else quote(link, safe="/#.")

    def static(self, path: str) -> str:
        return self.url(STATIC + path)

    def html(self, body: RenderedBody | None) -> Markup:
        """A converted Markdown body with its site links made relative to this page."""
        if body is None:
            return Markup("")
        return Markup(body.html.replace(f'href="{SITE}', f'href="{self.prefix}'))

    def absolute(self, target: str) -> str:
        return self.settings.base_url + quote(target, safe="/#")


def make_environment(templates: Path, compiled: Path | None = None) -> jinja2.Environment:
    """The templates' environment; `compiled`: a folder that keeps compiled templates for the next process."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates.resolve())),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=None if compiled is None else CompiledTemplates(compiled),
    )


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, which it finds by each template's name and source. Compiling them
    again costs a new process more than rendering a page. The files are named after Briefing's code (which sets
    the environment's options), and a cache that cannot be read or written is only slower."""

    def __init__(self, folder: Path):
        super().__init__(str(folder), f"{hashlib.blake2b(engine_fingerprint().encode(), digest_size=8).hexdigest()}-%s.cache")
        self.folder = folder

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged file is a miss, whatever reading it raised
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def iso_date(value: datetime.date) -> str:
    return value.isoformat() + "T00:00:00Z"


def chrome_of(site: Site) -> Chrome:
    return Chrome(site.settings, site.build_date, tuple(NavItem(t.name, t.title, t.url) for t in site.taxonomies))


class Renderer:
    """Renders a site's files, remembering pages whose inputs have not changed since the last call."""

    def __init__(self, templates: Path):
        self.templates = templates
        self.stamp: tuple = ()
        self.env: jinja2.Environment | None = None
        self.memo: dict[str, tuple[object, int]] = {}  # output file -> (its inputs, its size) when last put
        self.last: LastRender | None = None
        self.rendered = 0
        self.salt = b""  # of fingerprints: the engine and the templates
        self.fingerprints: dict[str, str] = {}

    def render(self, site: Site, put: Callable[[str, list[bytes]], None], progress: Progress | None = None,
               recorded: dict[str, tuple[str, int]] | None = None, keep: "Keeper | None" = None) -> dict[str, int]:
        """`put(name, chunks of bytes)` every output file whose inputs changed since the last call, in worker processes
        when many; the size of every output file by its path under the output folder. ContentError on
        template errors.

        `recorded`: the files a build in another process left in the output, untouched since, by name:
        (the fingerprint of their inputs, their size). Those whose inputs still have that fingerprint are
        not rendered again. With it, `fingerprints` then holds every file's fingerprint, for the next build,
        and `keep` is shown each company page rendered or found recorded (see Fingerprints).
        """
        self.prepare()
        chrome = chrome_of(site)
        last = self.last
        if last is not None and chrome == last.chrome:
            chrome = last.chrome  # the same object: every comparison with it is then immediate
        plan = Plan(site, last, chrome)
        outline = plan.outline(site)
        site_inputs = whole_site_inputs(chrome, outline, outline.companies)
        site_changed = last is None or site_inputs != last.site_inputs
        candidates = plan.candidates(site, chrome, outline, site_changed)
        needed = []
        for job in candidates:
            remembered = self.memo.get(job.name)
            if remembered is not None and (remembered[0] == job.inputs if job.inputs is not None else not site_changed):
                plan.sizes[job.name] = remembered[1]
            else:
                needed.append(job)
        sizes = plan.sizes
        self.rendered = 0
        if recorded is None and len(needed) < MIN_ITEMS:
            self.render_few(needed, site, put, progress, sizes)
        else:
            prints = None if recorded is None else Fingerprints(self, site, chrome, outline, plan.outline_companies, keep, needed)
            self.render_many(needed, site, put, progress, sizes, recorded, prints)
        extra = {".nojekyll": b"", **({"CNAME": site.settings.cname.encode() + b"\n"} if site.settings.cname else {}), **static_files(self.templates)}
        for name, data in extra.items():
            put(name, [data])
            sizes[name] = len(data)
        self.last = LastRender(chrome, site.companies, site.pages, plan.outline_companies, plan.outline_pages, plan.jobs, plan.site_wide, dict(sizes), site_inputs)
        return sizes

    def prepare(self) -> None:
        """Load the templates, again when they changed; every page is then rendered anew."""
        stamp = tree_stamp([self.templates])
        if stamp != self.stamp or self.env is None:
            self.env, self.stamp = make_environment(self.templates, self.compiled()), stamp
            self.salt = hashlib.blake2b(f"{engine_fingerprint()}\n{content_digest([self.templates])}".encode(), digest_size=32).digest()
            self.forget()

    def compiled(self) -> Path:
        return recordfile.CACHE_FOLDER / "templates"

    def render_few(self, needed: list[Job], site: Site, put: Callable, progress: Progress | None, sizes: dict[str, int]) -> None:
        """A preview server's rebuild: the pages of what changed, in this process. On a large site a page about
        the whole site takes seconds: even a few such pages are worth forked workers, which get indexes, not jobs."""
        needed.sort(key=lambda job: job.inputs is not None)  # the slowest first, so no worker is left with one at the end

        def render_and_put(index: int) -> int:
            return self.put_rendered(needed[index], site.settings, put)

        heavy = len(site.companies) >= HEAVY_SITE and any(job.inputs is None for job in needed)
        for job, size in zip(needed, parallel_map(render_and_put, range(len(needed)), counter(progress, "rendering", len(needed)), heavy)):
            self.keep(job, size, sizes)
        self.rendered = len(needed)

    def render_many(self, needed: list[Job], site: Site, put: Callable, progress: Progress | None, sizes: dict[str, int],
                    recorded: dict[str, tuple[str, int]] | None, prints: "Fingerprints | None") -> None:
        """Every page of a site, or those of a new process whose fingerprint is not `recorded`. Pages about one
        item go pickled to fresh helper processes (see parallel.FreshHelpers);
        this process renders the pages about the whole site meanwhile, then takes pages about one item too."""
        settings = site.settings
        advance = counter(progress, "rendering", len(needed)) or (lambda count: None)
        item_jobs = [job for job in needed if job.inputs is not None]
        site_jobs = [job for job in needed if job.inputs is None]
        shipped: list[Job] = []  # the item jobs to render, in order, as the pickling finds them
        made: list[tuple[Job, int]] = []  # (job, size) of every file put or found recorded: remembered only if all went well
        if recorded is not None:
            self.fingerprints = {}

        def unchanged(job: Job, fingerprint: str) -> bool:
            """Whether the output holds the file `job` makes, as recorded with this fingerprint; if so its size is kept."""
            self.fingerprints[job.name] = fingerprint
            if recorded.get(job.name, ("",))[0] != fingerprint:
                return False
            made.append((job, recorded[job.name][1]))
            return True

        untaken = iter(item_jobs)
        taking = threading.Lock()

        def take(pickled: bool) -> tuple[Job, bytes | None] | None:
            """The next item job to render, here or (`pickled`) in a helper, whichever asks first.
            Those whose file the record holds are skipped."""
            while True:
                with taking:
                    job = next(untaken, None)
                if job is None:
                    return None
                if recorded is None or not unchanged(job, prints.item(job)):
                    return job, pickle.dumps((job, settings), protocol=5) if pickled else None

        def payloads() -> Iterator[bytes]:
            while (taken := take(pickled=True)) is not None:
                shipped.append(taken[0])
                yield taken[1]

        helpers = None
        cores = parallel.worker_count()
        if len(item_jobs) >= MIN_ITEMS and cores > 1:
            helpers = FreshHelpers(render_shipped, batched(payloads(), PAGES_PER_CHUNK), start_helper, (self.templates, self.compiled(), put), cores - 1)
        try:
            site_print = prints.whole_site() if recorded is not None and site_jobs else ""
            for job in site_jobs:
                if recorded is None or not unchanged(job, self.digest((shown(job), site_print))):
                    made.append((job, self.put_rendered(job, settings, put)))
                    self.rendered += 1
                advance(1)
            progressed = len(site_jobs)
            while (taken := take(pickled=False)) is not None:
                job = taken[0]
                made.append((job, self.put_rendered(job, settings, put)))
                self.rendered += 1
                progressed += 1
                advance(1)
            if helpers is not None:
                done = 0
                for chunk_sizes in helpers.results():
                    for job, size in zip(shipped[done:done + len(chunk_sizes)], chunk_sizes):
                        made.append((job, size))
                    done += len(chunk_sizes)
                    self.rendered += len(chunk_sizes)
                    progressed += len(chunk_sizes)
                    advance(len(chunk_sizes))
        finally:
            if helpers is not None:
                helpers.close()
        advance(len(item_jobs) + len(site_jobs) - progressed)  # the item pages the record holds
        for job, size in made:
            self.keep(job, size, sizes)

    def keep(self, job: Job, size: int, sizes: dict[str, int]) -> None:
        self.memo[job.name] = (job.inputs, size)
        sizes[job.name] = size

    def put_rendered(self, job: Job, settings: Settings, put: Callable) -> int:
        chunks = self.render_job(job, settings)
        put(job.name, chunks)
        return sum(map(len, chunks))

    def digest(self, inputs: object) -> str:
        """The same for equal inputs in any process: records pickle as their fields, in order; no sets."""
        return self.digest_pickled(pickle.dumps(inputs, protocol=5))

    def digest_pickled(self, data: bytes) -> str:
        return hashlib.blake2b(data, key=self.salt, digest_size=16).hexdigest()

    def forget(self) -> None:
        """Render every page next time: what is on disk may not be what the last call put there."""
        self.memo = {}
        self.last = None

    def render_job(self, job: "Job", settings: Settings) -> list[bytes]:
        """The page's bytes, in pieces: a page listing every claim of a large site is tens of megabytes, and
        joined whole its million fragments of text would take four times that."""
        context = PageContext(settings, job.page, job.absolute_links)
        try:
            fragments = self.env.get_template(job.template).generate(
                site=job.view,
                settings=settings,
                page=job.page,
                item=job.page.item,
                url=context.url,
                static=context.static,
                html=context.html,
                absolute=context.absolute,
                canonical=context.absolute(job.page.url),
                iso_date=iso_date,
            )
            chunks = []
            while batch := list(islice(fragments, FRAGMENTS_PER_CHUNK)):
                chunks.append("".join(batch).encode("utf-8"))
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError([Problem(display_path(self.templates / (exc.name or "?")), exc.lineno or 0, f"template error: {exc.message}")]) from None
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            path, line = template_position(exc, self.templates)
            raise ContentError([Problem(path, line, f"template error: {exc}")]) from None
        return chunks


HELPER: dict[str, object] = {}  # in a helper process: its renderer and where it puts files


def start_helper(templates: Path, compiled: Path, put: Callable[[str, list[bytes]], None]) -> None:
    HELPER["renderer"], HELPER["put"] = Renderer(templates), put
    HELPER["renderer"].env = make_environment(templates, compiled)


def render_shipped(payloads: list[bytes]) -> list[int]:
    """In a helper: render and put each pickled (job, settings); their sizes."""
    renderer, put = HELPER["renderer"], HELPER["put"]
    sizes = []
    for payload in payloads:
        job, settings = pickle.loads(payload)
        sizes.append(renderer.put_rendered(job, settings, put))
    return sizes


@record
class Job:
    """One output file to render: its name, page, template, what it depends on, and the `site` it sees."""

    name: str
    page: Page
    template: str
    inputs: object  # None: depends on the whole site
    view: object
    absolute_links: bool = False


@record
class LastRender:
    """What the last call rendered, by page position: the next call finds what changed by identity."""

    chrome: Chrome
    companies: tuple[Company, ...]
    pages: tuple[Page, ...]
    outline_companies: list[Company]
    outline_pages: list[Page]
    jobs: list[Job]  # one per page
    site_wide: list[int]  # the positions of the pages about the whole site
    sizes: dict[str, int]
    site_inputs: object


class Plan:
    """One call's outline and jobs: the last call's, with those of every company and page that is a new object made again.

    A site patched by model.with_new_bodies keeps all its other company and page
    objects, so a one-brief edit costs what that brief's pages cost, not a walk
    over every page; any other site is planned whole.
    """

    def __init__(self, site: Site, last: LastRender | None, chrome: Chrome):
        if last is None or chrome is not last.chrome or (len(site.companies), len(site.pages)) != (len(last.companies), len(last.pages)):
            self.new_companies, self.new_pages = range(len(site.companies)), range(len(site.pages))
            self.outline_companies: list = [None] * len(site.companies)
            self.outline_pages: list = [None] * len(site.pages)
            self.jobs: list = [None] * len(site.pages)
            self.site_wide: list[int] = []
            self.sizes: dict[str, int] = {}
            return
        self.new_companies = changed_positions(site.companies, last.companies)
        self.new_pages = changed_positions(site.pages, last.pages)
        self.outline_companies, self.outline_pages, self.jobs = list(last.outline_companies), list(last.outline_pages), list(last.jobs)
        renewed = set(self.new_pages)
        self.site_wide = [i for i in last.site_wide if i not in renewed]
        self.sizes = dict(last.sizes)
        for i in self.new_pages:
            self.sizes.pop(last.jobs[i].name, None)

    def outline(self, site: Site) -> Site:
        """The site with every company in outline (see outline_of)."""
        fresh = {}
        for i in self.new_companies:
            company = site.companies[i]
            self.outline_companies[i] = fresh[id(company)] = outline_of(company)
        for i in self.new_pages:
            page = site.pages[i]
            self.outline_pages[i] = dataclasses.replace(page, item=fresh.get(id(page.item)) or outline_of(page.item)) if page.kind == "company" else page
        return dataclasses.replace(site, companies=tuple(self.outline_companies), pages=tuple(self.outline_pages))

    def candidates(self, site: Site, chrome: Chrome, outline: Site, site_changed: bool) -> list[Job]:
        """The jobs whose inputs may have changed: those of new pages, of every page about the whole
        site when the site changed, and of the site's own files."""
        item_jobs = []
        for i in self.new_pages:
            page = site.pages[i]
            if page.item is None:
                self.site_wide.append(i)
            else:
                self.jobs[i] = Job(urls.output_file(page.url), page, f"{page.kind}.html", (chrome, page.item), chrome)
                item_jobs.append(self.jobs[i])
        self.site_wide.sort()
        remade = self.site_wide if site_changed else [i for i in self.new_pages if site.pages[i].item is None]
        for i in remade:
            page = site.pages[i]
            self.jobs[i] = Job(urls.output_file(page.url), page, f"{page.kind}.html", None, outline)
        own = [Job(name, Page(name, name, name), template, None, outline) for name, template in SITE_FILES]
        own.append(Job("404.html", Page("404.html", "404", "Page not found"), "404.html", (chrome,), chrome, absolute_links=True))
        return item_jobs + [self.jobs[i] for i in remade] + own


def whole_site_inputs(chrome: Chrome, outline: Site, companies: tuple) -> tuple:
    """What pages about the whole site show: the chrome and the site in outline, with `companies`
    standing for its companies (their outlines, or the fingerprints of those)."""
    return (chrome, outline.home, companies, outline.taxonomies, outline.events, outline.sources)


def shown(job: Job) -> tuple:
    """What a page shows of itself besides its inputs."""
    return (job.template, job.page.url, job.page.kind, job.page.title, job.absolute_links)


Keeper = Callable[["Job", str, bytes], None]  # (a company's page, its fingerprint, its company in outline pickled)


class Fingerprints:
    """The digests of what each page shows, which a build in a new process compares with the last build's record.

    A company's outline is pickled once, for its own page (with what outline_of
    leaves out) and for the pages about the whole site (whose long parts are
    pickled in pieces: whole, they would take as much memory as the site); and
    `keep`, given the pickle as it is made, can store the page without pickling
    the company again (pagestore.py).
    Safe from two threads: a digest made twice is the same.
    """

    def __init__(self, renderer: Renderer, site: Site, chrome: Chrome, outline: Site, outline_companies: list[Company],
                 keep: Keeper | None = None, jobs: list[Job] = ()):
        self.digest, self.digest_pickled = renderer.digest, renderer.digest_pickled
        self.site = site
        self.chrome = chrome
        self.outline = outline
        self.outlines = dict(zip(map(id, site.companies), outline_companies))
        self.outline_prints: dict[int, str] = {}
        self.keep = keep
        self.company_jobs = {id(job.page.item): job for job in jobs if job.page.kind == "company"} if keep else {}
        self.company_prints: dict[int, str] = {}  # those made for `keep`

    def outline_print(self, company: Company) -> str:
        key = id(company)
        if key not in self.outline_prints:
            pickled = pickle.dumps(self.outlines[key], protocol=5)
            self.outline_prints[key] = self.digest_pickled(pickled)
            job = self.company_jobs.get(key)
            if job is not None:
                self.company_prints[key] = company_print(self.digest, job, self.outline_prints[key])
                self.keep(job, self.company_prints[key], pickled)
        return self.outline_prints[key]

    def item(self, job: Job) -> str:
        company = job.page.item
        if id(company) in self.outlines:
            outline_print = self.outline_print(company)
            return self.company_prints.get(id(company)) or company_print(self.digest, job, outline_print)
        return self.digest((shown(job), job.inputs))

    def whole_site(self) -> str:
        parts = whole_site_inputs(self.chrome, self.outline, tuple(map(self.outline_print, self.site.companies)))
        pieces: list[object] = []
        for number, part in enumerate(parts):
            if isinstance(part, tuple):
                pieces.append((number, len(part)))
                pieces.extend(self.digest(part[start:start + 100]) for start in range(0, len(part), 100))
            else:
                pieces.append((number, part))
        return self.digest(tuple(pieces))


def company_print(digest: Callable[[object], str], job: Job, outline_print: str) -> str:
    """The fingerprint of a company's page, from that of the company in outline and what outline_of leaves out."""
    company = job.page.item
    return digest((shown(job), job.inputs[0], outline_print, company.body, company.brief.body, company.referenced_by))


def changed_positions(new: tuple, old: tuple) -> list[int]:
    """The positions where `new` holds another object than `old` (in C: fast for 10,000 pages)."""
    return list(compress(range(len(new)), map(is_not, new, old)))


def outline_of(company: Company) -> Company:
    """A company as pages about the whole site see it: without its body and its backlinks.

    An edit to a brief's text, or to its links to other companies, then
    re-renders only the pages of the companies involved; its citations and
    everything else the site-wide pages show still count.
    """
    return dataclasses.replace(company, brief=dataclasses.replace(company.brief, body=None), body=None, referenced_by=())


def template_position(exc: BaseException, templates: Path) -> tuple[str, int]:
    """The template file and line a rendering error came from, found in its traceback."""
    root = str(templates.resolve())
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(root):
            return display_path(frame.filename), frame.lineno or 0
    return display_path(templates), 0


def static_files(templates: Path) -> dict[str, bytes]:
    folder = templates / "static"
    if not folder.is_dir():
        return {}
    return {
        STATIC + path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }
