import pytest

from briefing import urls


def test_page_urls():
    assert urls.HOME == ""
    assert urls.COMPANIES == "companies/"
    assert urls.TIMELINE == "timeline/"
    assert urls.SOURCES == "sources/"
    assert urls.company("li-auto") == "companies/li-auto/"
    assert urls.taxonomy("positioning") == "positioning/"
    assert urls.term("positioning", "mass-market") == "positioning/mass-market/"
    assert urls.source("reuters-factory-talks") == "sources/#reuters-factory-talks"


@pytest.mark.parametrize(
    "url, file",
    [("", "index.html"), ("companies/nio/", "companies/nio/index.html"), ("feed.xml", "feed.xml"), ("404.html", "404.html")],
)
def test_output_file(url, file):
    assert urls.output_file(url) == file


@pytest.mark.parametrize("page, prefix", [("", ""), ("companies/", "../"), ("companies/nio/", "../../"), ("404.html", "")])
def test_root_prefix(page, prefix):
    assert urls.root_prefix(page) == prefix


@pytest.mark.parametrize(
    "page, target, link",
    [
        ("companies/nio/", "companies/xpeng/", "../../companies/xpeng/"),
        ("companies/nio/", "companies/xpeng/#brand-positioning", "../../companies/xpeng/#brand-positioning"),
        ("companies/nio/", "companies/nio/", "./"),
        ("companies/nio/", "companies/nio/#events", "#events"),
        ("", "companies/nio/", "companies/nio/"),
        ("", "", "./"),
        ("companies/", "", "../"),
        ("positioning/luxury/", "sources/#reuters", "../../sources/#reuters"),
        ("timeline/", "feed.xml", "../feed.xml"),
    ],
)
def test_relative_links_work_under_any_base_path(page, target, link):
    assert urls.relative(page, target) == link
