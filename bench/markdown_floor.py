"""Python-Markdown alone over a corpus's briefs, on every core: the floor under any cold build that uses it.

    python bench/markdown_floor.py CONTENT_FOLDER

Converts every brief body in CONTENT_FOLDER/companies with Python-Markdown and the
extensions Briefing uses, and nothing else (no front-matter, model, templates or
writing), split over the cores by forked processes as Briefing's build splits it.
Prints the wall-clock seconds as JSON.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from briefing.markup import markdown_extensions  # noqa: E402


def convert(bodies: list[str]) -> int:
    converter = markdown.Markdown(extensions=markdown_extensions(), output_format="html")
    return sum(len(converter.reset().convert(body)) for body in bodies)


def main() -> None:
    content = Path(sys.argv[1])
    bodies = [path.read_text("utf-8").split("\n---\n", 1)[1] for path in sorted((content / "companies").glob("*.md"))]
    cores = len(os.sched_getaffinity(0))
    chunks = [bodies[start:start + 100] for start in range(0, len(bodies), 100)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        converted = sum(pool.map(convert, chunks, chunksize=1))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "briefs": len(bodies), "cores": cores, "html_bytes": converted}))


if __name__ == "__main__":
    main()
