"""Rendered pages, in memory: every output file of the site as bytes.

Templates get the read-only model, the page, and helpers that turn site-relative
URLs into links relative to the page (so one build works under any base path).
"""

from __future__ import annotations

import datetime
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import urls
from .markup import SITE, RenderedBody
from .model import Page, Site
from .problems import ContentError, Problem, display_path

STATIC = "static/"


@dataclass(frozen=True)
class PageContext:
    """What a template may call, bound to one page."""

    site: Site
    page: Page
    absolute_links: bool = False  # 404.html is served at any depth, so it links from the base path

    def url(self, target: str) -> str:
        """A link from this page to a site-relative URL ('' is home, 'companies/nio/', 'sources/#id')."""
        if self.absolute_links:
            return self.site.settings.base_path + quote(target, safe="/#")
        return quote(urls.relative(self.page.url, target), safe="/#.")

    def static(self, path: str) -> str:
        return self.url(STATIC + path)

    def html(self, body: RenderedBody | None) -> Markup:
        """A converted Markdown body with its site links made relative to this page."""
        if body is None:
            return Markup("")
        prefix = self.site.settings.base_path if self.absolute_links else urls.root_prefix(self.page.url)
        return Markup(body.html.replace(f'href="{SITE}', f'href="{prefix}'))

    def absolute(self, target: str) -> str:
        return self.site.settings.base_url + quote(target, safe="/#")


def make_environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates.resolve())),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(env: jinja2.Environment, site: Site, page: Page, template: str, absolute_links: bool = False) -> bytes:
    context = PageContext(site, page, absolute_links)
    text = env.get_template(template).render(
        site=site,
        settings=site.settings,
        page=page,
        item=page.item,
        url=context.url,
        static=context.static,
        html=context.html,
        absolute=context.absolute,
        canonical=context.absolute(page.url),
        iso_date=iso_date,
    )
    return text.encode("utf-8")


def iso_date(value: datetime.date) -> str:
    return value.isoformat() + "T00:00:00Z"


def render_site(site: Site, templates: Path) -> dict[str, bytes]:
    """Every output file, keyed by its path under the output folder; raises ContentError on template errors."""
    env = make_environment(templates)
    files: dict[str, bytes] = {}
    try:
        for page in site.pages:
            files[urls.output_file(page.url)] = render_page(env, site, page, f"{page.kind}.html")
        for name in ("feed.xml", "sitemap.xml", "robots.txt"):
            files[name] = render_page(env, site, Page(name, name, name), name)
        files["404.html"] = render_page(env, site, Page("404.html", "404", "Page not found"), "404.html", absolute_links=True)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError([Problem(str(templates / (exc.name or "?")), exc.lineno or 0, f"template error: {exc.message}")]) from None
    except (jinja2.TemplateError, TypeError, AttributeError, ValueError) as exc:
        path, line = template_position(exc, templates)
        raise ContentError([Problem(path, line, f"template error: {exc}")]) from None
    files[".nojekyll"] = b""
    if site.settings.cname:
        files["CNAME"] = site.settings.cname.encode() + b"\n"
    files.update(static_files(templates))
    return files


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
