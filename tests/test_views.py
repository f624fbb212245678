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
        "partnerships/", "positioning/", "threats/",
        "partnerships/battery-alliance/",
        "positioning/holding-company/", "positioning/luxury/", "positioning/mass-market/", "positioning/tech-forward-brand/",
        "threats/new-entrant/",
        "timeline/", "sources/",
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
    assert [url for url, _ in pages[""].site.pages] == [url for url in pages if not url.endswith((".xml", ".txt", ".html"))]
    assert pages["404.html"].absolute_links


def test_only_company_pages_show_texts():
    assert views_showing_texts() == ("company",)
    assert {view.template for view in VIEWS} == {"home.html", "companies.html", "company.html", "taxonomy.html", "term.html", "timeline.html",
                                                 "sources.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html"}
