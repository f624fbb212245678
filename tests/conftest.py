"""Fixtures shared by the tests."""

import pytest

from helpers import VALID, load


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
    monkeypatch.setattr("briefing.buildcache.CACHE_FOLDER", tmp_path / ".briefing-cache")
