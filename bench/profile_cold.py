"""Where a cold build's time goes, on one core: the floor the required libraries set.

    python bench/profile_cold.py [--briefs 1000]

Profiles one cold build in this process with worker processes switched off,
sums the time by the part of the pipeline it belongs to, and writes
bench/PROFILE.md with the command and the table.
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from generate import generate  # noqa: E402
from markdown_floor import convert  # noqa: E402

import briefing.incremental.store  # noqa: E402
import briefing.parallel  # noqa: E402
import briefing.render  # noqa: E402
from briefing.builder import Builder, BuildOptions  # noqa: E402

# (part, what identifies its top-level calls in the profile)
PARTS = (
    ("Python-Markdown conversion (core)", ("markdown/core.py", "convert")),
    ("YAML parsing (libyaml + node walk)", ("briefing/yamlsafe.py", "load_yaml")),
    ("front-matter checks", ("briefing/fields.py", "read")),
    ("site model, bodies aside (relations, terms, backlinks, claims)", ("briefing/model.py", "build_site")),
    ("Jinja2 rendering", ("briefing/render.py", "render")),
    ("writing files (staged, then moved into place)", ("briefing/writer.py", "put")),
)


def markdown_floor(content: Path) -> float:
    """Milliseconds a brief for Python-Markdown alone, with the extensions Briefing uses."""
    bodies = [path.read_text("utf-8").split("\n---\n", 1)[1] for path in sorted((content / "companies").glob("*.md"))]
    started = time.perf_counter()
    convert(bodies)
    return (time.perf_counter() - started) / len(bodies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=1000)
    args = parser.parse_args()
    briefing.parallel.worker_count = briefing.render.worker_count = lambda: 1  # one core: the profile then sees every call
    with tempfile.TemporaryDirectory() as folder:
        briefing.incremental.store.CACHE_FOLDER = Path(folder) / "cache"  # cold: no cache from earlier runs
        content = generate(args.briefs, Path(folder) / "corpus")
        builder = Builder(BuildOptions(content, REPO / "templates", Path(folder) / "site"))
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.runcall(builder.build)
        wall = time.perf_counter() - started
        floor = markdown_floor(content)
    stats = pstats.Stats(profile).stats
    total = max(cumulative for (_, _, _, cumulative, _) in stats.values())

    def spent(file_end: str, function: str) -> float:
        return sum(cum for (path, _, name), (_, _, _, cum, _) in stats.items() if path.endswith(file_end) and name == function)

    rows = [(part, spent(*where)) for part, where in PARTS]
    # The model stage calls the conversion: count it once, under conversion.
    rows = [(part, seconds - spent("briefing/incremental/memo.py", "convert") if part.startswith("site model") else seconds) for part, seconds in rows]
    lines = [
        "# Where a cold build's time goes (one core, profiled)",
        "",
        f"- command: `python bench/profile_cold.py --briefs {args.briefs}`",
        f"- machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}",
        f"- build under the profiler: {wall:.1f} s wall ({total:.1f} s profiled)",
        "",
        "| part | seconds | share | per brief |",
        "|---|---:|---:|---:|",
        *(f"| {part} | {seconds:.2f} | {seconds / total:.0%} | {seconds / args.briefs * 1000:.2f} ms |" for part, seconds in rows),
        "",
        f"Plain Python-Markdown (the same extensions, no Briefing code, no profiler) takes {floor:.2f} ms a brief",
        f"here: {floor * 10:.1f} s of one core for 10,000 briefs, {floor * 5:.1f} s split perfectly over 2 cores, before",
        "a page is parsed, linked or rendered. The profiler slows Python code by about half, so the shares above",
        "are the useful part: conversion and rendering, the two steps the required libraries do, are most of",
        "the build. bench/RESULTS.md compares whole builds with Hugo's in the same run.",
        "",
    ]
    (REPO / "bench" / "PROFILE.md").write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
