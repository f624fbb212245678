import datetime
import os
from pathlib import Path

import pytest
from helpers import VALID, brief, write_site

from briefing.documents import EventEntry, Person, Ref, RelationEntry, read_documents
from briefing.fields import PartialDate
from briefing.problems import Problems
from briefing.settings import load_settings


def read(content: Path):
    problems = Problems()
    settings = load_settings(content, problems)
    documents = read_documents(content, settings, problems)
    return documents, [p.format() for p in problems.errors]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """site(files) -> (documents, error lines) for a small site written under tmp_path."""
    monkeypatch.chdir(tmp_path)

    def make(files: dict):
        return read(write_site(tmp_path, files).relative_to(tmp_path))

    return make


@pytest.fixture(scope="module")
def fixture_documents():
    documents, errors = read(VALID)
    assert errors == []
    return documents


def brief_named(documents, slug):
    return next(b for b in documents.briefs if b.slug == slug)


def test_fixture_briefs_are_all_read(fixture_documents):
    assert sorted(b.slug for b in fixture_documents.briefs) == ["alpha-motors", "beta-cells", "delta-auto", "gamma-capital"]


def test_brief_front_matter(fixture_documents):
    alpha = brief_named(fixture_documents, "alpha-motors")
    assert alpha.title == "Alpha Motors"
    assert alpha.updated == datetime.date(2021, 5, 1)
    assert alpha.updated_line == 4
    assert alpha.aliases == ("Alpha",)
    assert alpha.website == "https://alpha.example/"
    assert alpha.headquarters == "Shanghai, China"
    assert alpha.listing == "NO"  # unquoted NO stays the text NO
    assert alpha.draft is False
    assert alpha.people == (Person("Ada Alpha", "Founder"),)


def test_terms_keep_their_lines(fixture_documents):
    alpha = brief_named(fixture_documents, "alpha-motors")
    assert alpha.terms == {
        "partnerships": (Ref("Battery alliance", 9),),
        "positioning": (Ref("Mass market", 10), Ref("Tech-forward brand", 10)),
        "threats": (Ref("New entrant", 11),),
    }


def test_relations_with_defaults_and_lines(fixture_documents):
    relations = brief_named(fixture_documents, "alpha-motors").relations
    assert relations[0] == RelationEntry(
        to=Ref("delta-auto", 13), type="manufacturing", note="Delta builds Alpha's first car.",
        confidence="confirmed", source=Ref("wire-report", 17), threat="", horizon="",
    )
    assert relations[1].confidence == "reported"  # the default
    assert relations[2].source is None
    assert (relations[4].type, relations[4].threat, relations[4].horizon) == ("competitor", "high", "near-term")


def test_events(fixture_documents):
    events = brief_named(fixture_documents, "alpha-motors").events
    assert events == (
        EventEntry(PartialDate((2020, 0, 0), "2020"), "Alpha Motors is founded", None, "reported", 32),
        EventEntry(PartialDate((2021, 3, 0), "2021-03"), "Alpha signs its factory deal", Ref("wire-report", 36), "confirmed", 34),
    )


def test_body_knows_its_first_file_line(fixture_documents):
    body = brief_named(fixture_documents, "alpha-motors").body
    assert body.first_line == 42
    assert body.text.startswith("## Strategy\n")
    assert VALID.joinpath("companies/alpha-motors.md").read_text().splitlines()[body.first_line - 1] == "## Strategy"


def test_index_and_term_pages(fixture_documents):
    assert fixture_documents.index.title == "Fixture home"
    assert fixture_documents.index.body.text == "Start with [[alpha-motors]].\n"
    assert fixture_documents.index.body.first_line == 4
    assert [p.slug for p in fixture_documents.term_pages["positioning"]] == ["mass-market"]
    assert fixture_documents.term_pages["partnerships"] == ()


def test_sources(fixture_documents):
    sources = {s.id: s for s in fixture_documents.sources}
    assert list(sources) == ["wire-report", "blog-post", "unused-source"]
    assert sources["wire-report"].date == PartialDate((2021, 3, 0), "2021-03")
    assert sources["blog-post"].line == 6
    assert (sources["unused-source"].publisher, sources["unused-source"].date, sources["unused-source"].url) == ("", None, "")


def test_yaml_11_words_stay_terms(site):
    documents, errors = site({"companies/nio.md": brief("Nio", "positioning: [no, Luxury]\nlisting: NIO\nheadquarters: on")})
    assert errors == []
    nio = documents.briefs[0]
    assert [t.name for t in nio.terms["positioning"]] == ["no", "Luxury"]
    assert (nio.listing, nio.headquarters) == ("NIO", "on")


def test_a_number_or_date_in_a_text_field_is_kept_as_written(site):
    documents, errors = site({"companies/nio.md": brief("2021-03-26", "listing: 1:20\nheadquarters: 0x1F")})
    assert errors == []
    assert (documents.briefs[0].title, documents.briefs[0].listing, documents.briefs[0].headquarters) == ("2021-03-26", "1:20", "0x1F")


def test_threat_and_horizon_only_on_competitor_relations(site):
    documents, errors = site({
        "companies/nio.md": brief("Nio", "relations:\n  - to: xpeng\n    type: partner\n    threat: high\n"),
        "companies/xpeng.md": brief("XPeng"),
    })
    assert errors == ["content/companies/nio.md:8: relations[0].threat: 'threat' is only for competitor relations; remove it or set type: competitor"]
    assert documents.briefs[0].relations == ()


def test_draft_flag(site):
    documents, errors = site({"companies/nio.md": brief("Nio", "draft: true")})
    assert errors == [] and documents.briefs[0].draft is True


def test_term_description_without_front_matter(site):
    documents, errors = site({"companies/nio.md": brief("Nio"), "positioning/luxury.md": "The top end.\n"})
    assert errors == []
    page = documents.term_pages["positioning"][0]
    assert (page.slug, page.title, page.body.text, page.body.first_line) == ("luxury", "", "The top end.\n", 1)


def test_term_description_with_unknown_key(site):
    _, errors = site({"companies/nio.md": brief("Nio"), "positioning/luxury.md": "---\ntitel: Luxury\n---\nx\n"})
    assert errors == ["content/positioning/luxury.md:2: titel: unknown key 'titel' (did you mean 'title'?); valid keys: title"]


@pytest.mark.parametrize(
    "text, error",
    [
        ("Just text\n", "content/companies/nio.md:1: has no front-matter; start the file with '---', then 'title:', 'summary:', 'updated:', then '---'"),
        ("---\ntitle: Nio\n", "content/companies/nio.md:1: front-matter is not closed; add a line '---' after the YAML"),
        ("---\n---\nbody\n", "content/companies/nio.md:2: front-matter is empty; write keys such as 'title: ...'"),
        ("---\n- Nio\n---\n", "content/companies/nio.md:2: front-matter is a list, not a mapping; write keys such as 'title: ...'"),
        ("---\nNio\n---\n", "content/companies/nio.md:2: front-matter is 'Nio', not a mapping; write keys such as 'title: ...'"),
    ],
)
def test_broken_front_matter(site, text, error):
    documents, errors = site({"companies/nio.md": text})
    assert errors == [error]
    assert documents.briefs == ()
    assert documents.unreadable_briefs == {"nio"}


def test_front_matter_errors_have_file_lines(site):
    _, errors = site({"companies/nio.md": brief("Nio", "relations:\n  - to: xpeng\n    type: rival\n")})
    assert errors == ["content/companies/nio.md:7: relations[0].type: 'rival' is not valid; use one of: partner, manufacturing, supplier, investor, subsidiary, competitor"]


def test_file_names_must_be_slugs(site):
    documents, errors = site({"companies/Li_Auto.md": brief("Li Auto"), "companies/nio.md": brief("Nio")})
    assert errors == ["content/companies/Li_Auto.md: file name 'Li_Auto' is not a valid slug; use lowercase letters, digits and hyphens, e.g. 'li-auto.md'"]
    assert [b.slug for b in documents.briefs] == ["nio"]


def test_only_markdown_files_in_companies(site):
    _, errors = site({"companies/nio.md": brief("Nio"), "companies/notes.txt": "x"})
    assert errors == ["content/companies/notes.txt: is not a brief: put only <slug>.md files in companies/"]


def test_hidden_files_are_ignored(site):
    _, errors = site({"companies/nio.md": brief("Nio"), "companies/.nio.md.swp": "x"})
    assert errors == []


def test_missing_companies_folder(site):
    _, errors = site({})
    assert errors == ["content/companies: is missing; create it and put one <slug>.md brief per company in it"]


def test_folder_that_is_not_a_taxonomy(site):
    _, errors = site({"companies/nio.md": brief("Nio"), "positionning/luxury.md": "x\n"})
    assert errors == [
        "content/positionning: folder 'positionning' is not a taxonomy (did you mean 'positioning'?); "
        "taxonomies are partnerships, positioning, threats (set them in site.yml)"
    ]


def test_non_utf8_brief_is_unreadable_not_fatal(site):
    documents, errors = site({"companies/nio.md": b"---\ntitle: Nio\nsummary: caf\xe9\n---\n", "companies/xpeng.md": brief("XPeng")})
    assert errors == ["content/companies/nio.md:3: is not UTF-8 (byte 0xe9); save the file as UTF-8"]
    assert [b.slug for b in documents.briefs] == ["xpeng"]
    assert documents.unreadable_briefs == {"nio"}


@pytest.mark.parametrize(
    "text, error",
    [
        ("- a\n", "content/sources.yml:1: must be a mapping of source ids to sources (reuters-report: {title: ...})"),
        ("reuters: Reuters\n", "content/sources.yml:1: reuters: must be a mapping (title: ..., publisher: ..., date: ...), got 'Reuters'"),
        ("reuters:\n", "content/sources.yml:1: reuters: must be a mapping (title: ..., publisher: ..., date: ...), got nothing"),
        ("reuters:\n  publisher: Reuters\n", "content/sources.yml:1: reuters: missing required key 'title'"),
        ("reuters:\n  title: T\n  date: March\n", "content/sources.yml:3: reuters.date: 'March' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
        ("reuters:\n  title: T\n  link: https://x.org\n", "content/sources.yml:3: reuters.link: unknown key 'link'; valid keys: title, publisher, date, url"),
        ("Reuters Report:\n  title: T\n", "content/sources.yml:1: source id 'Reuters Report' must be letters, digits, '-', '_' or '.', e.g. 'reuters-report'"),
    ],
)
def test_broken_sources(site, text, error):
    documents, errors = site({"companies/nio.md": brief("Nio"), "sources.yml": text})
    assert errors == [error]
    assert [s.id for s in documents.sources] == (["reuters"] if "reuters." in error else [])  # a bad optional field keeps the source


def test_broken_source_entries_are_remembered(site):
    documents, _ = site({"companies/nio.md": brief("Nio"), "sources.yml": "good:\n  title: G\nbad:\n  publisher: P\n"})
    assert [s.id for s in documents.sources] == ["good"]
    assert documents.unreadable_sources == {"bad"}
    assert documents.sources_file_failed is False


def test_unparseable_sources_file_is_remembered(site):
    documents, errors = site({"companies/nio.md": brief("Nio"), "sources.yml": "a: [\n"})
    assert len(errors) == 1 and errors[0].startswith("content/sources.yml:2: invalid YAML: ")
    assert documents.sources_file_failed is True


@pytest.mark.parametrize("kind", ["dangling link", "folder", "fifo"])
@pytest.mark.parametrize("name", ["index.md", "sources.yml"])
def test_an_index_or_sources_file_that_cannot_be_read_is_an_error_not_skipped(site, tmp_path, name, kind):
    """Something by that name that is not a readable file is reported, not taken for no file at all (the home page
    silently without its intro, or every citation an unknown source)."""
    path = tmp_path / "content" / name
    path.parent.mkdir(parents=True)
    {"dangling link": lambda: path.symlink_to("nowhere"), "folder": path.mkdir, "fifo": lambda: os.mkfifo(path)}[kind]()
    documents, errors = site({"companies/nio.md": brief("Nio")})
    assert len(errors) == 1 and errors[0].startswith(f"content/{name}: cannot be read: "), errors
    assert documents.index is None and documents.sources == ()
    assert documents.sources_file_failed is (name == "sources.yml")
