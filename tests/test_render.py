"""Rendering: relative links from every depth, base-path links on 404, template errors as problems."""

import shutil

import pytest

from briefing.markup import RenderedBody, pack_html
from briefing.model import Page
from briefing.problems import ContentError
from briefing import render as render_module
from briefing.render import PageContext, Renderer
from helpers import REPO, load, VALID


@pytest.fixture(scope="module")
def site():
    return load(VALID)[0]


def context(site, url, absolute_links=False):
    return PageContext(site.settings, Page(url, "x", "x"), absolute_links)


def test_links_are_relative_to_the_page(site):
    assert context(site, "companies/alpha-motors/").url("companies/") == "../../companies/"
    assert context(site, "").url("sources/#reuters") == "sources/#reuters"
    assert context(site, "sources/").url("sources/#reuters") == "#reuters"
    assert context(site, "positioning/mass-market/").static("style.css") == "../../static/style.css"


def test_404_links_carry_the_base_path(site):
    assert context(site, "404.html", absolute_links=True).url("companies/") == "/brief/companies/"


def test_body_links_are_made_relative_to_the_page(site):
    body = RenderedBody(pack_html('<a href="@site/companies/beta/#x">B</a>'), (), (), (), (), ())
    assert context(site, "companies/alpha/").html(body) == '<a href="../../companies/beta/#x">B</a>'
    assert context(site, "404.html", absolute_links=True).html(body) == '<a href="/brief/companies/beta/#x">B</a>'


def test_absolute_urls_use_base_url(site):
    assert context(site, "").absolute("companies/alpha/") == "https://example.org/brief/companies/alpha/"


def render(renderer: Renderer, site) -> dict[str, bytes]:
    """The files a render puts, by name."""
    files = {}
    sizes = renderer.render(site, lambda name, chunks: files.__setitem__(name, b"".join(chunks)))
    assert {name: len(data) for name, data in files.items()} == {name: sizes[name] for name in files}
    return files


def test_every_page_and_site_file_is_rendered(site):
    files = render(Renderer(REPO / "templates"), site)
    for page in site.pages:
        assert (page.url + "index.html") in files
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "404.html", ".nojekyll", "static/style.css"):
        assert name in files


def test_a_page_rendered_in_many_pieces_is_the_page_rendered_whole(site, monkeypatch):
    whole = render(Renderer(REPO / "templates"), site)
    pieces = {}
    monkeypatch.setattr(render_module, "FRAGMENTS_PER_CHUNK", 3)
    Renderer(REPO / "templates").render(site, pieces.__setitem__)
    assert max(len(chunks) for chunks in pieces.values()) > 50
    assert {name: b"".join(chunks) for name, chunks in pieces.items()} == whole


def test_an_unchanged_site_renders_nothing_the_second_time(site):
    renderer = Renderer(REPO / "templates")
    first = render(renderer, site)
    assert renderer.rendered == len(site.pages) + 4
    second = render(renderer, site)
    assert renderer.rendered == 0
    assert set(second) == {".nojekyll", *(name for name in first if name.startswith("static/"))}


def test_a_template_error_names_the_template_and_line(site, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "timeline.html").write_text('{% extends "base.html" %}\n{% block main %}\n{{ no_such_thing }}\n{% endblock %}\n')
    with pytest.raises(ContentError) as raised:
        render(Renderer(templates), site)
    [problem] = raised.value.problems
    assert problem.path.endswith("templates/timeline.html")
    assert problem.line == 3
    assert "'no_such_thing' is undefined" in problem.message
