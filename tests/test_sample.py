"""The sample briefing in content/: it checks clean and its model shows every relation both ways."""

import datetime
import os

import pytest
from helpers import REPO, error_lines, load, run_build

from briefing.model import RELATION_LABELS

CONTENT = REPO / "content"
# The briefing was written in March 2021; a build then has nothing stale.
WRITTEN = datetime.date(2021, 4, 1)
EPOCH_WRITTEN = "1617235200"  # 2021-04-01T00:00:00Z


@pytest.fixture(scope="module")
def sample():
    site, problems = load(CONTENT, today=WRITTEN)
    return site, problems


def relations_of(site, slug):
    return {group.label: [edge.other.slug for edge in group.edges] for group in site.company(slug).relations}


def test_check_exits_0_with_no_errors():
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "BRIEFING_BASE_URL")}
    result = run_build("check", cwd=REPO, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert error_lines(result.stderr) == []
    assert "no errors" in result.stdout


def test_check_is_strictly_clean_as_of_its_writing():
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_BASE_URL"}
    env["SOURCE_DATE_EPOCH"] = EPOCH_WRITTEN
    result = run_build("check", "--strict", cwd=REPO, env=env)
    assert (result.returncode, result.stderr) == (0, "")


def test_the_companies_of_the_article(sample):
    site, problems = sample
    assert problems.errors == [] and problems.warnings == []
    assert {"xiaomi", "great-wall-motors", "xpeng", "nio", "li-auto", "baidu", "jidu-auto"} <= {c.slug for c in site.companies}


def test_great_wall_shows_both_talks_with_xiaomi(sample):
    site, _ = sample
    gwm = relations_of(site, "great-wall-motors")
    assert gwm["Manufactures for"] == ["xiaomi"]
    assert gwm["Partner of"] == ["xiaomi"]
    xiaomi = relations_of(site, "xiaomi")
    assert xiaomi["Manufactured by"] == ["great-wall-motors"]
    assert xiaomi["Partner of"] == ["great-wall-motors"]


def test_factory_talks_are_reported_not_confirmed(sample):
    site, _ = sample
    for group in site.company("great-wall-motors").relations:
        for edge in group.edges:
            if edge.other.slug == "xiaomi":
                assert edge.confidence == "reported"
                assert edge.source.id == "reuters-factory-talks"


def test_jidu_is_only_said_to_be_formed_by_baidu(sample):
    """The article says Baidu "formed" Jidu Auto and no more: no ownership or funding is claimed as a relation."""
    site, _ = sample
    assert relations_of(site, "baidu") == {} and relations_of(site, "jidu-auto") == {}
    assert "formed by Baidu" in site.company("jidu-auto").brief.summary


def test_xiaomi_competes_with_the_three_start_ups(sample):
    site, _ = sample
    assert sorted(relations_of(site, "xiaomi")["Competes with"]) == ["li-auto", "nio", "xpeng"]
    verdicts = {}
    for slug in ("xpeng", "nio", "li-auto"):
        (edge,) = next(g for g in site.company(slug).relations if g.label == "Competes with").edges
        assert edge.other.slug == "xiaomi" and not edge.outgoing
        verdicts[slug] = (edge.threat, edge.horizon)
    assert verdicts == {"xpeng": ("low", "near-term"), "nio": ("low", "near-term"), "li-auto": ("unclear", "long-term")}


def test_every_relation_is_shown_on_both_pages(sample):
    site, _ = sample
    seen = 0
    for company in site.companies:
        for group in company.relations:
            for edge in group.edges:
                if not edge.outgoing:
                    continue
                seen += 1
                assert group.label == RELATION_LABELS[edge.type][0]
                other_side = [
                    (g.label, e.type, e.note)
                    for g in site.company(edge.other.slug).relations
                    for e in g.edges
                    if e.other.slug == company.slug and not e.outgoing
                ]
                assert (RELATION_LABELS[edge.type][1], edge.type, edge.note) in other_side
    assert seen >= 5


def test_sources_of_the_article(sample):
    site, _ = sample
    publishers = {entry.ref.publisher for entry in site.sources}
    assert {"Reuters", "LatePost", "36kr"} <= publishers
    assert all(entry.claims for entry in site.sources), "every source is cited"


def test_people_of_the_article(sample):
    site, _ = sample
    assert "Wang Chuan" in [p.name for p in site.company("xiaomi").brief.people]
    assert "Fu Xiaokang" in [p.name for p in site.company("great-wall-motors").brief.people]
