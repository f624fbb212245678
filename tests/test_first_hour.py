"""What a new user expects of a site generator: drafts marked and kept unpublished, an alias that names one company,
errors without the warnings that only repeat them, and the meta tags and icon a shared link shows."""

from __future__ import annotations

from helpers import REPO, brief, run_build, write_site

SOURCES = "wire: {title: A wire story}\n"


def build(root, *args):
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", "site", *args, cwd=root)
    assert "Traceback" not in result.stderr
    return result


def test_a_draft_built_with_drafts_carries_a_badge_and_stays_out_of_the_sitemap_and_feed(tmp_path):
    write_site(tmp_path, {
        "companies/alpha.md": brief("Alpha", body="See [[beta]].\n"),
        "companies/beta.md": brief("Beta", "draft: true", "See [[alpha]].\n"),
    })
    result = build(tmp_path, "--drafts")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert '<span class="badge draft">draft</span>' in (site / "companies" / "beta" / "index.html").read_text("utf-8")
    assert 'class="badge draft"' not in (site / "companies" / "alpha" / "index.html").read_text("utf-8")
    for listing in ("companies/index.html", "index.html", "pack/index.html"):
        assert (site / listing).read_text("utf-8").count('<span class="badge draft">draft</span>') == 1, listing
    sitemap, feed = (site / "sitemap.xml").read_text("utf-8"), (site / "feed.xml").read_text("utf-8")
    assert "companies/alpha/" in sitemap and "companies/beta/" not in sitemap
    assert "companies/alpha/" in feed and "companies/beta/" not in feed


def test_an_alias_claimed_by_two_briefs_is_an_error_naming_both(tmp_path):
    write_site(tmp_path, {
        "companies/alpha.md": brief("Alpha", "aliases: [Star Group]", "See [[beta]].\n"),
        "companies/beta.md": brief("Beta", "aliases: [Other, star group]", "See [[alpha]].\n"),
    })
    result = build(tmp_path)
    assert result.returncode == 1
    assert ("content/companies/beta.md:5: alias 'star group' is also claimed by content/companies/alpha.md; "
            "an alias names one company: keep it in one brief") in result.stderr.splitlines()
    assert not (tmp_path / "site").exists()


def test_an_error_is_not_followed_by_the_warnings_it_causes(tmp_path):
    write_site(tmp_path, {
        "companies/alpha.md": brief("Alpha", body="See [[beta]] [@wire].\n").replace("summary:", "summary: [unclosed"),
        "companies/beta.md": brief("Beta", body="Text.\n"),
        "sources.yml": SOURCES,
    })
    result = build(tmp_path)
    assert result.returncode == 1 and "content/companies/alpha.md:" in result.stderr
    assert "not cited" not in result.stderr and "nothing links to" not in result.stderr, result.stderr


def test_pages_carry_open_graph_tags_and_an_icon(tmp_path):
    write_site(tmp_path, {"companies/alpha.md": brief("Alpha <b>", body="Text.\n")})
    assert build(tmp_path).returncode == 0
    page = (tmp_path / "site" / "companies" / "alpha" / "index.html").read_text("utf-8")
    assert '<meta property="og:title" content="Alpha &lt;b&gt;">' in page
    assert '<meta property="og:description" content="About Alpha &lt;b&gt;.">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:url" content="https://example.org/test/companies/alpha/">' in page
    assert '<link rel="icon" href="../../static/favicon.svg" type="image/svg+xml">' in page
    assert (tmp_path / "site" / "static" / "favicon.svg").read_bytes().startswith(b"<svg")
