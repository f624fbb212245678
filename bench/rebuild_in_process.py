"""Rebuild time after editing one brief, in a builder kept in memory (what `serve` does).

    python bench/rebuild_in_process.py [--briefs 10000] [--edits 10]

Builds a generated corpus once, then edits one brief's text (and, separately,
adds a link to it) and times each rebuild; checks the page shows the edit, and
writes bench/INCREMENTAL.md with the command and the medians.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from generate import generate  # noqa: E402

from briefing.builder import Builder, BuildOptions  # noqa: E402


def timed_edits(builder: Builder, brief: Path, page: Path, edits: int, link_to: str) -> list[float]:
    timings = []
    for n in range(edits):
        marker = f"Edit marker {n} {time.time_ns()}."
        link = f" See [[{link_to.format(n + 1)}]]." if link_to else ""  # a new company each time: its backlinks change
        head, _, body = brief.read_text("utf-8").partition("\n---\n")
        brief.write_text(f"{head}\n---\n{marker}{link}\n\n{body}", "utf-8")
        started = time.perf_counter()
        result = builder.build()
        timings.append((time.perf_counter() - started) * 1000)
        assert result.ok and marker in page.read_text("utf-8"), "the edited page must show the edit"
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        content = generate(args.briefs, Path(folder) / "corpus")
        output = Path(folder) / "site"
        builder = Builder(BuildOptions(content, REPO / "templates", output))
        started = time.perf_counter()
        assert builder.build().ok
        first = time.perf_counter() - started
        slug = f"company-{args.briefs // 2:05d}"
        brief, page = content / "companies" / f"{slug}.md", output / "companies" / slug / "index.html"
        rows = [(kind, timed_edits(builder, brief, page, args.edits, link)) for kind, link in (("text edit", ""), ("edit adding a link", "company-{:05d}"))]
    lines = [
        "# Rebuild after editing one brief, builder kept in memory",
        "",
        f"- command: `python bench/rebuild_in_process.py --briefs {args.briefs} --edits {args.edits}`",
        f"- machine: {platform.machine()}, Python {platform.python_version()}; first build {first:.1f} s",
        "",
        "| edit | median | min | max |",
        "|---|---:|---:|---:|",
        *(f"| {kind} | {statistics.median(t):.0f} ms | {min(t):.0f} ms | {max(t):.0f} ms |" for kind, t in rows),
        "",
        "A text edit keeps the brief's links, citations and headings: the model is patched and one page",
        "re-rendered. An edit adding a link to another company also changes that company's backlinks:",
        "both companies' texts are patched and both pages re-rendered (a link that gives a company its first",
        "referrer, or a new citation or heading, rebuilds the whole model).",
        "",
    ]
    (REPO / "bench" / "INCREMENTAL.md").write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
