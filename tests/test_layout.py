"""briefing.layout: the relationship map's boxes, the landscape's labels, text widths."""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from briefing import layout
from briefing.layout import (
    LABEL_GAP,
    MARGIN,
    NODE_GAP,
    distance_to_box,
    place_labels,
    spread_network,
    text_width,
)

CHROMIUM = Path("/usr/bin/chromium")
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def random_network(nodes: int, links: int, seed: int = 1) -> tuple[list[tuple[float, float]], list[tuple[int, int, float]]]:
    """(sizes, links): boxes 30 to 220 wide, 16 to 40 high, and random links of weight 0.5 to 3."""
    rng = random.Random(seed)
    sizes = [(round(rng.uniform(30, 220), 1), round(rng.uniform(16, 40), 1)) for _ in range(nodes)]
    pairs = [(rng.randrange(nodes), rng.randrange(nodes), round(rng.uniform(0.5, 3), 2)) for _ in range(links)]
    return sizes, pairs


def smallest_gap(centres, sizes) -> float:
    """The least distance between any two boxes, over every pair (negative when some overlap)."""
    gaps = (
        max(abs(a[0] - b[0]) - (sa[0] + sb[0]) / 2, abs(a[1] - b[1]) - (sa[1] + sb[1]) / 2)
        for (a, sa), (b, sb) in itertools.combinations(zip(centres, sizes), 2)
    )
    return min(gaps, default=math.inf)


def extent(centres, sizes) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of all the boxes."""
    return (
        min(x - w / 2 for (x, _), (w, _) in zip(centres, sizes)),
        min(y - h / 2 for (_, y), (_, h) in zip(centres, sizes)),
        max(x + w / 2 for (x, _), (w, _) in zip(centres, sizes)),
        max(y + h / 2 for (_, y), (_, h) in zip(centres, sizes)),
    )


def assert_rounded(centres) -> None:
    for x, y in centres:
        assert type(x) is float and type(y) is float
        assert x == round(x, 1) and y == round(y, 1)


# spread_network


@pytest.fixture(scope="module")
def big_map():
    sizes, links = random_network(300, 600)
    return sizes, links, spread_network(sizes, links)


def test_300_boxes_never_overlap(big_map):
    sizes, _, centres = big_map
    assert len(centres) == 300
    assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9


def test_boxes_start_at_the_margin(big_map):
    sizes, _, centres = big_map
    left, top, _, _ = extent(centres, sizes)
    assert MARGIN - 1e-9 <= left < MARGIN + 0.1
    assert MARGIN - 1e-9 <= top < MARGIN + 0.1


def test_the_margin_is_exact_for_whole_sizes():
    sizes = [(float(w), float(h)) for w, h in [(120, 24), (75, 31), (200, 18), (33, 40)]]
    centres = spread_network(sizes, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)])
    left, top, _, _ = extent(centres, sizes)
    assert (left, top) == (MARGIN, MARGIN)


def test_the_map_is_compact_and_landscape(big_map):
    sizes, _, centres = big_map
    _, _, right, bottom = extent(centres, sizes)
    width, height = right + MARGIN, bottom + MARGIN
    assert 1.0 <= width / height <= 2.2
    boxes = sum(w * h for w, h in sizes)
    assert 2.5 * boxes <= width * height <= 8 * boxes


def test_the_map_grows_with_its_boxes(big_map):
    sizes, _, centres = big_map
    small_sizes, small_links = random_network(7, 8, seed=3)
    small = spread_network(small_sizes, small_links)
    _, _, right, bottom = extent(small, small_sizes)
    _, _, big_right, big_bottom = extent(centres, sizes)
    assert right * bottom * 10 < big_right * big_bottom
    assert 600 < right < 1000 and bottom < 700  # room enough to see the links of a small map, and no more


def test_linked_nodes_are_nearer_than_others(big_map):
    _, links, centres = big_map
    linked = [math.dist(centres[i], centres[j]) for i, j, _ in links if i != j]
    every = [math.dist(a, b) for a, b in itertools.combinations(centres, 2)]
    assert sum(linked) / len(linked) < 0.6 * sum(every) / len(every)


def test_stronger_links_pull_closer():
    sizes = [(80.0, 24.0)] * 3
    centres = spread_network(sizes, [(0, 1, 10.0), (1, 2, 0.2), (0, 2, 0.2)])
    assert math.dist(centres[0], centres[1]) < math.dist(centres[1], centres[2])
    assert math.dist(centres[0], centres[1]) < math.dist(centres[0], centres[2])


def test_coordinates_are_floats_rounded_to_a_tenth(big_map):
    assert_rounded(big_map[2])


def test_the_same_input_gives_the_same_map(big_map):
    sizes, links, centres = big_map
    assert spread_network(sizes, links) == centres
    assert spread_network(list(sizes), [list(link) for link in links]) == centres


def test_the_same_input_gives_the_same_map_in_another_process(big_map):
    sizes, links, centres = big_map
    script = "import json, sys\nfrom briefing.layout import spread_network\nsizes, links = json.load(sys.stdin)\nprint(json.dumps(spread_network(sizes, links)))\n"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # sets and dicts ordered otherwise must not matter
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps([sizes, links]), capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=True)
    assert [tuple(centre) for centre in json.loads(done.stdout)] == list(centres)


def test_a_different_seed_gives_a_different_map():
    sizes, links = random_network(20, 30)
    assert spread_network(sizes, links, seed=1) != spread_network(sizes, links, seed=2)


def test_no_nodes():
    assert spread_network([], []) == ()


def test_one_node_sits_at_the_margin():
    assert spread_network([(100.0, 20.0)], []) == ((MARGIN + 50, MARGIN + 10),)


@pytest.mark.parametrize("links", [[], [(0, 1, 1.0)]])
def test_two_nodes(links):
    sizes = [(100.0, 20.0), (60.0, 30.0)]
    centres = spread_network(sizes, links)
    assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9
    left, top, right, bottom = extent(centres, sizes)
    assert (left, top) == (MARGIN, MARGIN)
    assert right < 520 and bottom < 300


def test_seven_nodes():
    sizes, links = random_network(7, 8, seed=3)
    centres = spread_network(sizes, links)
    assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9
    assert_rounded(centres)
    _, _, right, bottom = extent(centres, sizes)
    assert 0.8 <= (right + MARGIN) / (bottom + MARGIN) <= 2.5


def test_disconnected_groups_stay_together():
    # two groups of ten, each linked all round, and five nodes linked to nothing
    sizes = [(110.0, 24.0)] * 25
    links = [(a + base, b + base, 1.0) for base in (0, 10) for a, b in itertools.combinations(range(10), 2)]
    centres = spread_network(sizes, links)
    assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9
    _, _, right, bottom = extent(centres, sizes)
    assert right * bottom < 10 * sum(w * h for w, h in sizes)
    assert right / bottom < 3
    within = [math.dist(centres[a], centres[b]) for a, b, _ in links]
    across = [math.dist(centres[a], centres[b]) for a in range(10) for b in range(10, 20)]
    assert max(within) < min(across) * 2 and sum(within) / len(within) < sum(across) / len(across)


def test_repeated_links_add_up_and_self_links_are_ignored():
    sizes, links = random_network(12, 15, seed=5)
    doubled = [(i, j, 2 * weight) for i, j, weight in links]
    repeated = links + links + [(i, i, 5.0) for i in range(12)]
    assert spread_network(sizes, repeated) == spread_network(sizes, doubled)


def test_more_nodes_than_the_spring_layout_takes_still_never_overlap():
    sizes, links = random_network(520, 700, seed=9)
    centres = spread_network(sizes, links)
    assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9
    assert extent(centres, sizes)[:2] == pytest.approx((MARGIN, MARGIN), abs=0.1)


def test_a_crowd_on_one_spot_is_cleared():
    # A spring layout never piles nodes up like this, but packed() must cope, past MAX_SPOTS too.
    sizes = [(float(30 + 7 * (i % 20)), 20.0 + i % 3) for i in range(150)]
    centres = layout.packed([(0.0, 0.0)] * 150, sizes, NODE_GAP)
    assert smallest_gap(centres, sizes) >= NODE_GAP


def test_boxes_of_no_size_and_equal_boxes_never_overlap():
    for sizes in ([(0.0, 0.0)] * 12, [(150.0, 30.0)] * 40):
        centres = spread_network(sizes, [(0, 1, 1.0)])
        assert smallest_gap(centres, sizes) >= NODE_GAP - 1e-9


@pytest.mark.parametrize(
    "sizes, links",
    [
        ([(10, 10), (10, 10)], [(0, 2, 1.0)]),
        ([(10, 10), (10, 10)], [(-1, 0, 1.0)]),
        ([(10, 10), (10, 10)], [(0, 1, 0.0)]),
        ([(10, 10), (10, 10)], [(0, 1, float("nan"))]),
        ([(10, -1), (10, 10)], []),
        ([(float("inf"), 10)], []),
    ],
)
def test_bad_input_is_a_value_error(sizes, links):
    with pytest.raises(ValueError):
        spread_network(sizes, links)


# place_labels


def clustered_points(count: int, seed: int = 4) -> list[tuple[float, float]]:
    """A third of the points within a unit of (300, 200), the rest around three spots."""
    rng = random.Random(seed)
    spots = [(150.0, 120.0), (420.0, 260.0), (300.0, 330.0)]
    points = []
    for i in range(count):
        if i < count // 3:
            points.append((300 + rng.uniform(-1, 1), 200 + rng.uniform(-1, 1)))
        else:
            x, y = rng.choice(spots)
            points.append((x + rng.gauss(0, 25), y + rng.gauss(0, 25)))
    return points


def label_sizes(count: int, seed: int = 4) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    names = ["BYD", "Li Auto", "NIO", "Great Wall Motors", "Zhejiang Geely Holding", "Škoda", "蔚来汽车", "XPeng", "Leapmotor", "Mercedes-Benz"]
    return [(text_width(rng.choice(names), 11), 14.0) for _ in range(count)]


def assert_labels_clear(points, radius, sizes, labels, gap=LABEL_GAP) -> None:
    """No label closer than `gap` to another label, nor to any dot's square."""
    assert smallest_gap(labels, sizes) >= gap - 1e-9
    for (x, y), (w, h) in zip(labels, sizes):
        for px, py in points:
            assert max(abs(x - px) - w / 2 - radius, abs(y - py) - h / 2 - radius) >= gap - 1e-9


BOUNDS = (40.0, 40.0, 560.0, 400.0)


@pytest.fixture(scope="module")
def clustered_labels():
    points, sizes = clustered_points(50), label_sizes(50)
    given = list(points)
    return points, sizes, place_labels(points, 4.0, sizes, BOUNDS), given


def test_labels_overlap_no_label_and_no_dot(clustered_labels):
    points, sizes, labels, _ = clustered_labels
    assert len(labels) == 50
    assert_labels_clear(points, 4.0, sizes, labels)


def test_points_do_not_move(clustered_labels):
    points, _, _, given = clustered_labels
    assert points == given


def test_labels_are_the_same_every_time(clustered_labels):
    points, sizes, labels, _ = clustered_labels
    assert place_labels(points, 4.0, sizes, BOUNDS) == labels
    assert_rounded(labels)


def test_crowded_labels_move_out_and_the_rest_stay_beside_their_points(clustered_labels):
    points, sizes, labels, _ = clustered_labels
    distances = [distance_to_box(point, label, size) for point, label, size in zip(points, labels, sizes)]
    beside = 1.5 * (4.0 + LABEL_GAP) + 1  # the far corner of a diagonal spot, and rounding
    assert sum(d > 3 * beside for d in distances[:16]) >= 10  # the clump of 16 cannot all be beside their points
    assert sum(d <= beside for d in distances[16:]) >= 15
    assert sum(not (BOUNDS[0] <= x - w / 2 and x + w / 2 <= BOUNDS[2] and BOUNDS[1] <= y - h / 2 and y + h / 2 <= BOUNDS[3]) for (x, y), (w, h) in zip(labels, sizes)) <= 5


def test_a_lone_label_goes_right_of_its_point():
    (x, y), = place_labels([(100.0, 100.0)], 5.0, [(60.0, 14.0)], (0.0, 0.0, 400.0, 400.0))
    assert y == 100.0
    assert x - 30 - 100 == pytest.approx(5.0 + LABEL_GAP, abs=0.3)


def test_a_label_stays_inside_the_plot_if_it_can():
    (x, y), = place_labels([(390.0, 100.0)], 5.0, [(60.0, 14.0)], (0.0, 0.0, 400.0, 400.0))
    assert x + 30 < 390 and y == 100.0  # on the left, since the right would cross the edge


def test_labels_in_a_plot_too_small_still_find_room():
    points = [(5.0 + i % 3, 5.0 + i % 2) for i in range(30)]
    sizes = [(80.0, 14.0)] * 30
    labels = place_labels(points, 3.0, sizes, (0.0, 0.0, 10.0, 10.0))
    assert_labels_clear(points, 3.0, sizes, labels)


def test_no_points_no_labels():
    assert place_labels([], 4.0, [], BOUNDS) == ()


def test_points_and_sizes_must_pair_up():
    with pytest.raises(ValueError):
        place_labels([(1.0, 1.0)], 4.0, [], BOUNDS)


# text_width


def test_no_text_has_no_width():
    assert text_width("", 13) == 0


def test_longer_text_is_wider():
    rng = random.Random(2)
    text = "".join(rng.choice("aAbWil.,-&Éé蔚来 mM") for _ in range(60))
    widths = [text_width(text[:end], 13) for end in range(len(text) + 1)]
    assert all(a < b for a, b in itertools.pairwise(widths))


def test_wide_characters_are_wider():
    assert text_width("蔚来汽车", 13) >= 4 * 13
    assert text_width("蔚来汽车", 13) > text_width("Nioo", 13)
    assert text_width("ＡＢ", 13) > text_width("AB", 13)
    assert text_width("W", 13) > text_width("n", 13) > text_width("i", 13)
    assert text_width("M", 13) > text_width("m", 13) * 0.8


def test_accents_add_nothing():
    assert text_width("Société", 13) == text_width("Societe", 13)
    assert text_width("Cafe\u0301", 13) == text_width("Cafe", 13)


def test_width_grows_with_the_font_size():
    assert text_width("Great Wall Motors", 26) == pytest.approx(2 * text_width("Great Wall Motors", 13), abs=0.2)


BROWSER_TEXTS = [
    "BYD",
    "Li Auto",
    "Great Wall Motors",
    "Zhejiang Geely Holding Group Co., Ltd.",
    "WWW MMM",
    "iiiiii llll",
    "Société Générale S.A.",
    "Škoda Auto a.s.",
    "Łódź & Ørsted — Œuvre",
    "Müller & Söhne GmbH (Zürich)",
    "Dvořák 3M 2025 100%",
    "Яндекс Щукин Жигули",
    "Αθήνα Ωμέγα",
    "@home.com",
]


@pytest.mark.slow
def test_the_estimate_is_not_narrower_than_chromium_draws_it():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; .ci/run must install it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page()
            page.set_content('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="100"><text id="t" x="0" y="50"></text></svg>')
            drawn = page.evaluate(
                """([texts, family]) => {
                    const text = document.getElementById("t");
                    text.setAttribute("font-size", "13");
                    text.setAttribute("font-family", family);
                    return texts.map(t => { text.textContent = t; return Math.max(text.getComputedTextLength(), text.getBBox().width); });
                }""",
                [BROWSER_TEXTS, FONT_FAMILY],
            )
        finally:
            browser.close()
    ratios = [width / text_width(text, 13) for text, width in zip(BROWSER_TEXTS, drawn)]
    assert max(ratios) <= 1.0, list(zip(BROWSER_TEXTS, ratios))
    assert sum(ratios) / len(ratios) >= 0.75  # conservative, not wildly so
