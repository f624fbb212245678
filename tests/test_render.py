"""Rendering: relative links from every depth, base-path links on 404, template errors as problems."""

import datetime
import multiprocessing
import os
import shutil
import subprocess
import sys

import pytest
from helpers import REPO, VALID, load

from briefing import render as render_module
from briefing.markup import RenderedBody, pack_html
from briefing.parallel import MIN_ITEMS, worker_count
from briefing.problems import ContentError, Problem, Problems
from briefing.render import PageContext, Renderer, render_pages, site_files
from briefing.views import PageView, WholeSite, chrome_of, declare_pages


@pytest.fixture(scope="module")
def site():
    return load(VALID)[0]


def context(site, url, absolute_links=False):
    return PageContext(site.settings, PageView(url, "x", "x", "x.html", chrome_of(site), absolute_links=absolute_links))


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
    sizes, _ = render_pages(list(declare_pages(site, Problems())), renderer, lambda name, chunks: files.__setitem__(name, b"".join(chunks)))
    assert {name: len(data) for name, data in files.items()} == sizes
    return files


def test_every_page_and_site_file_is_rendered(site):
    files = render(Renderer(REPO / "templates"), site)
    assert set(files) == {page.output_file for page in declare_pages(site, Problems())}
    for name in ("index.html", "companies/alpha-motors/index.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html"):
        assert name in files
    assert {".nojekyll", "static/style.css"} <= set(site_files(site.settings, REPO / "templates"))


def test_a_page_rendered_in_many_pieces_is_the_page_rendered_whole(site, monkeypatch):
    whole = render(Renderer(REPO / "templates"), site)
    pieces = {}
    monkeypatch.setattr(render_module, "FRAGMENTS_PER_CHUNK", 3)
    render_pages(list(declare_pages(site, Problems())), Renderer(REPO / "templates"), pieces.__setitem__)
    assert max(len(chunks) for chunks in pieces.values()) > 50
    assert {name: b"".join(chunks) for name, chunks in pieces.items()} == whole


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


@pytest.fixture(scope="module")
def large_site(tmp_path_factory):
    """A site with more company pages than one process renders alone (bench/generate.py, seeded)."""
    out = tmp_path_factory.mktemp("large")
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--briefs", str(MIN_ITEMS + 40), "--out", str(out)], check=True, capture_output=True)
    return load(out / "content", today=datetime.date(2026, 1, 1))[0]


class PutFailingOn:
    """A `put` (picklable, for helper processes) that writes files to a folder, notes which process wrote
    them, and fails on one of them, as a full disk would."""

    def __init__(self, folder, failing=None):
        self.folder, self.failing = folder, failing

    def __call__(self, name, chunks):
        if name == self.failing:
            raise ContentError([Problem(name, 0, "cannot write the site: no space left on device")])
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(chunks))
        (self.folder.parent / f"{self.folder.name}-writers").mkdir(exist_ok=True)
        (self.folder.parent / f"{self.folder.name}-writers" / str(os.getpid())).touch()


def render_to(folder, site, templates=REPO / "templates"):
    pages = list(declare_pages(site, Problems()))
    render_pages(pages, Renderer(templates), PutFailingOn(folder))
    writers = {int(p.name) for p in (folder.parent / f"{folder.name}-writers").iterdir()}
    return writers, {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.skipif(worker_count() < 2, reason="needs two cores")
def test_helper_processes_render_a_large_site_as_this_process_alone_does(large_site, tmp_path, monkeypatch):
    shared_writers, shared_files = render_to(tmp_path / "shared", large_site)
    assert len(shared_writers - {os.getpid()}) >= 2  # helper processes, on every core
    monkeypatch.setattr(render_module, "worker_count", lambda: 1)
    alone_writers, alone_files = render_to(tmp_path / "alone", large_site)
    assert alone_writers == {os.getpid()}
    assert shared_files == alone_files
    assert len(shared_files) == len(declare_pages(large_site, Problems()))


@pytest.mark.skipif(worker_count() < 2, reason="needs two cores")
def test_a_template_error_on_the_pages_helper_processes_share_names_the_template_and_line(large_site, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    page = templates / "company.html"
    page.write_text(page.read_text().replace("{% block main %}", "{% block main %}\n{{ item.no_such_field }}", 1))
    line = page.read_text().splitlines().index("{{ item.no_such_field }}") + 1
    with pytest.raises(ContentError) as raised:
        render_to(tmp_path / "site", large_site, templates)
    assert {(problem.path.endswith("templates/company.html"), problem.line) for problem in raised.value.problems} == {(True, line)}
    assert multiprocessing.active_children() == []


def test_a_put_that_fails_half_way_stops_the_render_with_its_error(large_site, tmp_path):
    pages = list(declare_pages(large_site, Problems()))
    with pytest.raises(ContentError) as raised:
        render_pages(pages, Renderer(REPO / "templates"), PutFailingOn(tmp_path / "first", f"companies/company-{MIN_ITEMS:05d}/index.html"))
    assert "no space left on device" in raised.value.problems[0].message
    assert multiprocessing.active_children() == []


class WhereRendered:
    """A render.Describe (picklable, for helper processes): the process that rendered each page."""

    def __call__(self, pages):
        return [os.getpid()] * len(pages)


@pytest.mark.skipif(worker_count() < 2, reason="needs two cores")
def test_describe_runs_beside_each_page_in_the_process_that_renders_it(large_site, tmp_path):
    pages = list(declare_pages(large_site, Problems()))
    sizes, described = render_pages(pages, Renderer(REPO / "templates"), PutFailingOn(tmp_path / "site"), describe=WhereRendered())
    assert described.keys() == sizes.keys() == {page.output_file for page in pages}
    assert {described[page.output_file] for page in pages if isinstance(page.site, WholeSite)} == {os.getpid()}  # the whole site is here
    assert os.getpid() not in {described[page.output_file] for page in pages if not isinstance(page.site, WholeSite)}
