import datetime

import pytest
from helpers import SITE_YML, TODAY, VALID, brief, write_site

from briefing.loader import build_date, load_site
from briefing.problems import ContentError, Problems


def test_loads_the_valid_fixture_with_warnings_only():
    problems = Problems()
    site = load_site(VALID, problems, today=TODAY)
    assert [c.slug for c in site.companies] == ["alpha-motors", "beta-cells", "delta-auto", "gamma-capital"]
    assert site.build_date == TODAY
    assert site.settings.base_url == "https://example.org/brief/"
    assert problems.errors == [] and len(problems.warnings) == 2


def test_base_url_override_reaches_the_settings():
    site = load_site(VALID, Problems(), base_url="https://acme.github.io/ev", today=TODAY)
    assert site.settings.base_url == "https://acme.github.io/ev/"
    assert site.settings.base_path == "/ev/"


def test_missing_content_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems = Problems()
    with pytest.raises(ContentError) as caught:
        load_site(tmp_path / "nowhere", problems)
    assert str(caught.value) == "nowhere: content folder not found; pass --content DIR or create content/"


def test_broken_settings_stop_before_the_briefs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content = write_site(tmp_path, {"companies/nio.md": "no front-matter"}, site_yml="title: T\n")
    with pytest.raises(ContentError) as caught:
        load_site(content.relative_to(tmp_path), Problems())
    assert str(caught.value) == "content/site.yml:1: missing required key 'base_url'"


def test_every_error_of_every_stage_is_reported_together(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content = write_site(tmp_path, {
        "companies/nio.md": brief("Nio", body="[[xpeng-motors]]"),
        "companies/xpeng.md": brief("XPeng", "threats: high"),
        "companies/Bad.md": brief("Bad"),
    }, site_yml=SITE_YML + "autolinks: true\n")
    problems = Problems()
    with pytest.raises(ContentError) as caught:
        load_site(content.relative_to(tmp_path), problems, today=TODAY)
    assert str(caught.value).splitlines() == [
        "content/companies/Bad.md: file name 'Bad' is not a valid slug; use lowercase letters, digits and hyphens, e.g. 'bad.md'",
        "content/companies/nio.md:6: [[xpeng-motors]]: unknown company 'xpeng-motors'; companies are: nio, xpeng",
        "content/companies/xpeng.md:5: threats: must be a list; write [high]",
        "content/site.yml:3: autolinks: unknown key 'autolinks' (did you mean 'autolink'?); "
        "valid keys: title, base_url, description, language, taxonomies, stale_after_days, autolink, cname, landscape, rumor_after_days",
    ]
    assert caught.value.problems == problems.errors


def test_build_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1616716800")  # 2021-03-26T00:00:00Z
    assert build_date() == datetime.date(2021, 3, 26)


def test_build_date_defaults_to_today(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date() == datetime.date.today()


def test_load_uses_source_date_epoch_without_today(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1616716800")
    site = load_site(VALID, Problems())
    assert site.build_date == datetime.date(2021, 3, 26)
