"""Fixtures shared by the tests."""

import os
import shutil
from pathlib import Path

import pytest
from helpers import REPO, VALID, load


@pytest.fixture(scope="session")
def fixture_loaded():
    """(site, problems) for the valid fixture site, built against helpers.TODAY."""
    return load(VALID)


@pytest.fixture(scope="session")
def fixture_site(fixture_loaded):
    return fixture_loaded[0]


@pytest.fixture(scope="session")
def fixture_problems(fixture_loaded):
    return fixture_loaded[1]


@pytest.fixture(autouse=True)
def own_build_cache(tmp_path, monkeypatch):
    """Builders in this process keep their .briefing-cache in the test's own folder, not the repository's."""
    monkeypatch.setattr("briefing.incremental.store.CACHE_FOLDER", tmp_path / ".briefing-cache")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A copy of the sample briefing's content/ and templates/, as the working folder."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    return tmp_path


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (never a browser Playwright downloads): skipped where it is missing,
    a failure under CI, which must have it. One per module: a module that starts Playwright itself must not use it."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; .ci/run must install it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()
