"""Bad luck, measured: builds killed at many moments, builds run two at a time, a cache damaged at random.

    python bench/hardening.py [--briefs 2000] [--kills 20] [--races 20] [--mutations 100]

Every figure is a count of real builds (`build.py` in new processes) whose
output was compared, file by file, with a fresh build of the same content:
- kills: a build of --briefs briefs after every brief changed, SIGKILLed at
  moments spread over the whole build, and at moments while it moves files
  into place; the next build must say what it repaired and give the fresh
  build's output;
- races: two builds started at once on one output folder, after every brief
  changed; the output must be the fresh build's, and a third build must find
  nothing to write;
- mutations: the sample briefing's cache file with one random bit flipped in
  one random value, then a one-brief edit (the quick path) or a full build;
  the output must be the fresh build's, without a traceback.
It writes bench/HARDENING.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from generate import generate

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "hardening"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1622505600"}
JOURNAL = ".briefing-journal.json"
STAGING = ".briefing-staging"


def command(work: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--content", "content", "--templates", str(REPO / "templates"), "--output", "site"]


def build(work: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command(work), cwd=work, env=ENV, capture_output=True, text=True, timeout=600)
    if "Traceback" in result.stderr:
        raise SystemExit(f"a traceback in {work}:\n{result.stderr}")
    return result


def start(work: Path) -> subprocess.Popen:
    return subprocess.Popen(command(work), cwd=work, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def set_version(content: Path, version: str) -> None:
    """Every brief ends with the line of `version`."""
    for brief in (content / "companies").iterdir():
        text = brief.read_text("utf-8")
        text = text[:text.index("\nVersion: ")] if "\nVersion: " in text else text
        brief.write_text(f"{text}\nVersion: {version}.\n", "utf-8")


def fresh_outputs(work: Path, versions: list[str]) -> dict[str, dict[str, bytes]]:
    outputs = {}
    for version in versions:
        fresh = work.parent / f"fresh-{version}"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(work / "content", fresh / "content")
        set_version(fresh / "content", version)
        assert build(fresh).returncode == 0
        outputs[version] = tree(fresh / "site")
    return outputs


def kills(work: Path, count: int, fresh: dict) -> list[str]:
    for version in "aba":  # each version's briefs parsed and converted once, as in the kills below
        set_version(work / "content", version)
        assert build(work).returncode == 0
    set_version(work / "content", "b")
    started = time.perf_counter()
    assert build(work).returncode == 0
    full = time.perf_counter() - started
    lines = [f"- a rebuild after every brief changed (to a version built before) takes {full:.1f} s here"]
    detected = repaired = in_commit = landed = 0
    for n in range(count):
        version = "ab"[n % 2]
        set_version(work / "content", version)
        process = start(work)
        journal = work / "site" / JOURNAL
        if n % 2:  # while files are moved into place: when the journal appears, then a little later
            while process.poll() is None and not journal.exists():
                pass
            time.sleep(0.02 * (n // 2))
        else:  # anywhere in the build, from its start to its end
            time.sleep(full * (n // 2 + 0.5) / (count // 2))
        if process.poll() is None:
            landed += 1
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        left_journal, left_staging = journal.exists(), any(path.name.startswith(STAGING) for path in (work / "site").iterdir())
        in_commit += left_journal
        result = build(work)
        said = "repaired" in result.stderr or "removed the staged files" in result.stderr
        detected += said == (left_journal or left_staging)
        same = result.returncode == 0 and tree(work / "site") == fresh[version]
        repaired += same
        state = "moving files" if left_journal else "staging" if left_staging else "before staging or after moving"
        lines.append(f"  - kill {n + 1}: {state}; next build said so: {said}; output equals a fresh build's: {same}")
    lines.insert(1, f"- {count} kills ({landed} while the build ran, {in_commit} of them while it moved files into place): {detected} "
                    f"detected as they should be, {repaired} followed by exactly the fresh build's output")
    return lines


def races(work: Path, count: int, fresh: dict) -> list[str]:
    mixed = stopped = 0
    for n in range(count):
        version = "ab"[n % 2]
        set_version(work / "content", version)
        first, second = start(work), start(work)
        codes = [(p.wait(), p.stderr.read()) for p in (first, second)]
        stopped += sum(code == 1 and "another build is writing this folder" in err for code, err in codes)
        again = build(work)
        if tree(work / "site") != fresh[version] or ": 0 files written" not in again.stdout or any("Traceback" in err for _, err in codes):
            mixed += 1
    return [f"- {count} tries of two builds at once: {mixed} mixed or wrong sites; {stopped} of the {2 * count} builds "
            "stopped at once because the other held the folder"]


def mutations(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    work = OUT / "sample"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(REPO / "content", work / "content")
    nio = work / "content" / "companies" / "nio.md"
    original = nio.read_text("utf-8")
    variants = {"a": original, "b": original.replace("Nio is positioned", "Nio, edited, is positioned", 1)}
    fresh = {}
    for version, text in variants.items():
        folder = OUT / f"sample-fresh-{version}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(work / "content", folder / "content")
        (folder / "content" / "companies" / "nio.md").write_text(text, "utf-8")
        assert build(folder).returncode == 0
        fresh[version] = tree(folder / "site")
    assert build(work).returncode == 0
    wrong = failed = 0
    tables = {"entries": ("key", "value"), "builds": ("output", "record"), "pages": ("output || '/' || slug", "data")}
    for n in range(count):
        table = rng.choice(list(tables))
        key, column = tables[table]
        db = sqlite3.connect(work / ".briefing-cache" / "cache.sqlite3", isolation_level=None)
        rows = db.execute(f"SELECT {key}, {column} FROM {table}").fetchall()
        if rows:
            row_key, value = rng.choice(rows)
            at = rng.randrange(len(value))
            value = value[:at] + bytes([value[at] ^ (1 << rng.randrange(8))]) + value[at + 1:]
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (value, row_key))
        db.close()
        version = "ab"[n % 2]
        nio.write_text(variants[version], "utf-8")
        if n % 3 == 2:  # a full build now and then
            site_yml = work / "content" / "site.yml"
            site_yml.write_text(site_yml.read_text("utf-8") + "# a comment\n", "utf-8")
        result = build(work)
        failed += result.returncode != 0
        wrong += result.returncode == 0 and tree(work / "site") != fresh[version]
    return [f"- {count} cache mutations (one random bit of one random value): {wrong} wrong pages, {failed} failed builds, 0 tracebacks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--races", type=int, default=20)
    parser.add_argument("--mutations", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = OUT / f"site-{args.briefs}"
    shutil.rmtree(OUT, ignore_errors=True)
    generate(args.briefs, work)
    fresh = fresh_outputs(work, ["a", "b"])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    lines = [f"# Hardening, measured ({args.briefs:,} generated briefs; commit {commit})", "",
             "`python bench/hardening.py` (see its docstring for what each figure means).", "", "## Kills", ""]
    lines += kills(work, args.kills, fresh)
    lines += ["", "## Two builds at once", ""] + races(work, args.races, fresh)
    lines += ["", "## A damaged cache (the sample briefing)", ""] + mutations(args.mutations, args.seed)
    text = "\n".join(lines) + "\n"
    (REPO / "bench" / "HARDENING.md").write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
