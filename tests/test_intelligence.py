"""The intelligence views, built with the real build.py: the relationship map, each company's small map, the
threat matrix, the landscape, strengths and weaknesses, and the comparison table's threats."""

from __future__ import annotations

import filecmp
import math
import os
import random
from pathlib import Path

import pytest
from helpers import REPO, brief, error_lines, run_build, write_site
from lxml import html as lxml_html

SVG = "{http://www.w3.org/2000/svg}"
AXES = """\
landscape:
  x: {label: Price position, low: Mass market, high: Premium}
  y: {label: Technology focus, low: Conventional, high: Tech-forward}
"""
SITE = "title: Intel <test>\nbase_url: https://example.org/intel/\n" + AXES

FILES = {
    "companies/alpha.md": brief("Alpha", """
        strengths:
          - Brand loyalty <b>and</b> retail reach
          - text: Engineering support from Beta
            source: wire
            confidence: confirmed
        weaknesses: [No car-making experience]
        landscape: {x: 0.25, y: 0.8}
        relations:
          - to: beta
            type: manufacturing
            source: wire
          - to: gamma
            type: competitor
            threat: high
            horizon: near-term
          - to: delta
            type: competitor
            threat: low
          - to: epsilon
            type: competitor
          - to: zeta
            type: investor
            confidence: rumor
        """, "## One\n\nText.\n\n## Two\n\nText.\n\n### Three\n\nText.\n"),
    "companies/beta.md": brief("Beta", """
        landscape: {x: 0.75, y: 0.2}
        relations:
          - to: gamma
            type: competitor
            threat: medium
            horizon: long-term
          - to: delta
            type: supplier
        """, "## Only\n\nOne heading.\n\n## Two\n\nTwo headings.\n"),
    "companies/gamma.md": brief("Gamma", """
        relations:
          - to: delta
            type: partner
            confidence: confirmed
          - to: zeta
            type: subsidiary
        """),
    "companies/delta.md": brief("Delta", "landscape: {x: 0.26, y: 0.79}"),
    "companies/epsilon.md": brief("Epsilon <script>alert(1)</script> & \"Co\""),
    "companies/zeta.md": brief("Zeta"),
    "sources.yml": "wire:\n  title: A wire report\n  publisher: Wire\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("intel")
    content = write_site(root, FILES, SITE)
    result = build(content, root / "site")
    assert result.returncode == 0, result.stderr
    return root / "site"


def build(content: Path, output: Path, timeout: int = 60):
    return run_build("--content", str(content), "--templates", str(REPO / "templates"), "--output", str(output), cwd=content.parent, timeout=timeout)


def parse(site: Path, url: str):
    return lxml_html.fromstring((site / url / "index.html").read_bytes())


def resolve(url: str, href: str) -> str:
    """A link as the browser reads it, site-relative."""
    return os.path.normpath(os.path.join("/" + url, href)).lstrip("/") + ("/" if href.endswith("/") else "")


def texts(elements) -> list[str]:
    return [" ".join(e.text_content().split()) for e in elements]


def test_every_node_of_the_map_links_to_its_company(built):
    page = parse(built, "map/")
    nodes = page.xpath("//svg//a[contains(@class, 'node')]")
    links = {resolve("map/", node.get("href")): node.xpath(".//text")[0].text_content() for node in nodes}
    assert set(links) == {f"companies/{slug}/" for slug in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")}
    assert links["companies/alpha/"] == "Alpha" and links["companies/zeta/"] == "Zeta"
    assert links["companies/epsilon/"] == "Epsilon <script>alert(1)</s…"  # shown as text, shortened
    full = page.xpath("//svg//a[contains(@href, 'epsilon')]/title")[0].text_content()
    assert full == 'Epsilon <script>alert(1)</script> & "Co"'
    assert not page.xpath("//script[contains(., 'alert')]")


def test_every_edge_type_has_its_class_and_legend_entry(built):
    page = parse(built, "map/")
    lines = page.xpath("//svg//g[@class='edges']/line")
    assert len(lines) == 9
    types = {"partner", "manufacturing", "supplier", "investor", "subsidiary", "competitor"}
    for kind in types:
        assert page.xpath(f"//svg//line[contains(concat(' ', @class, ' '), ' edge {kind} ')]"), kind
    legend = texts(page.xpath("//ul[@class='legend']/li"))
    assert [item.split(":")[0] for item in legend[:6]] == ["Partner", "Manufacturing", "Supplier", "Investor", "Subsidiary", "Competitor"]
    assert legend[6:] == ["Confirmed: solid line", "Reported: dashed line", "Rumor: dotted line"]
    assert len(page.xpath("//g[@class='edges']/line[contains(@class, 'confidence-rumor')]")) == 1
    high = page.xpath("//line[contains(@class, 'threat-high')]")[0]
    low = page.xpath("//line[contains(@class, 'threat-low')]")[0]
    assert float(high.get("stroke-width")) > float(low.get("stroke-width"))
    rows = page.xpath("//table[@class='relations-table']/tbody/tr")
    assert len(rows) == 9
    cells = [texts(row.xpath("th|td")) for row in rows]
    assert ["Alpha", "Manufactured by", "Beta", "reported", "—"] in cells
    assert ["Alpha", "Competes with", "Gamma", "reported", "high threat to Gamma, near-term"] in cells


def test_a_threat_reads_to_on_one_page_and_from_on_the_other(built):
    alpha = " ".join(texts(parse(built, "companies/alpha/").xpath("//section[@id='relations']//li")))
    gamma = " ".join(texts(parse(built, "companies/gamma/").xpath("//section[@id='relations']//li")))
    assert "threat to Gamma: high" in alpha
    assert "threat from Alpha: high" in gamma
    assert "threat to Alpha" not in gamma and "threat from Gamma" not in alpha
    assert "threat to Epsilon" in alpha and "unclear" in alpha  # a competitor edge with no threat


def test_company_page_has_its_small_map_with_wording_from_its_side(built):
    for url, expected in [
        ("companies/alpha/", {"Beta": "Manufactured by", "Gamma": "Competes with · high threat to Gamma", "Zeta": "Backed by"}),
        ("companies/beta/", {"Alpha": "Manufactures for", "Gamma": "Competes with · medium threat to Gamma", "Delta": "Supplied by"}),
        ("companies/gamma/", {"Alpha": "Competes with · high threat from Alpha", "Zeta": "Subsidiary of", "Delta": "Partner of"}),
    ]:
        page = parse(built, url)
        svg = page.xpath("//figure[contains(@class, 'local-map')]/svg")[0]
        labels = [t.text_content() for t in svg.xpath(".//text[@class='spoke-label']")]
        names = [a.xpath(".//text")[0].text_content() for a in svg.xpath(".//a")]
        shown = dict(zip(names, labels))
        for name, wording in expected.items():
            assert shown[name] == wording, (url, shown)
        for a in svg.xpath(".//a"):
            assert resolve(url, a.get("href")).startswith("companies/")


def test_a_table_of_contents_from_three_headings(built):
    alpha = parse(built, "companies/alpha/")
    assert texts(alpha.xpath("//nav[contains(@class, 'toc')]//li")) == ["One", "Two", "Three"]
    assert [a.get("href") for a in alpha.xpath("//nav[contains(@class, 'toc')]//a")] == ["#one", "#two", "#three"]
    assert not parse(built, "companies/beta/").xpath("//nav[contains(@class, 'toc')]")


def test_strengths_and_weaknesses_with_sources_and_confidence(built):
    page = parse(built, "companies/alpha/")
    strengths = page.xpath("//section[@id='strengths']//li")
    assert texts(strengths) == ["Brand loyalty <b>and</b> retail reach Confidence: reported",
                                "Engineering support from Beta Confidence: confirmed Source: Wire"]
    assert texts(page.xpath("//section[@id='weaknesses']//li")) == ["No car-making experience Confidence: reported"]
    sources = parse(built, "sources/")
    assert "Alpha: Engineering support from Beta" in " ".join(texts(sources.xpath("//li[@id='wire']//li")))


def test_the_matrix_orders_threats_highest_first_in_words(built):
    page = parse(built, "matrix/")
    items = texts(page.xpath("//ol[@class='threat-list']/li/p[@class='threat-head']"))
    assert items == [
        "high Alpha threatens Gamma near-term",
        "medium Beta threatens Gamma long-term",
        "low Alpha threatens Delta",
        'unclear Alpha threatens Epsilon <script>alert(1)</script> & "Co"',
    ]
    rows = texts(page.xpath("//table[@class='matrix']/tbody/tr/th"))
    columns = texts(page.xpath("//table[@class='matrix']/thead/tr/th"))
    assert rows == ["Alpha", "Beta"]
    assert columns[:2] == ["Gamma", "Delta"]
    cells = [texts(row.xpath("td")) for row in page.xpath("//table[@class='matrix']/tbody/tr")]
    assert cells[0][:2] == ["high near-term", "low"]
    assert cells[1][:2] == ["medium long-term", ""]
    link = page.xpath("//table[@class='matrix']//td/a")[0]
    assert resolve("matrix/", link.get("href").split("#")[0]) == "companies/alpha/"


def test_the_landscape_has_its_axes_points_and_the_unplaced(built):
    page = parse(built, "landscape/")
    svg_text = texts(page.xpath("//svg//text"))
    for words in ["Price position", "Technology focus", "← Mass market", "Premium →", "← Conventional", "Tech-forward →"]:
        assert words in svg_text
    points = {a.xpath(".//text")[0].text_content(): a for a in page.xpath("//svg//a")}
    assert set(points) == {"Alpha", "Beta", "Delta"}
    circle = {name: (float(a.xpath(".//circle")[0].get("cx")), float(a.xpath(".//circle")[0].get("cy"))) for name, a in points.items()}
    assert circle["Alpha"][0] < circle["Beta"][0] and circle["Alpha"][1] < circle["Beta"][1]  # up is high
    unplaced = texts(page.xpath("//ul[contains(@class, 'unplaced')]/li"))
    assert unplaced[0].startswith("Epsilon") and unplaced[1:] == ["Gamma", "Zeta"]


def test_the_comparison_table_shows_the_highest_threat_posed_and_faced(built):
    page = parse(built, "companies/")
    heads = texts(page.xpath("//table[contains(@class, 'sortable')]/thead//th"))
    assert "Highest threat posed" in heads and "Highest threat faced" in heads
    rows = {texts(r.xpath("th"))[0]: texts(r.xpath("td")) for r in page.xpath("//table/tbody/tr")}
    posed, faced = heads.index("Highest threat posed") - 1, heads.index("Highest threat faced") - 1
    assert rows["Alpha"][posed] == "high to Gamma" and rows["Alpha"][faced] == "—"
    assert rows["Gamma"][faced] == "high from Alpha" and rows["Delta"][faced] == "low from Alpha"
    assert list(rows)[:2] == ["Alpha", "Beta"]  # title order without the script
    assert page.xpath("//script[@src]")[0].get("src").endswith("static/sort.js")


def test_the_home_page_is_a_dashboard(built):
    page = parse(built, "")
    headings = texts(page.xpath("//main//h2"))
    assert headings.index("Who is tied to whom") < headings.index("Highest threats") < headings.index("Companies")
    assert len(page.xpath("//figure[@id='home-map']//svg//a")) == 6
    assert texts(page.xpath("//section[contains(@class, 'dashboard-threats')]//li"))[0] == "high Alpha threatens Gamma near-term"


@pytest.mark.parametrize("front, message", [
    ("landscape: {x: 1.5, y: 0.5}", "landscape.x: must be a number from 0 to 1, e.g. 0.25, got '1.5'"),
    ("landscape: {x: abc, y: 0.5}", "landscape.x: must be a number from 0 to 1, e.g. 0.25, got 'abc'"),
    ("landscape: {x: 0.5}", "landscape: missing required key 'y'"),
    ("landscape: [0.5, 0.5]", "landscape: must be a mapping {x: 0.25, y: 0.8}, each a number from 0 to 1; got a list"),
    ("strengths: [[a, b]]", "strengths[0]: must be text or a mapping of text, source, confidence, got a list"),
    ("strengths: [{text: A, confidence: sure}]", "strengths[0].confidence: 'sure' is not valid; use one of: rumor, reported, confirmed"),
    ("weaknesses: [{txt: A}]", "weaknesses[0].txt: unknown key 'txt' (did you mean 'text'?); valid keys: text, source, confidence"),
    ("weaknesses: [{text: A, source: nope}]", "weaknesses[0].source: unknown source 'nope'; add it to sources.yml"),
    ("relations: [{to: beta, type: competitor, threat: extreme}]", "relations[0].threat: 'extreme' is not valid; use one of: high, medium, low, unclear"),
])
def test_bad_intelligence_fields_are_errors_with_their_line(tmp_path, front, message):
    content = write_site(tmp_path, {"companies/alpha.md": brief("Alpha", front), "companies/beta.md": brief("Beta", "relations: [{to: alpha, type: partner}]")}, SITE)
    result = build(content, tmp_path / "site")
    assert result.returncode == 1
    assert any(line.endswith(message) and "alpha.md:5: " in line for line in error_lines(result.stderr)), result.stderr
    assert not (tmp_path / "site").exists()


def test_a_landscape_position_needs_the_site_s_axes(tmp_path):
    content = write_site(tmp_path, {"companies/alpha.md": brief("Alpha", "landscape: {x: 0.5, y: 0.5}")})
    result = build(content, tmp_path / "site")
    assert result.returncode == 1
    assert any("alpha.md:5: landscape: the site has no landscape map" in line for line in error_lines(result.stderr)), result.stderr


def test_a_site_without_axes_has_no_landscape_page(tmp_path):
    content = write_site(tmp_path, {"companies/alpha.md": brief("Alpha")})
    assert build(content, tmp_path / "site").returncode == 0
    assert not (tmp_path / "site" / "landscape").exists()
    assert (tmp_path / "site" / "map" / "index.html").exists() and (tmp_path / "site" / "matrix" / "index.html").exists()
    assert "landscape/" not in (tmp_path / "site" / "index.html").read_text()


def generated(count: int, seed: int = 3) -> dict[str, str]:
    """`count` companies with random relations of every type, some long and wide-character titles."""
    rng = random.Random(seed)
    names = [f"Company {i:03d}" + (" Holdings International Group" if i % 7 == 0 else "") + (" 汽车" if i % 11 == 0 else "") for i in range(count)]
    files = {}
    for i, name in enumerate(names):
        relations = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            j = rng.randrange(count)
            if j != i:
                kind = rng.choice(["partner", "manufacturing", "supplier", "investor", "subsidiary", "competitor"])
                threat = f"\n    threat: {rng.choice(['low', 'medium', 'high', 'unclear'])}" if kind == "competitor" else ""
                relations.append(f"  - to: c{j:03d}\n    type: {kind}{threat}")
        front = ("relations:\n" + "\n".join(relations)) if relations else ""
        files[f"companies/c{i:03d}.md"] = brief(name, front)
    return files


@pytest.mark.slow
def test_the_map_of_a_large_site_draws_300_without_overlapping_labels_and_builds_the_same_twice(tmp_path, browser):
    content = write_site(tmp_path, generated(330), "title: Big\nbase_url: https://example.org/big/\n")
    outputs = [tmp_path / "one", tmp_path / "two"]
    for output in outputs:
        result = build(content, output, timeout=300)
        assert result.returncode == 0, result.stderr
    comparison = filecmp.dircmp(outputs[0], outputs[1])
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    for sub in ("map", "matrix", "companies"):
        assert filecmp.cmp(outputs[0] / sub / "index.html", outputs[1] / sub / "index.html", shallow=False)
    page = parse(outputs[0], "map/")
    assert len(page.xpath("//svg//a[contains(@class, 'node')]")) == 300
    assert "The map draws the 300 most connected of 330 companies; 30 are left out." in " ".join(texts(page.xpath("//p[@class='note']")))
    matrix = parse(outputs[0], "matrix/")
    assert len(matrix.xpath("//table[@class='matrix']/tbody/tr")) <= 40
    assert len(matrix.xpath("//table[@class='matrix']/thead/tr/th")) <= 40
    view = browser.new_page(viewport={"width": 1280, "height": 900})
    view.goto((outputs[0] / "map" / "index.html").as_uri())
    boxes = view.evaluate("""() => Array.from(document.querySelectorAll('#map svg .node')).map(a => {
        const t = a.querySelector('text').getBBox(), c = a.querySelector('circle').getBBox();
        return [Math.min(t.x, c.x), Math.min(t.y, c.y), Math.max(t.x + t.width, c.x + c.width), Math.max(t.y + t.height, c.y + c.height)];
    })""")
    assert len(boxes) == 300
    boxes.sort()
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        for a0, b0, a1, b1 in boxes[i + 1:]:
            if a0 >= x1:
                break
            assert b0 >= y1 or y0 >= b1, ((x0, y0, x1, y1), (a0, b0, a1, b1))


@pytest.mark.slow
def test_the_comparison_table_sorts_by_a_column_in_the_browser(built, browser):
    page = browser.new_page()
    page.goto((built / "companies" / "index.html").as_uri())
    names = lambda: page.eval_on_selector_all("table.sortable tbody th", "cells => cells.map(c => c.textContent.trim())")
    assert names()[:3] == ["Alpha", "Beta", "Delta"]
    page.get_by_role("button", name="Highest threat faced").click()
    faced = names()
    assert faced[:3] == ["Gamma", "Delta", "Epsilon <script>alert(1)</script> & \"Co\""]  # high, low, unclear
    assert page.get_attribute("th:has(button:text('Highest threat faced'))", "aria-sort") == "ascending"
    page.get_by_role("button", name="Highest threat faced").click()
    assert names()[-1] == "Gamma" and names()[0] in ("Alpha", "Beta", "Zeta")  # descending: none faced first
    page.get_by_role("button", name="Company").click()
    assert names() == sorted(names(), key=str.casefold)


def test_the_map_is_laid_out_again_only_when_what_it_draws_changed(workspace, monkeypatch):
    from briefing import diagrams, layout
    from briefing.builder import Builder, BuildOptions

    layouts = []
    monkeypatch.setattr(diagrams, "spread_network", lambda sizes, links: layouts.append(len(sizes)) or layout.spread_network(sizes, links))
    diagrams.spread.cache_clear()
    builder = Builder(BuildOptions(Path("content"), Path("templates"), Path("site")))
    assert builder.build().ok
    assert layouts == [7]  # the map, and the home page's, which draws the same 7 companies
    xiaomi = workspace / "content" / "companies" / "xiaomi.md"
    xiaomi.write_text(xiaomi.read_text("utf-8").replace("summary: >-\n", "summary: >-\n  Edited.\n", 1), "utf-8")
    result = builder.build()
    assert result.ok and result.rendered > 1 and layouts == [7]  # a new summary: the same layout
    xiaomi.write_text(xiaomi.read_text("utf-8").replace("relations:\n", "relations:\n  - to: baidu\n    type: partner\n", 1), "utf-8")
    assert builder.build().ok
    assert layouts == [7, 7]  # a new relation: laid out again


def test_relations_both_ways_are_drawn_apart_and_a_long_title_clears_its_lines(tmp_path):
    from briefing.layout import text_width

    content = write_site(tmp_path, {
        "companies/a.md": brief("A long company title, Holdings", "relations: [{to: b, type: competitor, threat: high}]"),
        "companies/b.md": brief("B", "relations: [{to: a, type: competitor, threat: low}, {to: c, type: partner}]"),
        "companies/c.md": brief("C", "relations: [{to: a, type: partner}]"),
    })
    assert build(content, tmp_path / "site").returncode == 0
    lines = parse(tmp_path / "site", "map/").xpath("//g[@class='edges']/line[contains(@class, 'competitor')]")
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = [[float(line.get(k)) for k in ("x1", "y1", "x2", "y2")] for line in lines]
    middle = ((bx1 + bx2) / 2, (by1 + by2) / 2)  # its distance from the other line's track
    apart = abs((ax2 - ax1) * (ay1 - middle[1]) - (ax1 - middle[0]) * (ay2 - ay1)) / math.hypot(ax2 - ax1, ay2 - ay1)
    assert apart > 3  # A's threat to B and B's to A, side by side
    page = parse(tmp_path / "site", "companies/a/")
    path = page.xpath("//path[contains(@class, 'spoke')]")[0].get("d")
    x, trunk = float(path[1:].split(",")[0]), float(path.split("H")[1].split()[0])
    title = page.xpath("//g[@class='centre']/text")[0].text_content()
    assert trunk > x + text_width(title, 13) / 2
