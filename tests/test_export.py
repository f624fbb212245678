"""/data/: companies.json, relations.csv and events.csv, built with the real build.py, parsed and compared with the content."""

from __future__ import annotations

import csv
import io
import json

import pytest
from helpers import REPO, brief, run_build, write_site

SITE = "title: Export test\nbase_url: https://example.org/sub/\ntaxonomies: [positioning]\n" + """\
landscape:
  x: {label: Price, low: Cheap, high: Dear}
  y: {label: Tech, low: Old, high: New}
"""
FILES = {
    "companies/alpha.md": brief('"=SUM(1,2)"', """
        aliases: [Alpha, "@alpha"]
        positioning: [Mass market]
        landscape: {x: 0.25, y: 0.8}
        strengths:
          - Retail reach
          - {text: "+Engineering from Beta", source: wire, confidence: confirmed}
        weaknesses: [No factory]
        relations:
          - to: beta
            type: manufacturing
            note: 'He said "yes", then left; -40% margin'
            source: wire
          - to: beta
            type: competitor
            threat: high
            horizon: near-term
            confidence: rumor
        events:
          - {date: 2021-03, title: "=HYPERLINK(\\"http://x\\")", source: wire}
          - {date: 2021-04-02, title: Škoda-style launch, confidence: confirmed}
        """, "Alpha.\n", updated="2021-05-01"),
    "companies/beta.md": brief("Beta", "", "Beta, see [[alpha]].\n", updated="2020-01-01"),
    "sources.yml": "wire: {title: Wire report}\n",
}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    content = write_site(root, FILES, SITE)
    result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(root / "out"),
                       cwd=root, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1622505600"})
    assert result.returncode == 0, result.stderr
    return root / "out"


def read_csv(path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_companies_json_holds_every_company_as_written(data):
    companies = json.loads((data / "data" / "companies.json").read_text("utf-8"))
    assert [c["slug"] for c in companies] == ["alpha", "beta"]  # title order: '=' sorts before 'B'
    alpha = companies[0]
    assert alpha["title"] == "=SUM(1,2)"  # as written: the guard is for spreadsheets, in the CSV only
    assert alpha["url"] == "https://example.org/sub/companies/alpha/"
    assert (alpha["summary"], alpha["updated"], alpha["stale"]) == ('About "=SUM(1,2)".', "2021-05-01", False)
    assert alpha["aliases"] == ["Alpha", "@alpha"] and alpha["terms"] == {"positioning": ["Mass market"]}
    assert alpha["relations"] == [
        {"to": "beta", "type": "manufacturing", "confidence": "reported", "threat": None, "horizon": None,
         "note": 'He said "yes", then left; -40% margin', "source": "wire"},
        {"to": "beta", "type": "competitor", "confidence": "rumor", "threat": "high", "horizon": "near-term", "note": None, "source": None},
    ]
    assert alpha["events"] == [
        {"date": "2021-03", "title": '=HYPERLINK("http://x")', "confidence": "reported", "source": "wire"},
        {"date": "2021-04-02", "title": "Škoda-style launch", "confidence": "confirmed", "source": None},
    ]
    assert alpha["strengths"] == [{"text": "Retail reach", "confidence": "reported", "source": None},
                                  {"text": "+Engineering from Beta", "confidence": "confirmed", "source": "wire"}]
    assert alpha["weaknesses"] == [{"text": "No factory", "confidence": "reported", "source": None}]
    assert alpha["landscape"] == {"x": 0.25, "y": 0.8}
    beta = companies[1]
    assert (beta["relations"], beta["events"], beta["landscape"], beta["stale"]) == ([], [], None, True)  # relations only as its brief writes them


def test_csv_files_open_cleanly_in_a_spreadsheet(data):
    raw, rows = read_csv(data / "data" / "relations.csv")
    assert raw.startswith("\ufeff".encode()) and raw.count(b"\r\n") == raw.count(b"\n")  # UTF-8 with BOM, CRLF line ends
    assert rows == [
        ["from", "to", "type", "from_label", "to_label", "confidence", "threat", "horizon", "source", "note"],
        ["alpha", "beta", "manufacturing", "Manufactured by", "Manufactures for", "reported", "", "", "wire", 'He said "yes", then left; -40% margin'],
        ["alpha", "beta", "competitor", "Competes with", "Competes with", "rumor", "high", "near-term", "", ""],
    ]
    assert b'"He said ""yes"", then left; -40% margin"' in raw  # RFC 4180 quoting
    raw, rows = read_csv(data / "data" / "events.csv")
    assert rows == [
        ["date", "company", "title", "confidence", "source"],
        ["2021-04-02", "alpha", "Škoda-style launch", "confirmed", ""],
        ["2021-03", "alpha", "'=HYPERLINK(\"http://x\")", "reported", "wire"],  # a formula is text in a spreadsheet
    ]


def test_home_links_the_data(data):
    home = (data / "index.html").read_text("utf-8")
    for name in ("companies.json", "relations.csv", "events.csv"):
        assert f'href="data/{name}"' in home
    assert "data/" not in (data / "sitemap.xml").read_text("utf-8")
