import dataclasses
import datetime

import pytest
from helpers import TODAY, VALID, brief, copy_valid, load, write_site

from briefing.documents import RELATION_TYPES
from briefing.loader import load_site
from briefing.model import RELATION_LABELS, Referrer
from briefing.problems import ContentError, Problems
from briefing.views import declare_pages


def relations_of(company) -> dict[str, list[str]]:
    """label -> slugs of the other companies, as the company's page shows them."""
    return {group.label: [edge.other.slug for edge in group.edges] for group in company.relations}


def messages(problems, severity="errors"):
    return [f"{p.path.rsplit('/', 1)[-1]}:{p.line}: {p.message}" for p in getattr(problems, severity)]


# relations


def test_relation_labels_are_the_content_models_table():
    assert RELATION_LABELS == {
        "partner": ("Partner of", "Partner of"),
        "manufacturing": ("Manufactured by", "Manufactures for"),
        "supplier": ("Supplied by", "Supplies"),
        "investor": ("Backed by", "Invests in"),
        "subsidiary": ("Subsidiary of", "Parent of"),
        "competitor": ("Competes with", "Competes with"),
    }
    assert set(RELATION_TYPES) == set(RELATION_LABELS)


def test_fixture_uses_every_relation_type(fixture_site):
    types = {edge.type for company in fixture_site.companies for group in company.relations for edge in group.edges}
    assert types == set(RELATION_TYPES)


@pytest.mark.parametrize(
    "slug, expected",
    [
        ("alpha-motors", {
            "Partner of": ["beta-cells"],
            "Manufactured by": ["delta-auto"],
            "Supplied by": ["beta-cells"],
            "Backed by": ["gamma-capital"],
            "Competes with": ["delta-auto"],
        }),
        ("beta-cells", {"Partner of": ["alpha-motors"], "Supplies": ["alpha-motors"], "Subsidiary of": ["gamma-capital"]}),
        ("gamma-capital", {"Invests in": ["alpha-motors"], "Parent of": ["beta-cells"]}),
        ("delta-auto", {"Manufactures for": ["alpha-motors"], "Competes with": ["alpha-motors"]}),
    ],
)
def test_every_company_shows_its_relations_both_ways(fixture_site, slug, expected):
    assert relations_of(fixture_site.company(slug)) == expected


def test_relation_groups_follow_the_tables_order(fixture_site):
    assert [g.label for g in fixture_site.company("alpha-motors").relations] == [
        "Partner of", "Manufactured by", "Supplied by", "Backed by", "Competes with",
    ]


def test_an_edge_carries_the_relation_on_both_sides(fixture_site):
    forward = fixture_site.company("alpha-motors").relations[1].edges[0]
    backward = next(g for g in fixture_site.company("delta-auto").relations if g.label == "Manufactures for").edges[0]
    assert (forward.outgoing, backward.outgoing) == (True, False)
    assert forward.other.slug == "delta-auto" and backward.other.slug == "alpha-motors"
    for edge in (forward, backward):
        assert (edge.type, edge.note, edge.confidence) == ("manufacturing", "Delta builds Alpha's first car.", "confirmed")
        assert edge.source.id == "wire-report" and edge.source.url == "sources/#wire-report"


def test_competitor_threat_and_horizon_show_on_both_sides(fixture_site):
    for slug in ("alpha-motors", "delta-auto"):
        edge = next(g for g in fixture_site.company(slug).relations if g.label == "Competes with").edges[0]
        assert (edge.threat, edge.horizon, edge.confidence) == ("high", "near-term", "reported")


def test_relation_count(fixture_site):
    assert [c.relation_count() for c in fixture_site.companies] == [5, 3, 2, 2]


# companies and pages


def test_companies_sorted_by_title_with_urls(fixture_site):
    assert [(c.title, c.url) for c in fixture_site.companies] == [
        ("Alpha Motors", "companies/alpha-motors/"),
        ("Beta Cells", "companies/beta-cells/"),
        ("Delta Auto", "companies/delta-auto/"),
        ("Gamma Capital", "companies/gamma-capital/"),
    ]


def test_home(fixture_site):
    assert fixture_site.home.title == "Fixture home"
    assert fixture_site.home.intro.html == '<p>Start with <a class="wikilink" href="@site/companies/alpha-motors/">Alpha Motors</a>.</p>'


def test_model_is_immutable(fixture_site):
    with pytest.raises(dataclasses.FrozenInstanceError):
        fixture_site.companies[0].stale = True


# terms


def test_taxonomies_with_terms_slugs_and_members(fixture_site):
    found = {
        t.name: [(term.ref.name, term.ref.slug, term.ref.url, [m.slug for m in term.members]) for term in t.terms]
        for t in fixture_site.taxonomies
    }
    assert found == {
        "partnerships": [("Battery alliance", "battery-alliance", "partnerships/battery-alliance/", ["alpha-motors", "beta-cells"])],
        "positioning": [
            ("Holding company", "holding-company", "positioning/holding-company/", ["gamma-capital"]),
            ("Luxury", "luxury", "positioning/luxury/", ["delta-auto"]),
            ("Mass market", "mass-market", "positioning/mass-market/", ["alpha-motors", "beta-cells"]),
            ("Tech-forward brand", "tech-forward-brand", "positioning/tech-forward-brand/", ["alpha-motors"]),
        ],
        "threats": [("New entrant", "new-entrant", "threats/new-entrant/", ["alpha-motors"])],
    }
    assert [(t.title, t.url) for t in fixture_site.taxonomies] == [
        ("Partnerships", "partnerships/"), ("Positioning", "positioning/"), ("Threats", "threats/"),
    ]


def test_term_description(fixture_site):
    positioning = fixture_site.taxonomies[1]
    described = {t.ref.slug: t.description for t in positioning.terms}
    assert described["luxury"] is None
    assert described["mass-market"].html == (
        '<p>Cars for everyone, with cells from <a class="wikilink" href="@site/companies/beta-cells/">Beta Cells</a>.</p>'
    )


def test_company_terms_per_taxonomy(fixture_site):
    terms = {taxonomy: [t.slug for t in refs] for taxonomy, refs in fixture_site.company("alpha-motors").terms}
    assert terms == {"partnerships": ["battery-alliance"], "positioning": ["mass-market", "tech-forward-brand"], "threats": ["new-entrant"]}


def test_two_spellings_of_one_term_are_an_error(tmp_path):
    content = write_site(tmp_path, {
        "companies/li-auto.md": brief("Li Auto", "positioning: [Large SUV]"),
        "companies/nio.md": brief("Nio", "positioning: [Large-SUV]"),
    })
    with pytest.raises(ContentError) as caught:
        load_site(content, Problems(), today=TODAY)
    assert [p.message for p in caught.value.problems] == [
        "positioning: term 'Large-SUV' and 'Large SUV' "
        f"({content.as_posix()}/companies/li-auto.md:5) both map to /positioning/large-suv/; spell them the same"
    ]


# backlinks


def referrers(site, slug):
    return [(r.title, r.url) for r in site.texts[slug].referenced_by]


def test_backlinks_from_relations_wikilinks_autolinks_home_and_term_pages(fixture_site):
    assert referrers(fixture_site, "alpha-motors") == [
        ("Beta Cells", "companies/beta-cells/"),  # autolink of the alias "Alpha"
        ("Delta Auto", "companies/delta-auto/"),  # the other side of a relation
        ("Fixture home", ""),  # a wikilink on the home page
        ("Gamma Capital", "companies/gamma-capital/"),
    ]
    assert referrers(fixture_site, "beta-cells") == [
        ("Alpha Motors", "companies/alpha-motors/"),
        ("Gamma Capital", "companies/gamma-capital/"),
        ("Mass market", "positioning/mass-market/"),  # a wikilink in a term description
    ]


@pytest.mark.parametrize(
    "nio_body, nio_front",
    [
        ("See [[xpeng]].", ""),
        ("XPeng is a rival.", ""),
        ("", "relations:\n  - to: xpeng\n    type: competitor"),
    ],
    ids=["wikilink", "autolink", "relation"],
)
def test_each_kind_of_link_is_a_backlink(tmp_path, nio_body, nio_front):
    content = write_site(tmp_path, {"companies/nio.md": brief("Nio", nio_front, nio_body), "companies/xpeng.md": brief("XPeng")})
    site, problems = load(content)
    assert site.texts["xpeng"].referenced_by == (Referrer("Nio", "companies/nio/"),)
    nio_warnings = [p.message for p in problems.warnings]
    if nio_front:  # a relation shows on both pages, so it links Nio too
        assert nio_warnings == []
    else:
        assert nio_warnings == ["nothing links to this brief; link it from another with [[nio]] or add a relation"]


def test_a_brief_linking_itself_is_not_its_own_backlink(tmp_path):
    content = write_site(tmp_path, {"companies/nio.md": brief("Nio", body="[[nio]] and Nio."), "companies/xpeng.md": brief("XPeng")})
    site, problems = load(content)
    assert site.texts["nio"].referenced_by == ()
    assert "nothing links to this brief; link it from another with [[nio]] or add a relation" in [p.message for p in problems.warnings]


def test_a_site_s_only_brief_is_not_warned_as_unlinked(tmp_path):
    site, problems = load(write_site(tmp_path, {"companies/nio.md": brief("Nio", body="Text.")}))
    assert not any("nothing links" in p.message for p in problems.warnings)


# events, sources, citations


def test_events_newest_first_across_companies(fixture_site):
    assert [(str(e.date), e.company.slug, e.title) for e in fixture_site.events] == [
        ("2021-03-15", "beta-cells", "Beta Cells opens its second plant"),
        ("2021-03", "alpha-motors", "Alpha signs its factory deal"),
        ("2020", "alpha-motors", "Alpha Motors is founded"),
        ("2019-11", "delta-auto", "Delta Auto opens a plant for contract manufacturing"),
    ]
    assert [(year, len(events)) for year, events in fixture_site.events_by_year] == [(2021, 2), (2020, 1), (2019, 1)]


def test_company_events_newest_first_with_sources(fixture_site):
    events = fixture_site.company("alpha-motors").events
    assert [(str(e.date), e.source.id if e.source else None, e.confidence) for e in events] == [
        ("2021-03", "wire-report", "confirmed"),
        ("2020", None, "reported"),
    ]


def test_body_citations_are_the_company_sources_in_reference_order(fixture_site):
    assert [s.id for s in fixture_site.company("beta-cells").cited] == ["blog-post", "wire-report"]
    assert [s.id for s in fixture_site.company("alpha-motors").cited] == ["blog-post"]


def test_sources_with_the_claims_that_cite_them(fixture_site):
    claims = {entry.ref.id: [(c.kind, c.company.slug, c.text, c.url) for c in entry.claims] for entry in fixture_site.sources}
    assert claims == {
        "wire-report": [
            ("relation", "alpha-motors", "Alpha Motors: manufactured by Delta Auto. Delta builds Alpha's first car.", "companies/alpha-motors/#relations"),
            ("relation", "alpha-motors", "Alpha Motors: supplied by Beta Cells", "companies/alpha-motors/#relations"),
            ("event", "alpha-motors", "2021-03: Alpha signs its factory deal", "companies/alpha-motors/#events"),
            ("body", "beta-cells", "Cited in the brief on Beta Cells", "companies/beta-cells/#source-wire-report"),
        ],
        "unused-source": [],
        "blog-post": [
            ("body", "alpha-motors", "Cited in the brief on Alpha Motors", "companies/alpha-motors/#source-blog-post"),
            ("body", "beta-cells", "Cited in the brief on Beta Cells", "companies/beta-cells/#source-blog-post"),
        ],
    }


# warnings


def test_fixture_warnings(fixture_problems):
    assert fixture_problems.errors == []
    assert messages(fixture_problems, "warnings") == [
        "delta-auto.md:4: stale: updated 2020-06-01 is 365 days old (limit 180); review the brief and set 'updated'",
        "sources.yml:10: source 'unused-source' is not cited; cite it with [@unused-source] or source: unused-source, or remove it",
    ]


def test_stale_depends_on_the_build_date(fixture_site):
    assert [c.slug for c in fixture_site.companies if c.stale] == ["delta-auto"]
    site, problems = load(VALID, today=datetime.date(2020, 11, 28))  # 180 days after delta-auto's update
    assert [c.slug for c in site.companies if c.stale] == []
    site, problems = load(VALID, today=datetime.date(2021, 10, 29))  # 181 days after the others' update
    assert [c.slug for c in site.companies if c.stale] == ["alpha-motors", "beta-cells", "delta-auto", "gamma-capital"]


def test_stale_after_days_is_a_strict_limit(tmp_path):
    content = write_site(tmp_path, {"companies/nio.md": brief("Nio", updated="2021-01-01")},
                         site_yml="title: T\nbase_url: https://x.org/\nstale_after_days: 30\n")
    site, _ = load(content, today=datetime.date(2021, 1, 31))
    assert not site.company("nio").stale
    site, problems = load(content, today=datetime.date(2021, 2, 1))
    assert site.company("nio").stale
    assert "stale: updated 2021-01-01 is 31 days old (limit 30); review the brief and set 'updated'" in [p.message for p in problems.warnings]


def test_unreferenced_brief_warning(tmp_path):
    content = copy_valid(tmp_path)
    (content / "companies" / "zeta-lone.md").write_text(brief("Zeta Lone"))
    site, problems = load(content)
    assert "zeta-lone.md:1: nothing links to this brief; link it from another with [[zeta-lone]] or add a relation" in messages(problems, "warnings")


# drafts


@pytest.fixture
def with_draft(tmp_path):
    content = copy_valid(tmp_path)
    (content / "companies" / "omega-draft.md").write_text(brief("Omega Draft", "draft: true\npositioning: [Secret]", "Omega watches Alpha Motors."))
    return content


def test_drafts_are_left_out_by_default(with_draft):
    site, problems = load(with_draft)
    assert "omega-draft" not in [c.slug for c in site.companies]
    assert "positioning/secret/" not in [p.url for p in declare_pages(site, Problems())]
    assert ("Omega Draft", "companies/omega-draft/") not in referrers(site, "alpha-motors")
    assert problems.errors == []


def test_drafts_are_built_when_asked_for(with_draft):
    site, problems = load(with_draft, drafts=True)
    assert "omega-draft" in [c.slug for c in site.companies]
    assert "positioning/secret/" in [p.url for p in declare_pages(site, Problems())]
    assert ("Omega Draft", "companies/omega-draft/") in referrers(site, "alpha-motors")


def test_a_link_to_a_left_out_draft_is_an_error(with_draft):
    (with_draft / "index.md").write_text("See [[omega-draft]].\n")
    with pytest.raises(ContentError) as caught:
        load_site(with_draft, Problems(), today=TODAY)
    assert [p.message for p in caught.value.problems] == [
        "[[omega-draft]]: 'omega-draft' is a draft; build with --drafts or remove the reference"
    ]


# errors the model finds


def model_errors(tmp_path, files):
    content = write_site(tmp_path, files)
    with pytest.raises(ContentError) as caught:
        load_site(content, Problems(), today=TODAY)
    return [f"{p.path.rsplit('/', 1)[-1]}:{p.line}: {p.message}" for p in caught.value.problems]


def test_relation_to_self(tmp_path):
    errors = model_errors(tmp_path, {"companies/nio.md": brief("Nio", "relations:\n  - to: nio\n    type: partner")})
    assert errors == ["nio.md:6: relations[0].to: a relation from 'nio' to itself; point 'to' at another company"]


def test_unknown_references_suggest_close_names(tmp_path):
    errors = model_errors(tmp_path, {
        "companies/li-auto.md": brief("Li Auto", body="## Large SUVs\n"),
        "companies/nio.md": brief(
            "Nio",
            "relations:\n  - to: li-auot\n    type: competitor\n    source: reuter\n"
            "events:\n  - date: 2021\n    title: T\n    source: reuters-talk",
            "[[li-atuo]] [[li-auto#large-suv]] [@reuter]\n",
        ),
        "sources.yml": "reuters-talks:\n  title: R\n",
    })
    assert errors == [
        "nio.md:6: relations[0].to: unknown company 'li-auot' (did you mean 'li-auto'?)",
        "nio.md:8: relations[0].source: unknown source 'reuter' (did you mean 'reuters-talks'?)",
        "nio.md:12: events[0].source: unknown source 'reuters-talk' (did you mean 'reuters-talks'?)",
        "nio.md:14: [@reuter]: unknown source 'reuter' (did you mean 'reuters-talks'?)",
        "nio.md:14: [[li-atuo]]: unknown company 'li-atuo' (did you mean 'li-auto'?)",
        "nio.md:14: [[li-auto#large-suv]]: no heading with anchor 'large-suv' in 'li-auto' (did you mean 'large-suvs'?)",
    ]


def test_unknown_company_without_a_close_name_lists_the_companies(tmp_path):
    errors = model_errors(tmp_path, {"companies/nio.md": brief("Nio", body="[[tesla]]"), "companies/xpeng.md": brief("XPeng")})
    assert errors == ["nio.md:6: [[tesla]]: unknown company 'tesla'; companies are: nio, xpeng"]


def test_missing_anchor_in_a_brief_without_headings(tmp_path):
    errors = model_errors(tmp_path, {"companies/nio.md": brief("Nio", body="[[xpeng#plans]]"), "companies/xpeng.md": brief("XPeng")})
    assert errors == ["nio.md:6: [[xpeng#plans]]: no heading with anchor 'plans' in 'xpeng'; it has no headings"]


def test_unknown_source_without_sources_file(tmp_path):
    errors = model_errors(tmp_path, {"companies/nio.md": brief("Nio", body="Claim [@reuters].")})
    assert errors == ["nio.md:6: [@reuters]: unknown source 'reuters'; add it to sources.yml"]


def test_script_link_in_a_body_is_an_error(tmp_path):
    errors = model_errors(tmp_path, {"companies/nio.md": brief("Nio", body="Hi\n\n[x](javascript:alert(1))")})
    assert errors == ["nio.md:8: link 'javascript:alert(1)' is not allowed; use an http(s), mailto or relative address"]


def test_references_in_home_and_term_pages_are_checked(tmp_path):
    errors = model_errors(tmp_path, {
        "companies/nio.md": brief("Nio", "positioning: [Luxury]"),
        "index.md": "---\ntitle: Home\n---\nSee [[nio-inc]].\n",
        "positioning/luxury.md": "Top end, like [[nio#x]].\n",
    })
    assert errors == [
        "index.md:4: [[nio-inc]]: unknown company 'nio-inc' (did you mean 'nio'?)",
        "luxury.md:1: [[nio#x]]: no heading with anchor 'x' in 'nio'; it has no headings",
    ]


def test_a_broken_brief_is_not_also_reported_as_unknown(tmp_path):
    errors = model_errors(tmp_path, {
        "companies/li-auto.md": brief("Li Auto", "updated: 2021-01-01"),  # duplicate key: the brief cannot be read
        "companies/nio.md": brief("Nio", "relations:\n  - to: li-auto\n    type: competitor", "[[li-auto#suvs]]"),
    })
    assert errors == ["li-auto.md:5: key 'updated' is given twice (first on line 4); keep one"]


def test_a_broken_source_is_not_also_reported_as_unknown(tmp_path):
    errors = model_errors(tmp_path, {
        "companies/nio.md": brief("Nio", body="[@reuters] [@latepost]"),
        "sources.yml": "reuters:\n  publisher: Reuters\nlatepost:\n  title: L\n",
    })
    assert errors == ["sources.yml:1: reuters: missing required key 'title'"]


def test_term_description_for_an_unused_term_is_a_warning(tmp_path):
    content = write_site(tmp_path, {"companies/nio.md": brief("Nio", "positioning: [Luxury]"), "positioning/luxary.md": "x\n"})
    _, problems = load(content)
    assert "luxary.md:1: describes a positioning term 'luxary' that no brief uses (did you mean 'luxury'?)" in messages(problems, "warnings")
