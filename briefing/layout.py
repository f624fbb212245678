"""Where things go in the site's SVG diagrams: the relationship map and the landscape.

Pure functions over plain data: sizes, links and points in, centres out, as tuples
of floats in drawing units (y grows downwards, the drawing's top-left near (0, 0)).
Every result is rounded to 0.1 and is the same for the same input, call after call
and process after process, so a rebuilt page does not change for nothing.

- spread_network: a force-directed layout of boxes (node + label) that never overlap.
- place_labels: labels beside fixed scatter points, overlapping no label and no dot.
- text_width: a width that a label's text, once rendered, should not exceed.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Point = tuple[float, float]
Size = tuple[float, float]
Link = tuple[int, int, float]
Box = tuple[float, float, float, float]  # centre x, centre y, half width, half height

MARGIN = 8.0  # from the drawing's top and left edges to the nearest box
NODE_GAP = 4.0  # between any two boxes of spread_network
LABEL_GAP = 2.0  # between a label and any other label or dot of place_labels
# Centres are rounded to 0.1 at the end, which can bring two boxes up to 0.1 closer:
# they are spaced with this much to spare, so the gap promised above survives rounding.
ROUNDING_SLACK = 0.2
AREA_PER_BOX_AREA = 3.5  # the spring layout is scaled to about this many times the boxes' total area
SMALL_MAP_WIDTH = 760.0  # the least width a map of 9 boxes or more is spread over...
SMALL_MAP_WIDTH_PER_ROOT = 260.0  # ... and of fewer: this times the square root of their number
ASPECT = 1.5  # width / height the spring layout is widened towards (at most 2x) when squarer
MAX_ASPECT = 2.0  # ... and narrowed towards (at most 4x) when wider
EVENING = 0.6  # how far evened_out() moves the spring layout towards even spacing (0: not at all, 1: all the way)
GRAVITY = 0.1  # the weight of a hidden link from each node to the map's middle, against links of weight 1 on average
MAX_SPOTS = 200  # spots nearest_free() tries for a box before it gives up on the crowd
GRID_CELL = 32.0  # place_labels files dots and labels by square cells of this side, to test only those near a spot
SPRING_LIMIT = 500  # networkx lays out this many nodes or more with scipy, which is not installed


# The relationship map


def spread_network(sizes: Sequence[Size], links: Sequence[Link], seed: int = 7) -> tuple[Point, ...]:
    """The centre of each node's box, in the order of `sizes`, for a map of boxes joined by links.

    `sizes` holds each node's (width, height); `links` holds (i, j, weight) with node
    indexes i and j and weight > 0, a stronger link pulling its two nodes closer
    (links repeated are added up, links from a node to itself are ignored).

    No two boxes come closer than NODE_GAP; the leftmost box's left edge and the topmost
    box's top edge are at MARGIN (to within the 0.1 of rounding, never less); the layout
    is scaled to the number and size of the boxes, wider than tall.

    The steps: networkx's spring layout, turned so it spreads most across, evened out,
    scaled to the boxes, then packed() places each box at the free spot nearest to
    where that put it, which is what guarantees the gaps.
    """
    boxes = checked_sizes(sizes)
    weights = merged_links(len(boxes), links)
    if not boxes:
        return ()
    gap = NODE_GAP + ROUNDING_SLACK
    centres = spring_positions(len(boxes), weights, seed)
    centres = scaled_to_boxes(evened_out(principal_axis_across(centres)), boxes, gap)
    centres = packed(centres, boxes, gap)
    return snapped_to_margin(centres, boxes)


def checked_sizes(sizes: Sequence[Size]) -> list[Size]:
    """The sizes as (float, float) pairs; ValueError for a negative or non-finite one."""
    checked = []
    for width, height in sizes:
        width, height = float(width), float(height)
        if not (0 <= width < math.inf and 0 <= height < math.inf):
            raise ValueError(f"a box's width and height must be finite and not negative, not {width}, {height}")
        checked.append((width, height))
    return checked


def merged_links(count: int, links: Sequence[Link]) -> dict[tuple[int, int], float]:
    """{(i, j): weight} with i < j, repeated links added up and self-links dropped; ValueError for a bad link."""
    weights: dict[tuple[int, int], float] = {}
    for i, j, weight in links:
        if not (0 <= i < count and 0 <= j < count):
            raise ValueError(f"link ({i}, {j}) names a node that is not among the {count} nodes")
        if not 0 < weight < math.inf:
            raise ValueError(f"link ({i}, {j}) has weight {weight}; weights must be above 0")
        if i != j:
            pair = (min(i, j), max(i, j))
            weights[pair] = weights.get(pair, 0.0) + float(weight)
    return weights


def spring_positions(count: int, weights: dict[tuple[int, int], float], seed: int) -> list[Point]:
    """Fruchterman-Reingold positions of `count` nodes (networkx's spring layout), within about [-1, 1]."""
    if count == 1:
        return [(0.0, 0.0)]
    if count + 1 >= SPRING_LIMIT:  # with the hidden hub
        # Far beyond any map the site draws: seeded scattered points, which packed()
        # then spreads out as it does any others.
        rng = random.Random(seed)
        return [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(count)]
    import networkx as nx  # here only: it brings numpy, which is slow to import

    # Weights are taken relative to their mean, so that only their ratios shape the map.
    mean = sum(weights.values()) / len(weights) if weights else 1.0
    graph = nx.Graph()
    graph.add_nodes_from(range(count + 1))
    graph.add_weighted_edges_from((i, j, weight / mean) for (i, j), weight in sorted(weights.items()))
    # Spring layouts have no gravity: unlinked nodes and small groups drift to the rim and
    # the rest is squeezed into the middle. A hidden hub pulling weakly on every node
    # keeps them all together; it is dropped afterwards.
    graph.add_weighted_edges_from((i, count, GRAVITY) for i in range(count))
    positions = nx.spring_layout(graph, seed=seed, weight="weight")
    return [(float(positions[node][0]), float(positions[node][1])) for node in range(count)]


def principal_axis_across(points: list[Point]) -> list[Point]:
    """The points rotated about their mean so that the direction they spread most along is horizontal."""
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    syy = sum((y - mean_y) ** 2 for _, y in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    cos, sin = math.cos(angle), math.sin(angle)
    return [((x - mean_x) * cos + (y - mean_y) * sin, (y - mean_y) * cos - (x - mean_x) * sin) for x, y in points]


def evened_out(points: list[Point]) -> list[Point]:
    """The points moved EVENING of the way, on each axis, towards evenly spaced places in the same order.

    A spring layout can be crowded in places (a group linked all round draws tight) and
    bare in others (unlinked nodes at the rim). Blending each coordinate with its rank
    keeps every point on the same side of every other while evening out the crowds,
    which packed() would otherwise have to clear box by box.
    """
    if len(points) < 2:
        return points
    columns = [evened_axis([point[axis] for point in points]) for axis in (0, 1)]
    return list(zip(*columns))


def evened_axis(values: list[float]) -> list[float]:
    """`values` moved EVENING of the way towards evenly spaced values over the same span, in the same order."""
    low, high = min(values), max(values)
    spacing = (high - low) / (len(values) - 1)
    evened = list(values)
    for rank, i in enumerate(sorted(range(len(values)), key=lambda i: (values[i], i))):
        evened[i] = (1 - EVENING) * values[i] + EVENING * (low + rank * spacing)
    return evened


def scaled_to_boxes(points: list[Point], boxes: list[Size], gap: float) -> list[Point]:
    """The points stretched into a landscape shape and scaled to span AREA_PER_BOX_AREA times the boxes' area."""
    area = AREA_PER_BOX_AREA * sum((width + gap) * (height + gap) for width, height in boxes)
    width = max(x for x, _ in points) - min(x for x, _ in points)
    height = max(y for _, y in points) - min(y for _, y in points)
    if width <= 0 or area <= 0:
        return points
    ratio = width / height if height > 0 else math.inf
    if ratio < ASPECT:
        stretch = min(ASPECT / ratio, 2.0)
    elif ratio > MAX_ASPECT:
        stretch = max(MAX_ASPECT / ratio, 0.25)
    else:
        stretch = 1.0
    width *= stretch
    # A layout along a line (two nodes, a chain) is given the area of a 2:1 rectangle
    # around it rather than an endless stretch.
    scale = math.sqrt(area / (width * max(height, width / MAX_ASPECT)))
    # A few boxes packed that tightly leave their links too short to see: a small map gets room.
    scale = max(scale, min(SMALL_MAP_WIDTH, SMALL_MAP_WIDTH_PER_ROOT * math.sqrt(len(points))) / width)
    return [(x * stretch * scale, y * scale) for x, y in points]


def too_close(a: Box, b: Box, gap: float) -> bool:
    """Whether boxes a and b overlap or come closer than `gap` (on both axes at once)."""
    return abs(a[0] - b[0]) < a[2] + b[2] + gap and abs(a[1] - b[1]) < a[3] + b[3] + gap


def packed(centres: list[Point], boxes: list[Size], gap: float) -> list[Point]:
    """The centres moved so that no two boxes come closer than `gap`, each as little as the boxes before it allow.

    Boxes are placed one by one from the middle of the layout outwards, each at the
    free spot nearest where the spring layout put it (see nearest_free()), so the
    crowded middle spreads out around the boxes already there.
    """
    if len(centres) < 2:
        return list(centres)
    import numpy as np  # usually loaded with networkx already; vectorised, the test against placed boxes is fast

    mean_x = sum(x for x, _ in centres) / len(centres)
    mean_y = sum(y for _, y in centres) / len(centres)
    order = sorted(range(len(centres)), key=lambda i: ((centres[i][0] - mean_x) ** 2 + (centres[i][1] - mean_y) ** 2, i))
    placed = np.empty((len(centres), 4))  # one Box a row, in the order placed
    result = list(centres)
    for count, i in enumerate(order):
        half = (boxes[i][0] / 2, boxes[i][1] / 2)
        result[i] = nearest_free(centres[i], half, placed[:count], gap)
        placed[count] = (*result[i], *half)
    return result


def nearest_free(want: Point, half: Size, placed: np.ndarray, gap: float) -> Point:
    """The free spot nearest `want` for a box of half width and height `half`, given the `placed` boxes.

    Spots are tried nearest first, starting with `want`; each spot in the way of some
    boxes adds the spots just beside each of them (right, left, below, above). After
    MAX_SPOTS spots (a crowd that evened_out() did not thin), the box goes beside the
    whole crowd instead (see beside_all()).
    """
    queue = [(0.0, want)]
    seen = {want}
    for _ in range(MAX_SPOTS):
        if not queue:
            break
        _, spot = heapq.heappop(queue)
        in_the_way = placed[(abs(placed[:, 0] - spot[0]) < placed[:, 2] + half[0] + gap) & (abs(placed[:, 1] - spot[1]) < placed[:, 3] + half[1] + gap)]
        if not len(in_the_way):
            return spot
        for x, y, half_w, half_h in in_the_way.tolist():
            # The tiny extra keeps float rounding from leaving the two boxes a hair too close.
            beside_x, beside_y = half_w + half[0] + gap + 1e-6, half_h + half[1] + gap + 1e-6
            for near in ((x + beside_x, spot[1]), (x - beside_x, spot[1]), (spot[0], y + beside_y), (spot[0], y - beside_y)):
                if near not in seen:
                    seen.add(near)
                    heapq.heappush(queue, ((near[0] - want[0]) ** 2 + (near[1] - want[1]) ** 2, near))
    return beside_all(want, half, placed, gap)


def beside_all(want: Point, half: Size, placed: np.ndarray, gap: float) -> Point:
    """The nearest to `want` of the spots right of, left of, below and above all the `placed` boxes: free, whatever they are."""
    right = float((placed[:, 0] + placed[:, 2]).max()) + half[0] + gap + 1e-6
    left = float((placed[:, 0] - placed[:, 2]).min()) - half[0] - gap - 1e-6
    below = float((placed[:, 1] + placed[:, 3]).max()) + half[1] + gap + 1e-6
    above = float((placed[:, 1] - placed[:, 3]).min()) - half[1] - gap - 1e-6
    spots = [(right, want[1]), (left, want[1]), (want[0], below), (want[0], above)]
    return min(spots, key=lambda spot: (spot[0] - want[0]) ** 2 + (spot[1] - want[1]) ** 2)


def snapped_to_margin(centres: list[Point], boxes: list[Size]) -> tuple[Point, ...]:
    """The centres moved so the boxes start at MARGIN from the top and left, rounded up to 0.1."""
    left = min(x - width / 2 for (x, _), (width, _) in zip(centres, boxes))
    top = min(y - height / 2 for (_, y), (_, height) in zip(centres, boxes))
    return tuple((round_up(x - left + MARGIN), round_up(y - top + MARGIN)) for x, y in centres)


def round_up(value: float) -> float:
    """`value` rounded up to 0.1 (ignoring float noise below 1e-6), so a box never crosses the margin."""
    return math.ceil(round(value * 10, 6)) / 10


# The landscape's labels


def place_labels(points: Sequence[Point], marker_radius: float, sizes: Sequence[Size], bounds: tuple[float, float, float, float]) -> tuple[Point, ...]:
    """The centre of each point's label, in the order of `points`; the points themselves do not move.

    `sizes` holds each label's (width, height); `bounds` is the plot area (x0, y0, x1, y1).
    No label comes closer than LABEL_GAP to another label or to any point's dot (taken
    as its square of side 2 * marker_radius). Points are labelled top to bottom, then
    left to right. Each label takes the first free spot beside its point: right, left,
    above, below, then the four diagonals; failing those, spots ever further out (also
    stacked above and below the side spots), nearest first, inside `bounds` if any is
    free, else outside (the caller then grows the drawing). This always succeeds.

    A label beside its point has its nearest edge about marker_radius + LABEL_GAP from
    the point's centre (1.4 times that at a diagonal); see distance_to_box() for telling
    the labels pushed further out, which want a leader line.
    """
    if len(points) != len(sizes):
        raise ValueError(f"{len(points)} points but {len(sizes)} label sizes")
    sizes = checked_sizes(sizes)
    radius = float(marker_radius)
    dots: list[Box] = [(float(x), float(y), radius, radius) for x, y in points]
    grid: dict[tuple[int, int], list[Box]] = {}
    for dot in dots:
        file_box(grid, dot)
    lowest = max((y + radius for _, y, _, _ in dots), default=0.0)  # the bottom edge of the lowest dot or label
    labels: list[Point] = [(0.0, 0.0)] * len(points)
    for i in sorted(range(len(points)), key=lambda i: (points[i][1], points[i][0], i)):
        size = sizes[i]
        labels[i] = free_spot(dots[i][:2], radius, size, bounds, grid, lowest)
        file_box(grid, (labels[i][0], labels[i][1], size[0] / 2, size[1] / 2))
        lowest = max(lowest, labels[i][1] + size[1] / 2)
    return tuple(labels)


def free_spot(point: Point, radius: float, size: Size, bounds: tuple[float, float, float, float], grid: dict[tuple[int, int], list[Box]], lowest: float) -> Point:
    """The nearest free spot for a label of `size` around `point`: inside `bounds` if any, else outside."""
    step = size[1] + LABEL_GAP + ROUNDING_SLACK
    # By the last ring, the spot straight below the point lies below everything in `grid`, so it is free.
    last_ring = max(0, math.ceil((lowest - point[1]) / step)) + 1
    # Past this ring every spot lies wholly outside the plot area.
    last_inside = min(last_ring, math.ceil((bounds[2] - bounds[0] + bounds[3] - bounds[1]) / step) + 1)
    outside = None
    for ring in range(last_ring + 1):
        for spot in ring_spots(point, radius, size, ring):
            if is_free((spot[0], spot[1], size[0] / 2, size[1] / 2), grid, LABEL_GAP):
                if inside(spot, size, bounds):
                    return spot
                if outside is None:
                    outside = spot
        if outside is not None and ring >= last_inside:
            return outside
    raise AssertionError("unreachable: the last ring's spot below the point is free")


def grid_cells(box: Box, margin: float) -> list[tuple[int, int]]:
    """The GRID_CELL cells that `box`, grown by `margin` on every side, touches."""
    left = math.floor((box[0] - box[2] - margin) / GRID_CELL)
    right = math.floor((box[0] + box[2] + margin) / GRID_CELL)
    top = math.floor((box[1] - box[3] - margin) / GRID_CELL)
    bottom = math.floor((box[1] + box[3] + margin) / GRID_CELL)
    return [(column, row) for column in range(left, right + 1) for row in range(top, bottom + 1)]


def file_box(grid: dict[tuple[int, int], list[Box]], box: Box) -> None:
    """Files `box` in `grid` under every cell it touches (the one function here that changes its input)."""
    for cell in grid_cells(box, 0.0):
        grid.setdefault(cell, []).append(box)


def is_free(box: Box, grid: dict[tuple[int, int], list[Box]], gap: float) -> bool:
    """Whether no box filed in `grid` comes closer than `gap` to `box`."""
    return not any(too_close(box, other, gap) for cell in grid_cells(box, gap) for other in grid.get(cell, ()))


def ring_spots(point: Point, radius: float, size: Size, ring: int) -> list[Point]:
    """The label centres tried at distance `ring` (0: touching the dot), nearest first, rounded to 0.1.

    Ring 0 is right, left, above, below, then the diagonals; ring k moves those k label
    heights further out and adds the side spots moved k label heights up and down.
    """
    x, y = point
    width, height = size
    side = radius + LABEL_GAP + ROUNDING_SLACK + width / 2  # from the point to a label right or left of it
    end = radius + LABEL_GAP + ROUNDING_SLACK + height / 2  # from the point to a label above or below it
    out = ring * (height + LABEL_GAP + ROUNDING_SLACK)
    spots = [(x + side + out, y), (x - side - out, y), (x, y - end - out), (x, y + end + out)]
    if ring:
        spots += [(x + side, y - out), (x + side, y + out), (x - side, y - out), (x - side, y + out)]
    spots += [(x + side + out, y - end - out), (x - side - out, y - end - out), (x + side + out, y + end + out), (x - side - out, y + end + out)]
    # Sorting is stable: equal distances (rounded, so float noise does not decide) keep the order above.
    spots.sort(key=lambda spot: round(distance_to_box(point, spot, size), 6))
    return [(round(sx, 1), round(sy, 1)) for sx, sy in spots]


def inside(centre: Point, size: Size, bounds: tuple[float, float, float, float]) -> bool:
    """Whether a box of `size` at `centre` lies wholly within bounds (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = bounds
    return x0 <= centre[0] - size[0] / 2 and centre[0] + size[0] / 2 <= x1 and y0 <= centre[1] - size[1] / 2 and centre[1] + size[1] / 2 <= y1


def distance_to_box(point: Point, centre: Point, size: Size) -> float:
    """The distance from `point` to the nearest point of the box of `size` centred at `centre` (0 inside it)."""
    dx = max(abs(point[0] - centre[0]) - size[0] / 2, 0.0)
    dy = max(abs(point[1] - centre[1]) - size[1] / 2, 0.0)
    return math.hypot(dx, dy)


# Text


# Widths in em, each at least 4% above the widest of DejaVu Sans (what a Linux browser's
# sans-serif usually is, and among the widest) and Liberation Sans (Arial's metrics), as
# measured in Chromium. Other common UI fonts (Segoe UI, San Francisco, Roboto) are narrower.
EM_WIDTHS = {
    0.35: " ',.Iijl·ıł‘’‚Ι\u00a0",
    0.42: "!()-/:;[\\]frt|¡¦ŧ‹›ι",
    0.58: "\"*?JL_`csz§°–“”„†‡Γεζξгзсэ",
    0.67: "$0123456789FTabdeghknopquvxy{}¢£¤¥«¶»¿ßðøþđĸŁŋŦ•€ΣΤβγδηθκλμνορςστυχГЗТУабвеклортухчья",
    0.74: "ABEKPSVXYZÞħΑΒΔΕΖΚΛΞΡΥΧαπφАБВЕКРХЧЬдинпцъ",
    0.82: "&CDGHNOQRUÐØĐŊΗΘΝΟΠΩψДИЛНОПСЦЭЯм",
    0.9: "#+<=>M^w~¬±×÷−ΜΦΨωМФЪфыю",
    1.04: "%Wm©®ÆæĦ—…™Ыжшщ",
    1.15: "@ŒœЖШЩЮ",
    1.45: "‰",
}
EM_WIDTH = {char: em for em, chars in EM_WIDTHS.items() for char in chars}
WIDE_EM = 1.0  # CJK fonts draw ideographs, kana and hangul on a 1-em grid
EMOJI_EM = 1.3  # colour emoji fonts draw about 1.25 em
OTHER_EM = 1.04  # anything else unknown: as wide as an 'm'


@functools.lru_cache(maxsize=65536)  # a site's titles and wordings come back on many pages
def text_width(text: str, font_size: float) -> float:
    """The width, in px and rounded up to 0.1, that `text` at `font_size` px in a sans-serif font should not exceed."""
    return round_up(sum(char_em(char) for char in text) * font_size)


@functools.lru_cache(maxsize=4096)
def char_em(char: str) -> float:
    """The width of one character in em: from EM_WIDTHS, or by its Unicode properties."""
    if char in EM_WIDTH:
        return EM_WIDTH[char]
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):  # combining accents, joiners, soft hyphens, direction marks
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return EMOJI_EM if category == "So" else WIDE_EM
    if category == "Cc":  # a tab or newline shows as a space, if at all
        return EM_WIDTH[" "]
    if category == "Zs":  # en, em, thin... spaces, whose compatibility form is a plain space
        return OTHER_EM
    parts = unicodedata.normalize("NFKD", char)
    if parts != char:  # 'é' is 'e' and an accent, 'ǆ' is 'dž', 'ｱ' is 'ア'
        return sum(char_em(part) for part in parts)
    return OTHER_EM
