"""Jinja2 rendering alone: every page of a corpus's site from Briefing's templates, on every core.

    python bench/render_floor.py CONTENT_FOLDER TEMPLATES_FOLDER [ENGINE_FOLDER]    # cwd: where the build keeps .briefing-cache

Loads the site first, untimed (from the build's disk cache when there is one),
then times rendering every page with Briefing's templates and nothing else (no
reading, conversion, fingerprints or writing), split over the cores by forked
processes that hold the model already. With bench/markdown_floor.py this is the
floor the two required libraries set under a cold build. ENGINE_FOLDER holds the
`briefing` package to use (by default this repository's), so that it finds the
cache the build it follows made. Prints JSON.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, sys.argv[3] if len(sys.argv) > 3 else str(Path(__file__).resolve().parent.parent))
from briefing.incremental.memo import Memo  # noqa: E402
from briefing.incremental.record import engine_fingerprint  # noqa: E402
from briefing.incremental.store import Store  # noqa: E402
from briefing.loader import load_site  # noqa: E402
from briefing.problems import Problems  # noqa: E402
from briefing.render import Renderer  # noqa: E402
from briefing.views import declare_pages  # noqa: E402

JOBS: list = []
RENDERER: Renderer | None = None


def render(indexes: range) -> int:
    return sum(len(chunk) for index in indexes for chunk in RENDERER.render(JOBS[index]))


def main() -> None:
    global RENDERER
    content, templates = Path(sys.argv[1]), Path(sys.argv[2])
    memo = Memo(Store(engine_fingerprint()), content)
    site = load_site(content, Problems(), read=memo.read, convert=memo.convert)
    RENDERER = Renderer(templates)
    JOBS.extend(sorted(declare_pages(site, Problems()), key=lambda page: page.item is not None))
    cores = len(os.sched_getaffinity(0))
    chunks = [range(start, min(start + 25, len(JOBS))) for start in range(0, len(JOBS), 25)]  # the slowest pages first
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        rendered = sum(pool.imap_unordered(render, chunks))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "pages": len(JOBS), "cores": cores, "html_bytes": rendered}))


if __name__ == "__main__":
    main()
