import pytest

from briefing.problems import Problems
from briefing.settings import DEFAULT_TAXONOMIES, Settings, load_settings


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Write content/site.yml and load it: site(text, base_url=None) -> (settings, error lines)."""
    monkeypatch.chdir(tmp_path)
    content = tmp_path / "content"
    content.mkdir()

    def load(text: str | bytes, base_url: str | None = None):
        path = content / "site.yml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        problems = Problems()
        settings = load_settings(content, problems, base_url)
        return settings, [p.format() for p in problems.errors]

    return load


MINIMAL = "title: EV briefing\nbase_url: https://acme.github.io/ev-briefing\n"


def test_defaults(site):
    settings, errors = site(MINIMAL)
    assert errors == []
    assert settings == Settings(
        title="EV briefing",
        base_url="https://acme.github.io/ev-briefing/",
        description="",
        language="en",
        taxonomies=DEFAULT_TAXONOMIES,
        stale_after_days=180,
        autolink=True,
        cname="",
        landscape=None,
        rumor_after_days=30,
    )
    assert DEFAULT_TAXONOMIES == ("partnerships", "positioning", "threats")


def test_base_path_comes_from_base_url(site):
    settings, _ = site(MINIMAL)
    assert settings.base_path == "/ev-briefing/"
    settings, _ = site("title: T\nbase_url: https://briefing.example.com\n")
    assert settings.base_url == "https://briefing.example.com/"
    assert settings.base_path == "/"


def test_every_key(site):
    settings, errors = site(
        "title: T\nbase_url: https://x.org/\ndescription: D\nlanguage: zh-Hans\n"
        "taxonomies: [markets, threats]\nstale_after_days: 90\nautolink: false\ncname: Briefing.Example.com\n"
    )
    assert errors == []
    assert (settings.language, settings.taxonomies, settings.stale_after_days, settings.autolink, settings.cname) == (
        "zh-Hans", ("markets", "threats"), 90, False, "briefing.example.com",
    )


def test_base_url_override_wins(site):
    settings, errors = site(MINIMAL, base_url="https://example.org/preview")
    assert errors == []
    assert settings.base_url == "https://example.org/preview/"


def test_bad_base_url_override_is_reported_against_its_origin(site):
    settings, errors = site(MINIMAL, base_url="example.org/preview")
    assert errors == ["--base-url/BRIEFING_BASE_URL: base_url 'example.org/preview' is not a web address; write one starting with https://"]


def test_missing_file(site, tmp_path):
    problems = Problems()
    assert load_settings(tmp_path / "empty", problems) is None
    assert [p.format() for p in problems.errors] == ["empty/site.yml: is missing; create it with at least 'title:' and 'base_url:'"]


def test_unknown_key_names_the_close_key_and_every_valid_one(site):
    settings, errors = site(MINIMAL + "stale_after: 90\n")
    assert errors == [
        "content/site.yml:3: stale_after: unknown key 'stale_after' (did you mean 'stale_after_days'?); "
        "valid keys: title, base_url, description, language, taxonomies, stale_after_days, autolink, cname, landscape, rumor_after_days"
    ]


def test_missing_required_keys(site):
    settings, errors = site("description: D\n")
    assert settings is None
    assert errors == ["content/site.yml:1: missing required key 'base_url'", "content/site.yml:1: missing required key 'title'"]


def test_not_a_mapping(site):
    settings, errors = site("- title\n")
    assert settings is None
    assert errors == ["content/site.yml:1: must be a mapping of settings (title: ..., base_url: ...)"]


def test_invalid_yaml(site):
    settings, errors = site("title: T\nbase_url: [https://x.org/\n")
    assert settings is None
    assert len(errors) == 1 and errors[0].startswith("content/site.yml:3: invalid YAML: ")


def test_duplicate_key(site):
    _, errors = site(MINIMAL + "title: Again\n")
    assert errors == ["content/site.yml:3: key 'title' is given twice (first on line 1); keep one"]


def test_autolink_no_is_not_a_flag(site):
    _, errors = site(MINIMAL + "autolink: no\n")
    assert errors == ["content/site.yml:3: autolink: must be true or false, got 'no'"]


@pytest.mark.parametrize(
    "line, error",
    [
        ("stale_after_days: 0", "stale_after_days: must be a whole number of days greater than 0, got '0'"),
        ("stale_after_days: six months", "stale_after_days: must be a whole number of days greater than 0, got 'six months'"),
        ("language: English", "language: 'English' is not a language tag; write e.g. en, en-GB or zh-Hans"),
        ("cname: not a host", "cname: 'not a host' is not a domain name; write e.g. briefing.example.com"),
        ("taxonomies: threats", "taxonomies: must be a list; write [threats]"),
        ("taxonomies: [Threats]", "taxonomies[0]: taxonomy 'Threats' must be lowercase letters, digits and hyphens"),
        ("taxonomies: [companies]", "taxonomies[0]: taxonomy 'companies' would clash with the page /companies/; choose another name"),
        ("taxonomies: [timeline]", "taxonomies[0]: taxonomy 'timeline' would clash with the page /timeline/; choose another name"),
    ],
)
def test_wrong_kinds(site, line, error):
    _, errors = site(MINIMAL + line + "\n")
    assert errors == [f"content/site.yml:3: {error}"]


def test_not_utf8(site):
    settings, errors = site(b"title: Caf\xe9\nbase_url: https://x.org/\n")
    assert settings is None
    assert errors == ["content/site.yml:1: is not UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_a_site_yml_that_is_not_a_file_is_unreadable_not_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "site.yml").mkdir(parents=True)
    problems = Problems()
    assert load_settings(tmp_path / "content", problems) is None
    [error] = [p.format() for p in problems.errors]
    assert error.startswith("content/site.yml: cannot be read: "), error
