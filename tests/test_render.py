"""Rendering: relative links from every depth, base-path links on 404, template errors as problems."""

import datetime
import multiprocessing
import shutil
import subprocess
import sys

import pytest

from briefing.markup import RenderedBody, pack_html
from briefing.model import Page
from briefing.problems import ContentError, Problem
from briefing import render as render_module
from briefing import parallel
from briefing.parallel import MIN_ITEMS, FreshHelpers, worker_count
from briefing.render import PageContext, Renderer
from briefing.writer import Staging
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


@pytest.fixture(scope="module")
def large_site(tmp_path_factory):
    """A site with more company pages than one process renders alone (bench/generate.py, seeded)."""
    out = tmp_path_factory.mktemp("large")
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--briefs", str(MIN_ITEMS + 40), "--out", str(out)], check=True, capture_output=True)
    return load(out / "content", today=datetime.date(2026, 1, 1))[0]


class CountedHelpers(FreshHelpers):
    """FreshHelpers that count the pages their helpers rendered."""

    rendered = 0

    def results(self):
        for sizes in super().results():
            CountedHelpers.rendered += len(sizes)
            yield sizes


def render_to(folder, site, templates=REPO / "templates", recorded=None):
    renderer = Renderer(templates)
    staging = Staging(folder)
    sizes = renderer.render(site, staging.put, recorded=recorded)
    staging.commit(set(sizes))
    return renderer, {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.skipif(worker_count() < 2, reason="needs two cores")
def test_helper_processes_render_a_large_site_as_this_process_alone_does(large_site, tmp_path, monkeypatch):
    monkeypatch.setattr(render_module, "FreshHelpers", CountedHelpers)
    shared, shared_files = render_to(tmp_path / "shared", large_site, recorded={})
    assert CountedHelpers.rendered > 0
    assert shared.rendered == len(large_site.pages) + 4
    monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    alone, alone_files = render_to(tmp_path / "alone", large_site, recorded={})
    assert shared_files == alone_files
    assert shared.fingerprints == alone.fingerprints  # the same, whichever process pickled a page
    recorded = {name: (fingerprint, len(shared_files[name])) for name, fingerprint in shared.fingerprints.items()}
    again, _ = render_to(tmp_path / "again", large_site, recorded=recorded)
    assert again.rendered == 0


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


class PutFailingOn:
    """A `put` (picklable, for helper processes) that writes files to a folder and fails on one of them, as a full disk would."""

    def __init__(self, folder, failing=None):
        self.folder, self.failing = folder, failing

    def __call__(self, name, chunks):
        if name == self.failing:
            raise ContentError([Problem(name, 0, "cannot write the site: no space left on device")])
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(chunks))


def test_after_a_render_that_failed_half_way_every_page_is_rendered_again(large_site, tmp_path):
    renderer = Renderer(REPO / "templates")
    with pytest.raises(ContentError):
        renderer.render(large_site, PutFailingOn(tmp_path / "first", f"companies/company-{MIN_ITEMS:05d}/index.html"))
    assert (tmp_path / "first" / "index.html").is_file()  # pages about the whole site were put before the failure
    renderer.render(large_site, PutFailingOn(tmp_path / "second"))
    assert renderer.rendered == len(large_site.pages) + 4


def test_compiled_templates_are_kept_for_the_next_process_and_a_damaged_or_unwritable_cache_only_costs_time(tmp_path):
    templates = REPO / "templates"
    compiled = tmp_path / "compiled"
    first = render_module.make_environment(templates, compiled).get_template("company.html")
    assert len(list(compiled.glob("*.cache"))) == 1  # the layout it extends is loaded when a page renders

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    later = render_module.make_environment(templates, compiled)
    later.compile = no_compiling
    assert later.get_template("company.html").render.__code__.co_code == first.render.__code__.co_code
    for path in compiled.glob("*.cache"):
        path.write_bytes(path.read_bytes()[:40] + b"damaged")
    assert render_module.make_environment(templates, compiled).get_template("company.html")
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert render_module.make_environment(templates, blocked / "compiled").get_template("company.html")
