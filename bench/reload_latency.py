"""Edit-to-reload latency of `build.py serve`: from a brief written to disk to its new text in Chromium.

    python bench/reload_latency.py [--edits 12] [--briefs 1000]

Runs on the sample briefing and on a generated corpus, prints the medians and
writes bench/RELOAD.md with the machine, the versions and this command.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(content: Path, brief: str, edits: int, browser, link_to: str = "") -> list[float]:
    """Milliseconds from each edit written to its text shown; with `link_to`, each edit also adds a
    wikilink, which changes the linked company's backlinks too."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(content, root / "content")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), "--content", "content",
             "--templates", str(REPO / "templates"), "--output", "site"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            address = None
            while address is None:
                line = server.stdout.readline()
                if not line:
                    raise RuntimeError("serve stopped before it printed its address")
                found = re.search(r"Serving on (http://\S+)", line)
                address = found and found.group(1)
            page = browser.new_page()
            page.goto(f"{address}companies/{brief}/")
            page.wait_for_function("() => window.LiveReload !== undefined")
            path = root / "content" / "companies" / f"{brief}.md"
            timings = []
            for n in range(edits):
                marker = f"Latency marker {n} {time.time_ns()}"
                link = f" See [[{link_to}]]." if link_to else ""
                text = path.read_text("utf-8")
                head, _, body = text.partition("\n---\n")
                time.sleep(0.3)
                started = time.perf_counter()
                path.write_text(f"{head}\n---\n{marker}{link}\n\n{body}", "utf-8")
                page.wait_for_function(f"() => document.body && document.body.innerText.includes({marker!r})", polling=5, timeout=30000)
                timings.append((time.perf_counter() - started) * 1000)
            page.close()
            return timings
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--briefs", type=int, default=1000)
    args = parser.parse_args()
    generated = generate(args.briefs, REPO / "bench" / "out" / f"corpus-{args.briefs}")
    corpora = [
        ("sample briefing (7 briefs)", REPO / "content", "xiaomi", "nio"),
        (f"generated ({args.briefs} briefs)", generated, "company-00010", "company-00020"),
    ]
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for name, content, brief, other in corpora:
            for kind, link_to in (("text edit", ""), ("edit adding a link", other)):
                timings = measure(content, brief, args.edits, browser, link_to)
                rows.append((name, kind, statistics.median(timings), min(timings), max(timings), len(timings)))
                print(f"{name}, {kind}: median {rows[-1][2]:.0f} ms (min {rows[-1][3]:.0f}, max {rows[-1][4]:.0f}, {len(timings)} edits)", flush=True)
        version = browser.version
        browser.close()
    command = f"python bench/reload_latency.py --edits {args.edits} --briefs {args.briefs}"
    lines = [
        "# Edit-to-reload latency of `build.py serve`",
        "",
        "Time from a brief written to disk to its new text visible in headless Chromium (livereload tells the page, which swaps in its new body).",
        "",
        f"- command: `{command}`",
        f"- machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}, Chromium {version}",
        "",
        "A text edit changes words only: the site model is patched and one page re-rendered. An edit adding",
        "a link also changes the linked company's backlinks: both companies' texts are patched, both pages re-rendered.",
        "",
        "| corpus | edit | median | min | max | edits |",
        "|---|---|---|---|---|---|",
        *(f"| {n} | {e} | {m:.0f} ms | {lo:.0f} ms | {hi:.0f} ms | {k} |" for n, e, m, lo, hi, k in rows),
        "",
    ]
    (REPO / "bench" / "RELOAD.md").write_text("\n".join(lines), "utf-8")
    print("wrote bench/RELOAD.md")


if __name__ == "__main__":
    main()
