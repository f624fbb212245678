"""New files for a writer: a whole new site (`init DIR`) and a new brief (`new "Company Name"`)."""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from pathlib import Path

from .documents import CONFIDENCE, HORIZONS, RELATION_TYPES, THREATS
from .problems import Problem
from .slugs import is_brief_slug, too_long

NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")


def slug_of(name: str) -> str:
    """'Škoda Auto' -> 'skoda-auto': the name folded to ASCII letters and digits ('' if none is left)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return NOT_ASCII_WORD.sub("-", folded).strip("-")


def quoted(text: str) -> str:
    """A YAML string that reads back as `text` (a JSON string is YAML too)."""
    return json.dumps(text, ensure_ascii=False)


def brief_text(name: str, today: datetime.date, taxonomies: tuple[str, ...]) -> str:
    """A new brief: the required keys filled in, every other key present as a comment showing its form."""
    terms = "".join(f"# {taxonomy}: [A term]\n" for taxonomy in taxonomies)
    return f"""---
title: {quoted(name)}
summary: {quoted(f"One sentence on who {name} is and why it matters to us.")}
updated: {today.isoformat()}
# Remove the # before a key to use it. Every key is described in docs/writing.md.
# aliases: [Another name it goes by]
# website: https://example.com/
# headquarters: City, Country
# listing: Exchange and ticker
# draft: true
{terms}# landscape: {{x: 0.5, y: 0.5}}
# strengths:
#   - text: What it does well
#     source: a-source-id
#     confidence: reported  # {" | ".join(CONFIDENCE)}
# weaknesses:
#   - text: Where it is weak
#     source: a-source-id
# relations:
#   - to: another-brief-slug
#     type: competitor  # {" | ".join(RELATION_TYPES)}
#     confidence: reported
#     threat: medium  # {" | ".join(THREATS)}: how much this company threatens the other
#     horizon: near-term  # {" | ".join(HORIZONS)}
#     note: What the source says about the two
#     source: a-source-id
# events:
#   - date: 2021-03
#     title: What happened
#     source: a-source-id
# people:
#   - name: A Name
#     role: Their role
---

## Overview

What the sources say about {name}. Cite a source of sources.yml as `[@a-source-id]`
and link another brief as `[[another-brief-slug]]`.
"""


def new_brief(content: Path, name: str, slug: str | None, today: datetime.date, taxonomies: tuple[str, ...]) -> Path | Problem:
    """Write `content/companies/<slug>.md` for `name`; never over an existing file."""
    name = name.strip()
    if not name:
        return Problem("new", 0, "the company's name is empty; give it as: new \"Company Name\"")
    slug = slug if slug is not None else slug_of(name)
    if not slug:
        return Problem("new", 0, f"'{name}' has no Latin letters or digits to make a file name of; give one with --slug, such as --slug byd")
    if not is_brief_slug(slug) or too_long(slug + ".md"):
        return Problem("new", 0, f"--slug '{slug}' is not a brief's file name: use lowercase letters, digits and single hyphens, such as great-wall-motors")
    companies = content / "companies"
    if not companies.is_dir():
        return Problem(str(companies), 0, "is not a folder; run this in a site's folder (one `init` made), or name its content folder with --content")
    path = companies / f"{slug}.md"
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(brief_text(name, today, taxonomies))
    except FileExistsError:
        return Problem(str(path), 0, "exists already; edit it, or give the new brief another file name with --slug")
    except OSError as exc:
        return Problem(str(path), 0, f"cannot be written: {exc.strerror}")
    return path


SITE_YML = """\
title: {title}
# The address the site will be published at (GitHub Pages: https://<user>.github.io/<repository>/).
base_url: https://example.github.io/{folder}/
description: A competitive briefing.
language: en
taxonomies: [partnerships, positioning, threats]
"""
SOURCES_YML = """\
# Every source a brief cites, by an id of your choice: cite it as [@example-report] in a body,
# or as `source: example-report` on a relation, strength, weakness or event.
example-report:
  title: The report the first brief cites
  publisher: A publisher
  date: "2021-03"
  # url: https://example.com/the-report
"""
FIRST_BRIEF = """\
---
title: Example Motors
summary: A made-up carmaker that shows what a brief looks like; replace it with a real one.
updated: {today}
positioning: [Mass market]
strengths:
  - text: Sells a low-priced electric car
    source: example-report
    confidence: reported
---

## Overview

Example Motors is not a real company. The example report says it plans a
second model [@example-report]. Add a brief beside this one with
`briefing new "Company Name"`.
"""
GITIGNORE = "site/\n.briefing-cache/\n.site.briefing-lock\n"


def init_site(folder: Path, today: datetime.date) -> list[Path] | Problem:
    """Make `folder` a new site that builds at once with the packaged theme; never in a folder that holds files."""
    try:
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            return Problem(str(folder), 0, "is not an empty folder; give init a new or empty folder")
        content = folder / "content"
        (content / "companies").mkdir(parents=True)
        title = folder.resolve().name.replace("-", " ").replace("_", " ").strip().capitalize() or "Briefing"
        files = {
            content / "site.yml": SITE_YML.format(title=quoted(title), folder=slug_of(folder.resolve().name) or "briefing"),
            content / "sources.yml": SOURCES_YML,
            content / "companies" / "example-motors.md": FIRST_BRIEF.format(today=today.isoformat()),
            folder / ".gitignore": GITIGNORE,
        }
        for path, text in files.items():
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
    except OSError as exc:
        return Problem(str(folder), 0, f"cannot be made a site: {exc.strerror or exc}")
    return list(files)
