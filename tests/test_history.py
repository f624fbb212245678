"""History from git: /changes/, /changes.xml and each company's history, built with the real build.py over a
real git repository made commit by commit (author and committer dates set), the content folder below its root."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from helpers import REPO, brief, run_build, write_site
from lxml import html as lxml_html

from briefing.builder import Builder, BuildOptions

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "title: History test\nbase_url: https://example.org/hist/\ntaxonomies: [positioning]\n"
SOURCES = """\
wire: {title: Wire report, publisher: Wire}
memo: {title: Analyst memo}
"""
ALPHA = brief("Alpha", """
    positioning: [Mass market]
    relations:
      - to: beta
        type: manufacturing
        source: wire
      - to: gamma
        type: competitor
        threat: low
    events:
      - {date: 2021-01, title: Alpha founded, source: wire}
    strengths: [Retail reach]
    """, "Alpha's story.\n", updated="2021-01-05")
BETA = brief("Beta", "", "Beta builds cars for [[alpha]], as [@memo] says.\n", updated="2021-01-05")
GAMMA = brief("Gamma", "", "Gamma competes with [[alpha]].\n", updated="2021-01-05")


def git(root: Path, *args: str, date: str = "2021-01-01T12:00:00+00:00") -> str:
    environment = {
        "PATH": os.environ["PATH"], "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Writer", "GIT_AUTHOR_EMAIL": "writer@example.org", "GIT_COMMITTER_NAME": "Writer",
        "GIT_COMMITTER_EMAIL": "writer@example.org", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
    }
    return subprocess.run(["git", *args], cwd=root, env=environment, check=True, capture_output=True, text=True).stdout


def commit(root: Path, date: str, files: dict[str, str] | None = None, message: str = "edit") -> None:
    """Write `files` (path under the content folder -> text; None removes it), then commit them and what is staged at `date`."""
    content = root / "site" / "content"
    for name, text in (files or {}).items():
        if text is None:
            (content / name).unlink()
        else:
            (content / name).parent.mkdir(parents=True, exist_ok=True)
            (content / name).write_text(text, encoding="utf-8")
    if files:
        git(root, "add", "-A", "--", *(str(content / name) for name in files))
    git(root, "commit", "-q", "-m", message, date=date)


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def make_repository(root: Path) -> Path:
    """The repository, commit by commit; returns its content folder (site/content, below the root)."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    content = write_site(root / "site", {}, SITE)
    git(root, "add", "site/content/site.yml")
    commit(root, "2021-01-05T09:00:00+00:00", {
        "sources.yml": SOURCES, "companies/alpha.md": ALPHA, "companies/beta.md": BETA, "companies/gamma.md": GAMMA,
        "companies/epsilon.md": brief("Epsilon", "draft: true\nrelations: [{to: alpha, type: partner}]", "Secret.\n"),
    })
    alpha = replace(replace(replace(replace(replace(ALPHA, "threat: low", "threat: medium"),
                                            "source: wire\n  - to: gamma", "source: wire\n    confidence: confirmed\n  - to: gamma"),
                                    "summary: About Alpha.", "summary: Alpha, now building cars."),
                            "positioning: [Mass market]", "positioning: [Mass market, Tech-forward]"),
                    "strengths: [Retail reach]", "strengths: [Retail reach, Software]\nweaknesses: [No factory]")
    alpha = replace(alpha, "events:\n", "events:\n  - {date: 2021-02-09, title: 'Alpha shows a <script>prototype</script>', confidence: rumor}\n")
    commit(root, "2021-02-10T10:30:00+00:00", {"companies/alpha.md": alpha})
    commit(root, "2021-02-20T08:00:00+00:00", {
        "companies/beta.md": BETA + "\nMore about Beta.\n",
        "companies/gamma.md": replace(GAMMA, "summary: About Gamma.", "summary: [broken"),
    })
    alpha = replace(replace(alpha, "strengths: [Retail reach, Software]", "strengths: [Software]"),
                    "threat: medium", "threat: medium\n    horizon: near-term")
    commit(root, "2021-03-03T12:00:00+00:00", {
        "companies/alpha.md": alpha,
        "companies/gamma.md": replace(GAMMA, "summary: About Gamma.", "summary: About Gamma.\nrelations: [{to: beta, type: partner}]"),
        "companies/delta.md": brief("Delta", "", "Delta is new; see [[alpha]].\n"),
    })
    git(root, "mv", "site/content/companies/delta.md", "site/content/companies/delta-motors.md")
    commit(root, "2021-03-15T12:00:00+00:00", {"sources.yml": SOURCES + "fresh: {title: Fresh source}\n"}, "rename delta")
    git(root, "checkout", "-q", "-b", "side")
    beta = BETA + "\nMore about Beta.\n"
    commit(root, "2021-03-20T12:00:00+00:00", {"companies/beta.md": replace(beta, "summary: About Beta.", "summary: Beta, the factory.")}, "side")
    git(root, "checkout", "-q", "main")
    commit(root, "2021-03-25T12:00:00+00:00", {"companies/gamma.md": replace(
        replace(GAMMA, "summary: About Gamma.", "summary: Gamma, the rival.\nrelations: [{to: beta, type: partner}]"), "Gamma competes", "Gamma still competes")})
    git(root, "merge", "-q", "--no-ff", "-m", "merge side", "side", date="2021-04-01T07:00:00+00:00")
    (content / "companies" / "alpha.md").write_text(replace(alpha, "threat: medium", "threat: high"), encoding="utf-8")  # not committed
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The repository and its site, built once with the real build.py."""
    root = tmp_path_factory.mktemp("history") / "repo"
    content = make_repository(root)
    result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(root.parent / "out"), cwd=root.parent)
    assert result.returncode == 0, result.stderr
    return root, content, root.parent / "out"


def page(output: Path, url: str):
    return lxml_html.fromstring((output / url / "index.html").read_bytes())


def change_lines(tree, with_names: bool = True) -> list[str]:
    """Each change as 'date Name: line', in page order."""
    lines = []
    for entry in tree.xpath("//li[@class='change']"):
        when = entry.xpath("./time")[0].text
        for line in entry.xpath(".//ul[@class='change-lines']/li"):
            lines.append(f"{when} {''.join(line.itertext()).strip()}")  # with its name, where the page shows names
        if with_names:
            heading = entry.xpath("./div/p[@class='change-name']")[0]
            name = (heading.xpath("./a/text()") or [heading.text or ""])[0].strip()
            assert lines[-1].split(" ", 1)[1].startswith(f"{name}: ")
    return lines


def test_changes_page_says_each_change_in_words_newest_first_grouped_by_month(built):
    _, _, output = built
    tree = page(output, "changes")
    assert [h.text for h in tree.xpath("//main//h2")] == ["April 2021", "March 2021", "February 2021", "January 2021"]
    assert change_lines(tree) == [
        "2021-04-01 Beta: summary revised",  # the merge, as the first parent saw it; the side commit is not listed
        "2021-03-25 Gamma: summary revised",
        "2021-03-25 Gamma: text revised",
        "2021-03-15 Delta: brief added",  # a rename is an addition and a removal
        "2021-03-15 Delta: brief removed",
        "2021-03-15 Sources: new source: Fresh source",
        "2021-03-03 Alpha: horizon of the threat to Gamma now near-term (was not given)",
        "2021-03-03 Alpha: strength dropped: Retail reach",
        "2021-03-03 Delta: brief added",
        "2021-03-03 Gamma: text revised",  # its last version did not parse
        "2021-02-20 Beta: text revised",
        "2021-02-20 Gamma: text revised",
        "2021-02-10 Alpha: summary revised",
        "2021-02-10 Alpha: positioning term added: Tech-forward",
        "2021-02-10 Alpha: manufacturing by Beta now confirmed (was reported)",
        "2021-02-10 Alpha: threat to Gamma raised from low to medium",
        "2021-02-10 Alpha: new event: Alpha shows a <script>prototype</script> (2021-02-09)",  # markup as text
        "2021-02-10 Alpha: strength added: Software",
        "2021-02-10 Alpha: weakness added: No factory",
        "2021-01-05 Alpha: brief added",  # the first commit of a brief is one line
        "2021-01-05 Beta: brief added",
        "2021-01-05 Gamma: brief added",
        "2021-01-05 Sources: new source: Wire report",
        "2021-01-05 Sources: new source: Analyst memo",
    ]
    links = {a.text: a.get("href") for a in tree.xpath("//p[@class='change-name']/a")}
    assert links["Alpha"] == "../companies/alpha/" and links["Sources"] == "../sources/"
    removed = tree.xpath("//li[.//li[contains(., 'brief removed')]]//p[@class='change-name']")[0]
    assert removed.xpath("./a") == []  # the brief is gone: its name, no link
    assert "Epsilon" not in (output / "changes" / "index.html").read_text()  # a draft stays off without --drafts
    assert "threat to Gamma raised from medium to high" not in (output / "changes" / "index.html").read_text()  # uncommitted
    for written in ("changes/index.html", "changes.xml", "companies/alpha/index.html", "index.html"):
        assert "<script>prototype" not in (output / written).read_text(), written


def test_company_page_history_shows_its_own_changes_and_relations_written_by_others(built):
    _, _, output = built
    gamma = page(output, "companies/gamma")
    history = gamma.xpath("//section[@id='history']")[0]
    assert change_lines(history, with_names=False) == [
        "2021-03-25 summary revised", "2021-03-25 text revised",
        "2021-03-03 text revised", "2021-03-03 horizon of the threat from Alpha now near-term (was not given)",
        "2021-02-20 text revised",
        "2021-02-10 threat from Alpha raised from low to medium",  # Alpha's brief, from Gamma's side
        "2021-01-05 brief added",
    ]
    alpha = page(output, "companies/alpha").xpath("//section[@id='history']")[0].text_content()
    assert "threat to Gamma raised from low to medium" in alpha and "manufacturing by Beta now confirmed" in alpha
    beta = page(output, "companies/beta").xpath("//section[@id='history']")[0].text_content()
    assert "manufacturing for Alpha now confirmed (was reported)" in beta
    assert "Every change" in alpha and page(output, "").xpath("//a[@href='changes/']")  # nav and home link to it


def test_changes_feed_is_atom_with_stable_ids(built, tmp_path):
    root, content, output = built
    feed = ElementTree.parse(output / "changes.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert feed.find(f"{ATOM}updated").text == "2021-04-01T07:00:00Z"  # the newest change's author date
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for tag in ("id", "title", "updated", "link", "content"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert titles[:2] == ["Beta: summary revised", "Gamma: summary revised (and 1 more)"]
    assert not any("Epsilon" in title for title in titles)
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("https://example.org/hist/changes/#") for i in ids)

    clone = tmp_path / "repo"
    shutil.copytree(root, clone, symlinks=True)
    commit(clone, "2021-05-02T12:00:00+00:00", {"companies/beta.md": BETA + "\nA later note.\n"})
    result = run_build("--templates", str(REPO / "templates"), "--content", str(clone / "site" / "content"), "--output", str(tmp_path / "out"), "--drafts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    later = ElementTree.parse(tmp_path / "out" / "changes.xml").getroot()
    later_ids = [entry.find(f"{ATOM}id").text for entry in later.findall(f"{ATOM}entry")]
    assert later_ids[1:] == ids and later.find(f"{ATOM}updated").text == "2021-05-02T12:00:00Z"
    assert not any("Epsilon" in e.find(f"{ATOM}title").text for e in later.findall(f"{ATOM}entry"))  # never a draft in the feed
    shown = page(tmp_path / "out", "changes")  # but /changes/ shows drafts built with --drafts, with a badge
    epsilon = shown.xpath("//li[p[@class='change-name'][contains(., 'Epsilon')]] | //li[div/p[@class='change-name'][contains(., 'Epsilon')]]")
    assert epsilon and epsilon[0].xpath(".//span[contains(@class, 'draft')]")


def test_two_builds_of_one_commit_are_byte_identical(built, tmp_path):
    root, content, output = built
    result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(tmp_path / "again"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    comparison = filecmp.dircmp(output, tmp_path / "again")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    assert filecmp.cmpfiles(output, tmp_path / "again", ["changes/index.html", "changes.xml", "companies/gamma/index.html"], shallow=False)[0] == [
        "changes/index.html", "changes.xml", "companies/gamma/index.html"]


def test_outside_git_or_without_git_there_is_no_history_and_no_error(tmp_path, built):
    _, content, _ = built
    plain = tmp_path / "plain"
    shutil.copytree(content, plain / "content")
    result = run_build("--templates", str(REPO / "templates"), "--content", str(plain / "content"), "--output", str(plain / "out"), cwd=plain)
    assert result.returncode == 0 and "git" not in result.stderr
    assert not (plain / "out" / "changes").exists() and not (plain / "out" / "changes.xml").exists()
    assert 'href="changes/"' not in (plain / "out" / "index.html").read_text()
    assert (plain / "out" / "review" / "index.html").exists()
    git(plain, "init", "-q")
    (plain / "notes.txt").write_text("not the briefs")
    git(plain, "add", "notes.txt")
    commit(plain, "2021-01-05T09:00:00+00:00", message="no brief committed")
    result = run_build("--templates", str(REPO / "templates"), "--content", str(plain / "content"), "--output", str(plain / "tracked"), cwd=plain)
    assert result.returncode == 0 and not (plain / "tracked" / "changes").exists()  # in a work tree, but no brief committed
    environment = {**os.environ, "PATH": str(tmp_path / "no-such-folder")}  # no git to run
    result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(plain / "nogit"), cwd=plain, env=environment)
    assert result.returncode == 0 and "git" not in result.stderr, result.stderr
    assert not (plain / "nogit" / "changes").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to give the repository to another user")
def test_git_that_refuses_the_repository_is_one_warning(tmp_path):
    root = tmp_path / "theirs"
    root.mkdir()
    git(root, "init", "-q")
    content = write_site(root, {"companies/alpha.md": brief("Alpha")}, SITE)
    git(root, "add", "-A")
    commit(root, "2021-01-05T09:00:00+00:00", message="first")
    subprocess.run(["chown", "-R", "65534:65534", str(root)], check=True)
    result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "git" in line]
    assert len(warnings) == 1 and "no history" in warnings[0] and "dubious ownership" in warnings[0], result.stderr
    assert not (tmp_path / "out" / "changes").exists()
    review = (tmp_path / "out" / "review" / "index.html").read_text()
    assert "History from git" in review and "dubious ownership" in review  # every printed warning is on /review/


def test_a_rebuild_after_one_new_commit_compares_only_that_commit(tmp_path, monkeypatch, built):
    root, _, _ = built
    clone = tmp_path / "repo"
    shutil.copytree(root, clone, symlinks=True)
    monkeypatch.chdir(tmp_path)  # the cache file is in the working folder
    content = clone / "site" / "content"
    options = BuildOptions(content, REPO / "templates", tmp_path / "out")
    first = Builder(options)
    assert first.build().ok
    history = first.cache.last_history[1]
    assert history.derived == 15  # 16 files touched by first-parent commits; Delta was added twice as the same blob
    assert first.build().ok and first.cache.last_history[1] is history  # the same commit: git is not asked again
    store = first.cache.store
    store.put_many({os.urandom(20): b"left over" for _ in range(3000)})  # enough to make the next build drop what is unused
    (content / "companies" / "gamma.md").write_text((content / "companies" / "gamma.md").read_text() + "\nMore.\n")
    assert first.build().ok and store.entry_count() < 1000  # dropped: the left-overs, not the history's pairs (below)
    commit(clone, "2021-05-02T12:00:00+00:00", {"companies/beta.md": BETA + "\nA later note.\n"})
    second = Builder(options)  # as a new process would, with the cache file
    assert second.build().ok
    assert second.cache.last_history[1].derived == 1
    assert "2021-05-02" in (tmp_path / "out" / "companies" / "beta" / "index.html").read_text()


def test_the_sample_briefing_has_a_history_in_a_clone_of_this_repository(tmp_path):
    if not (REPO / ".git").exists():
        pytest.skip("the tests run outside a git clone of the repository")
    subprocess.run(["git", "clone", "-q", "--no-local", str(REPO), str(tmp_path / "clone")], check=True, capture_output=True)
    clone = tmp_path / "clone"
    result = run_build("--templates", str(REPO / "templates"), "--content", str(clone / "content"), "--output", str(tmp_path / "out"), cwd=clone)
    assert result.returncode == 0, result.stderr
    for slug in ("xiaomi", "great-wall-motors", "xpeng", "nio", "li-auto", "baidu", "jidu-auto"):
        history = page(tmp_path / "out", f"companies/{slug}").xpath("//section[@id='history']")[0]
        lines = change_lines(history, with_names=False)
        assert lines[-1].endswith(" brief added") and sum(line.endswith("brief added") for line in lines) == 1
        assert not any("details revised" in line for line in lines), lines


def test_a_text_edit_in_a_new_process_keeps_the_history_and_matches_a_fresh_build(tmp_path, built):
    root, _, _ = built
    clone = tmp_path / "repo"
    shutil.copytree(root, clone, symlinks=True)
    content = clone / "site" / "content"
    first = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    beta = content / "companies" / "beta.md"
    beta.write_text(beta.read_text("utf-8") + "\nAn uncommitted sentence.\n", "utf-8")
    quick = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert quick.returncode == 0 and "(2 rendered" in quick.stdout, quick.stdout  # the quick path: its page and the pack alone
    fresh = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(tmp_path / "fresh"), cwd=tmp_path / "repo")
    assert fresh.returncode == 0, fresh.stderr
    page = (tmp_path / "out" / "companies" / "beta" / "index.html").read_bytes()
    assert b"An uncommitted sentence." in page and b"manufacturing for Alpha now confirmed" in page
    assert page == (tmp_path / "fresh" / "companies" / "beta" / "index.html").read_bytes()


def entry_ids(tree) -> list[str]:
    return tree.xpath("//li[@class='change']/@id")


def test_drafts_dates_shallow_clones_and_hooks(tmp_path):
    """Drafts (also removed ones) stay off, a brief named 'sources' keeps its own ids, changes are ordered by author
    date, an absurd date builds, a user's log.showRoot=false and a hook's GIT_DIR change nothing, and a shallow
    clone shows the history it has, all of it once it is fetched."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "log.showRoot", "false")
    content = write_site(root / "site", {}, SITE)
    git(root, "add", "site/content/site.yml")
    alpha = brief("Alpha", "", "Alpha links [[sources]].\n")
    commit(root, "2021-01-05T09:00:00+00:00", {
        "companies/alpha.md": alpha, "companies/sources.md": brief("Sources Inc", "", "See [[alpha]].\n"), "sources.yml": SOURCES,
        "companies/secret.md": brief("Secret", "draft: true", "Hush.\n"),
    })
    commit(root, "2021-02-01T09:00:00+00:00", {"companies/alpha.md": replace(alpha, "summary: About Alpha.", "summary: About Alpha.\nrelations: [{to: secret, type: investor}]")})
    commit(root, "2021-05-01T09:00:00+00:00", {"companies/alpha.md": replace(alpha, "summary: About Alpha.", "summary: Alpha again."), "companies/secret.md": None})
    commit(root, "2021-03-01T09:00:00+00:00", {"companies/sources.md": brief("Sources Inc", "", "See [[alpha]] again.\n")}, "rebased: an older date")
    commit(root, "@99999999999999 +0000", {"companies/sources.md": brief("Sources Inc", "", "See [[alpha]], later.\n")}, "far future")
    commit(root, "2021-06-01T09:00:00+00:00", {"companies/alpha.md": replace(alpha, "summary: About Alpha.", "summary: Alpha, third.")})

    def build(*args: str, env: dict | None = None) -> Path:
        output = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
        result = run_build("--templates", str(REPO / "templates"), "--content", str(content), "--output", str(output), *args, cwd=root, env=env)
        assert result.returncode == 0, result.stderr
        return output

    plain = build(env={**os.environ, "GIT_DIR": ".git", "GIT_INDEX_FILE": ".git/index"})  # as a post-commit hook runs it
    tree = page(plain, "changes")
    assert change_lines(tree) == [
        "9999-12-31 Sources Inc: text revised",  # a date past what a date can hold, as the latest one
        "2021-06-01 Alpha: summary revised",
        "2021-05-01 Alpha: summary revised",  # its relation to the draft is not named
        "2021-03-01 Sources Inc: text revised",  # by author date, though committed last but one
        "2021-01-05 Alpha: brief added",
        "2021-01-05 Sources Inc: brief added",
        "2021-01-05 Sources: new source: Wire report",
        "2021-01-05 Sources: new source: Analyst memo",
    ]
    ids = entry_ids(tree)
    assert len(ids) == len(set(ids))  # the brief named 'sources' and sources.yml in one commit
    feed = ElementTree.parse(plain / "changes.xml").getroot()
    assert feed.find(f"{ATOM}updated").text == "9999-12-31T23:59:59Z"
    assert "Secret" not in (plain / "changes.xml").read_text() + (plain / "companies" / "alpha" / "index.html").read_text()

    with_drafts = build("--drafts")
    shown = change_lines(page(with_drafts, "changes"))
    assert {"2021-05-01 Secret: brief removed", "2021-02-01 Alpha: new relation: investment by Secret (reported)",
            "2021-01-05 Secret: brief added"} <= set(shown)
    drafted = page(with_drafts, "changes").xpath("//li[@class='change'][.//span[contains(@class, 'draft')]]//ul/li")
    assert sorted(" ".join(li.text_content().split()) for li in drafted) == ["Secret: brief added", "Secret: brief removed"]
    assert "Secret" not in (with_drafts / "changes.xml").read_text()  # never in the feed, even with --drafts

    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{root}", str(shallow))
    output = tmp_path / "out-shallow"

    def build_shallow() -> list[str]:  # into one output folder, from one working folder (its cache)
        result = run_build("--templates", str(REPO / "templates"), "--content", str(shallow / "site" / "content"), "--output", str(output), cwd=shallow)
        assert result.returncode == 0, result.stderr
        return change_lines(page(output, "changes"))

    assert build_shallow() == ["2021-06-01 Alpha: summary revised"]  # the cut commit, whose parent is missing, is left out
    git(shallow, "fetch", "-q", "--unshallow")
    assert build_shallow() == change_lines(tree)  # the same HEAD, more history: not the last build's record
