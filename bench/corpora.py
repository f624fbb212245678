"""Export a generated Briefing content folder as the same site for Hugo, Pelican and MkDocs.

    from corpora import read_corpus, export_hugo, export_pelican, export_mkdocs
    corpus = read_corpus(Path("bench/out/corpus-1000/content"))
    export_hugo(corpus, Path("bench/out/hugo-1000"))

Every tool gets the same briefs: one page per company with its title, summary,
facts, terms in the three taxonomies (partnerships, positioning, threats) and
its ~600-word Markdown body, where `[[slug]]`, `[[slug|label]]` and
`[[slug#anchor|label]]` wikilinks become ordinary Markdown links to the other
company's page and `[@id]` citations become Markdown links to that source on a
sources page. Beside the company pages each site has a list of all companies,
a page per taxonomy and per term, a timeline of every event and a sources
page, like Briefing's. Where a tool has no taxonomies (MkDocs) or no place for
generated lists, those pages are written here as Markdown, so the tool still
converts and renders them. Nothing here is timed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TAXONOMIES = ("partnerships", "positioning", "threats")
WIKILINK = re.compile(r"\[\[([^\]|#]+)(?:#([^\]|]+))?(?:\|([^\]]+))?\]\]")
CITATION = re.compile(r"\[@([A-Za-z0-9_.:-]+)\]")


@dataclass
class Brief:
    slug: str
    meta: dict
    body: str

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def summary(self) -> str:
        return str(self.meta.get("summary", ""))

    @property
    def updated(self) -> str:
        return str(self.meta["updated"])

    def terms(self, taxonomy: str) -> list[str]:
        return [str(term) for term in self.meta.get(taxonomy) or []]


@dataclass
class Corpus:
    title: str
    base_url: str
    intro: str
    sources: dict[str, dict]
    briefs: list[Brief]
    term_notes: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (taxonomy, slug) -> (title, body)

    def titles(self) -> dict[str, str]:
        return {brief.slug: brief.title for brief in self.briefs}

    def terms(self) -> dict[str, dict[str, list[Brief]]]:
        """taxonomy -> term name -> its briefs, terms in first-seen order."""
        found: dict[str, dict[str, list[Brief]]] = {taxonomy: {} for taxonomy in TAXONOMIES}
        for brief in self.briefs:
            for taxonomy in TAXONOMIES:
                for term in brief.terms(taxonomy):
                    found[taxonomy].setdefault(term, []).append(brief)
        return found

    def events(self) -> list[tuple[str, Brief, dict]]:
        """Every event, newest first."""
        found = [(str(event["date"]), brief, event) for brief in self.briefs for event in brief.meta.get("events") or []]
        return sorted(found, key=lambda item: (item[0], item[1].slug), reverse=True)


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    head, _, body = text[4:].partition("\n---\n")
    return yaml.load(head, Loader=LOADER) or {}, body


def read_corpus(content: Path) -> Corpus:
    site = yaml.load((content / "site.yml").read_text("utf-8"), Loader=LOADER)
    sources = yaml.load((content / "sources.yml").read_text("utf-8"), Loader=LOADER) or {}
    intro = ""
    if (content / "index.md").exists():
        intro = split_front_matter((content / "index.md").read_text("utf-8"))[1].strip()
    briefs = []
    for path in sorted((content / "companies").glob("*.md")):
        meta, body = split_front_matter(path.read_text("utf-8"))
        briefs.append(Brief(path.stem, meta, body))
    notes = {}
    for taxonomy in TAXONOMIES:
        for path in sorted((content / taxonomy).glob("*.md")) if (content / taxonomy).is_dir() else []:
            meta, body = split_front_matter(path.read_text("utf-8"))
            notes[(taxonomy, path.stem)] = (str(meta.get("title", path.stem)), body.strip())
    return Corpus(str(site["title"]), str(site.get("base_url", "https://example.org/")), intro, sources, briefs, notes)


def slugify(text: str) -> str:
    """Term slugs as Hugo's urlize and Python-Markdown's toc make them for these names."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def source_anchor(corpus: Corpus, source_id: str) -> str:
    return slugify(source_title(corpus, source_id))


def source_title(corpus: Corpus, source_id: str) -> str:
    return str((corpus.sources.get(source_id) or {}).get("title", source_id))


def convert_body(body: str, corpus: Corpus, titles: dict[str, str], company_url, sources_url: str) -> str:
    """Briefing's wikilinks and citations as plain Markdown links."""

    def wikilink(match: re.Match) -> str:
        slug, anchor, label = match.group(1).strip(), match.group(2), match.group(3)
        target = company_url(slug) + (f"#{anchor.strip()}" if anchor else "")
        return f"[{label or titles.get(slug, slug)}]({target})"

    def citation(match: re.Match) -> str:
        source_id = match.group(1)
        return f"([{source_title(corpus, source_id)}]({sources_url}#{source_anchor(corpus, source_id)}))"

    return CITATION.sub(citation, WIKILINK.sub(wikilink, body))


def sources_markdown(corpus: Corpus) -> str:
    lines = [f"{len(corpus.sources)} sources.", ""]
    for source_id, source in corpus.sources.items():
        source = source or {}
        lines += [f"## {source_title(corpus, source_id)}", "", f"{source.get('publisher', '')} · {source.get('date', '')}", ""]
    return "\n".join(lines)


def timeline_markdown(corpus: Corpus, company_url) -> str:
    lines = []
    year = None
    for date, brief, event in corpus.events():
        if date[:4] != year:
            year = date[:4]
            lines += ["", f"## {year}", ""]
        lines.append(f"- {date} [{brief.title}]({company_url(brief.slug)}): {event.get('title', '')}")
    return "\n".join(lines) + "\n"


def front_matter(meta: dict) -> str:
    return "---\n" + yaml.dump(meta, Dumper=DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False) + "---\n"


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


# --- Hugo -----------------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "{base_url}"
title = "{title}"
disableKinds = ["robotsTXT"]

[taxonomies]
  partnership = "partnerships"
  positioning = "positioning"
  threat = "threats"

# One feed (the home page's, every company with its summary) like Briefing's feed.xml;
# no feeds per section, taxonomy or term, which Hugo makes by default.
[outputs]
  home = ["html", "rss"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html"]
"""

HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
{{ with .Params.summary }}<meta name="description" content="{{ . }}">{{ end }}
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | relURL }}">
</head>
<body>
<header class="site-header"><a class="brand" href="{{ "" | relURL }}">{{ site.Title }}</a>
<nav><ul>
<li><a href="{{ "companies/" | relURL }}">Companies</a></li>
{{ range $name, $_ := site.Taxonomies }}<li><a href="{{ (printf "%s/" $name) | relURL }}">{{ $name | humanize }}</a></li>{{ end }}
<li><a href="{{ "timeline/" | relURL }}">Timeline</a></li>
<li><a href="{{ "sources/" | relURL }}">Sources</a></li>
</ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p>{{ site.Title }}</p></footer>
</body>
</html>
""",
    "page.html": """\
{{ define "main" }}
<article class="brief">
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="summary">{{ . }}</p>{{ end }}
{{ with .Params.facts }}
<dl class="facts">
{{ with .headquarters }}<div><dt>Headquarters</dt><dd>{{ . }}</dd></div>{{ end }}
{{ with .listing }}<div><dt>Listing</dt><dd>{{ . }}</dd></div>{{ end }}
{{ with .aka }}<div><dt>Also known as</dt><dd>{{ delimit . ", " }}</dd></div>{{ end }}
<div><dt>Updated</dt><dd>{{ $.Date.Format "2 January 2006" }}</dd></div>
</dl>
{{ end }}
{{ with .Params.relations }}
<section class="relations"><h2>Relations</h2><ul>
{{ range . }}<li>{{ with site.GetPage (printf "/companies/%s" .to) }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }} <span class="badge">{{ .type }}</span> <span class="badge">{{ .confidence }}</span>{{ with .note }}<p>{{ . }}</p>{{ end }}</li>
{{ end }}</ul></section>
{{ end }}
<div class="prose">{{ .Content }}</div>
{{ with .Params.events }}
<section class="events"><h2>Events</h2><ol>
{{ range . }}<li><time>{{ .date }}</time> {{ .title }}</li>{{ end }}
</ol></section>
{{ end }}
<section class="terms"><dl>
{{ range $taxonomy, $_ := site.Taxonomies }}{{ with $.GetTerms $taxonomy }}
<div><dt>{{ $taxonomy | humanize }}</dt><dd><ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></dd></div>
{{ end }}{{ end }}
</dl></section>
</article>
{{ end }}
""",
    "home.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<div class="prose">{{ .Content }}</div>
<ul class="taxonomies">
{{ range $name, $terms := site.Taxonomies }}<li><a href="{{ (printf "%s/" $name) | relURL }}">{{ $name | humanize }}</a> ({{ len $terms }} terms)</li>{{ end }}
</ul>
<ul class="cards">
{{ range where site.RegularPages "Section" "companies" }}
<li class="card"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Params.summary }}</p><p>{{ .Params.facts.headquarters }} · {{ .Params.facts.listing }}</p></li>
{{ end }}
</ul>
{{ end }}
""",
    "section.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<table class="compare">
<thead><tr><th>Company</th><th>Summary</th><th>Headquarters</th><th>Updated</th></tr></thead>
<tbody>
{{ range .Pages }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.summary }}</td><td>{{ .Params.facts.headquarters }}</td><td>{{ .Date.Format "2006-01-02" }}</td></tr>
{{ end }}
</tbody></table>
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="terms">
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> ({{ len .Pages }})</li>
{{ end }}
</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<p>{{ len .Pages }} companies.</p>
<div class="prose">{{ .Content }}</div>
<ul class="cards">
{{ range .Pages }}<li class="card"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Params.summary }}</p></li>
{{ end }}
</ul>
{{ end }}
""",
    "404.html": """\
{{ define "main" }}<h1>Page not found</h1><p><a href="{{ "" | relURL }}">Home</a></p>{{ end }}
""",
}

STYLE = "body{font-family:sans-serif;max-width:60rem;margin:auto}.card,.relations li{margin:.5rem 0}\n"


def export_hugo(corpus: Corpus, dest: Path) -> Path:
    """A Hugo site (hugo.toml, content/, layouts/, static/) in `dest`; returns `dest` for `hugo -s`."""
    fresh(dest)
    titles = corpus.titles()
    (dest / "hugo.toml").write_text(HUGO_CONFIG.format(base_url=corpus.base_url, title=corpus.title), "utf-8")
    layouts = dest / "layouts"
    layouts.mkdir()
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, "utf-8")
    (dest / "static").mkdir()
    (dest / "static" / "style.css").write_text(STYLE, "utf-8")
    content = dest / "content"
    companies = content / "companies"
    companies.mkdir(parents=True)
    (content / "_index.md").write_text(front_matter({"title": corpus.title}) + corpus.intro + "\n", "utf-8")
    (companies / "_index.md").write_text(front_matter({"title": "Companies"}), "utf-8")
    url = lambda slug: f"../{slug}/"  # noqa: E731 - from /companies/a/ to /companies/b/
    for brief in corpus.briefs:
        meta = {"title": brief.title, "date": brief.updated, "summary": brief.summary}
        for taxonomy in TAXONOMIES:
            meta[taxonomy] = brief.terms(taxonomy)
        meta["params"] = {
            "facts": {"headquarters": brief.meta.get("headquarters"), "listing": brief.meta.get("listing"),
                      "aka": brief.meta.get("aliases") or []},
            "relations": brief.meta.get("relations") or [],
            "events": brief.meta.get("events") or [],
        }
        body = convert_body(brief.body, corpus, titles, url, "../../sources/")
        (companies / f"{brief.slug}.md").write_text(front_matter(meta) + body, "utf-8")
    for (taxonomy, slug), (title, body) in corpus.term_notes.items():
        folder = content / taxonomy / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_index.md").write_text(front_matter({"title": title}) + body + "\n", "utf-8")
    (content / "timeline.md").write_text(front_matter({"title": "Timeline"}) + timeline_markdown(corpus, lambda s: f"../companies/{s}/"), "utf-8")
    (content / "sources.md").write_text(front_matter({"title": "Sources"}) + sources_markdown(corpus), "utf-8")
    return dest


# --- Pelican --------------------------------------------------------------------------------------

PELICAN_CONFIG = """\
# Pelican's defaults (theme "notmyidea", Markdown extensions codehilite/extra/meta, no pagination,
# no content cache), with pretty URLs so the exported relative links resolve, and feeds cut down
# to one site feed, as Briefing makes one feed.xml.
SITENAME = {title!r}
SITEURL = {site_url!r}
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
ARTICLE_URL = "companies/{{slug}}/"
ARTICLE_SAVE_AS = "companies/{{slug}}/index.html"
PAGE_URL = "{{slug}}/"
PAGE_SAVE_AS = "{{slug}}/index.html"
TAG_URL = "tag/{{slug}}/"
TAG_SAVE_AS = "tag/{{slug}}/index.html"
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
"""


def export_pelican(corpus: Corpus, dest: Path) -> tuple[Path, Path]:
    """`dest/content/` and `dest/pelicanconf.py`; returns (content, settings) for `pelican CONTENT -s SETTINGS`."""
    fresh(dest)
    titles = corpus.titles()
    content = dest / "content"
    articles = content / "companies"
    articles.mkdir(parents=True)
    pages = content / "pages"
    pages.mkdir()
    url = lambda slug: f"../{slug}/"  # noqa: E731
    for brief in corpus.briefs:
        # Pelican has one tag taxonomy: the three taxonomies' terms become its tags (their names don't collide).
        tags = [term for taxonomy in TAXONOMIES for term in brief.terms(taxonomy)]
        header = [
            f"Title: {brief.title}",
            f"Date: {brief.updated}",
            f"Slug: {brief.slug}",
            "Category: Companies",
            f"Tags: {', '.join(tags)}",
            f"Summary: {brief.summary}",
            "",
        ]
        facts = f"**Headquarters:** {brief.meta.get('headquarters', '')} · **Listing:** {brief.meta.get('listing', '')}\n"
        body = convert_body(brief.body, corpus, titles, url, "../../sources/")
        (articles / f"{brief.slug}.md").write_text("\n".join(header) + "\n" + facts + body, "utf-8")
    (pages / "timeline.md").write_text("Title: Timeline\nSlug: timeline\n\n" + timeline_markdown(corpus, lambda s: f"../companies/{s}/"), "utf-8")
    (pages / "sources.md").write_text("Title: Sources\nSlug: sources\n\n" + sources_markdown(corpus), "utf-8")
    settings = dest / "pelicanconf.py"
    settings.write_text(PELICAN_CONFIG.format(title=corpus.title, site_url=corpus.base_url.rstrip("/")), "utf-8")
    return content, settings


# --- MkDocs ---------------------------------------------------------------------------------------


def export_mkdocs(corpus: Corpus, dest: Path) -> Path:
    """`dest/mkdocs.yml` and `dest/docs/`; returns the config for `mkdocs build -f CONFIG`.

    MkDocs has no taxonomies, so the lists Briefing renders from its model (all companies, each
    taxonomy and term, the timeline) are written here as Markdown pages that MkDocs converts.
    """
    fresh(dest)
    titles = corpus.titles()
    docs = dest / "docs"
    companies = docs / "companies"
    companies.mkdir(parents=True)
    terms = corpus.terms()
    url = lambda slug: f"{slug}.md"  # noqa: E731 - MkDocs resolves links between .md files itself
    for brief in corpus.briefs:
        lines = [front_matter({"title": brief.title, "description": brief.summary}), f"# {brief.title}", "", f"*{brief.summary}*", "",
                 f"**Headquarters:** {brief.meta.get('headquarters', '')} · **Listing:** {brief.meta.get('listing', '')} · **Updated:** {brief.updated}", ""]
        for taxonomy in TAXONOMIES:
            links = ", ".join(f"[{term}](../{taxonomy}/{slugify(term)}.md)" for term in brief.terms(taxonomy))
            if links:
                lines += [f"**{taxonomy.capitalize()}:** {links}", ""]
        body = convert_body(brief.body, corpus, titles, url, "../sources.md")
        (companies / f"{brief.slug}.md").write_text("\n".join(lines) + body, "utf-8")
    cards = [f"- [{b.title}](companies/{b.slug}.md): {b.summary} ({b.meta.get('headquarters', '')})" for b in corpus.briefs]
    (docs / "index.md").write_text(f"# {corpus.title}\n\n{corpus.intro}\n\n" + "\n".join(cards) + "\n", "utf-8")
    rows = [f"| [{b.title}]({b.slug}.md) | {b.summary} | {b.meta.get('headquarters', '')} | {b.updated} |" for b in corpus.briefs]
    (companies / "index.md").write_text("# Companies\n\n| Company | Summary | Headquarters | Updated |\n|---|---|---|---|\n" + "\n".join(rows) + "\n", "utf-8")
    for taxonomy, by_term in terms.items():
        folder = docs / taxonomy
        folder.mkdir()
        listing = [f"- [{term}]({slugify(term)}.md) ({len(members)})" for term, members in by_term.items()]
        (folder / "index.md").write_text(f"# {taxonomy.capitalize()}\n\n" + "\n".join(listing) + "\n", "utf-8")
        for term, members in by_term.items():
            note = corpus.term_notes.get((taxonomy, slugify(term)), ("", ""))[1]
            items = [f"- [{b.title}](../companies/{b.slug}.md): {b.summary}" for b in members]
            (folder / f"{slugify(term)}.md").write_text(f"# {term}\n\n{note}\n\n{len(members)} companies.\n\n" + "\n".join(items) + "\n", "utf-8")
    (docs / "timeline.md").write_text("# Timeline\n" + timeline_markdown(corpus, lambda s: f"companies/{s}.md"), "utf-8")
    (docs / "sources.md").write_text("# Sources\n\n" + sources_markdown(corpus), "utf-8")
    config = {
        "site_name": corpus.title,
        "site_url": corpus.base_url,
        "docs_dir": "docs",
        "theme": {"name": "mkdocs"},
        # No search index: Briefing makes none. The nav lists the top pages only; with every
        # company in it, each page would carry a 10,000-entry menu.
        "plugins": [],
        "nav": [{"Home": "index.md"}, {"Companies": "companies/index.md"}]
        + [{taxonomy.capitalize(): f"{taxonomy}/index.md"} for taxonomy in TAXONOMIES]
        + [{"Timeline": "timeline.md"}, {"Sources": "sources.md"}],
    }
    path = dest / "mkdocs.yml"
    path.write_text(yaml.dump(config, Dumper=DUMPER, sort_keys=False, allow_unicode=True), "utf-8")
    return path
