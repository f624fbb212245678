"""/review/: what needs attention, each item at path:line; the warnings the command line prints come from the same items."""

from __future__ import annotations

import os

from helpers import REPO, brief, run_build, write_site
from lxml import html as lxml_html

SITE = "title: Review test\nbase_url: https://example.org/\ntaxonomies: [positioning]\nstale_after_days: 100\n"
FILES = {
    "companies/alpha.md": brief("Alpha", """
        relations:
          - to: beta
            type: partner
            confidence: rumor
        events:
          - {date: 2021-03, title: Alpha rumored deal, confidence: rumor, source: wire}
        """, "Alpha, says [@memo].\n", updated="2021-01-01"),
    "companies/beta.md": brief("Beta", """
        events:
          - {date: 2021-05-01, title: Beta launch}
        """, "Beta works with [[alpha]].\n", updated="2021-05-20"),
    "companies/gamma.md": brief("Gamma", "", "Gamma, says [@wire].\n", updated="2021-05-25"),
    "sources.yml": "wire: {title: Wire report}\nmemo: {title: Analyst memo}\nunused: {title: Unused <b>report</b>}\n",
    "positioning/unused.md": "Nobody uses this term.\n",
}
JUNE_FIRST_2021 = "1622505600"


def build(tmp_path, site_yml: str, *args: str):
    content = write_site(tmp_path / "site", FILES, site_yml)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": JUNE_FIRST_2021}
    output = tmp_path / "out"
    result = run_build("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(output), *args,
                       cwd=tmp_path / "site", env=environment)
    return result, output


def review_page(output) -> dict[str, list[str]]:
    """heading -> each item as 'name file:line message' (the file relative to the content folder)."""
    tree = lxml_html.fromstring((output / "review" / "index.html").read_bytes())
    groups = {}
    for section in tree.xpath("//section[@class='review-group']"):
        heading = section.xpath("./h2")[0].text.strip()
        groups[heading] = [" ".join(" ".join(item.itertext()).split()) for item in section.xpath(".//li[@class='review-item']")]
    return groups


def test_review_lists_every_kind_at_its_line_and_the_warnings_are_the_printed_ones(tmp_path):
    result, output = build(tmp_path, SITE + "rumor_after_days: 30\n")
    assert result.returncode == 0, result.stderr
    assert review_page(output) == {
        "Stale briefs": [
            "Alpha companies/alpha.md:4 stale: updated 2021-01-01 is 151 days old (limit 100); review the brief and set 'updated'"],
        "Old rumors": [
            "Alpha companies/alpha.md:6 relation to Beta is still a rumor 151 days after the brief was updated (2021-01-01); confirm it, or remove it",
            "Alpha companies/alpha.md:10 event 'Alpha rumored deal' (2021-03) is a rumor 62 days old; confirm it, or remove it"],
        "Relations and events without a source": [
            "Alpha companies/alpha.md:6 relation to Beta has no source; add 'source:'",
            "Beta companies/beta.md:6 event 'Beta launch' has no source; add 'source:'"],
        "Sources nothing cites": [
            "Unused <b>report</b> sources.yml:3 source 'unused' is not cited; cite it with [@unused] or source: unused, or remove it"],
        "Briefs nothing links to": [
            "Gamma companies/gamma.md:1 nothing links to this brief; link it from another with [[gamma]] or add a relation"],
        "Briefs that cite one source or none": [
            "Beta companies/beta.md:1 cites no source; back its claims with more",
            "Gamma companies/gamma.md:1 cites one source; back its claims with more"],
        "Term descriptions no brief uses": [
            "positioning/unused positioning/unused.md:1 describes a positioning term 'unused' that no brief uses"],
    }
    tree = lxml_html.fromstring((output / "review" / "index.html").read_bytes())
    warned = {" ".join(s.xpath("./h2")[0].text.split()) for s in tree.xpath("//section[h2/span[contains(@class, 'warning')]]")}
    assert warned == {"Stale briefs", "Sources nothing cites", "Briefs nothing links to", "Term descriptions no brief uses"}
    printed = sorted(line.replace(": warning: ", " ", 1).removeprefix("content/") for line in result.stderr.splitlines() if ": warning: " in line)
    shown = sorted(
        f"{where} {message}"
        for section in tree.xpath("//section[h2/span[contains(@class, 'warning')]]")
        for item in section.xpath(".//li")
        for where, message in [(item.xpath(".//code")[0].text, item.xpath(".//p[@class='review-message']")[0].text)]
    )
    assert printed == shown
    assert tree.xpath("//a[text()='Unused <b>report</b>']/@href") == ["../sources/#unused"]  # markup shown as text


def test_only_warnings_fail_strict_and_rumor_after_days_is_read(tmp_path):
    result, output = build(tmp_path, SITE + "rumor_after_days: 100\n", "--strict")
    assert result.returncode == 1 and "build failed: 4 warning(s) with --strict" in result.stderr
    result, output = build(tmp_path, SITE.replace("stale_after_days: 100", "stale_after_days: 400") + "rumor_after_days: 100\n")
    assert result.returncode == 0, result.stderr
    groups = review_page(output)
    assert [item.split(" ", 2)[1] for item in groups["Old rumors"]] == ["companies/alpha.md:6"]  # 151 days; the 62-day one is gone
    assert "Stale briefs" not in groups
    cleaner = {name: text for name, text in FILES.items() if name not in ("positioning/unused.md", "sources.yml")}
    cleaner["sources.yml"] = "wire: {title: Wire report}\nmemo: {title: Analyst memo}\n"
    cleaner["companies/beta.md"] = FILES["companies/beta.md"].replace("Beta works", "Beta works with [[gamma]] and")
    content = write_site(tmp_path / "clean", cleaner, SITE.replace("stale_after_days: 100", "stale_after_days: 400"))
    result = run_build("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(tmp_path / "clean-out"), "--strict",
                       cwd=tmp_path / "clean", env={**os.environ, "SOURCE_DATE_EPOCH": JUNE_FIRST_2021})
    assert result.returncode == 0, result.stderr  # rumors, unsourced claims and thin briefs never fail --strict
    assert "Old rumors" in review_page(tmp_path / "clean-out")
