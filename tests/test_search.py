"""Search: Pagefind's index of the company pages, in a real browser under a sub-path; indexing only when a page changed."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path

import pytest
from helpers import REPO, brief, run_build, write_site

SUB = "briefing-sub"

BRIEFS = {
    "companies/zephyr.md": brief("Zephyr Motors", "aliases: [Westwind Holdings]\npositioning: [Mass market]",
                                 "Zephyr builds small cars for city streets.\n"),
    "companies/quill.md": brief("Quill Automotive", "positioning: [Luxury]",
                                "Quill keeps a quokka as the mascot of its design studio. It builds small cars too.\n"),
    "companies/orbit.md": brief("Orbit <b>Cars</b>", "positioning: [Luxury]", "Orbit makes vans.\n"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The small site above, built as a user would, served by a real HTTP server under /briefing-sub/."""
    root = tmp_path_factory.mktemp("search")
    write_site(root, BRIEFS)
    www = root / "www"
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", str(www / SUB), cwd=root)
    assert result.returncode == 0, result.stderr
    assert "indexed 3 pages for search" in result.stdout
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{SUB}/"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def assert_results(page, expected: list[str]) -> None:
    """The result links (href and text) are `expected`, in any order, within ten seconds (results come as they load)."""
    script = "links => links.map(a => a.getAttribute('href') + ' ' + a.textContent).sort()"
    found = []
    for _ in range(100):
        found = page.eval_on_selector_all(".pagefind-ui__result-inner > .pagefind-ui__result-title a", script)
        if found == sorted(expected):
            break
        page.wait_for_timeout(100)
    assert found == sorted(expected)


def test_a_company_is_found_by_alias_and_body_word_and_a_filter_narrows_under_a_sub_path(served, browser):
    page = browser.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(served + "companies/quill/")
    # The header's search field leads to the search page, which searches at once.
    page.fill("#site-search-query", "Westwind")
    page.press("#site-search-query", "Enter")
    assert page.url == served + "search/?q=Westwind"
    assert_results(page, [f"/{SUB}/companies/zephyr/ Zephyr Motors"])

    page.fill(".pagefind-ui__search-input", "quokka")
    assert_results(page, [f"/{SUB}/companies/quill/ Quill Automotive"])

    page.fill(".pagefind-ui__search-input", "builds small cars")
    assert_results(page, [f"/{SUB}/companies/quill/ Quill Automotive", f"/{SUB}/companies/zephyr/ Zephyr Motors"])
    if not page.is_visible("label:text('Mass market')"):  # Pagefind opens a site's only filter group itself
        page.click(".pagefind-ui__filter-name:text('Positioning')")
    page.click("label:text('Mass market')")
    assert_results(page, [f"/{SUB}/companies/zephyr/ Zephyr Motors"])

    page.click("label:text('Mass market')")  # the filter off again
    page.fill(".pagefind-ui__search-input", "vans")
    assert_results(page, [f"/{SUB}/companies/orbit/ Orbit <b>Cars</b>"])  # markup in a title stays text

    page.click(".pagefind-ui__result-inner > .pagefind-ui__result-title a")
    page.wait_for_url(served + "companies/orbit/")
    assert hosts == {served.split("/")[2]}


def test_an_offline_folder_says_search_needs_a_server_from_disk_and_searches_when_served(tmp_path, browser):
    content = write_site(tmp_path, BRIEFS)
    result = run_build("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(tmp_path / "www" / "site"), "--offline")
    assert result.returncode == 0, result.stderr
    page = browser.new_page()
    page.goto((tmp_path / "www" / "site" / "search" / "index.html").as_uri())
    assert page.is_visible("#search-needs-server") and "needs a web server" in page.inner_text("#search-needs-server")
    assert page.query_selector(".pagefind-ui__search-input") is None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/site/search/index.html?q=quokka")
        assert_results(page, ["/site/companies/quill/index.html Quill Automotive"])  # links that also work without a server's index files
        assert not page.is_visible("#search-needs-server")
    finally:
        server.shutdown()


def test_an_index_made_from_older_pages_never_replaces_a_newer_one(tmp_path):
    """Two builds of one folder index at once: the run that started first finishes last, and its index is dropped."""
    from briefing import search

    content = write_site(tmp_path, BRIEFS)
    site = tmp_path / "site"
    args = ("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(site))
    assert run_build(*args).returncode == 0
    older = search.start(site)
    assert isinstance(older, search.Run)
    search.wait(older)
    (content / "companies" / "orbit.md").unlink()
    assert "indexed 2 pages for search" in run_build(*args).stdout  # the newer run, done meanwhile
    assert search.finish(older, "") is None
    assert json.loads(index_entry(site).read_bytes())["languages"]["en"]["page_count"] == 2
    assert not (site / ".briefing-search-pending").exists() and not older.scratch.exists()


def index_entry(site: Path) -> Path:
    return site / "pagefind" / "pagefind-entry.json"


def test_only_a_build_that_changes_a_company_page_indexes(tmp_path):
    content = write_site(tmp_path, BRIEFS)
    site = tmp_path / "site"
    args = ("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(site))

    first = run_build(*args)
    assert "indexed 3 pages for search" in first.stdout
    made = os.stat(index_entry(site)).st_ino

    again = run_build(*args)
    assert again.returncode == 0 and "indexed" not in again.stdout
    assert os.stat(index_entry(site)).st_ino == made

    (content / "companies" / "quill.md").write_text(BRIEFS["companies/quill.md"].replace("quokka", "wombat"), "utf-8")
    edited = run_build(*args)
    assert "indexed 3 pages for search" in edited.stdout
    assert os.stat(index_entry(site)).st_ino != made
    assert b"quokka" not in b"".join(p.read_bytes() for p in (site / "companies").rglob("*.html"))

    (site / ".briefing-search-pending").touch()  # an indexing run was killed before it finished
    assert "indexed 3 pages" in run_build(*args).stdout
    assert not (site / ".briefing-search-pending").exists()
    assert "indexed" not in run_build(*args).stdout

    (content / "companies" / "orbit.md").unlink()
    assert "indexed 2 pages for search" in run_build(*args).stdout
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".briefing-search")) == []


def test_a_site_without_briefs_has_no_index(tmp_path):
    content = write_site(tmp_path, {"companies/zephyr.md": BRIEFS["companies/zephyr.md"]})
    site = tmp_path / "site"
    args = ("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(site))
    assert "indexed 1 pages" in run_build(*args).stdout
    (content / "companies" / "zephyr.md").unlink()
    result = run_build(*args)
    assert result.returncode == 0, result.stderr
    assert "indexed 0 pages" in result.stdout
    assert list((site / "pagefind").iterdir()) == []  # the search page says so
    assert "indexed" not in run_build(*args).stdout
