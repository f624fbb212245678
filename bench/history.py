"""What reading the history from git costs: a generated repository built with and without its history.

    python bench/history.py [--briefs 2000] [--commits 20] [--per-commit 50] [--rounds 3] [--ref REF]
    (or python bench/benchmark.py --history, which adds it to the report); writes bench/HISTORY.md

It generates N briefs (bench/generate.py), commits them, then makes `--commits`
commits that each edit `--per-commit` briefs (a mix: body text, summary, a
relation's confidence, a new event), with author and committer dates set. It then
times cold builds (no output, no cache), taking turns: without history (git is
told there is no repository, GIT_DIR=/nonexistent) and with it. Last, it commits one
more such edit and rebuilds, as a new process would (a new Builder with the cache
file), and counts the blob pairs that rebuild compared: only the new commit's.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from benchmark import OUT, SOURCE_DATE_EPOCH, log_tail, remove, run, snapshot  # noqa: E402
from generate import generate  # noqa: E402

REPO = BENCH.parent
TARGET = 1.25  # x the cold build without history (issue 17)
FIRST_DAY = 1735732800  # 2025-01-01 12:00 UTC: commits are a day apart from here


def git(root: Path, *args: str, day: int = 0) -> None:
    stamp = f"{FIRST_DAY + day * 86400} +0000"
    environment = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Bench",
                   "GIT_AUTHOR_EMAIL": "bench@example.org", "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org",
                   "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", *args], cwd=root, env=environment, check=True, capture_output=True)


def edited(text: str, kind: int, round_: int) -> str:
    """One brief edited in one of four ways."""
    if kind == 0:
        return text + f"\nA new paragraph written in round {round_}.\n"
    if kind == 1:
        return re.sub(r"^summary: (.*)\.$", lambda m: f"summary: {m[1]}, revised in round {round_}.", text, count=1, flags=re.M)
    if kind == 2:
        levels = ["rumor", "reported", "confirmed"]
        return re.sub(r"^    confidence: (\w+)$", lambda m: f"    confidence: {levels[(levels.index(m[1]) + 1) % 3]}", text, count=1, flags=re.M)
    return text.replace("events:\n", f'events:\n  - date: "2026-{round_ % 12 + 1:02d}"\n    title: Event of round {round_}.\n', 1)


def commit_edits(root: Path, content: Path, briefs: int, per_commit: int, round_: int, rng: random.Random) -> None:
    for number in rng.sample(range(briefs), per_commit):
        path = content / "companies" / f"company-{number:05d}.md"
        path.write_text(edited(path.read_text("utf-8"), number % 4, round_), "utf-8")
    git(root, "commit", "-q", "-a", "-m", f"round {round_}", day=round_)


def make_repository(briefs: int, commits: int, per_commit: int, seed: int) -> tuple[Path, Path]:
    root = OUT / f"history-{briefs}"
    remove(root)
    content = generate(briefs, root / "repo", seed)
    repo = root / "repo"
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "all briefs", day=0)
    rng = random.Random(seed)
    for round_ in range(1, commits + 1):
        commit_edits(repo, content, briefs, per_commit, round_, rng)
    return repo, content


def measure(briefs: int = 2000, commits: int = 20, per_commit: int = 50, rounds: int = 3, seed: int = 1, engine: Path = REPO) -> dict:
    started = time.perf_counter()
    repo, content = make_repository(briefs, commits, per_commit, seed)
    print(f"history: {briefs} briefs, 1 + {commits} commits of {per_commit} briefs, made in {time.perf_counter() - started:.1f} s", flush=True)
    work, output, logs = repo.parent / "work", repo.parent / "site", repo.parent / "logs"
    command = [sys.executable, str(engine / "build.py"), "--content", str(content), "--templates", str(engine / "templates"), "--output", str(output)]
    base = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    variants = {"without": {**base, "GIT_DIR": "/nonexistent"}, "with": base}
    times: dict[str, list[float]] = {"without": [], "with": []}
    for number in range(rounds):
        for label, environment in variants.items():
            remove(work, output)
            work.mkdir(parents=True)
            result = run(command, work, environment, logs / f"{label}-{number}.log")
            if result.returncode != 0:
                raise SystemExit(log_tail(result.log))
            times[label].append(result.seconds)
            print(f"  cold build {label:<7} history: {result.seconds:6.2f} s (cpu {result.cpu:6.2f} s)", flush=True)
    assert (output / "changes" / "index.html").exists()

    sys.path.insert(0, str(engine))
    from briefing.builder import Builder, BuildOptions

    commit_edits(repo, content, briefs, per_commit, commits + 1, random.Random(seed + 1))
    here = Path.cwd()
    os.chdir(work)  # the cache file the last cold build left
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        builder = Builder(BuildOptions(content, engine / "templates", output))
        began = time.perf_counter()
        result = builder.build()
        rebuild = time.perf_counter() - began
    finally:
        os.chdir(here)
    assert result.ok, result.errors
    history = builder.cache.last_history[1]
    revisions = len(history.revisions)
    results = {
        "briefs": briefs, "commits": commits, "per_commit": per_commit,
        "without": statistics.median(times["without"]), "with": statistics.median(times["with"]),
        "rebuild": rebuild, "rebuild_pairs": history.derived, "revisions": revisions, "rounds": rounds,
    }
    results["ratio"] = results["with"] / results["without"]
    print(f"  with / without: {results['ratio']:.3f} (target <= {TARGET})", flush=True)
    print(f"  after one more commit of {per_commit} briefs: {rebuild:.2f} s in process, {history.derived} blob pairs compared "
          f"of the {revisions} file changes in the history", flush=True)
    return results


def report(results: dict) -> list[str]:
    verdict = "met" if results["ratio"] <= TARGET else "MISSED"
    return [
        f"## History from git ({results['briefs']:,} briefs, 1 + {results['commits']} commits of {results['per_commit']} briefs)",
        "",
        "| | seconds |",
        "|---|---:|",
        f"| cold build, without history (median of {results['rounds']}) | {results['without']:.2f} |",
        f"| cold build, with history (median of {results['rounds']}) | {results['with']:.2f} |",
        f"| rebuild after one more commit (in process) | {results['rebuild']:.2f} |",
        "",
        f"- With history / without: **{results['ratio']:.3f}** (target ≤ {TARGET}: {verdict}).",
        f"- The rebuild after one more commit compared {results['rebuild_pairs']} blob pairs (the {results['per_commit']} briefs of that commit) "
        f"of the {results['revisions']} file changes in the history; the rest came from the cache file.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--per-commit", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ref", help="build Briefing from this commit (a snapshot in bench/out/engine/)")
    args = parser.parse_args()
    engine = snapshot(args.ref)[0] if args.ref else REPO
    results = measure(args.briefs, args.commits, args.per_commit, args.rounds, args.seed, engine)
    lines = [f"# What the history costs\n\nWritten by `python bench/history.py --rounds {args.rounds}`"
             + (f" --ref {args.ref}" if args.ref else "") + f" on {platform.node() or 'this machine'}, {os.cpu_count()} cores.\n", *report(results)]
    print("\n".join(lines))
    (BENCH / "HISTORY.md").write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    main()
