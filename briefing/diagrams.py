"""The intelligence views' pictures as plain data: every shape placed, ready for a template to draw as SVG.

`network_map` (the relationship map), `local_map` (a company and its direct
neighbours), `threat_matrix` (who threatens whom) and `landscape_map` (the
2x2 positioning map) each take the model and return one immutable value with
coordinates in drawing units (1 unit = 1 CSS pixel at full size). Placement
is deterministic (layout.py): the same site gives the same bytes. The
templates (diagrams.html) only draw what is here, and escape every text.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .documents import RELATION_TYPES
from .layout import LABEL_GAP, distance_to_box, place_labels, spread_network, text_width
from .model import Company, CompanyRef, Edge, Site, Threat, sort_key
from .settings import Axes, Axis

MAP_LIMIT = 300  # the most companies the relationship map draws
HOME_MAP_LIMIT = 24  # the home page draws the most connected part
MATRIX_LIMIT = 40  # the most companies on each axis of the threat matrix's grid
LOCAL_LIMIT = 12  # the most neighbours a company page's small map draws
FONT = 13.0  # label size in the pictures
LINE = 16.0  # a label's line height
LABEL_CHARS = 28  # a longer title is shortened in the pictures (the full title is in its <title>)
MIN_RADIUS, MAX_RADIUS = 6.0, 16.0
# Which way a relation's arrow points, as the legend says it (None: no direction).
ARROWS = {
    "partner": None,
    "manufacturing": "to the manufacturer",
    "supplier": "to the supplier",
    "investor": "to the investor",
    "subsidiary": "to the parent",
    "competitor": "to the company threatened; thicker is a higher threat",
}
ARROW_LENGTH = 9.0  # diagrams.html draws arrowheads this long, beyond the end of their line
THREAT_WIDTHS = {"high": 4.5, "medium": 3.0, "low": 1.8, "unclear": 1.8}


def shorten(title: str, limit: int = LABEL_CHARS) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class MapNode:
    company: CompanyRef
    x: float  # the circle's centre
    y: float
    r: float
    label: str  # the title, shortened to fit (drawn under the circle)


@dataclass(frozen=True, slots=True)
class MapEdge:
    type: str
    by: CompanyRef  # the company whose brief writes the relation
    to: CompanyRef
    wording: str  # as the `from` page says it: "Manufactured by"
    confidence: str
    threat: str
    horizon: str
    x1: float  # from the edge of one circle to the edge of the other
    y1: float
    x2: float
    y2: float
    directed: bool

    @property
    def width(self) -> float:
        return THREAT_WIDTHS.get(self.threat, 1.8)

    @property
    def threat_words(self) -> str:
        """'high threat to Gamma, near-term'; '' for an edge that is not a competitor's."""
        if not self.threat:
            return ""
        return f"{self.threat} threat to {self.to.title}" + (f", {self.horizon}" if self.horizon else "")


@dataclass(frozen=True, slots=True)
class LegendEntry:
    type: str
    label: str  # "Manufacturing"
    arrow: str | None  # where the arrow points, in words


@dataclass(frozen=True, slots=True)
class NetworkMap:
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    width: float
    height: float
    legend: tuple[LegendEntry, ...]  # the relation types present, in the content model's order
    confidences: tuple[str, ...]  # the confidence levels present
    total: int  # companies in the site
    left_out: int  # companies not drawn (beyond the limit)


def network_map(companies: tuple[Company, ...], limit: int = MAP_LIMIT) -> NetworkMap:
    """The most connected `limit` companies and the relations between them, laid out."""
    degree = {c.slug: c.relation_count() for c in companies}
    drawn = sorted(companies, key=lambda c: (-degree[c.slug], sort_key(c.title)))[:limit]
    drawn.sort(key=lambda c: c.slug)  # the layout's input order does not depend on the degrees' ties
    index = {c.slug: i for i, c in enumerate(drawn)}
    relations = [
        (company.ref, edge)
        for company in drawn
        for group in company.relations
        for edge in group.edges
        if edge.outgoing and edge.other.slug in index
    ]
    radii = tuple(radius(degree[c.slug]) for c in drawn)
    labels = tuple(shorten(c.title) for c in drawn)
    sizes = tuple((max(2 * r, text_width(label, FONT)) + 6, 2 * r + 4 + LINE) for r, label in zip(radii, labels))
    pairs = Counter(tuple(sorted((index[by.slug], index[edge.other.slug]))) for by, edge in relations)  # relations between each two
    centres = spread(sizes, tuple((a, b, float(count)) for (a, b), count in sorted(pairs.items())))
    nodes = tuple(
        MapNode(c.ref, x, round(y - h / 2 + r + 2, 1), r, label)
        for c, (x, y), (_, h), r, label in zip(drawn, centres, sizes, radii, labels)
    )
    edges = tuple(sorted(placed_edges(nodes, index, relations, pairs), key=lambda e: (sort_key(e.by.title), e.wording, sort_key(e.to.title))))
    width = max((x + w / 2 for (x, _), (w, _) in zip(centres, sizes)), default=0) + 8
    height = max((y + h / 2 for (_, y), (_, h) in zip(centres, sizes)), default=0) + 8
    types = {edge.type for edge in edges}
    return NetworkMap(
        nodes=nodes,
        edges=edges,
        width=round(width, 1),
        height=round(height, 1),
        legend=tuple(LegendEntry(t, t.capitalize(), ARROWS[t]) for t in RELATION_TYPES if t in types),
        confidences=tuple(level for level in ("confirmed", "reported", "rumor") if any(e.confidence == level for e in edges)),
        total=len(companies),
        left_out=len(companies) - len(drawn),
    )


@lru_cache(maxsize=8)
def spread(sizes: tuple[tuple[float, float], ...], links: tuple[tuple[int, int, float], ...]) -> tuple[tuple[float, float], ...]:
    """layout.spread_network, kept for the process: the map is laid out again only when what it draws changed."""
    return spread_network(sizes, links)


def radius(degree: int) -> float:
    return min(MAX_RADIUS, MIN_RADIUS + 2.5 * math.sqrt(degree))


def placed_edges(nodes: tuple[MapNode, ...], index: dict[str, int], relations: list[tuple[CompanyRef, Edge]],
                 pairs: Counter[tuple[int, int]]):
    """Each relation as a line from circle to circle; two or more between one pair (`pairs` counts them) are drawn side by side."""
    seen: dict[tuple[int, int], int] = defaultdict(int)
    for by, edge in sorted(relations, key=lambda r: (r[0].slug, r[1].other.slug, r[1].type, r[1].note)):
        a, b = nodes[index[by.slug]], nodes[index[edge.other.slug]]
        pair = tuple(sorted((index[by.slug], index[edge.other.slug])))
        side = 1 if index[by.slug] < index[edge.other.slug] else -1  # the same side whichever way the line runs
        offset = side * (seen[pair] - (pairs[pair] - 1) / 2) * 5.0
        seen[pair] += 1
        directed = ARROWS[edge.type] is not None
        x1, y1, x2, y2 = between(a, b, offset, ARROW_LENGTH + 2 if directed else 1)
        yield MapEdge(edge.type, by, edge.other, edge.label, edge.confidence, edge.threat, edge.horizon, x1, y1, x2, y2, directed)


def between(a: MapNode, b: MapNode, offset: float, short: float) -> tuple[float, float, float, float]:
    """The line from a's circle to `short` units before b's (room for an arrow), moved `offset` units to its side."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = -uy * offset, ux * offset
    start, end = a.r + 1, b.r + short
    return (round(a.x + ux * start + nx, 1), round(a.y + uy * start + ny, 1),
            round(b.x - ux * end + nx, 1), round(b.y - uy * end + ny, 1))


@dataclass(frozen=True, slots=True)
class Spoke:
    """A neighbour on a company's small map, with every relation between the two in the page's own words."""

    other: CompanyRef
    wording: str  # "Partner of · Manufactured by"
    label: str  # the neighbour's title, shortened to fit
    rumor: bool  # every relation to it is a rumor
    path: str  # the line from the company to it: along, down (or up), along
    y: float  # its circle's centre (x is the map's neighbour_x)
    wording_y: float
    name_y: float


@dataclass(frozen=True, slots=True)
class LocalMap:
    title: str  # the company's shortened title
    x: float  # the company's circle
    y: float
    title_y: float
    neighbour_x: float
    wording_x: float  # where each spoke's wording ends
    name_x: float  # where each neighbour's name starts
    spokes: tuple[Spoke, ...]
    width: float
    height: float
    left_out: int

    @property
    def min_width(self) -> float:
        """The narrowest it is drawn (a narrower screen scrolls it): its text stays readable."""
        return round(self.width * 0.85, 1)


ROW = 40.0  # a neighbour's row on the small map
CENTRE_RADIUS = 16.0


def wording(edge: Edge) -> str:
    """An edge in its page's words: "Manufactured by", "Competes with · low threat to XPeng"."""
    if edge.type != "competitor":
        return edge.label
    direction = "to" if edge.outgoing else "from"
    return f"{edge.label} · {edge.threat} threat {direction} {shorten(edge.other.title, 20)}"


def local_map(company: Company) -> LocalMap:
    """The company on the left, each neighbour on a row of its own on the right, joined by elbow lines that
    never cross, each labelled with its wording."""
    by_other: dict[str, list[Edge]] = defaultdict(list)
    for group in company.relations:
        for edge in group.edges:
            by_other[edge.other.slug].append(edge)
    others = sorted(by_other.values(), key=lambda edges: (sort_key(edges[0].other.title), edges[0].other.slug))
    shown = others[:LOCAL_LIMIT]
    wordings = [" · ".join(dict.fromkeys(wording(e) for e in edges)) for edges in shown]
    title = shorten(company.title, 24)
    x = round(max(CENTRE_RADIUS + 8, text_width(title, FONT) / 2 + 8), 1)
    height = max(len(shown) * ROW + 16, 2 * CENTRE_RADIUS + LINE + 24)
    y = round(height / 2, 1)
    trunk = round(max(x + CENTRE_RADIUS, 2 * x - 8) + 8, 1)  # clear of the circle and of the title under it
    neighbour_x = round(trunk + 18 + max((text_width(w, FONT - 1) for w in wordings), default=0) + 16, 1)
    spokes = []
    for i, (edges, words) in enumerate(zip(shown, wordings)):
        spoke_y = round(8 + ROW * (i + 0.5), 1)
        path = f"M{x},{y} H{trunk:.1f} V{spoke_y} H{neighbour_x - 9:.1f}"
        spokes.append(Spoke(edges[0].other, words, shorten(edges[0].other.title), all(e.confidence == "rumor" for e in edges), path, spoke_y,
                            round(spoke_y - 6, 1), round(spoke_y + 4.5, 1)))
    name_width = max((text_width(s.label, FONT) for s in spokes), default=0)
    return LocalMap(title, x, y, round(y + CENTRE_RADIUS + 15, 1), neighbour_x, round(neighbour_x - 14, 1), round(neighbour_x + 12, 1), tuple(spokes),
                    round(neighbour_x + 12 + name_width + 8, 1), round(height, 1), len(others) - len(shown))


@dataclass(frozen=True, slots=True)
class ThreatMatrix:
    rows: tuple[CompanyRef, ...]  # companies posing threats, the highest first
    columns: tuple[CompanyRef, ...]  # companies facing threats, the highest first
    cells: tuple[tuple[Threat | None, ...], ...]  # cells[row][column]: the highest threat of the row's company to the column's
    threats: tuple[Threat, ...]  # every threat, highest first
    rows_left_out: int
    columns_left_out: int


def threat_matrix(threats: tuple[Threat, ...], limit: int = MATRIX_LIMIT) -> ThreatMatrix:
    """The grid of the companies posing and facing the highest threats (threats come highest first)."""
    rows = tuple(dict.fromkeys(t.by for t in threats))
    columns = tuple(dict.fromkeys(t.to for t in threats))
    highest: dict[tuple[str, str], Threat] = {}
    for threat in threats:
        highest.setdefault((threat.by.slug, threat.to.slug), threat)
    cells = tuple(tuple(highest.get((row.slug, column.slug)) for column in columns[:limit]) for row in rows[:limit])
    return ThreatMatrix(rows[:limit], columns[:limit], cells, threats, max(0, len(rows) - limit), max(0, len(columns) - limit))


@dataclass(frozen=True, slots=True)
class LandscapePoint:
    company: CompanyRef
    at: tuple[float, float]  # the brief's coordinates
    x: float  # the point in the drawing
    y: float
    label: str
    label_x: float  # the label's centre
    label_y: float
    leader: bool  # the label sits away from its point: a thin line joins them
    x_words: str  # the end of the x axis it is nearer, or 'middle'
    y_words: str


@dataclass(frozen=True, slots=True)
class LandscapeMap:
    axes: Axes
    points: tuple[LandscapePoint, ...]
    unplaced: tuple[CompanyRef, ...]
    plot: tuple[float, float, float, float]  # the plot area: x0, y0, x1, y1
    view: tuple[float, float, float, float]  # the drawing's viewBox: x, y, width, height


PLOT = (96.0, 24.0, 696.0, 524.0)  # room on the left and below for the axes' words
DOT = 6.0


def nearer_end(value: float, axis: Axis) -> str:
    return axis.high if value > 0.5 else axis.low if value < 0.5 else "middle"


def landscape_map(site: Site) -> LandscapeMap:
    """Every company with coordinates as a point on the 2x2, its label beside it; the others listed."""
    x0, y0, x1, y1 = PLOT
    axes = site.settings.landscape
    placed = [c for c in site.companies if c.brief.landscape is not None]  # in title order, as the table lists them
    points = [(round(x0 + c.brief.landscape[0] * (x1 - x0), 1), round(y1 - c.brief.landscape[1] * (y1 - y0), 1)) for c in placed]
    labels = [shorten(c.title) for c in placed]
    sizes = [(text_width(label, FONT) + 4, LINE) for label in labels]
    centres = place_labels(points, DOT, sizes, PLOT)
    landscape_points = tuple(
        LandscapePoint(c.ref, c.brief.landscape, px, py, label, lx, ly, distance_to_box((px, py), (lx, ly), size) > DOT + LABEL_GAP + 1,
                       nearer_end(c.brief.landscape[0], axes.x), nearer_end(c.brief.landscape[1], axes.y))
        for c, (px, py), label, (lx, ly), size in zip(placed, points, labels, centres, sizes)
    )
    left = min([0.0] + [lx - w / 2 - 4 for (lx, _), (w, _) in zip(centres, sizes)])
    top = min([0.0] + [ly - h / 2 - 4 for (_, ly), (_, h) in zip(centres, sizes)])
    right = max([x1 + 24] + [lx + w / 2 + 4 for (lx, _), (w, _) in zip(centres, sizes)])
    bottom = max([y1 + 64] + [ly + h / 2 + 4 for (_, ly), (_, h) in zip(centres, sizes)])
    return LandscapeMap(
        axes,
        landscape_points,
        tuple(c.ref for c in site.companies if c.brief.landscape is None),
        PLOT,
        (round(left, 1), round(top, 1), round(right - left, 1), round(bottom - top, 1)),
    )

