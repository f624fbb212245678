"""Fixtures shared by the tests."""

import shutil

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
