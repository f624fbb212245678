"""The briefing pack (/pack/): every brief in title order, in volumes of 200 that link each other, with a table of
contents and the sources at the end; printed to PDF by Chromium, each brief starts a new page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from helpers import REPO, brief, built_paths, run_build, write_site

SOURCES = """\
wire: {title: A wire story, publisher: Wire}
paper: {title: A paper's report}
"""
COUNT = 401  # volumes of 200, 200 and 1


def title_of(number: int) -> str:
    """Titles in an order other than the file names': the pack follows the titles."""
    return f"Firm {(number * 37) % COUNT:03}"


def write_large(root: Path) -> Path:
    """A site of COUNT briefs built by build.py; each body has an 'Outlook' heading, a link to it and citations."""
    files = {f"companies/c{n:03}.md": brief(title_of(n), "", f"""
        ## Outlook

        Firm number {n} [@wire]; see [the outlook](#outlook) and [[c{(n + 1) % COUNT:03}]] [@paper].
        """) for n in range(COUNT)}
    files["companies/c000.md"] = brief("<b>Bold</b> & Co", "", "## Outlook\n\nMarkup [@wire].\n")
    files["sources.yml"] = SOURCES
    write_site(root, files)
    build_in(root, "site")
    return root


def build_in(root: Path, output: str) -> str:
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", output, cwd=root, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return write_large(tmp_path_factory.mktemp("pack"))


class Parsed(HTMLParser):
    """A volume's ids, in-page links, volume links, table of contents and briefs' titles."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.volumes: list[tuple[str, bool]] = []  # (href, is the current one)
        self.contents: list[str] = []  # the table of contents' targets
        self.titles: list[str] = []
        self.within: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "nav" or (tag == "h2" and "pack-brief-title" in (attributes.get("class") or "")):
            self.within.append(attributes.get("class") or "")
        href = attributes.get("href") or ""
        if tag == "a" and href.startswith("#"):
            self.fragments.append(href[1:])
        if tag == "a" and self.within and self.within[-1] == "pack-volumes":
            self.volumes.append((href, attributes.get("aria-current") == "page"))
        if tag == "a" and self.within and self.within[-1] == "pack-toc":
            self.contents.append(href[1:])

    def handle_endtag(self, tag):
        if tag in ("nav", "h2") and self.within and (tag == "nav") == (self.within[-1] != "pack-brief-title"):
            self.within.pop()

    def handle_data(self, data):
        if self.within and self.within[-1] == "pack-brief-title":
            self.titles.append(data)


def volume(root: Path, url: str) -> tuple[str, Parsed]:
    html = (root / "site" / url / "index.html").read_text("utf-8")
    return html, Parsed(html)


def test_volumes_of_200_hold_every_brief_once_in_title_order_and_link_each_other(large):
    assert sorted(p.name for p in (large / "site" / "pack").iterdir() if p.is_dir()) == ["2", "3"]
    titles = []
    for number, url in enumerate(["pack", "pack/2", "pack/3"], 1):
        html, parsed = volume(large, url)
        assert len(parsed.titles) == (200 if number < 3 else 1)
        titles += parsed.titles
        assert f"volume {number} of 3" in html
        assert [urljoin(f"/{url}/", href) for href, _ in parsed.volumes] == ["/pack/", "/pack/2/", "/pack/3/"]
        assert [current for _, current in parsed.volumes] == [n == number for n in (1, 2, 3)]
        assert parsed.contents[:-1] == [i for i in parsed.ids if i.startswith("brief-")] and parsed.contents[-1] == "pack-sources"
    assert titles == sorted(titles, key=str.casefold) and len(titles) == COUNT
    assert titles[0] == "<b>Bold</b> & Co"  # the parser unescaped it: the page holds it as text
    html, _ = volume(large, "pack")
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<b>Bold</b>" not in html


def test_ids_are_unique_and_every_link_within_a_volume_lands_on_one(large):
    html, parsed = volume(large, "pack/2")
    assert len(parsed.ids) == len(set(parsed.ids))
    assert set(parsed.fragments) <= set(parsed.ids)
    slug = re.search(r'id="brief-(c\d+)"', html)[1]
    for target in (f"{slug}/outlook", f"{slug}/source-wire", f"{slug}/source-paper", f"{slug}/sources"):
        assert target in parsed.ids and target in parsed.fragments, target
    assert f'<h3 id="{slug}/outlook">Outlook</h3>' in html  # a body's headings sit under its brief's title
    sources = html[html.index('id="pack-sources"'):]
    assert sources.count(">A wire story</a>") == 200 and "Wire" in sources


def test_an_edit_in_a_new_process_renders_its_page_and_its_volume_alone(tmp_path):
    write_large(tmp_path)
    edited = tmp_path / "content" / "companies" / "c150.md"  # Firm 337: in the second volume
    edited.write_text(edited.read_text("utf-8").replace("Firm number 150", "Firm number 150, edited"), "utf-8")
    assert "(2 rendered" in build_in(tmp_path, "site")
    assert "Firm number 150, edited" in (tmp_path / "site" / "pack" / "2" / "index.html").read_text("utf-8")
    build_in(tmp_path, "fresh")
    for path in built_paths(tmp_path / "fresh"):
        if path.is_file() and path.name != ".briefing-manifest.json":
            assert (tmp_path / "site" / path.relative_to(tmp_path / "fresh")).read_bytes() == path.read_bytes(), path


def test_a_site_without_briefs_has_no_pack(tmp_path):
    (write_site(tmp_path, {}) / "companies").mkdir()
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site" / "pack").exists()
    assert "pack/" not in (tmp_path / "site" / "index.html").read_text("utf-8")


def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is not installed; .ci/run must install poppler-utils")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    return found


def test_printed_each_brief_starts_a_page_after_the_contents_and_the_sources_come_last(browser, tmp_path):
    reader = pdftotext()
    result = run_build("--content", str(REPO / "content"), "--templates", str(REPO / "templates"), "--output", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    page = browser.new_page()
    page.goto((tmp_path / "site" / "pack" / "index.html").as_uri())
    titles = page.eval_on_selector_all(".pack-brief-title", "titles => titles.map(t => t.textContent)")
    assert titles == ["Baidu", "Great Wall Motors", "Jidu Auto", "Li Auto", "Nio", "Xiaomi", "XPeng"]
    page.pdf(path=str(tmp_path / "pack.pdf"), format="A4")
    text = subprocess.run([reader, "-layout", str(tmp_path / "pack.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    pages = [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]
    assert "Contents" in pages[0] and "BRIEFING PACK" in pages[0]
    starts = [number for number, lines in enumerate(pages) if lines[0].startswith("COMPANY BRIEF")]
    assert [pages[number][1] for number in starts] == titles  # each on a page of its own, in order
    assert starts[0] == 1 and len(pages) > len(titles) + 1
    assert pages[-1][0] == "Sources" or any(lines[0] == "Sources" for lines in pages[starts[-1] + 1:])
    sources_page = next(number for number, lines in enumerate(pages) if lines[0] == "Sources")
    assert sources_page > starts[-1]
