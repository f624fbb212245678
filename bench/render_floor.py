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
from briefing.buildcache import disk_cache  # noqa: E402
from briefing.loader import load_site  # noqa: E402
from briefing.memo import Memo  # noqa: E402
from briefing.problems import Problems  # noqa: E402
from briefing.render import Plan, Renderer, chrome_of, make_environment  # noqa: E402

JOBS: list = []
RENDERER: Renderer | None = None
SETTINGS = None


def render(indexes: range) -> int:
    return sum(len(chunk) for index in indexes for chunk in RENDERER.render_job(JOBS[index], SETTINGS))


def main() -> None:
    global RENDERER, SETTINGS
    content, templates = Path(sys.argv[1]), Path(sys.argv[2])
    site = load_site(content, Problems(), memo=Memo(disk_cache()))
    RENDERER = Renderer(templates)
    RENDERER.env = make_environment(templates)
    SETTINGS = site.settings
    chrome = chrome_of(site)
    plan = Plan(site, None, chrome)
    JOBS.extend(sorted(plan.candidates(site, chrome, plan.outline(site), True), key=lambda job: job.inputs is not None))
    cores = len(os.sched_getaffinity(0))
    chunks = [range(start, min(start + 25, len(JOBS))) for start in range(0, len(JOBS), 25)]  # the slowest pages first
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        rendered = sum(pool.imap_unordered(render, chunks))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "pages": len(JOBS), "cores": cores, "html_bytes": rendered}))


if __name__ == "__main__":
    main()
