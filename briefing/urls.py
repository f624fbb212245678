"""The URL scheme, in one place: site-relative URLs ('' is the home page)."""

from __future__ import annotations

from urllib.parse import quote

HOME = ""
COMPANIES = "companies/"
TIMELINE = "timeline/"
SOURCES = "sources/"
MAP = "map/"
MATRIX = "matrix/"
LANDSCAPE = "landscape/"
CHANGES = "changes/"
REVIEW = "review/"
DATA = "data/"
SEARCH = "search/"
PACK = "pack/"


def company(slug: str) -> str:
    return f"companies/{slug}/"


def pack_volume(number: int) -> str:
    """'pack/' for the first volume of the briefing pack, 'pack/2/' for the second."""
    return PACK if number == 1 else f"{PACK}{number}/"


def taxonomy(name: str) -> str:
    return f"{name}/"


def term(taxonomy_name: str, slug: str) -> str:
    return f"{taxonomy_name}/{slug}/"


def source(source_id: str) -> str:
    return f"sources/#{source_id}"


def absolute(base_url: str, target: str) -> str:
    """A site-relative URL as an absolute one under the site's base URL."""
    return base_url + quote(target, safe="/#")


def with_index_file(target: str) -> str:
    """'companies/nio/#a' -> 'companies/nio/index.html#a', '' -> 'index.html': a link that works without a web server."""
    path, hash_, anchor = target.partition("#")
    return path + "index.html" + hash_ + anchor if path == "" or path.endswith("/") else target


def output_file(url: str) -> str:
    """'companies/nio/' -> 'companies/nio/index.html'; files such as 'feed.xml' stay as they are."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def root_prefix(page_url: str) -> str:
    """The relative path from a page back to the site root: '../../' for 'companies/nio/'."""
    return "../" * page_url.count("/")


def relative(page_url: str, target: str, prefix: str | None = None) -> str:
    """A link from `page_url` to `target` that works under any base path (`prefix`: its root_prefix, if known)."""
    path, hash_, anchor = target.partition("#")
    if path == page_url:
        return f"#{anchor}" if hash_ else "./"
    link = (root_prefix(page_url) if prefix is None else prefix) + path
    return (link or "./") + (hash_ + anchor)
