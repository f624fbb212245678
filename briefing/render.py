"""Rendering: each declared page through its template, handed to a writer as it is made.

Templates get the page's slice of the model (views.py) and helpers that turn
site-relative URLs into links relative to the page, so one build works under
any base path. A large site's pages are rendered in spawned helper processes,
each sent the pages it renders.
"""

from __future__ import annotations

import datetime
import os
import re
import traceback
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import urls
from .diagrams import local_map
from .export import csv_text, json_text
from .files import open_regular, read_bytes, unreadable, walk_files
from .markup import SITE, RenderedBody, as_section
from .parallel import (
    MIN_ITEMS,
    Progress,
    batched,
    bounded,
    counter,
    reap_resource_tracker,
    spawned_pool,
    worker_count,
)
from .pickling import dumps, loads
from .problems import ContentError, Problem, Problems, display_path
from .settings import Settings
from .views import PageView, WholeSite

STATIC = "static/"
SITE_LINK = re.compile(f'(href|src)="{re.escape(SITE)}([^"]*)"')  # a link to a page or file of the site in a converted body
PAGES_PER_CHUNK = 25  # pages sent to a helper at a time
IN_FLIGHT = 8  # chunks sent to helpers and not yet rendered
FRAGMENTS_PER_CHUNK = 20_000  # pieces of template output encoded at a time; a company page has a few thousand

Put = Callable[[str, list[bytes]], None]  # (output file, its bytes in pieces)
# Run beside the rendering of some pages, in whichever process renders them: one result a page. It must pickle.
Describe = Callable[[list[PageView]], list]


class PageContext:
    """What a template may call, bound to one page."""

    __slots__ = ("settings", "page", "prefix")

    def __init__(self, settings: Settings, page: PageView):
        self.settings = settings
        self.page = page
        self.prefix = settings.base_path if page.absolute_links else urls.root_prefix(page.url)

    def url(self, target: str) -> str:
        """A link from this page to a site-relative URL ('' is home, 'companies/nio/', 'sources/#id')."""
        if self.settings.offline:
            target = urls.with_index_file(target)
        link = self.prefix + target if self.page.absolute_links else urls.relative(self.page.url, target, self.prefix)
        return link if link.isascii() else quote(link, safe="/#.")

    def static(self, path: str) -> str:
        return self.url(STATIC + path)

    def html(self, body: RenderedBody | None, section: str = "") -> Markup:
        """A converted Markdown body with its site links made relative to this page; with `section`, as that
        section of a longer page (markup.as_section)."""
        if body is None:
            return Markup("")
        html = as_section(body, section) if section else body.html
        if self.settings.offline:
            return Markup(SITE_LINK.sub(lambda m: f'{m[1]}="{self.prefix}{urls.with_index_file(m[2])}"', html))
        return Markup(html.replace(f'href="{SITE}', f'href="{self.prefix}').replace(f'src="{SITE}', f'src="{self.prefix}'))

    def absolute(self, target: str) -> str:
        return urls.absolute(self.settings.base_url, target)


def packaged_theme() -> Path:
    """The default theme: inside the package once installed (briefing/theme/), else the repository's templates/."""
    here = Path(__file__).resolve().parent
    installed = here / "theme"
    return installed if installed.is_dir() else here.parent / "templates"


def theme_folders(templates: Path) -> tuple[Path, ...]:
    """Where templates and static files are looked up, the first that has a file winning: the site's own
    `templates` folder, when there is one, then the packaged theme. A site overrides the theme file by file."""
    packaged = packaged_theme()
    if templates.is_dir() and templates.resolve() != packaged:
        return (templates, packaged)
    return (packaged,)


def make_environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder.resolve()) for folder in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters["csv"] = csv_text  # data files (.csv, .json) are not autoescaped: they are not markup
    environment.filters["json"] = json_text
    return environment


def iso_date(value: datetime.date) -> str:
    return value.isoformat() + "T00:00:00Z"


class Renderer:
    """Renders pages with a site's templates over the packaged theme (theme_folders)."""

    def __init__(self, templates: Path):
        self.templates = templates
        self.folders = theme_folders(templates)
        self.env = make_environment(self.folders)

    def render(self, page: PageView) -> list[bytes]:
        """The page's bytes, in pieces: a page listing every claim of a large site is tens of megabytes, and
        joined whole its million fragments of text would take four times that. ContentError on template errors."""
        settings = page.site.settings
        context = PageContext(settings, page)
        try:
            fragments = self.env.get_template(page.template).generate(
                site=page.site,
                settings=settings,
                page=page,
                item=page.item,
                text=page.text,
                url=context.url,
                static=context.static,
                html=context.html,
                absolute=context.absolute,
                canonical=context.absolute(page.url),
                iso_date=iso_date,
                local_map=local_map,
            )
            chunks = []
            while batch := list(islice(fragments, FRAGMENTS_PER_CHUNK)):
                chunks.append("".join(batch).encode("utf-8"))
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError([Problem(display_path(exc.filename or self.folders[0] / (exc.name or "?")), exc.lineno or 0,
                                        f"template error: {exc.message}")]) from None
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            path, line = template_position(exc, self.folders)
            raise ContentError([Problem(path, line, f"template error: {exc}")]) from None
        return chunks

    def put(self, page: PageView, put: Put) -> int:
        chunks = self.render(page)
        put(page.output_file, chunks)
        return sum(map(len, chunks))


def render_pages(pages: list[PageView], renderer: Renderer, put: Put, progress: Progress | None = None,
                 describe: Describe | None = None) -> tuple[dict[str, int], dict[str, object]]:
    """`put` every page; the size of each by its output file, and what `describe` said of it (how a caller adds
    work of its own to each page's, in parallel). On a large site the pages about one item go to spawned
    helpers, pickled a chunk at a time by a thread of this process, while this one renders the pages about the
    whole site: it holds the whole site already, and a helper would need all of it sent."""
    advance = counter(progress, "rendering", len(pages)) or (lambda count: None)
    cores = worker_count()
    if len(pages) < MIN_ITEMS or cores < 2:
        return rendered_here(pages, renderer, put, describe, advance)
    chunks = (dumps(chunk) for chunk in batched((page for page in pages if not isinstance(page.site, WholeSite)), PAGES_PER_CHUNK))
    pool = spawned_pool(cores, start_helper, (renderer.templates, put, describe))
    feeder = ThreadPoolExecutor(1, thread_name_prefix="briefing-feeder")
    try:
        helped = feeder.submit(rendered_by_helpers, pool, chunks, advance)
        sizes, described = rendered_here([page for page in pages if isinstance(page.site, WholeSite)], renderer, put, describe, advance)
        helped_sizes, helped_described = helped.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after an error, the chunks not started are dropped and the feeder stops
        feeder.shutdown(wait=True)
        reap_resource_tracker()  # the pool's helpers are gone: no process is left of this build but this one
    return {**sizes, **helped_sizes}, {**described, **helped_described}


def rendered_here(pages: list[PageView], renderer: Renderer, put: Put, describe: Describe | None,
                  advance: Callable[[int], None]) -> tuple[dict[str, int], dict[str, object]]:
    sizes = {}
    for page in pages:
        sizes[page.output_file] = renderer.put(page, put)
        advance(1)
    return sizes, dict(zip(sizes, describe(pages))) if describe else {}


def rendered_by_helpers(pool, chunks, advance: Callable[[int], None]) -> tuple[dict[str, int], dict[str, object]]:
    sizes: dict[str, int] = {}
    described: dict[str, object] = {}
    for results in bounded(pool, render_in_helper, chunks, IN_FLIGHT):
        for name, size, description in results:
            sizes[name] = size
            if description is not None:
                described[name] = description
        advance(len(results))
    return sizes, described


HELPER: dict[str, object] = {}  # in a helper process: its renderer, where it puts files, and what it says of them


def start_helper(templates: Path, put: Put, describe: Describe | None) -> None:
    HELPER.update(renderer=Renderer(templates), put=put, describe=describe)


def render_in_helper(payload: bytes) -> list[tuple[str, int, object]]:
    """In a helper: render and put each page of a pickled chunk; their output files, sizes and descriptions."""
    renderer, put, describe = HELPER["renderer"], HELPER["put"], HELPER["describe"]
    pages = loads(payload)
    sizes = [(page.output_file, renderer.put(page, put)) for page in pages]
    descriptions = describe(pages) if describe else [None] * len(pages)
    return [(name, size, description) for (name, size), description in zip(sizes, descriptions)]


def template_position(exc: BaseException, folders: tuple[Path, ...]) -> tuple[str, int]:
    """The template file and line a rendering error came from, found in its traceback."""
    roots = tuple(str(folder.resolve()) + os.sep for folder in folders)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(roots):
            return display_path(frame.filename), frame.lineno or 0
    return display_path(folders[0]), 0


def site_files(settings: Settings, templates: Path, content: Path | None = None, assets: frozenset[str] = frozenset()) -> dict[str, bytes]:
    """The files of the site not made from templates: the static files (a site's own over the theme's, file by
    file), the content folder's `assets` (documents.asset_files) and those for the host. ContentError for a file
    that is not a regular, readable file."""
    files = {".nojekyll": b""}
    if settings.cname:
        files["CNAME"] = settings.cname.encode() + b"\n"
    problems = Problems()
    for folder in [folder / "static" for folder in reversed(theme_folders(templates))]:
        for path, _ in walk_files([folder]):
            try:
                with open_regular(path) as handle:
                    if handle is None:
                        problems.error(path, 0, "is not a regular file (a pipe or device); put only files in the static folder")
                    else:
                        files[STATIC + Path(path).relative_to(folder).as_posix()] = handle.read()
            except OSError as exc:
                problems.error(path, 0, unreadable(exc))
    for name in sorted(assets):
        data = read_bytes(content / name, content, problems)
        if data is not None:
            files[name] = data
    problems.raise_errors()
    return files
