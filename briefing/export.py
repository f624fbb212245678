"""The site's data for other tools: /data/companies.json, /data/relations.csv and /data/events.csv.

Each file is a view whose item is its plain data (views.py); the templates
write it with the `json` and `csv` filters. CSV follows RFC 4180 (a header row,
CRLF, quotes where needed) in UTF-8 with a byte order mark, so that a
spreadsheet opens it with its accents; a cell that a spreadsheet would run as a
formula (starting with =, +, -, @, a tab or a carriage return) gets a leading
apostrophe, in the CSV only: the JSON keeps every value as written.
"""

from __future__ import annotations

import csv
import io
import json

from . import urls
from .model import RELATION_LABELS, Site

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RELATION_COLUMNS = ("from", "to", "type", "from_label", "to_label", "confidence", "threat", "horizon", "source", "note")
EVENT_COLUMNS = ("date", "company", "title", "confidence", "source")


def companies_data(site: Site) -> tuple[dict, ...]:
    """Every company as companies.json gives it, in title order; its relations as its brief writes them."""
    base = site.settings.base_url
    return tuple(
        {
            "slug": company.slug,
            "title": company.title,
            "url": urls.absolute(base, company.url),
            "summary": brief.summary,
            "updated": brief.updated.isoformat(),
            "stale": company.stale,
            "aliases": list(brief.aliases),
            "terms": {taxonomy: [term.name for term in terms] for taxonomy, terms in company.terms},
            "relations": [
                {"to": r.to.name, "type": r.type, "confidence": r.confidence, "threat": r.threat or None, "horizon": r.horizon or None,
                 "note": r.note or None, "source": r.source.name if r.source else None}
                for r in brief.relations
            ],
            "events": [
                {"date": str(e.date), "title": e.title, "confidence": e.confidence, "source": e.source.name if e.source else None}
                for e in brief.events
            ],
            "strengths": [point_data(p) for p in brief.strengths],
            "weaknesses": [point_data(p) for p in brief.weaknesses],
            "landscape": {"x": brief.landscape[0], "y": brief.landscape[1]} if brief.landscape else None,
        }
        for company in site.companies
        for brief in [company.brief]
    )


def point_data(point) -> dict:
    return {"text": point.text, "confidence": point.confidence, "source": point.source.name if point.source else None}


def relation_rows(site: Site) -> tuple[tuple[str, ...], ...]:
    """relations.csv: a header, then each relation as its brief writes it, briefs in title order."""
    rows = [RELATION_COLUMNS]
    for company in site.companies:
        for r in company.brief.relations:
            from_label, to_label = RELATION_LABELS[r.type]
            rows.append((company.slug, r.to.name, r.type, from_label, to_label, r.confidence, r.threat, r.horizon,
                         r.source.name if r.source else "", r.note))
    return tuple(rows)


def event_rows(site: Site) -> tuple[tuple[str, ...], ...]:
    """events.csv: a header, then every event as the timeline lists it (newest first), dates as written."""
    return (EVENT_COLUMNS, *((str(e.date), e.company.slug, e.title, e.confidence, e.source.id if e.source else "") for e in site.events))


def csv_text(rows: tuple[tuple[str, ...], ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(tuple("'" + cell if cell.startswith(FORMULA_STARTS) else cell for cell in row) for row in rows)
    return "\ufeff" + out.getvalue()


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
