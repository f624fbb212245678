import pytest

from briefing.markup import (
    RESERVED_IDS,
    BodyConverter,
    Citation,
    Heading,
    Names,
    UnsafeLink,
    WikiLink,
    is_safe_address,
)

TITLES = {"li-auto": "Li Auto", "nio": "Nio", "xpeng": "XPeng", "great-wall-motors": "Great Wall Motors"}
NAMES = {
    "li-auto": ("Li Auto", "Li"),
    "nio": ("Nio", "NIO Inc"),
    "xpeng": ("XPeng",),
    "great-wall-motors": ("Great Wall Motors", "Great Wall"),
}


@pytest.fixture(scope="module")
def converter():
    return BodyConverter(Names.build(NAMES, TITLES))


def convert(converter, text, first_line=1, self_slug=""):
    return converter.convert(text, first_line, self_slug)


# wikilinks


@pytest.mark.parametrize(
    "source, href, label, found",
    [
        ("[[xpeng]]", "@site/companies/xpeng/", "XPeng", WikiLink("xpeng", "", "", 1)),
        ("[[xpeng|the rival]]", "@site/companies/xpeng/", "the rival", WikiLink("xpeng", "", "the rival", 1)),
        ("[[xpeng#brand-positioning]]", "@site/companies/xpeng/#brand-positioning", "XPeng", WikiLink("xpeng", "brand-positioning", "", 1)),
        ("[[xpeng#outlook|XPeng's outlook]]", "@site/companies/xpeng/#outlook", "XPeng's outlook", WikiLink("xpeng", "outlook", "XPeng's outlook", 1)),
        ("[[unknown-co]]", "@site/companies/unknown-co/", "unknown-co", WikiLink("unknown-co", "", "", 1)),
    ],
)
def test_wikilink_forms(converter, source, href, label, found):
    body = convert(converter, f"See {source} now.")
    assert body.html == f'<p>See <a class="wikilink" href="{href}">{label}</a> now.</p>'
    assert body.wikilinks == (found,)


def test_wikilink_label_is_escaped(converter):
    body = convert(converter, "[[xpeng|<b>bold</b> & co]]")
    assert '>&lt;b&gt;bold&lt;/b&gt; &amp; co</a>' in body.html


def test_wikilinks_carry_their_file_line(converter):
    body = convert(converter, "## Intro\n\n[[nio]]\n\ntext\n[[nio]] and [[xpeng]]\n", first_line=10)
    assert [(w.target, w.line) for w in body.wikilinks] == [("nio", 12), ("nio", 15), ("xpeng", 15)]


def test_wikilinks_and_citations_in_code_are_ignored(converter):
    text = "Inline `[[nio]] [@reuters]` code.\n\n```\n[[xpeng]] [@latepost]\n```\n\n    [[li-auto]] indented\n"
    body = convert(converter, text)
    assert body.wikilinks == ()
    assert body.citations == ()
    assert "<code>[[nio]] [@reuters]</code>" in body.html
    assert "[[xpeng]] [@latepost]" in body.html
    assert "[[li-auto]] indented" in body.html


# citations


def test_citations_are_numbered_in_document_order(converter):
    body = convert(converter, "First [@b].\n\nThen [@a] and [@b] again.\n\nBoth [@c; @a].\n", first_line=5)
    assert body.citations == (Citation("b", 5), Citation("a", 7), Citation("c", 9))
    numbers = [(sid, n) for sid, n in __import__("re").findall(r'href="#source-([^"]+)">(\d+)<', body.html)]
    assert numbers == [("b", "1"), ("a", "2"), ("b", "1"), ("c", "3"), ("a", "2")]


def test_citation_markup(converter):
    body = convert(converter, "Claim [@reuters-factory-talks].")
    assert body.html == (
        '<p>Claim <span class="cites"><sup class="cite"><a href="#source-reuters-factory-talks">1</a></sup></span>.</p>'
    )


def test_an_email_address_is_not_a_citation(converter):
    assert convert(converter, "Mail press@nio.com or [press@nio.com].").citations == ()


# safety


def test_raw_html_is_shown_as_text(converter):
    body = convert(converter, '<script>alert(1)</script>\n\nInline <img src=x onerror="alert(2)"> and <b>bold</b>.\n')
    assert "<script>" not in body.html and "<img" not in body.html and "<b>" not in body.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.html
    assert "&lt;b&gt;bold&lt;/b&gt;" in body.html


@pytest.mark.parametrize(
    "markdown, address",
    [
        ("[click](javascript:alert(1))", "javascript:alert(1)"),
        ("[click](JavaScript:alert(1))", "JavaScript:alert(1)"),
        ("[click](vbscript:msgbox)", "vbscript:msgbox"),
        ("![pic](data:image/svg+xml;base64,AAAA)", "data:image/svg+xml;base64,AAAA"),
    ],
)
def test_script_links_are_disabled_and_reported(converter, markdown, address):
    body = convert(converter, f"Intro\n\n{markdown}\n", first_line=20)
    assert address not in body.html
    assert 'href="#"' in body.html or 'src="#"' in body.html
    assert body.unsafe_links == (UnsafeLink(address, 22),)


@pytest.mark.parametrize(
    "address",
    ["https://example.org/", "http://example.org", "mailto:a@b.org", "tel:+861234", "../other/", "#section", "/abs/path", "page.html"],
)
def test_safe_addresses(address):
    assert is_safe_address(address)


@pytest.mark.parametrize("address", ["javascript:x", " java\tscript:x", "JAVASCRIPT:x", "data:text/html,x", "file:///etc/passwd"])
def test_unsafe_addresses(address):
    assert not is_safe_address(address)


def test_safe_links_are_kept(converter):
    body = convert(converter, "[site](https://nio.com) [mail](mailto:ir@nio.com)")
    assert body.unsafe_links == ()
    assert 'href="https://nio.com"' in body.html and 'href="mailto:ir@nio.com"' in body.html


# headings


def test_heading_anchors(converter):
    body = convert(converter, "## Brand positioning\n\n### The *big* picture\n\n## Brand positioning\n\n## Brand positioning\n")
    assert body.headings == (
        Heading(2, "Brand positioning", "brand-positioning"),
        Heading(3, "The big picture", "the-big-picture"),
        Heading(2, "Brand positioning", "brand-positioning-1"),
        Heading(2, "Brand positioning", "brand-positioning-2"),
    )
    assert '<h2 id="brand-positioning-1">' in body.html


def test_headings_never_take_a_reserved_page_id(converter):
    assert {"sources", "relations", "events", "referenced-by"} <= RESERVED_IDS
    body = convert(converter, "## Sources\n\n## Events\n\n## Referenced by\n")
    assert [h.anchor for h in body.headings] == ["sources-1", "events-1", "referenced-by-1"]


def test_heading_with_escaped_characters_and_no_letters(converter):
    body = convert(converter, "## A \\#1 \\*rank\\*\n\n## !!!\n")
    assert [(h.text, h.anchor) for h in body.headings] == [("A #1 *rank*", "a-1-rank"), ("!!!", "section")]


# autolinks


def autolinked(converter, text, self_slug=""):
    body = convert(converter, text, self_slug=self_slug)
    return body.autolinks, body.html


def test_autolink_links_the_first_mention_only(converter):
    links, html = autolinked(converter, "XPeng and XPeng again.")
    assert links == ("xpeng",)
    assert html == '<p><a class="autolink" href="@site/companies/xpeng/">XPeng</a> and XPeng again.</p>'


def test_autolink_prefers_the_longest_name(converter):
    links, html = autolinked(converter, "Great Wall Motors, then Great Wall.")
    assert links == ("great-wall-motors",)
    assert '<a class="autolink" href="@site/companies/great-wall-motors/">Great Wall Motors</a>, then Great Wall.' in html


def test_autolink_uses_aliases(converter):
    links, html = autolinked(converter, "Shares of NIO Inc rose.")
    assert links == ("nio",)
    assert '<a class="autolink" href="@site/companies/nio/">NIO Inc</a>' in html


def test_autolink_respects_word_boundaries(converter):
    links, _ = autolinked(converter, "XPengs, Nios, Li_Auto, LiAuto, Lidar and NioX are not names.")
    assert links == ()


def test_autolink_skips_headings_links_and_code(converter):
    text = "## Nio\n\n[XPeng](https://xpeng.com) `Li Auto`\n\n```\nGreat Wall\n```\n"
    links, _ = autolinked(converter, text)
    assert links == ()


def test_autolink_skips_the_page_itself(converter):
    links, _ = autolinked(converter, "Li Auto and Nio.", self_slug="li-auto")
    assert links == ("nio",)


def test_autolink_skips_companies_already_wikilinked(converter):
    links, _ = autolinked(converter, "[[nio|Nio's page]]. Later Nio and XPeng.")
    assert links == ("xpeng",)


def test_autolinks_keep_the_text_in_order(converter):
    text = "A *Nio* b Great Wall Motors c XPeng d NIO Inc e Li Auto f."
    links, html = autolinked(converter, text)
    assert links == ("nio", "great-wall-motors", "xpeng", "li-auto")
    assert html == (
        '<p>A <em><a class="autolink" href="@site/companies/nio/">Nio</a></em> b '
        '<a class="autolink" href="@site/companies/great-wall-motors/">Great Wall Motors</a> c '
        '<a class="autolink" href="@site/companies/xpeng/">XPeng</a> d NIO Inc e '
        '<a class="autolink" href="@site/companies/li-auto/">Li Auto</a> f.</p>'
    )


def test_autolink_can_be_turned_off():
    body = BodyConverter(Names.build(NAMES, TITLES), autolink=False).convert("Nio and XPeng.")
    assert body.autolinks == ()
    assert body.html == "<p>Nio and XPeng.</p>"


def test_each_conversion_starts_fresh(converter):
    convert(converter, "[[nio]] [@a] Nio XPeng")
    body = convert(converter, "Plain text.")
    assert (body.wikilinks, body.citations, body.autolinks, body.headings) == ((), (), (), ())


def test_names_index_orders_longest_first():
    names = Names.build(NAMES, TITLES)
    assert names.by_first_word["Great"] == (("Great Wall Motors", "great-wall-motors"), ("Great Wall", "great-wall-motors"))
    assert names.titles["li-auto"] == "Li Auto"


def test_fenced_code_is_plain_and_escaped(converter):
    html = convert(converter, "```python\nprint('<b>')\n```\n").html
    assert html.strip() == '<pre><code class="language-python">print(\'&lt;b&gt;\')\n</code></pre>'


@pytest.mark.parametrize("heading, text, anchor", [
    ("## R&amp;D", "R&D", "r-d"),
    ("## Made &copy; here &#60;3", "Made © here <3", "made-here-3"),
    ("## Plain R&D", "Plain R&D", "plain-r-d"),
])
def test_a_heading_s_anchor_comes_from_the_characters_it_shows(converter, heading, text, anchor):
    body = converter.convert(heading + "\n\nText.")
    assert [(h.text, h.anchor) for h in body.headings] == [(text, anchor)]
    assert f'id="{anchor}"' in body.html


def test_a_body_as_a_section_of_the_pack_keeps_its_ids_unique_and_its_links_landing():
    from briefing.markup import as_section

    body = BodyConverter(Names.build({}, {})).convert(
        "# Title\n\nSee [below](#outlook), [the facts](#facts) and [@wire].\n\n## Outlook\n\nText with href=\"#outlook\" as words.\n")
    assert as_section(body, "nio") == (
        '<h2 id="nio/title">Title</h2>\n'
        '<p>See <a href="#nio/outlook">below</a>, <a href="@site/companies/nio/#facts">the facts</a> and '
        '<span class="cites"><sup class="cite"><a href="#nio/source-wire">1</a></sup></span>.</p>\n'
        '<h3 id="nio/outlook">Outlook</h3>\n'
        '<p>Text with href="#outlook" as words.</p>')
