"""`build.py serve` in a real browser: live reload, the error overlay, and safe serving."""

from __future__ import annotations

import functools
import http.client
import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Preview:
    """A running `build.py serve` on a copy of the sample site."""

    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        shutil.copytree(REPO / "content", self.content)
        shutil.copytree(REPO / "templates", root / "templates")
        self.port = free_port()
        self.reader: threading.Thread | None = None
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--port", str(self.port),
             "--content", "content", "--templates", "templates", "--output", "site"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.base = self.wait_for_address()

    def wait_for_address(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            match = re.search(r"Serving on (http://\S+)", line)
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
        raise AssertionError("serve did not start")

    def url(self, path: str = "") -> str:
        return self.base + path

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.content / name
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), "utf-8")

    def collect_output(self) -> list[str]:
        """What the server prints from now on, read as it comes (a flood of logged 404s would otherwise fill the pipe
        and stall the server); complete once the server has stopped."""
        lines: list[str] = []
        self.reader = threading.Thread(target=lambda: lines.extend(self.process.stdout), daemon=True)
        self.reader.start()
        return lines

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.reader is not None:
            self.reader.join(10)


@pytest.fixture
def preview(tmp_path):
    server = Preview(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_serve_prints_the_base_path_address_and_redirects_the_root(preview):
    assert preview.base == f"http://127.0.0.1:{preview.port}/ev-briefing/"
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status in (301, 302)
    assert response.getheader("Location").endswith("/ev-briefing/")


def test_an_edit_on_disk_shows_in_the_open_page(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url("companies/nio/"))
    expect(page.locator("h1")).to_contain_text("Nio")
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    preview.edit("companies/nio.md", "## ", "Fresh words written while the page was open.\n\n## ")
    expect(page.locator("main")).to_contain_text("Fresh words written while the page was open.", timeout=20000)


def test_broken_yaml_shows_an_overlay_and_fixing_it_restores_the_page(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url("companies/nio/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    good = (preview.content / "companies" / "nio.md").read_text("utf-8")
    preview.edit("companies/nio.md", "title: Nio", "title: [Nio <b>")
    overlay = page.locator("#briefing-errors")
    expect(overlay).to_be_visible(timeout=20000)
    expect(overlay).to_contain_text(re.compile(r"content/companies/nio\.md:\d+: invalid YAML"))
    assert page.locator("#briefing-errors b").count() == 0  # the message is escaped
    assert (preview.root / "site" / "companies" / "nio" / "index.html").is_file()
    (preview.content / "companies" / "nio.md").write_text(good.replace("## ", "Fixed again.\n\n## ", 1), "utf-8")
    expect(page.locator("main")).to_contain_text("Fixed again.", timeout=20000)
    expect(overlay).to_have_count(0)


def test_a_new_brief_appears_on_the_open_home_page(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url())
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    (preview.content / "companies" / "byd.md").write_text(
        "---\ntitle: BYD Auto\nsummary: Incumbent maker watching the new entrants.\nupdated: 2021-03-26\n---\nBYD and [[xiaomi]].\n",
        "utf-8",
    )
    expect(page.locator("main")).to_contain_text("BYD Auto", timeout=20000)
    page.goto(preview.url("companies/byd/"))
    expect(page.locator("h1")).to_contain_text("BYD Auto")


def test_several_quick_saves_end_in_the_current_page(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url("companies/xpeng/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    for n in range(5):
        preview.edit("companies/xpeng.md", "## ", f"Save number {n}.\n\n## ")
        preview.edit("companies/nio.md", "## ", f"Nio save {n}.\n\n## ")
        time.sleep(0.05)
    expect(page.locator("main")).to_contain_text("Save number 4.", timeout=20000)
    out = preview.root / "fresh"
    subprocess.run([sys.executable, str(REPO / "build.py"), "--content", "content", "--templates", "templates", "--output", str(out)], cwd=preview.root, check=True, capture_output=True)
    # Pagefind's index is not byte-identical from one run to the next (its own file names vary)
    fresh = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".briefing-manifest.json" and p.relative_to(out).parts[0] != "pagefind"}
    served = preview.root / "site"
    deadline = time.monotonic() + 20  # the last save's rebuild may still be running on a busy machine
    while True:
        differing = [path for path, data in fresh.items() if not (served / path).is_file() or (served / path).read_bytes() != data]
        if not differing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert differing == []


def test_search_is_indexed_in_the_background_after_the_reload(preview, page):
    from playwright.sync_api import expect

    lines = preview.collect_output()
    index = preview.root / "site" / "pagefind" / "pagefind-entry.json"
    deadline = time.monotonic() + 30
    while not any(line.startswith("indexed") for line in lines) and time.monotonic() < deadline:
        time.sleep(0.1)  # the first index, made after the first build while the server already answers
    assert index.is_file()
    page.goto(preview.url("companies/xpeng/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    made = index.read_bytes()
    search = page.context.new_page()  # open on the search page meanwhile: the new index reloads it
    search.goto(preview.url("search/?q=quokka"))
    search.wait_for_selector(".pagefind-ui__message")
    preview.edit("companies/xpeng.md", "## ", "Its quokka mascot.\n\n## ")
    expect(page.locator("main")).to_contain_text("quokka mascot", timeout=20000)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if index.read_bytes() != made:
                break
        except FileNotFoundError:
            pass  # between the two renames that swap the index in
        time.sleep(0.1)
    assert index.read_bytes() != made
    expect(search.locator(".pagefind-ui__result-inner > .pagefind-ui__result-title a")).to_have_text(["XPeng"], timeout=20000)


def test_the_pack_is_rendered_after_the_reload_and_an_open_pack_page_follows(preview, page):
    """A volume of the pack shows 200 briefs: serve leaves it for after the reload, then renders it alone."""
    from playwright.sync_api import expect

    lines = preview.collect_output()
    page.goto(preview.url("companies/xpeng/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    pack = page.context.new_page()
    pack.goto(preview.url("pack/"))
    pack.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    preview.edit("companies/xpeng.md", "## ", "A sentence about its pangolin.\n\n## ")
    expect(page.locator("main")).to_contain_text("pangolin", timeout=20000)
    expect(pack.locator("#brief-xpeng")).to_contain_text("pangolin", timeout=20000)
    built = [line for line in lines if line.startswith("built")]
    assert re.search(r"\(1 rendered", built[0]) and re.search(r"\(1 rendered", built[1]), built  # the company page, then the volume
    assert "pangolin" in (preview.root / "site" / "pack" / "index.html").read_text("utf-8")


TRAVERSALS = [
    "/ev-briefing/../secret.txt",
    "/ev-briefing/../../etc/passwd",
    "/ev-briefing/%2e%2e/secret.txt",
    "/ev-briefing/%2e%2e/%2e%2e/etc/passwd",
    "/ev-briefing/%2E%2E%2Fsecret.txt",
    "/ev-briefing/..%2fsecret.txt",
    "/ev-briefing/..\\secret.txt",
    "/ev-briefing/%5c..%5csecret.txt",
    "/ev-briefing//etc/passwd",
    "/ev-briefing/%2fetc%2fpasswd",
    "//etc/passwd",
    "/etc/passwd",
    "/ev-briefing/C:%5cWindows",
    "/ev-briefing/companies/%00",
]


@pytest.mark.parametrize("request_path", TRAVERSALS)
def test_requests_that_leave_the_output_folder_get_404(preview, request_path):
    (preview.root / "secret.txt").write_text("root:secret", "utf-8")
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.putrequest("GET", request_path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    assert response.status in (400, 404)
    assert b"root:" not in body


def test_a_symlink_inside_the_output_to_outside_is_not_followed(preview):
    (preview.root / "secret.txt").write_text("root:secret", "utf-8")
    (preview.root / "site" / "leak.txt").symlink_to(preview.root / "secret.txt")
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request("GET", "/ev-briefing/leak.txt")
    response = connection.getresponse()
    assert response.status == 404
    assert b"root:" not in response.read()


def get_status(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response.status


def test_a_name_too_long_for_the_file_system_gets_404(preview):
    output = preview.collect_output()
    for path in ("a" * 300, "a" * 5000, "/".join(["a" * 200] * 30), "companies/" + "a" * 300 + "/"):
        assert get_status(preview.port, "/ev-briefing/" + path) == 404
    preview.stop()
    assert "Traceback" not in "".join(output)


@pytest.mark.slow
def test_many_missing_urls_do_not_grow_the_server(preview):
    preview.collect_output()
    deep = "/".join(["x" * 200] * 17)  # 3.4 kB of URL, in names the file system accepts
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)

    def ask(first: int, count: int) -> None:
        for n in range(first, first + count):
            connection.request("GET", f"/ev-briefing/missing-{n}/{deep}")
            response = connection.getresponse()
            response.read()
            assert response.status == 404

    ask(0, 500)  # the server's own buffers and caches grow to their working size
    before = preview.rss_kb()
    ask(500, 5000)  # 17 MB of URLs
    growth = preview.rss_kb() - before
    assert growth < 6000, f"the server grew by {growth} kB over 5,000 missing URLs"


def test_only_the_preview_s_own_pages_reach_live_reload(preview):
    def handshake(origin: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
        connection.request("GET", "/livereload", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": origin,
        })
        status = connection.getresponse().status
        connection.close()
        return status

    assert handshake(f"http://127.0.0.1:{preview.port}") == 101
    for origin in (f"http://localhost:{preview.port}", f"http://127.0.0.1:{preview.port + 1}", "https://example.com"):
        assert handshake(origin) == 403, origin
    assert get_status(preview.port, "/forcereload", {"Origin": "https://example.com"}) == 404
    assert get_status(preview.port, "/livereload.js") == 200


ANOTHER_ORIGIN = """<!DOCTYPE html><html><head><title>Another site</title></head><body><script>
window.socket = new Promise(function (resolve) {
  var socket = new WebSocket("ws://127.0.0.1:%(port)d/livereload");
  socket.onopen = function () { resolve("open"); };
  socket.onerror = socket.onclose = function () { resolve("refused"); };
});
window.forced = fetch("http://127.0.0.1:%(port)d/forcereload", {mode: "no-cors"}).then(function () { return "sent"; }, function () { return "failed"; });
</script></body></html>"""


def test_a_page_of_another_site_can_neither_listen_nor_reload(preview, browser, tmp_path):
    from playwright.sync_api import expect

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text(ANOTHER_ORIGIN % {"port": preview.port}, "utf-8")
    other_site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(elsewhere)))
    threading.Thread(target=other_site.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        own = context.new_page()
        own.goto(preview.url("companies/nio/"))
        own.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol > 0", timeout=20000)
        own.evaluate("() => { window.stillTheSamePage = true; }")
        other = context.new_page()
        other.goto(f"http://127.0.0.1:{other_site.server_address[1]}/")
        assert other.evaluate("() => window.socket") == "refused"
        assert other.evaluate("() => window.forced") == "sent"
        own.wait_for_timeout(1500)  # a reload sent to the open page would have arrived by now
        assert own.evaluate("() => window.stillTheSamePage") is True
        preview.edit("companies/nio.md", "## ", "Still live for its own pages.\n\n## ")
        expect(own.locator("main")).to_contain_text("Still live for its own pages.", timeout=20000)
    finally:
        context.close()
        other_site.shutdown()
        other_site.server_close()


def test_a_new_base_url_in_site_yml_moves_the_served_site(preview):
    preview.edit("site.yml", "https://example.github.io/ev-briefing/", "https://example.github.io/renamed/")
    deadline = time.monotonic() + 20
    status = None
    while time.monotonic() < deadline and status != 200:
        time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
        connection.request("GET", "/renamed/companies/nio/")
        status = connection.getresponse().status
    assert status == 200


def test_a_content_edit_swaps_the_page_body_without_navigating(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url("companies/nio/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    preview.edit("companies/nio.md", "## ", "Swapped in place.\n\n## ")
    expect(page.locator("main")).to_contain_text("Swapped in place.", timeout=20000)
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_a_stylesheet_edit_applies_to_the_open_page(preview, page):
    page.goto(preview.url("companies/nio/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    css = preview.root / "templates" / "static" / "style.css"
    css.write_text(css.read_text("utf-8") + "\nh1 { letter-spacing: 7px; }\n", "utf-8")
    page.wait_for_function("() => getComputedStyle(document.querySelector('h1')).letterSpacing === '7px'", timeout=20000)


def test_a_template_edit_reloads_the_page(preview, page):
    from playwright.sync_api import expect

    page.goto(preview.url("companies/nio/"))
    page.wait_for_function("() => window.LiveReload !== undefined", timeout=20000)
    template = preview.root / "templates" / "company.html"
    template.write_text(template.read_text("utf-8").replace("{% endblock %}", "<p>Template changed.</p>{% endblock %}"), "utf-8")
    expect(page.locator("main")).to_contain_text("Template changed.", timeout=20000)


def test_a_page_that_missed_a_reload_gets_the_kind_it_missed(tmp_path):
    """A page whose socket connects after a rebuild: its body swapped after content edits, the whole page
    reloaded after a stylesheet or template edit (a body swap would keep the old stylesheet)."""
    import json

    from briefing.serve import SOFT_RELOAD, PreviewState, reload_stale_page

    class Handler:
        def __init__(self):
            self.sent = []

        def send_message(self, message):
            self.sent.append(message["path"])

    state = PreviewState(tmp_path, "/")
    page = tmp_path / "companies" / "nio" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<!DOCTYPE html><title>Nio</title>", "utf-8")
    state.served[page.resolve()] = 1
    hello = json.dumps({"command": "info", "url": "http://127.0.0.1:8000/companies/nio/"})
    for generation, restyled, expected in ((1, 0, []), (2, 0, [SOFT_RELOAD]), (2, 2, ["*"]), (3, 1, [SOFT_RELOAD])):
        state.generation, state.restyled = generation, restyled
        handler = Handler()
        reload_stale_page(handler, hello, state)
        assert handler.sent == expected, (generation, restyled)


def test_reload_path_depends_on_what_changed(tmp_path):
    from briefing.serve import SOFT_RELOAD, reload_path

    templates = tmp_path / "templates"
    css = str(templates / "static" / "style.css")
    assert reload_path({str(tmp_path / "content" / "companies" / "nio.md")}, templates) == SOFT_RELOAD
    assert reload_path({css}, templates) == css
    assert reload_path({str(templates / "base.html")}, templates) == "*"
    assert reload_path({css, str(tmp_path / "content" / "site.yml")}, templates) == "*"


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    import signal

    server = Preview(tmp_path)
    server.process.send_signal(signal.SIGINT)
    output, _ = server.process.communicate(timeout=20)
    assert server.process.returncode == 0
    assert "Stopped." in output
    assert "Traceback" not in output


def test_serve_holds_the_output_folder_only_while_it_builds(preview):
    """Idle, it lets another build write the folder; a rebuild while another build holds it shows why it failed."""
    from briefing.writer import holding

    other = subprocess.run([sys.executable, str(REPO / "build.py"), "--content", "content", "--templates", "templates", "--output", "site"],
                           cwd=preview.root, capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    with holding(preview.root / "site"):
        preview.edit("companies/nio.md", "Nio is positioned", "Nio, held, is positioned")
        deadline = time.monotonic() + 20
        while b"another build is writing this folder" not in fetch(preview.url("companies/nio/")):
            assert time.monotonic() < deadline, "the rebuild did not report the lock"
            time.sleep(0.1)
    preview.edit("companies/nio.md", "Nio, held, is positioned", "Nio, free again, is positioned")
    deadline = time.monotonic() + 20
    while b"Nio, free again, is positioned" not in fetch(preview.url("companies/nio/")):
        assert time.monotonic() < deadline, "the rebuild after the lock was released did not land"
        time.sleep(0.1)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()
