"""Links with scripting schemes, judged as the browser reads them (issue 15, item 1).

A browser decodes character references in an attribute (`javascript&#58;`,
`&#106;avascript:`, `java&#x09;script:`) and its URL parser drops tabs and
newlines anywhere, and controls and spaces at the ends, before it looks for a
scheme. Briefing judges the same address: in every body (briefs, `index.md`,
term pages) such a link is an error at `path:line` and nothing is written; no
front-matter or site.yml field puts one in an attribute.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import REPO, error_lines, run_build
from markdown.util import AMP_SUBSTITUTE

from briefing.markup import BodyConverter, Names, UnsafeLink, is_safe_address
from briefing.problems import printable

ALLOWED = (None, "http", "https", "mailto", "tel")  # None: no scheme, a relative address
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "data", "background", "cite")
MESSAGE = "is not allowed; use an http(s), mailto or relative address"


# the judgement


def obfuscations(scheme: str) -> list[str]:
    """`scheme:` written in ways a browser still follows as that scheme."""
    head, tail = scheme[:3], scheme[3:]
    return [
        f"{scheme}:",
        f"{scheme.upper()}:",
        f"{head.upper()}{tail}:",
        f"{scheme}&#58;",
        f"{scheme}&#0000058;",
        f"{scheme}&#58",
        f"{scheme}&#x3a;",
        f"{scheme}&#X3A;",
        f"{scheme}&#x00003A;",
        f"{scheme}&#x3A//",  # not followed by a hex digit, or that would be part of the number
        f"{scheme}&colon;",
        f"&#{ord(scheme[0])};{scheme[1:]}:",
        f"&#x{ord(scheme[0].upper()):X};{scheme[1:]}:",
        "".join(f"&#x{ord(c):x};" for c in scheme + ":"),
        f"{head}&#x09;{tail}:",
        f"{head}&#9;{tail}:",
        f"{head}&Tab;{tail}:",
        f"{head}&NewLine;{tail}:",
        f"{head}&#13;{tail}&#10;:",
        f"{head}\t{tail}:",
        f"{head}\n{tail}:",
        f"{head}\r{tail}:",
        f"{head}\x00{tail}:",
        f"{head}\x01{tail}\x1f:",
        f"{head}\x0b\x0c{tail}:",
        f"  {scheme}:",
        f"\x00\x1f {scheme}:",
        f"&#32;&#x1;{scheme}:",
        f"&#x20;&#x0A;{scheme}:",
        f"&#{ord(scheme[0].upper())}{head[1:]}&#x09;{tail.upper()}&colon;",
        f"{scheme}&\x0235\x0358;",  # `&\#58;` as the tree holds it: Python-Markdown turns the placeholder into '#' later
    ]


PAYLOADS = {
    "javascript": "alert(document.domain)",
    "vbscript": "msgbox(1)",
    "data": "text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
}
UNSAFE = [written + rest for scheme, rest in PAYLOADS.items() for written in obfuscations(scheme)]


@pytest.mark.parametrize("address", UNSAFE, ids=[repr(a)[:50] for a in UNSAFE])
def test_obfuscated_scripting_schemes_are_unsafe(address):
    assert not is_safe_address(address)


SAFE = [
    "https://example.org/",
    "HTTPS://example.org/a?b=javascript:x",
    "http&#58;//example.org/",
    "mailto:ir@nio.com",
    "MailTo&#58;ir@nio.com",
    "tel:+86-10-1234",
    "../other/",
    "./javascript:x",
    "javascript-notes/",
    "?q=javascript:x",
    "#section",
    "#javascript:x",
    "/abs/path",
    "page.html",
    "",
    "//example.org/",
    "@site/companies/nio/",  # a wikilink or autolink
    "@site/companies/nio/#brand-positioning",
    "javascript&amp;#58;x",  # decoded once, as the browser does: 'javascript&#58;x' is a relative path
    "javascript\x7f:x",  # DEL is not a C0 control, and not a scheme character
    "".join(f"{AMP_SUBSTITUTE}#{ord(c)};" for c in "mailto:ir@nio.com"),  # <ir@nio.com> as Python-Markdown encodes it
]


@pytest.mark.parametrize("address", SAFE, ids=[repr(a)[:50] for a in SAFE])
def test_ordinary_addresses_are_safe(address):
    assert is_safe_address(address)


# in a body: (Markdown, the address the error shows, the line of the address counted from the snippet's first)
SNIPPETS = [
    ("[a](javascript&#58;alert(document.domain))", "javascript&#58;alert(document.domain)", 0),
    ("[b](&#106;avascript:alert(1))", "&#106;avascript:alert(1)", 0),
    ("[c](java&#x09;script:alert(1))", "java&#x09;script:alert(1)", 0),
    ("[d](JaVaScRiPt&colon;alert(1))", "JaVaScRiPt&colon;alert(1)", 0),
    ("[e](javascript&#0000058alert(1))", "javascript&#0000058alert(1)", 0),
    ("[f](&#x20;&#x0A;javascript:alert(1))", "&#x20;&#x0A;javascript:alert(1)", 0),
    ("[g](javascript&\\#58;alert(1))", "javascript&\\#58;alert(1)", 0),
    ("[h](java\tscript:alert(1))", "java    script:alert(1)", 0),  # Python-Markdown expands the tab
    ("[i](java\x01script:alert(1))", "java\x01script:alert(1)", 0),  # escaped where it is shown (Problem.format)
    ("[j](vbscript&#x3A;msgbox(1))", "vbscript&#x3A;msgbox(1)", 0),
    ("![k](data&#58;image/svg+xml;base64,PHN2Zz4=)", "data&#58;image/svg+xml;base64,PHN2Zz4=", 0),
    ("[l][ref]\n\n[ref]: javascript&#58;alert(1)", "javascript&#58;alert(1)", 2),
    ("[m](`javascript:alert(13)`)", "javascript:alert(13)", 0),
]


@pytest.fixture(scope="module")
def converter():
    return BodyConverter(Names.build({"nio": ("Nio",)}, {"nio": "Nio"}))


@pytest.mark.parametrize("markdown, address, offset", SNIPPETS, ids=[s[0][:40] for s in SNIPPETS])
def test_a_script_link_in_a_body_is_disabled_and_reported_at_its_line(converter, markdown, address, offset):
    body = converter.convert(f"Intro\n\n{markdown}\n", first_line=10)
    assert body.unsafe_links == (UnsafeLink(address, 12 + offset),)
    assert unsafe_attributes(body.html) == []


def test_ordinary_links_and_text_are_kept(converter):
    body = converter.convert("<javascript&#58;alert(1)> <ir@nio.com> [[nio]] [n](https://nio.com) [o](../x/) [p](#a)\n")
    assert body.unsafe_links == ()
    assert unsafe_attributes(body.html) == []
    assert body.html.count("<a ") == 5  # the first is text: Python-Markdown autolinks only http(s) and ftp


# the output, as a browser reads it


class Elements(HTMLParser):
    """A document's start tags, with attribute values decoded as a browser decodes them, and its scripts."""

    def __init__(self, document: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.scripts: list[tuple[str, str]] = []  # (attributes, text)
        self.in_script = False
        self.feed(document)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "script":
            self.scripts.append((repr(attrs), ""))
            self.in_script = True

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1] = (self.scripts[-1][0], self.scripts[-1][1] + data)


def scheme_of(value: str) -> str | None:
    """The scheme a browser follows. The parser has decoded the references once, as the browser does; decoding again
    can only make the check stricter."""
    squeezed = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", squeezed)
    return match.group(1) if match else None


def unsafe_attributes(document: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every event handler and every address with a scheme not in ALLOWED."""
    bad = []
    for tag, attrs in Elements(document).tags:
        for name, value in attrs:
            value = value or ""
            addresses = [c.split()[0] for c in value.split(",") if c.strip()] if name == "srcset" else [value]
            if name.startswith("on") or (name in URL_ATTRIBUTES and any(scheme_of(a) not in ALLOWED for a in addresses)):
                bad.append((tag, name, value))
    return bad


def test_the_scan_finds_what_it_looks_for():
    page = (
        '<a href="javascript&#58;alert(1)">a</a><img src="&#x20;JaVa&Tab;script:x"><a href="https://ok/">b</a>'
        '<div onmouseover="x">c</div><form action="vbscript:x"></form><img srcset="a.png 1x, data:x 2x"/>'
        '<script src="s.js"></script><script>alert(1)</script>'
    )
    found = [(tag, name) for tag, name, _ in unsafe_attributes(page)]
    assert found == [("a", "href"), ("img", "src"), ("div", "onmouseover"), ("form", "action"), ("img", "srcset")]
    assert Elements(page).scripts == [("[('src', 's.js')]", ""), ("[]", "alert(1)")]


# the real build.py on a copy of the sample site


def env() -> dict:
    values = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_BASE_URL", "SOURCE_DATE_EPOCH")}
    values["SOURCE_DATE_EPOCH"] = "1622505600"
    return values


def sample(root: Path) -> Path:
    shutil.copytree(REPO / "content", root / "content")
    return root / "content"


def test_script_links_in_every_body_are_errors_at_their_lines_and_nothing_is_written(tmp_path):
    content = sample(tmp_path)
    expected = []
    for name in ("companies/nio.md", "index.md", "positioning/luxury.md"):
        path = content / name
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
        for markdown, address, offset in SNIPPETS:
            text += "\n"
            line = text.count("\n") + 1 + offset
            text += markdown + "\n"
            expected.append(printable(f"content/{name}:{line}: link '{address}' {MESSAGE}"))  # as Problem.format shows it
        path.write_text(text, encoding="utf-8")

    checked = run_build("check", "--content", "content", cwd=tmp_path, env=env())
    built = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", "site", cwd=tmp_path, env=env())
    for result in (checked, built):
        assert "Traceback" not in result.stdout + result.stderr
        assert result.returncode == 1, result.stdout + result.stderr
        assert sorted(error_lines(result.stderr)) == sorted(expected), result.stderr
    assert not (tmp_path / "site").exists()


# every text field of the front-matter and site.yml

PIECES = [
    "javascript&#58;alert(1)", "&#106;avascript:alert(2)", "java&#x09;script:alert(3)", "javascript:alert(4)",
    "data:text/html,x", "vbscript:msgbox(5)", "<script>alert(6)</script>", '"onmouseover="alert(7)',
    "'onmouseover='alert(8)", "</title><script>alert(9)</script>", "<img src=x onerror=alert(10)>",
    '<a href="javascript:alert(11)">x</a>', "]]><script>alert(12)</script>", "{{ 7 * 7 }}",
]
MARKUP = " ".join(PIECES)
ADDRESSES = [  # what `url` fields accept that a careless template could still break out of
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/'onmouseover='alert(2)",
    "https://example.org/<script>alert(3)</script>",
    "https://example.org/&#34;onmouseover=alert(4)",
    "https://javascript:alert(5)@example.org/",
]


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


def put_markup_everywhere(content: Path) -> None:
    """MARKUP (or one of ADDRESSES) in every text field of site.yml, nio.md, sources.yml, index.md and a term page."""
    m = quoted(MARKUP)
    terms = ", ".join(quoted(piece) for piece in PIECES)  # one URL each: the whole of MARKUP makes too long a one
    (content / "site.yml").write_text(
        f"title: {m}\nbase_url: https://example.github.io/ev-briefing/\ndescription: {m}\n"
        "language: en\ntaxonomies: [partnerships, positioning, threats]\ncname: briefing.example.org\n"
        f"landscape:\n  x: {{label: {m}, low: {m}, high: {m}}}\n  y: {{label: {m}, low: {m}, high: {m}}}\n",
        encoding="utf-8",
    )
    sources = content / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8") + "".join(
        f"\nmarkup-{i}:\n  title: {m}\n  publisher: {m}\n  date: \"2021-03\"\n  url: {quoted(address)}\n"
        for i, address in enumerate(ADDRESSES)
    ), encoding="utf-8")
    nio = content / "companies" / "nio.md"
    body = nio.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    cites = " ".join(f"[@markup-{i}]" for i in range(len(ADDRESSES)))
    nio.write_text(f"""---
title: {m}
summary: {m}
updated: 2021-03-26
aliases: [{m}]
website: {quoted(ADDRESSES[0])}
headquarters: {m}
listing: {m}
partnerships: [{terms}]
positioning: [Luxury, {terms}]
threats: [{terms}]
relations:
  - to: xpeng
    type: competitor
    threat: high
    note: {m}
    source: markup-1
events:
  - date: 2021-03
    title: {m}
    source: markup-2
people:
  - name: {m}
    role: {m}
strengths:
  - {m}
  - text: {m}
    source: markup-3
weaknesses: [{m}]
landscape: {{x: 0.5, y: 0.5}}
---
{body}
Cited: {cites}
""", encoding="utf-8")
    for name in ("index.md", "positioning/luxury.md"):
        path = content / name
        text = re.sub(r"^title: .*$", lambda _: f"title: {m}", path.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
        path.write_text(text, encoding="utf-8")


def build_pages(root: Path) -> dict[str, str]:
    """Every HTML and XML file that the real build.py writes for root/content, by its path in the output."""
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", "site", cwd=root, env=env())
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*")) if p.suffix in (".html", ".xml")}


def test_markup_in_every_field_reaches_no_attribute_and_no_script(tmp_path):
    sample(tmp_path / "plain")
    plain = build_pages(tmp_path / "plain")
    put_markup_everywhere(sample(tmp_path / "marked"))
    marked = build_pages(tmp_path / "marked")

    shown = [name for name, page in marked.items() if "alert(12)" in html.unescape(page)]
    assert {"index.html", "companies/nio/index.html", "positioning/luxury/index.html", "sources/index.html", "feed.xml",
            "map/index.html", "matrix/index.html", "landscape/index.html", "companies/xpeng/index.html"} <= set(shown)
    templates_scripts = {script for page in plain.values() for script in Elements(page).scripts}
    for name, page in marked.items():
        assert unsafe_attributes(page) == [], name
        assert set(Elements(page).scripts) <= templates_scripts, name
