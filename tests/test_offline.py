"""--offline: every internal link names its index.html, so the output folder works opened from disk (file://)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import REPO, run_build



@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> Path:
    """The sample briefing built with --offline."""
    output = tmp_path_factory.mktemp("offline") / "site"
    result = run_build("--content", str(REPO / "content"), "--templates", str(REPO / "templates"), "--output", str(output), "--offline")
    assert result.returncode == 0, result.stderr
    return output


def test_every_internal_link_names_a_file_that_exists(offline):
    links = 0
    for page in offline.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"]*)"', page.read_text("utf-8")):
            path = target.partition("#")[0]
            if not path or re.match(r"[a-z]+:", path):
                continue  # an anchor on the page, or an address elsewhere (canonical, sources)
            links += 1
            assert not path.endswith("/"), f"{page.relative_to(offline)}: {target}"
            if page.name != "404.html":  # served at any depth from the base path, never opened from disk
                assert (page.parent / path).resolve().is_file(), f"{page.relative_to(offline)}: {target}"
    assert links > 500


def test_clicking_through_from_disk_lands_on_pages_with_styles(offline, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((offline / "index.html").as_uri())

    def styled() -> bool:  # the stylesheet loaded: the header has its dark background, not the default transparent
        page.wait_for_load_state("load")  # a click waits for the navigation to start, not for the page's stylesheet
        return page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") not in ("rgba(0, 0, 0, 0)", "")

    assert styled()
    page.click(".cards a:text('Xiaomi')")
    assert page.url == (offline / "companies" / "xiaomi" / "index.html").as_uri() and styled()
    assert page.locator("h1").inner_text() == "Xiaomi"
    page.click(".site-nav a:text('Companies')")
    assert page.url == (offline / "companies" / "index.html").as_uri() and styled()
    page.click("table a:text('Nio')")
    assert page.url == (offline / "companies" / "nio" / "index.html").as_uri() and page.locator("h1").inner_text() == "Nio"
    page.click("a.site-title")
    assert page.url == (offline / "index.html").as_uri() and styled()
    assert os.path.isfile(offline / "static" / "style.css")
