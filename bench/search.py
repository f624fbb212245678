"""What the search index costs: Briefing's builds of a generated corpus, with the time and memory Pagefind adds.

    python bench/search.py [--sizes 1000 10000] [--rounds 3] [--ref REF]
    (or python bench/benchmark.py --search, which adds it to the report); writes bench/SEARCH.md

For each size it generates the corpus (bench/generate.py, as bench/benchmark.py
does), then, taking turns with Hugo's cold build of the same corpus: Briefing's
cold build (no output, no cache), which indexes the company pages after writing
them, timed, then again sampled every 20 ms over its process tree (sampling
slows it), the samples split into the build itself and the indexing (while a
`pagefind` process is in the tree); a
rebuild with nothing changed (which must not index); and a one-brief text edit
built by a new process (which indexes), timed whole and without the indexing
the build reports ("indexed N pages for search in S s").
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from benchmark import OUT, SAMPLE_SECONDS, Size, log_tail, snapshot, tree_memory  # noqa: E402

REPO = BENCH.parent
MEMORY_TARGET = 1 / 3  # x Hugo's peak (issue 14, kept by issue 18 if Pagefind allows it)
INDEXED = re.compile(r"^indexed (\d+) pages for search in ([0-9.]+) s$", re.M)


@dataclass(frozen=True)
class Phases:
    seconds: float  # wall clock, process start to exit
    build_peak: int  # bytes: the largest RSS sum over the process tree before Pagefind started
    index_peak: int  # bytes: the largest RSS sum while Pagefind ran (Briefing's process and Pagefind's)
    pagefind_peak: int  # bytes: Pagefind's own largest RSS
    index_seconds: float  # as the build reports it; 0 when it did not index
    pages: int
    log: str


def sampled(command: list[str], cwd: Path, env: dict, log: Path) -> Phases:
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        process = psutil.Process(child.pid)
        build_peak = index_peak = pagefind_peak = 0
        while child.poll() is None:
            try:
                indexers = [p for p in process.children(recursive=True) if p.name().startswith("pagefind")]
            except psutil.Error:
                indexers = []
            rss, _ = tree_memory(process)
            if indexers:
                index_peak = max(index_peak, rss)
                pagefind_peak = max(pagefind_peak, sum(tree_memory(p)[0] for p in indexers))
            else:
                build_peak = max(build_peak, rss)
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
    text = log.read_text("utf-8", "replace")
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{log_tail(str(log))}")
    found = INDEXED.search(text)
    return Phases(seconds, build_peak, index_peak, pagefind_peak, float(found[2]) if found else 0.0, int(found[1]) if found else 0, str(log))


def timed(command: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, float]:
    """(wall seconds, indexing seconds as reported) of one run."""
    started = time.perf_counter()
    with open(log, "wb") as sink:
        subprocess.run(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, check=True)
    seconds = time.perf_counter() - started
    found = INDEXED.search(log.read_text("utf-8", "replace"))
    return seconds, float(found[2]) if found else 0.0


def measure(sizes: list[int], rounds: int, seed: int, engine: Path) -> dict:
    results: dict = {}
    for count in sizes:
        print(f"N = {count:,}: generating and exporting", flush=True)
        size = Size(count, seed, ["briefing", "hugo"], engine)
        row = results[count] = {"cold_timed": [], "cold": [], "hugo": [], "nochange": [], "edit": []}
        command, cwd = size.command("briefing")
        hugo_command, hugo_cwd = size.command("hugo")
        for round_ in range(rounds):
            size.make_cold("hugo")
            hugo = sampled(hugo_command, hugo_cwd, size.env["hugo"], size.logs / "search-hugo.log")
            row["hugo"].append(hugo)
            size.make_cold("briefing")
            row["cold_timed"].append(timed(command, cwd, size.env["briefing"], size.logs / "search-cold-timed.log"))
            size.make_cold("briefing")  # again, sampled: sampling slows a build down
            cold = sampled(command, cwd, size.env["briefing"], size.logs / "search-cold.log")
            row["cold"].append(cold)
            seconds, index_seconds = row["cold_timed"][-1]
            print(f"  N={count:>6} cold {seconds:6.2f} s (indexing {index_seconds:.2f} s, {cold.pages} pages); peak "
                  f"{cold.build_peak / 2**20:.0f} MiB building, {cold.index_peak / 2**20:.0f} MiB indexing (Pagefind "
                  f"{cold.pagefind_peak / 2**20:.0f} MiB); Hugo {hugo.seconds:.2f} s, {hugo.build_peak / 2**20:.0f} MiB", flush=True)
            nochange = timed(command, cwd, size.env["briefing"], size.logs / "search-nochange.log")
            row["nochange"].append(nochange)
            original = size.edited.read_text("utf-8")
            try:
                size.edited.write_text(original.rstrip("\n") + f"\n\nSearch benchmark edit {round_}.\n", "utf-8")
                edit = timed(command, cwd, size.env["briefing"], size.logs / "search-edit.log")
            finally:
                size.edited.write_text(original, "utf-8")
            row["edit"].append(edit)
            print(f"  N={count:>6} nothing changed {nochange[0]:.2f} s (indexing {nochange[1]:.2f} s); one brief's text edited "
                  f"{edit[0]:.2f} s, of which indexing {edit[1]:.2f} s", flush=True)
            timed(command, cwd, size.env["briefing"], size.logs / "search-restored.log")
    return results


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def report(results: dict) -> list[str]:
    lines = [
        "| N | cold build | of which indexing | peak memory building | peak memory indexing (Pagefind alone) | Hugo's peak | whole build's peak / Hugo's | nothing changed | one-brief edit, new process: with indexing | without |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for count, row in sorted(results.items()):
        median = lambda values: statistics.median(values)  # noqa: E731
        cold = median(s for s, _ in row["cold_timed"])
        index = median(i for _, i in row["cold_timed"])
        building = median(p.build_peak for p in row["cold"])
        indexing = median(p.index_peak for p in row["cold"])
        pagefind = median(p.pagefind_peak for p in row["cold"])
        hugo = median(p.build_peak for p in row["hugo"])
        whole = max(building, indexing) / hugo
        nochange = median(s for s, _ in row["nochange"])
        nochange_indexed = max(i for _, i in row["nochange"])
        edit = median(s for s, _ in row["edit"])
        edit_without = median(s - i for s, i in row["edit"])
        lines.append(f"| {count:,} | {cold:.2f} s | {index:.2f} s ({index / (cold - index):.0%} more) | {mib(building)} | {mib(indexing)} "
                     f"({mib(pagefind)}) | {mib(hugo)} | {whole:.2f} | {nochange:.2f} s{' (indexed!)' if nochange_indexed else ''} "
                     f"| {edit:.2f} s | {edit_without:.2f} s |")
        verdicts.append(f"- N = {count:,}: the whole build's peak is {whole:.2f} x Hugo's (target {MEMORY_TARGET:.2f}: "
                        f"{'met' if whole <= MEMORY_TARGET else 'missed'}); a rebuild with nothing changed "
                        f"{'indexed (wrong)' if nochange_indexed else 'did not index'}.")
    return lines + [""] + verdicts


def write(path: Path, results: dict, rounds: int, commit: str | None) -> list[str]:
    lines = report(results)
    text = [
        "# What the search index costs",
        "",
        f"`python bench/search.py` on {platform.node() or 'this machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{rounds} round(s), medians; Briefing {'from commit ' + commit[:10] if commit else 'from the working tree'}.",
        "",
        *lines,
        "",
        "Peaks are sums of RSS over each process tree, sampled every 20 ms: \"building\" before Pagefind starts, \"indexing\" while",
        "it runs (Briefing's own process, idle by then, plus Pagefind's). The edit \"without\" indexing is the same run less the",
        "indexing time the build reports.",
    ]
    path.write_text("\n".join(text) + "\n", "utf-8")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ref", help="build Briefing from this commit (a snapshot in bench/out/engine/)")
    parser.add_argument("--results", type=Path, default=BENCH / "SEARCH.md")
    args = parser.parse_args()
    engine, commit = (REPO, None) if not args.ref else snapshot(args.ref)
    results = measure(sorted(args.sizes), args.rounds, args.seed, engine)
    print("\n".join(write(args.results, results, args.rounds, commit)))
    print(f"wrote {args.results}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
