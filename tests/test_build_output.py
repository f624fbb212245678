"""What `python build.py` leaves in the output folder, run as a user runs it.

A second build with no change writes nothing; a build that fails on a broken
brief leaves the folder byte-identical; a folder Briefing did not make is
refused; pages of removed briefs go away; every URL of the content model's
table exists; relations show on both companies' pages; the same input gives
the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from helpers import built_paths
from lxml import html as lxml_html

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
TEMPLATES = REPO / "templates"
BASE = "https://example.org/ev-briefing/"
EPOCH = "1622505600"  # 2021-06-01: the build date, so staleness cannot change between two builds

# Relation types and how each side shows them (content model, "Relation types").
LABELS = {
    "partner": ("Partner of", "Partner of"),
    "manufacturing": ("Manufactured by", "Manufactures for"),
    "supplier": ("Supplied by", "Supplies"),
    "investor": ("Backed by", "Invests in"),
    "subsidiary": ("Subsidiary of", "Parent of"),
    "competitor": ("Competes with", "Competes with"),
}


def build(output: Path, *args: str, content: Path = CONTENT, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_BASE_URL", "PYTHONHASHSEED")}
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env.update(env_extra)
    command = [sys.executable, str(REPO / "build.py"), "--content", str(content), "--templates", str(TEMPLATES),
               "--output", str(output), *args]
    if "--base-url" not in args and "BRIEFING_BASE_URL" not in env_extra:
        command += ["--base-url", BASE]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def built(output: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    result = build(output, *args, **kwargs)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return result


def summary_count(result: subprocess.CompletedProcess, what: str) -> int:
    """N from the summary line's 'N files written' / 'N removed'."""
    match = re.search(rf"(\d+) (?:files? )?{what}\b", result.stdout)
    assert match, f"no '{what}' count in the summary line: {result.stdout!r}"
    return int(match.group(1))


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (dotfiles too), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in built_paths(folder) if p.is_file()}


def stats(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime in ns, size) of every file and folder: a rewrite or a replace changes them."""
    found = {}
    for path in built_paths(folder):
        status = path.lstat()
        found[path.relative_to(folder).as_posix()] = (status.st_ino, status.st_mtime_ns, status.st_size)
    return found


def digest(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files(folder).items()}


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path.name}: the sample content changed"
    path.write_text(text.replace(old, new, 1), "utf-8")


def front_matter(path: Path) -> dict:
    text = path.read_text("utf-8")
    assert text.startswith("---\n"), path
    return yaml.safe_load(text[4:].split("\n---", 1)[0]) or {}


def term_slug(term: str) -> str:
    """Content model: lowercase, spaces and punctuation to hyphens, Unicode letters kept."""
    return re.sub(r"[\W_]+", "-", term.lower()).strip("-")


# --- writing only what changed ---------------------------------------------------


def test_second_build_with_no_change_writes_no_file(tmp_path):
    output = tmp_path / "site"
    first = built(output)
    assert summary_count(first, "written") > 0
    before_stats, before_files = stats(output), files(output)

    second = built(output)
    assert summary_count(second, "written") == 0, second.stdout
    assert summary_count(second, "removed") == 0, second.stdout
    assert stats(output) == before_stats, "a file or folder was rewritten, replaced, added or removed"
    assert files(output) == before_files


def corrupt_yaml(content: Path) -> str:
    edit(content / "companies" / "xiaomi.md", "title: Xiaomi\n", "title: [Xiaomi\n")
    return "companies/xiaomi.md"


def unknown_relation_target(content: Path) -> str:
    edit(content / "companies" / "xiaomi.md", "to: great-wall-motors", "to: great-wall-motor")
    return "companies/xiaomi.md"


def broken_wikilink(content: Path) -> str:
    path = content / "companies" / "nio.md"
    path.write_text(path.read_text("utf-8") + "\nSee [[no-such-brief]].\n", "utf-8")
    return "companies/nio.md"


def not_utf8(content: Path) -> str:
    path = content / "companies" / "li-auto.md"
    path.write_bytes(path.read_bytes().replace(b"Li Auto", "Li Auto \u00e9".encode("latin-1"), 1))
    return "companies/li-auto.md"


@pytest.mark.parametrize("breakage", [corrupt_yaml, unknown_relation_target, broken_wikilink, not_utf8])
def test_build_after_breaking_a_brief_exits_1_and_leaves_the_output_byte_identical(tmp_path, breakage):
    content = copy_content(tmp_path)
    output = tmp_path / "site"
    built(output, content=content)
    before_digest, before_stats = digest(output), stats(output)

    # A valid edit that a partial write would show, and a broken brief.
    baidu = content / "companies" / "baidu.md"
    baidu.write_text(baidu.read_text("utf-8") + "\nEDITED-BODY: a valid edit made with the breakage.\n", "utf-8")
    broken = breakage(content)

    result = build(output, content=content)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stderr, f"the error does not name {broken}:\n{result.stderr}"
    assert digest(output) == before_digest, "the failed build changed the output"
    assert stats(output) == before_stats, "the failed build touched the output"

    # The control: with the brief repaired, the valid edit does get written.
    shutil.copy2(CONTENT / broken, content / broken)
    repaired = built(output, content=content)
    assert summary_count(repaired, "written") >= 1
    assert b"EDITED-BODY" in (output / "companies" / "baidu" / "index.html").read_bytes()


def test_a_non_empty_folder_without_briefings_manifest_is_refused(tmp_path):
    output = tmp_path / "mine"
    (output / "notes").mkdir(parents=True)
    (output / "index.html").write_text("<p>my own page</p>", "utf-8")
    (output / "notes" / "keep.txt").write_text("do not delete", "utf-8")
    before_files, before_stats = files(output), stats(output)

    result = build(output)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "manifest" in result.stderr or "not empty" in result.stderr, result.stderr
    assert files(output) == before_files
    assert stats(output) == before_stats


def test_an_existing_empty_folder_is_built_into(tmp_path):
    output = tmp_path / "empty"
    output.mkdir()
    built(output)
    assert (output / "index.html").is_file()


def test_pages_of_a_removed_brief_are_removed_on_the_next_build(tmp_path):
    content = copy_content(tmp_path)
    output = tmp_path / "site"
    extra = content / "companies" / "test-motors.md"
    extra.write_text(
        "---\ntitle: Test Motors\nsummary: A brief that is added and then removed.\nupdated: 2021-05-01\n"
        "positioning: [Test-only niche]\n---\nA short body.\n",
        "utf-8",
    )
    built(output, content=content)
    added = ["companies/test-motors/index.html", "positioning/test-only-niche/index.html"]
    for name in added:
        assert (output / name).is_file(), name
    assert b"test-motors" in (output / "sitemap.xml").read_bytes()

    extra.unlink()
    result = built(output, content=content)
    assert summary_count(result, "removed") >= len(added), result.stdout
    for name in added:
        assert not (output / name).exists(), f"{name} was left behind"
        assert not (output / name).parent.exists(), f"the empty folder of {name} was left behind"

    fresh = tmp_path / "fresh"
    built(fresh, content=content)
    assert digest(output) == digest(fresh), "after the removal the output differs from a fresh build"


# --- the URLs of the content model ------------------------------------------------


def expected_files(content: Path) -> list[str]:
    """Every file the content model's URL table promises for `content`."""
    settings = yaml.safe_load((content / "site.yml").read_text("utf-8"))
    taxonomies = settings.get("taxonomies", ["partnerships", "positioning", "threats"])
    names = ["index.html", "companies/index.html", "timeline/index.html", "sources/index.html",
             "feed.xml", "sitemap.xml", "robots.txt", "404.html", ".nojekyll"]
    terms: dict[str, set[str]] = {taxonomy: set() for taxonomy in taxonomies}
    for path in sorted((content / "companies").glob("*.md")):
        meta = front_matter(path)
        if meta.get("draft") is True:
            continue
        names.append(f"companies/{path.stem}/index.html")
        for taxonomy in taxonomies:
            for term in meta.get(taxonomy) or []:
                terms[taxonomy].add(term_slug(str(term)))
    for taxonomy, slugs in terms.items():
        names.append(f"{taxonomy}/index.html")
        names.extend(f"{taxonomy}/{slug}/index.html" for slug in sorted(slugs))
    return names


def test_every_url_of_the_content_models_table_exists(tmp_path):
    output = tmp_path / "site"
    built(output)
    expected = expected_files(CONTENT)
    assert len(expected) > 20
    missing = [name for name in expected if not (output / name).is_file()]
    assert not missing, f"missing: {missing}"
    assert not (output / "CNAME").exists(), "CNAME without cname in site.yml"


def test_cname_is_written_when_site_yml_sets_one(tmp_path):
    content = copy_content(tmp_path)
    with (content / "site.yml").open("a", encoding="utf-8") as settings:
        settings.write("\ncname: briefing.example.com\n")
    output = tmp_path / "site"
    built(output, content=content)
    assert (output / "CNAME").read_text("utf-8").strip() == "briefing.example.com"


def test_base_url_comes_from_the_environment_as_the_pages_workflow_sets_it(tmp_path):
    output = tmp_path / "site"
    built(output, BRIEFING_BASE_URL="https://owner.github.io/some-repo/")
    sitemap = (output / "sitemap.xml").read_text("utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(loc.startswith("https://owner.github.io/some-repo/") for loc in locs), locs
    assert "<id>https://owner.github.io/some-repo/" in (output / "feed.xml").read_text("utf-8")


# --- relations from both sides ------------------------------------------------------


def relations_shown(page: Path, page_url: str) -> set[tuple[str, str]]:
    """(label, company slug) pairs in a company page's relations section.

    A link belongs to the nearest label before it: an element whose whole text
    is one of the relation labels (a heading, a term, a table header...).
    """
    labels = {label for pair in LABELS.values() for label in pair}
    document = lxml_html.fromstring(page.read_bytes())
    sections = document.xpath("//*[@id='relations']")
    assert len(sections) == 1, f"{page}: expected one element with id='relations', found {len(sections)}"
    shown, current = set(), None
    for element in sections[0].iter():
        if not isinstance(element.tag, str):
            continue
        text = " ".join(element.text_content().split())
        if text in labels:
            current = text
        if element.tag == "a" and current and element.get("href"):
            target = urljoin(page_url, element.get("href"))
            match = re.fullmatch(re.escape(BASE) + r"companies/([^/]+)/", target)
            if match:
                shown.add((current, match.group(1)))
    return shown


def test_every_company_page_shows_its_relations_from_both_sides(tmp_path):
    output = tmp_path / "site"
    built(output)
    expected: dict[str, set[tuple[str, str]]] = {}
    for path in sorted((CONTENT / "companies").glob("*.md")):
        for relation in front_matter(path).get("relations") or []:
            forward, inverse = LABELS[relation["type"]]
            expected.setdefault(path.stem, set()).add((forward, relation["to"]))
            expected.setdefault(relation["to"], set()).add((inverse, path.stem))
    assert expected, "the sample briefing has no relations"

    # The two cases named in the issue, on top of everything the briefs say.
    assert ("Manufactures for", "xiaomi") in expected["great-wall-motors"]
    assert ("Competes with", "xiaomi") in expected["li-auto"]

    problems = []
    for slug, pairs in sorted(expected.items()):
        page = output / "companies" / slug / "index.html"
        shown = relations_shown(page, f"{BASE}companies/{slug}/")
        for label, other in sorted(pairs - shown):
            problems.append(f"companies/{slug}/ does not show '{label}' {other}")
    assert not problems, "\n".join(problems)


# --- determinism ------------------------------------------------------------------------


def test_same_input_gives_byte_identical_output(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    built(first, PYTHONHASHSEED="1")
    built(second, PYTHONHASHSEED="2")  # set and dict orders of strings differ between the two
    one, two = files(first), files(second)
    assert sorted(one) == sorted(two)
    differing = [name for name in one if one[name] != two[name]]
    assert not differing, f"files that differ between two builds of the same input: {differing}"


def test_ctrl_c_during_a_build_exits_130_without_a_traceback_and_leaves_the_output_alone(tmp_path):
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--briefs", "400", "--out", str(tmp_path / "corpus")], check=True, capture_output=True)
    content, output = tmp_path / "corpus" / "content", tmp_path / "site"
    built(output, content=content)
    before_digest, before_stats = digest(output), stats(output)
    for brief in (content / "companies").glob("*.md"):
        brief.write_text(brief.read_text("utf-8") + "\nEdited before the interrupted build.\n", "utf-8")
    # As a terminal's Ctrl-C does: SIGINT to the build and every process it started, while it renders.
    command = [sys.executable, str(REPO / "build.py"), "--content", str(content), "--templates", str(TEMPLATES), "--output", str(output), "--base-url", BASE]
    running = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    while not any(path.name.startswith(".briefing-staging") for path in output.iterdir()):
        assert running.poll() is None, "the build ended before it rendered anything"
        time.sleep(0.002)
    os.killpg(running.pid, signal.SIGINT)
    stdout, stderr = running.communicate(timeout=60)
    assert running.returncode == 130, stdout + stderr
    assert "Traceback" not in stdout + stderr, stderr
    assert "interrupted" in stderr
    assert digest(output) == before_digest and stats(output) == before_stats
    assert not any(path.name.startswith(".briefing-staging") for path in output.iterdir())
