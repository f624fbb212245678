"""Markdown bodies to HTML, returning the headings and references they contain.

Links between pages are written as `@site/<path>` and made relative to each
page when it is rendered, so one conversion serves every base path. Raw HTML
in a body is shown as text, and links with scripting schemes are disabled and
reported: content is never trusted to carry markup.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import xml.etree.ElementTree as etree
import zlib
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote

import markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from .slugs import slugify

SITE = "@site/"
BRIEFS_FOLDER = "companies"  # where briefs are, in the content folder: their relative links start from it
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
SKIP_AUTOLINK = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# ids the page templates use; a heading with the same text gets a suffix instead.
# The ids a company page gives its own parts (and their headings): a body heading's anchor never takes one.
PAGE_PARTS = ("summary", "facts", "strengths", "weaknesses", "relations", "terms", "events", "people", "sources", "referenced-by", "history")
HOME_PARTS = ("home-map", "home-map-title", "map-heading", "threats-heading", "events-heading", "changes-heading", "companies-heading", "browse-heading",
              *(f"home-map-arrow-{kind}" for kind in ("manufacturing", "supplier", "investor", "subsidiary", "competitor")))  # index.md's page
RESERVED_IDS = frozenset({"main", "top", *PAGE_PARTS, *(f"{part}-heading" for part in PAGE_PARTS), "toc-heading", "local-map-title", *HOME_PARTS})
WIKILINK = r"\[\[([^\]\[|#\n]+)(?:#([^\]\[|\n]+))?(?:\|([^\]\[\n]+))?\]\]"
CITATION = r"\[@([A-Za-z0-9][A-Za-z0-9_.-]*)((?:\s*;\s*@[A-Za-z0-9][A-Za-z0-9_.-]*)*)\]"
WORD = re.compile(r"\w+")
STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")  # markdown.util.HTML_PLACEHOLDER, as a pattern
NUMBERED_CITE = re.compile(r'<sup class="cite"><a href="#source-([^"]+)">\?</a></sup>')
# In a converted body, text never holds a raw "<" (it is escaped), so these match tags only.
HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
HEADING_ID = re.compile(r'(<h[1-6] id=")')
FRAGMENT_LINK = re.compile(r'(<a\b[^>]*?\shref=")#([^"]*)')


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class WikiLink:
    target: str
    anchor: str
    label: str
    line: int


@dataclass(frozen=True, slots=True)
class Citation:
    source_id: str
    line: int


@dataclass(frozen=True, slots=True)
class UnsafeLink:
    address: str
    line: int


@dataclass(frozen=True, slots=True)
class FileLink:
    """A brief's link or image to a file of the content folder, by a relative address."""

    path: str  # resolved against the brief's folder, relative to the content folder ('assets/plant.jpg'); '' if it leaves it
    address: str  # as written
    line: int


@dataclass(frozen=True, slots=True)
class RenderedBody:
    packed_html: bytes  # see pack_html
    headings: tuple[Heading, ...]
    wikilinks: tuple[WikiLink, ...]
    citations: tuple[Citation, ...]  # in order of first citation: the reference numbers
    autolinks: tuple[str, ...]  # slugs linked from plain-text mentions
    unsafe_links: tuple[UnsafeLink, ...]
    files: tuple[FileLink, ...] = ()  # relative links to files (content/assets/): the page links them from the site's root

    @property
    def html(self) -> str:
        return zlib.decompress(self.packed_html).decode("utf-8")


def pack_html(html: str) -> bytes:
    """A body's HTML as the site model holds it: compressed, a quarter of the size. Every body of a site is in
    memory from conversion to the end of the build; it is read once, to render its page."""
    return zlib.compress(html.encode("utf-8"), 1)


def as_section(body: RenderedBody, slug: str) -> str:
    """A company's body as its section of a longer document (the briefing pack): its headings one level down,
    their ids and the body's links to them and to its sources prefixed with `slug/` so that they stay unique,
    and its links to other parts of its company page sent to that page."""
    anchors = {heading.anchor for heading in body.headings}

    def fragment(m: re.Match) -> str:
        target = m[2]
        return f"{m[1]}#{slug}/{target}" if target in anchors or target.startswith("source-") else f"{m[1]}{SITE}companies/{slug}/#{target}"

    html = HEADING_ID.sub(lambda m: f"{m[1]}{slug}/", body.html)
    html = FRAGMENT_LINK.sub(fragment, html)
    return HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", html)


def markdown_extensions() -> list:
    """Python-Markdown's extensions, before Briefing's own."""
    return [TableExtension(), FencedCodeExtension(), SaneListExtension()]


@dataclass(frozen=True, slots=True)
class Names:
    """Company names for autolinking and wikilink labels, indexed by first word."""

    titles: dict[str, str] = field(hash=False)
    by_first_word: dict[str, tuple[tuple[str, str], ...]] = field(hash=False)

    @classmethod
    def build(cls, names: dict[str, tuple[str, ...]], titles: dict[str, str]) -> "Names":
        index: dict[str, list[tuple[str, str]]] = {}
        for slug, spellings in names.items():
            for name in spellings:
                first = re.match(r"\w+", name)
                if first:
                    index.setdefault(first.group(), []).append((name, slug))
        ordered = {word: tuple(sorted(c, key=lambda c: (-len(c[0]), c))) for word, c in index.items()}
        return cls(dict(titles), ordered)

    def changes_since(self, other: "Names") -> tuple[set[str], set[str]]:
        """The spellings that name another company (or none) than in `other`, and the slugs whose title changed."""
        pairs = {pair for spellings in self.by_first_word.values() for pair in spellings}
        other_pairs = {pair for spellings in other.by_first_word.values() for pair in spellings}
        retitled = {slug for slug in self.titles.keys() | other.titles.keys() if self.titles.get(slug) != other.titles.get(slug)}
        return {name for name, _ in pairs ^ other_pairs}, retitled

    def digest(self) -> str:
        """Stable across processes (unlike hash()): part of the cache key of every body converted with these names."""
        text = repr((sorted(self.titles.items()), sorted(self.by_first_word.items())))
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


class _Found:
    """What one conversion found; reset before each conversion."""

    def __init__(self) -> None:
        self.wikilinks: list[tuple[str, str, str, str]] = []  # target, anchor, label, raw
        self.citations: list[tuple[str, str]] = []  # id, raw
        self.headings: list[Heading] = []
        self.autolinks: list[str] = []
        self.unsafe: list[str] = []
        self.files: list[tuple[str, str]] = []  # resolved path, raw address


class WikiLinkPattern(InlineProcessor):
    def __init__(self, converter: "BodyConverter"):
        super().__init__(WIKILINK)
        self.converter = converter

    def handleMatch(self, m, data):
        target, anchor, label = (g.strip() if g else "" for g in m.groups())
        found = self.converter.found
        found.wikilinks.append((target, anchor, label, m.group(0)))
        link = etree.Element("a", {"class": "wikilink", "href": f"{SITE}companies/{target}/" + (f"#{anchor}" if anchor else "")})
        link.text = AtomicString(label or self.converter.names.titles.get(target, target))
        return link, m.start(0), m.end(0)


class CitationPattern(InlineProcessor):
    def __init__(self, converter: "BodyConverter"):
        super().__init__(CITATION)
        self.converter = converter

    def handleMatch(self, m, data):
        ids = [m.group(1)] + re.findall(r"@([A-Za-z0-9][A-Za-z0-9_.-]*)", m.group(2) or "")
        wrapper = etree.Element("span", {"class": "cites"})
        for source_id in ids:
            self.converter.found.citations.append((source_id, m.group(0)))
            sup = etree.SubElement(wrapper, "sup", {"class": "cite"})
            link = etree.SubElement(sup, "a", {"href": f"#source-{source_id}"})
            link.text = AtomicString("?")
        return wrapper, m.start(0), m.end(0)


class HeadingAnchors(Treeprocessor):
    def __init__(self, converter: "BodyConverter"):
        super().__init__()
        self.converter = converter

    def run(self, root):
        used = set(RESERVED_IDS)
        for element in root.iter():
            if element.tag in HEADINGS:
                text = self.stashed_back(unescape("".join(element.itertext())))
                base = slugify(text) or "section"
                anchor, n = base, 0
                while anchor in used:
                    n += 1
                    anchor = f"{base}-{n}"
                used.add(anchor)
                element.set("id", anchor)
                self.converter.found.headings.append(Heading(int(element.tag[1]), text.strip(), anchor))


    def stashed_back(self, text: str) -> str:
        """`text` with Python-Markdown's placeholders of stashed markup (entities such as `&amp;`) turned back into
        the characters they show, so `R&amp;D` gets the anchor `r-d`, as written `R&D` does."""
        stash = self.converter.md.htmlStash.rawHtmlBlocks
        return STASHED.sub(lambda m: html.unescape(str(stash[int(m.group(1))])) if int(m.group(1)) < len(stash) else "", text)


class SafeLinks(Treeprocessor):
    def __init__(self, converter: "BodyConverter"):
        super().__init__()
        self.converter = converter

    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                address = element.get(attribute)
                if address is not None and not is_safe_address(address):
                    self.converter.found.unsafe.append(address)
                    element.set(attribute, "#")
                elif address is not None and self.converter.self_slug and (relative := relative_file(address)) is not None:
                    path, rest = relative
                    resolved = posixpath.normpath(posixpath.join(BRIEFS_FOLDER, path))
                    resolved = "" if resolved == ".." or resolved.startswith("../") else resolved
                    self.converter.found.files.append((resolved, address))
                    element.set(attribute, SITE + quote(resolved) + rest if resolved else "#")


def relative_file(address: str) -> tuple[str, str] | None:
    """(path, what follows it: ?query#fragment) of an address that names a file relative to the page's own;
    None for an address with a scheme, from the root, or only a fragment or query."""
    address = browser_address(address)
    if not address or address.startswith(("#", "?", "/", "\\", SITE)) or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", address):
        return None  # SITE: a link the converter made (a wikilink)
    cut = min((i for i in (address.find("?"), address.find("#")) if i >= 0), default=len(address))
    return unquote(address[:cut]), address[cut:]


def unescape(text: str) -> str:
    """Text with Python-Markdown's backslash-escape placeholders turned back into characters."""
    return re.sub("\x02(\\d+)\x03", lambda m: chr(int(m.group(1))), text)


def as_written(address: str) -> str:
    """An address of the tree as the Markdown wrote it: backslash escapes put back."""
    return re.sub("\x02(\\d+)\x03", lambda m: "\\" + chr(int(m.group(1))), address)


def browser_address(address: str) -> str:
    """An href or src of the tree as a browser follows it: backslash escapes put back, character references decoded
    as the HTML parser decodes them (`&#58;`, `&#x3A`, `&colon;`), and every control character and space removed (the
    URL parser removes tabs and newlines anywhere and the others at the ends; removing them all is stricter)."""
    decoded = html.unescape(unescape(address).replace(AMP_SUBSTITUTE, "&"))
    return re.sub(r"[\x00-\x20]", "", decoded)


def is_safe_address(address: str) -> bool:
    """Whether the address, as the browser reads it, has no scheme (a relative link) or an allowed one."""
    scheme = re.match(r"[a-z][a-z0-9+.-]*:", browser_address(address).lower())
    return scheme is None or scheme.group() in SAFE_SCHEMES


class AutoLinks(Treeprocessor):
    def __init__(self, converter: "BodyConverter"):
        super().__init__()
        self.converter = converter

    def run(self, root):
        converter = self.converter
        if not converter.autolink:
            return
        linked = {w[0] for w in converter.found.wikilinks} | {converter.self_slug}
        self.link_within(root, linked)

    def link_within(self, element, linked: set[str]) -> None:
        if element.tag in SKIP_AUTOLINK:
            return
        if element.text and not isinstance(element.text, AtomicString):
            element.text = self.link_text(element.text, element, 0, linked)
        for child in list(element):
            self.link_within(child, linked)
            if child.tail and not isinstance(child.tail, AtomicString):
                position = list(element).index(child) + 1
                child.tail = self.link_text(child.tail, element, position, linked)

    def link_text(self, text: str, parent, position: int, linked: set[str]) -> str:
        """Link the first unlinked company name in `text`; the rest goes on in the new link's tail."""
        by_first_word = self.converter.names.by_first_word
        if by_first_word.keys().isdisjoint(WORD.findall(text)):
            return text  # no name starts here: most text, checked at C speed
        for word in WORD.finditer(text):
            for name, slug in by_first_word.get(word.group(), ()):
                end = word.start() + len(name)
                if slug in linked or not text.startswith(name, word.start()):
                    continue
                if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    continue
                if word.start() > 0 and (text[word.start() - 1].isalnum() or text[word.start() - 1] == "_"):
                    continue
                linked.add(slug)
                self.converter.found.autolinks.append(slug)
                link = etree.Element("a", {"class": "autolink", "href": f"{SITE}companies/{slug}/"})
                link.text = AtomicString(name)
                parent.insert(position, link)  # before the rest of the text inserts its links after it
                link.tail = self.link_text(text[end:], parent, position + 1, linked)
                return text[: word.start()]
        return text


def converting(names: Names, autolink: bool) -> Callable[[tuple[str, str, int]], RenderedBody]:
    """(slug, text, first line) -> the body converted: a guarded.Setup, for the workers that convert."""
    converter = BodyConverter(names, autolink=autolink)
    return lambda item: converter.convert(item[1], item[2], item[0])


class BodyConverter:
    """One reusable Markdown converter for every body of a site."""

    def __init__(self, names: Names, autolink: bool = True):
        self.names = names
        self.autolink = autolink
        self.self_slug = ""
        self.found = _Found()
        md = markdown.Markdown(extensions=markdown_extensions(), output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(WikiLinkPattern(self), "wikilink", 175)
        md.inlinePatterns.register(CitationPattern(self), "citation", 174)
        md.treeprocessors.register(HeadingAnchors(self), "heading_anchors", 8)
        md.treeprocessors.register(SafeLinks(self), "safe_links", 7)
        md.treeprocessors.register(AutoLinks(self), "autolinks", 6)
        self.md = md

    def convert(self, text: str, first_line: int = 1, self_slug: str = "") -> RenderedBody:
        self.found = found = _Found()
        self.self_slug = self_slug
        html = self.md.reset().convert(text)
        locate = Locator(text.expandtabs(self.md.tab_length), first_line)  # the text as Python-Markdown reads it
        order: dict[str, int] = {}
        for source_id, _ in found.citations:
            order.setdefault(source_id, len(order) + 1)
        html = NUMBERED_CITE.sub(lambda m: f'<sup class="cite"><a href="#source-{m.group(1)}">{order.get(m.group(1), "?")}</a></sup>', html)
        citation_lines = {}
        for source_id, raw in found.citations:
            line = locate(raw)
            citation_lines.setdefault(source_id, line)
        return RenderedBody(
            packed_html=pack_html(html),
            headings=tuple(found.headings),
            wikilinks=tuple(WikiLink(t, a, label, locate(raw)) for t, a, label, raw in found.wikilinks),
            citations=tuple(Citation(source_id, citation_lines[source_id]) for source_id in order),
            autolinks=tuple(found.autolinks),
            unsafe_links=tuple(UnsafeLink(as_written(a), locate(as_written(a))) for a in found.unsafe),
            files=tuple(FileLink(path, as_written(a), locate(as_written(a))) for path, a in found.files),
        )


class Locator:
    """The file line of the n-th occurrence of a piece of raw text, in call order."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.first_line = first_line
        self.seen: dict[str, int] = {}

    def __call__(self, raw: str) -> int:
        start = self.seen.get(raw, 0)
        index = self.text.find(raw, start)
        if index < 0:
            index = self.text.find(raw)
        if index < 0:
            return self.first_line
        self.seen[raw] = index + 1
        return self.first_line + self.text.count("\n", 0, index)
