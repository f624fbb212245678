"""Views: every page declared once, before rendering, with the exact slice of the model it shows."""

from briefing.problems import Problems
from briefing.views import VIEWS, Chrome, WholeSite, declare_pages, views_showing_texts


def test_every_page_is_declared_once(fixture_site):
    pages = declare_pages(fixture_site, problems := Problems())
    assert problems.items == []
    urls = [page.url for page in pages]
    assert len(urls) == len(set(urls))
    assert urls == [
        "", "companies/",
        "companies/alpha-motors/", "companies/beta-cells/", "companies/delta-auto/", "companies/gamma-capital/",
        "map/", "matrix/",
        "partnerships/", "positioning/", "threats/",
        "partnerships/battery-alliance/",
        "positioning/holding-company/", "positioning/luxury/", "positioning/mass-market/", "positioning/tech-forward-brand/",
        "threats/new-entrant/",
        "timeline/", "search/", "pack/", "review/", "data/companies.json", "data/relations.csv", "data/events.csv", "sources/",
        "feed.xml", "sitemap.xml", "robots.txt", "404.html",
    ]
    assert pages[2].item is fixture_site.company("alpha-motors")


def test_a_page_sees_only_its_slice(fixture_site):
    pages = {page.url: page for page in declare_pages(fixture_site, Problems())}
    company = pages["companies/alpha-motors/"]
    assert isinstance(company.site, Chrome) and company.text is fixture_site.texts["alpha-motors"]
    assert isinstance(pages[""].site, WholeSite) and pages[""].text is None
    assert pages[""].site.companies is fixture_site.companies  # the same objects: an unchanged part is known by identity
    term = pages["positioning/luxury/"]
    assert isinstance(term.site, Chrome) and term.text is None and term.item.ref.name == "Luxury"
    assert [url for url, _ in pages[""].site.pages] == [url for url in pages if not url.endswith((".xml", ".txt", ".html", ".json", ".csv"))]
    assert pages["404.html"].absolute_links


def test_only_company_pages_and_the_pack_show_texts():
    assert views_showing_texts() == ("company", "pack")
    assert {view.template for view in VIEWS} == {"home.html", "companies.html", "company.html", "taxonomy.html", "term.html", "timeline.html",
                                                 "sources.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html",
                                                 "map.html", "matrix.html", "landscape.html",
                                                 "changes.html", "changes.xml", "review.html", "search.html", "pack.html",
                                                 "data/companies.json", "data/relations.csv", "data/events.csv"}


def test_a_new_page_is_one_declaration_and_one_template(workspace, monkeypatch):
    """The example of docs/architecture.md: declared and templated, the page is built, listed in the sitemap,
    rendered again when what it shows changes, and left alone by an edit to a brief's text."""
    from briefing import views
    from helpers import build_here

    monkeypatch.setattr(views, "VIEWS", (*views.VIEWS, views.View("rivals", "rivals.html", views.single("rivals/", "Rivals"), whole_site=True)))
    (workspace / "templates" / "rivals.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Rivals</h1>{% for company in site.companies %}'
        '{% for group in company.relations if group.label == "Competes with" %}'
        '<p>{{ company.title }}: {{ group.edges | map(attribute="other.title") | join(", ") }}</p>'
        "{% endfor %}{% endfor %}{% endblock %}\n", "utf-8")
    assert build_here().ok
    page = workspace / "site" / "rivals" / "index.html"
    assert "<p>Xiaomi: " in page.read_text("utf-8")
    assert "/ev-briefing/rivals/</loc>" in (workspace / "site" / "sitemap.xml").read_text("utf-8")
    nio = workspace / "content" / "companies" / "nio.md"
    nio.write_text(nio.read_text("utf-8").replace("\n## ", "\nA sentence that names no company.\n\n## ", 1), "utf-8")
    assert build_here().rendered == 2  # its own page and the pack's volume: the new page shows no text
    nio.write_text(nio.read_text("utf-8").replace("title: Nio", "title: NIO Inc"), "utf-8")
    result = build_here()
    assert result.ok and "NIO Inc" in page.read_text("utf-8")
