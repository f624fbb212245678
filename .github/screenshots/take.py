"""The README's screenshots: the sample briefing built, served under /ev-briefing/, photographed in Debian's Chromium.

    python .github/screenshots/take.py [--out DIR] [--dark] [--pdf]

Writes <page>-desktop.png (1280 px wide) and <page>-phone.png (390 px) for each page below, in light mode
(and <page>-...-dark.png with --dark); with --pdf also each page printed to PDF (A4) and its first two printed
pages as <page>-print-1.png and <page>-print-2.png (by pdftoppm).
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = {"home": "", "map": "map/", "matrix": "matrix/", "landscape": "landscape/", "company": "companies/xiaomi/", "companies": "companies/",
         "changes": "changes/", "review": "review/", "history": "companies/li-auto/#history", "search": "search/?q=brand",
         "pack": "pack/"}  # with '#': only that part of the page
WIDTHS = {"desktop": 1280, "phone": 390}
TALL = {"pack": 2400}  # pages photographed only down to this many pixels: the pack holds every brief


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / ".github" / "screenshots")
    parser.add_argument("--dark", action="store_true", help="also in dark mode")
    parser.add_argument("--pdf", action="store_true", help="also print each page to PDF")
    parser.add_argument("pages", nargs="*", default=list(PAGES), help=f"some of: {', '.join(PAGES)}")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run([sys.executable, str(REPO / "build.py"), "--output", str(root / "ev-briefing"), "--base-url", "http://localhost/ev-briefing/"],
                       cwd=REPO, check=True, capture_output=True)
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/ev-briefing/"
        try:
            photograph(base, options)
        finally:
            server.shutdown()


def photograph(base: str, options: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    schemes = ["light", "dark"] if options.dark else ["light"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            for scheme in schemes:
                for width_name, width in WIDTHS.items():
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme, device_scale_factor=1)
                    for name in options.pages:
                        page.goto(base + PAGES[name])
                        if name == "search":
                            page.wait_for_selector(".pagefind-ui__result")
                        suffix = "" if scheme == "light" else "-dark"
                        path = str(options.out / f"{name}-{width_name}{suffix}.png")
                        _, hash_, part = PAGES[name].partition("#")
                        if hash_:
                            page.locator(f"#{part}").screenshot(path=path)
                        elif name in TALL:
                            page.screenshot(path=path, clip={"x": 0, "y": 0, "width": width, "height": TALL[name]})
                        else:
                            page.screenshot(path=path, full_page=True)
                    page.close()
            if options.pdf:
                page = browser.new_page()
                for name in options.pages:
                    page.goto(base + PAGES[name])
                    pdf = options.out / f"{name}.pdf"
                    page.pdf(path=str(pdf), format="A4", print_background=True)
                    for number in (1, 2):
                        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number), "-singlefile", str(pdf),
                                        str(options.out / f"{name}-print-{number}")], check=True)
        finally:
            browser.close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


if __name__ == "__main__":
    main()
