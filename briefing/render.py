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
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import urls
from .markup import SITE, RenderedBody
from .model import Company, Page, Site
from .parallel import Progress, counter, parallel_map
from .problems import ContentError, Problem, display_path
from .settings import Settings
from .stamps import tree_stamp

STATIC = "static/"
SITE_FILES = (("feed.xml", "feed.xml"), ("sitemap.xml", "sitemap.xml"), ("robots.txt", "robots.txt"))


@dataclass(frozen=True)
class NavItem:
    name: str
    title: str
    url: str


@dataclass(frozen=True)
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


def make_environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates.resolve())),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


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
        self.last_site_inputs: object = None
        self.last_chrome: Chrome | None = None
        self.outlines: dict[int, tuple[object, object]] = {}
        self.rendered = 0

    def render(self, site: Site, put: Callable[[str, bytes], None], progress: Progress | None = None) -> dict[str, int]:
        """`put(name, bytes)` every output file whose inputs changed since the last call, in worker processes
        when many; the size of every output file by its path under the output folder. ContentError on
        template errors."""
        stamp = tree_stamp([self.templates])
        if stamp != self.stamp or self.env is None:
            self.env, self.stamp, self.memo, self.last_site_inputs = make_environment(self.templates), stamp, {}, None
        chrome = chrome_of(site)
        if chrome == self.last_chrome:
            chrome = self.last_chrome  # the same object: every comparison with it is then immediate
        self.last_chrome = chrome
        outline = self.outline(site)
        site_inputs = (chrome, outline.home, outline.companies, outline.taxonomies, outline.events, outline.sources)
        site_changed = site_inputs != self.last_site_inputs
        jobs = [
            Job(urls.output_file(p.url), p, f"{p.kind}.html", (chrome, p.item) if p.item is not None else None, chrome if p.item is not None else outline)
            for p in site.pages
        ]
        jobs += [Job(name, Page(name, name, name), template, None, outline) for name, template in SITE_FILES]
        jobs.append(Job("404.html", Page("404.html", "404", "Page not found"), "404.html", (chrome,), chrome, absolute_links=True))
        sizes: dict[str, int] = {}
        needed = []
        for job in jobs:
            remembered = self.memo.get(job.name)
            if remembered is not None and (remembered[0] == job.inputs if job.inputs is not None else not site_changed):
                sizes[job.name] = remembered[1]
            else:
                needed.append(job)
        # Pages about the whole site are the slowest (each lists every company, event or claim): started
        # first, they run while other workers render the rest, instead of keeping one worker busy at the end.
        needed.sort(key=lambda job: job.inputs is not None)

        def render_and_put(index: int) -> int:
            data = self.render_job(needed[index], site.settings)
            put(needed[index].name, data)
            return len(data)

        # Workers get indexes, not jobs: each already holds the jobs (forked); they write, and only sizes travel back.
        rendered = parallel_map(render_and_put, range(len(needed)), counter(progress, "rendering", len(needed)))
        for job, size in zip(needed, rendered):
            self.memo[job.name] = (job.inputs, size)
            sizes[job.name] = size
        self.rendered = len(needed)
        self.last_site_inputs = site_inputs
        extra = {".nojekyll": b"", **({"CNAME": site.settings.cname.encode() + b"\n"} if site.settings.cname else {}), **static_files(self.templates)}
        for name, data in extra.items():
            put(name, data)
            sizes[name] = len(data)
        return sizes

    def forget(self) -> None:
        """Render every page next time: what is on disk may not be what the last call put there."""
        self.memo = {}
        self.last_site_inputs = None

    def outline(self, site: Site) -> Site:
        """The site with every company in outline, reusing the outline of each company object seen last time."""
        outlines = {}
        for item in (*site.companies, *site.pages):
            remembered = self.outlines.get(id(item))
            if remembered is None or remembered[0] is not item:
                if isinstance(item, Page):
                    shown = dataclasses.replace(item, item=outlines[id(item.item)][1]) if item.kind == "company" else item
                else:
                    shown = outline_of(item)
                remembered = (item, shown)
            outlines[id(item)] = remembered
        self.outlines = outlines
        return dataclasses.replace(
            site,
            companies=tuple(outlines[id(c)][1] for c in site.companies),
            pages=tuple(outlines[id(p)][1] for p in site.pages),
        )

    def render_job(self, job: "Job", settings: Settings) -> bytes:
        context = PageContext(settings, job.page, job.absolute_links)
        try:
            text = self.env.get_template(job.template).render(
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
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError([Problem(display_path(self.templates / (exc.name or "?")), exc.lineno or 0, f"template error: {exc.message}")]) from None
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            path, line = template_position(exc, self.templates)
            raise ContentError([Problem(path, line, f"template error: {exc}")]) from None
        return text.encode("utf-8")


@dataclass(frozen=True)
class Job:
    """One output file to render: its name, page, template, what it depends on, and the `site` it sees."""

    name: str
    page: Page
    template: str
    inputs: object  # None: depends on the whole site
    view: object
    absolute_links: bool = False


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
