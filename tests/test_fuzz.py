"""Fuzz test (issue 15): random front-matter, bodies, bytes and file-system shapes never crash or hang a build.

Each case is one seed of `random.Random`: it copies the sample `content/`
and a good build of it (half the cases its build cache too, so the rebuild is
an edit's incremental one), applies 1 to 3 random mutations (front-matter,
bodies, bytes, site.yml and sources.yml, file-system shapes, the output folder,
the command line), and runs the real `build.py check` and `build.py` in a
subprocess, as a user would. Whatever the mutation, each run must

- print no traceback and end within the timeout (a hang is a failure);
- exit 0 or 1, and the build 1 wherever `check` says 1;
- on exit 1, leave the output folder exactly as it was (every path, file
  mode, byte and symbolic link), and print only `path[:line]: message`
  lines and the summary, as many error lines as the summary counts;
- on exit 0, leave an `index.html` in the output, every text file UTF-8 and
  free of Python-Markdown's placeholders;
- never touch the output on `check`, nor a file outside the output.

A failing case prints its seed and its mutations; run it alone with
`BRIEFING_FUZZ_SEEDS=SEED pytest tests/test_fuzz.py -k test_case` (the seed is the
test's id). Seeds 0-59 run by default; `BRIEFING_FUZZ_CASES=500` runs more,
`BRIEFING_FUZZ_FIRST=1000` starts the range elsewhere, `BRIEFING_FUZZ_SEEDS=5,187`
runs those seeds, and `BRIEFING_FUZZ_TIMEOUT` sets the seconds a command may take
before it counts as a hang (60).
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import REPO

CASES = int(os.environ.get("BRIEFING_FUZZ_CASES", "60"))
FIRST = int(os.environ.get("BRIEFING_FUZZ_FIRST", "0"))
SEEDS = [int(seed) for seed in os.environ.get("BRIEFING_FUZZ_SEEDS", "").split(",") if seed.strip()] or range(FIRST, FIRST + CASES)
TIMEOUT = float(os.environ.get("BRIEFING_FUZZ_TIMEOUT", "60"))  # seconds per command; longer is a hang
SAMPLE = REPO / "content"
TEMPLATES = REPO / "templates"
# The sample's briefs are from March 2021: built "on" 2021-06-01 none is stale, so warnings are rare.
EPOCH = str(int(datetime.datetime(2021, 6, 1, tzinfo=datetime.UTC).timestamp()))
SLUGS = ("baidu", "great-wall-motors", "jidu-auto", "li-auto", "nio", "xiaomi", "xpeng")
SOURCE_IDS = ("reuters-factory-talks", "latepost-car-decision", "xiaomi-ev-statement", "36kr-fast-track")
TAXONOMIES = ("partnerships", "positioning", "threats")
SUMMARY_CHECK = re.compile(r"(\d+) error\(s\), (\d+) warning\(s\)")
SUMMARY_BUILD = re.compile(r"build failed: (\d+) (error|warning)\(s\)")
# `path:line: message` or `path: message`, the path relative to the case folder (or the output's, or the override's).
# What a build that put right an interrupted one says (writer.py), besides problems.
NOTICE = re.compile(r"removed the staged files of an interrupted build from |repaired .*: a build was interrupted")
PROBLEM = re.compile(r"(?P<where>(content|site|--base-url/BRIEFING_BASE_URL|/).*?)(?::(?P<line>\d+))?: (?P<message>\S.*)")


# --- running the real command line ---------------------------------------------------------------------------

@dataclass
class Run:
    command: list[str]
    returncode: int | None  # None: killed after TIMEOUT seconds
    stdout: str
    stderr: str

    def show(self) -> str:
        def tail(text: str) -> str:
            return text if len(text) < 6000 else text[:3000] + "\n[...]\n" + text[-3000:]
        return f"$ {' '.join(self.command)}\nexit {self.returncode}\n--- stdout\n{tail(self.stdout)}\n--- stderr\n{tail(self.stderr)}"


def run_cli(args: list[str], cwd: Path, env: dict[str, str], timeout: float = TIMEOUT) -> Run:
    """`python build.py ARGS` in its own process group, killed whole (worker processes too) past `timeout`."""
    command = [sys.executable, str(REPO / "build.py"), *args]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        code = None
    else:
        try:  # workers it forked and left behind would hold the next case's CPU
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    decode = lambda data: data.decode("utf-8", "backslashreplace")
    return Run(args, code, decode(out), decode(err))


def tree_digest(root: Path) -> dict[str, tuple]:
    """Every entry under `root` (links not followed): its type and mode, and its bytes' digest or its link's target."""
    entries: dict[str, tuple] = {}
    if not os.path.lexists(root):
        return entries
    pending = [""]
    while pending:
        relative = pending.pop()
        path = os.path.join(root, relative) if relative else os.fspath(root)
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            entries[relative] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            entries[relative] = ("dir", stat.S_IMODE(info.st_mode))
            pending.extend(os.path.join(relative, name) for name in sorted(os.listdir(path)))
        elif stat.S_ISREG(info.st_mode):
            with open(path, "rb") as handle:
                entries[relative] = ("file", stat.S_IMODE(info.st_mode), hashlib.sha256(handle.read()).hexdigest())
        else:
            entries[relative] = ("other", info.st_mode)
    return entries


def digest_changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    changes = []
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes.append(f"{name or '.'}: {before.get(name, 'absent')} -> {after.get(name, 'absent')}")
    return changes


# --- one fuzz case -------------------------------------------------------------------------------------------

@dataclass
class Case:
    seed: int
    rng: random.Random
    root: Path  # the working folder of the runs
    log: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "site"

    def files(self, folder: str = "") -> list[Path]:
        """The regular files under content/`folder` (links not followed), in a stable order."""
        base = self.content / folder if folder else self.content
        found = []
        if not base.is_dir() or (folder and base.is_symlink()):
            return found
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if stat.S_ISREG(os.lstat(path).st_mode) and os.access(path, os.R_OK | os.W_OK):
                    found.append(path)
        return found

    def briefs(self) -> list[Path]:
        return [p for p in self.files("companies") if p.suffix == ".md"]

    def markdown(self) -> list[Path]:
        """Files with front-matter and a body: briefs most often, then index.md and term descriptions."""
        briefs = self.briefs()
        others = [p for p in self.files() if p.suffix == ".md" and p not in briefs]
        return briefs * 3 + others

    def pick(self, paths: list[Path]) -> Path | None:
        return self.rng.choice(paths) if paths else None

    def name(self, path: Path) -> str:
        return os.fspath(path.relative_to(self.root))

    def note(self, text: str) -> str:
        self.log.append(text)
        return text


def short(value: object, limit: int = 90) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit // 2]}...{text[-limit // 3:]} ({len(text)} chars)"


# --- random YAML ---------------------------------------------------------------------------------------------

SCALARS = (
    # YAML 1.1 surprises and numbers
    "yes", "no", "on", "off", "y", "N", "~", "null", "NULL", "true", "False", "0", "-1", "007", "1e3", "0x1F", "0o17",
    "1_000", "1:20", "190:20:30", "3.14", ".nan", ".NaN", ".inf", "-.inf", "+12", "1e400",
    # dates and times
    "2021-03-26", "2021-02-30", "2021-13-01", "2021-03", "2021", "0000-00-00", "9999-12-31", "99999-01-01", "2021-3-5",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "12:30:00", "2021-03-26T25:61:61Z",
    # tags
    "!!binary aGVsbG8=", "!!binary '!!!'", "!!python/object:os.system {}", '!!python/object/apply:os.system ["true"]',
    "!!python/name:os.system", "!!python/tuple [1, 2]", "!!set {a, b}", "!!omap [a: 1, b: 2]", "!!pairs [a: 1]",
    "!!str 12", "!!int abc", "!!float x", "!!timestamp 2001-12-14", "!!timestamp nope", "!!null x", "!!bool maybe",
    "!local x", "!<tag:yaml.org,2002:str> x", "!<!> x", "!!map {}", "!!seq []", "!!merge <<",
    # things that are not scalars in disguise
    "*undefined", "&lonely", "&a x", "@at", "`tick", "%pct", "|", ">", "? k", "- dash", "[", "]", "{", "}", ",", "#",
    "'it''s'", '"double"', "'unclosed", '"unclosed', "a: b", "a #comment", "key: [",
    # escapes in double quotes: NUL, controls, bidi marks, lone and paired surrogates, non-BMP
    '"\\0nul"', '"\\x07bell\\b\\e"', '"\\u202eRTL\\u202c"', '"\\u200f\\u200e\\u2066x\\u2069"', '"\\ud800"', '"\\udfff\\ud800"',
    '"\\ud83d\\ude00"', '"\\U0001F600"', '"\\U0010FFFF"', '"\\uFFFE\\uFFFF"', '"\\N\\_\\L\\P"', '"\\x85"', '"line\\nbreak"',
    '"tab\\there"', '"\\r\\n"', '"\\\\"', '"\\q"',
    # text of every kind
    "Xiaomi", "Mass market", "Luxury", "Li Auto", "li-auto", "xpeng", "\u202egnp.exe", "\u200b", "\ufeffbom", "\u00ad",
    "\u0301accent", "ÿ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "小米汽车", "עברית", "العربية", "İstanbul", "ß", "ﬁ", "Å", "𝟘", "…", "-", "--", "---", "...",
    ".", "..", "/", "../x", "a/b", "CON", "index.html", "%2e%2e", "<script>alert(1)</script>", '"<b>bold</b>"', "&amp;", "&#0;",
    "javascript:alert(1)", "https://example.com/", "https://例え.jp/パス?q=1#f", "http://", "http://[::1", "ftp://x", "//evil.com",
    "mailto:a@b", "data:text/html,x", "HTTPS://EXAMPLE.COM", "https://exa mple.com", "https://example.com/\u202e",
    '"  padded  "', '""', "''", '" "', '"\\t"',
)


def yaml_string(rng: random.Random, text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON's escapes are YAML's), sometimes with \\u escapes for non-ASCII."""
    return json.dumps(text, ensure_ascii=rng.random() < 0.3)


def random_text(rng: random.Random) -> str:
    """Text a writer (or a tool) might put in a field."""
    kind = rng.randrange(10)
    if kind == 0:
        return "".join(rng.choice("aZ09 -_.,:;'\"#&*!|>%@`[]{}?\\/\t") for _ in range(rng.randrange(1, 20)))
    if kind == 1:
        return "".join(chr(rng.choice([rng.randrange(1, 0x20), 0x7F, 0x85, 0xA0, 0x200B, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069, 0xFEFF, 0xFFFD, 0x2028, 0x2029])) for _ in range(rng.randrange(1, 6))) + "x"
    if kind == 2:
        return "".join(chr(code) for _ in range(rng.randrange(1, 12)) if not 0xD800 <= (code := rng.randrange(0x20, 0x30000)) < 0xE000)
    if kind == 3:
        return rng.choice(("x", "Xiaomi ", "long ")) * rng.choice((50, 300, 5000))
    return rng.choice(("Xiaomi", "Mass market", "A brief", "Ünïcödé", "小米", "<b>x</b>", "a & b", "O'Brien", "50% \"off\"", "R&D: #1", "\u202eevil"))


def random_yaml(rng: random.Random, depth: int = 0) -> str:
    """A YAML value written on one line (flow style): any shape, often absurd."""
    kind = rng.randrange(16 if depth < 3 else 6)
    if kind <= 2:
        return rng.choice(SCALARS)
    if kind == 3:
        return yaml_string(rng, random_text(rng))
    if kind == 4:
        return rng.choice(SCALARS[:60])
    if kind == 5:
        return f"'{random_text(rng).replace(chr(39), chr(39) * 2)}'"
    if kind in (6, 7):
        return "[" + ", ".join(random_yaml(rng, depth + 1) for _ in range(rng.randrange(0, 5))) + "]"
    if kind in (8, 9):
        keys = [rng.choice(("to", "type", "note", "date", "title", "source", "name", "x", "", "'a b'", "1", "?", "~")) for _ in range(rng.randrange(0, 4))]
        return "{" + ", ".join(f"{k}: {random_yaml(rng, depth + 1)}" for k in keys) + "}"
    if kind == 10:
        return deep_nesting(rng)
    if kind == 11:
        return rng.choice(("&a [*a]", "&a {k: *a}", "[&a x, *a]", "&a [x, [*a]]", "{&k key: v, *k : w}", "[*a, &a x]", "{<<: {title: X}}", "{<<: *nope}", "&a &b x"))
    if kind == 12:
        return billion_laughs(rng)
    if kind == 13:
        return yaml_string(rng, rng.choice(("x", "ab", "\u202e", "é")) * rng.choice((10_000, 1_000_000)))
    if kind == 14:
        return "[" + ", ".join(yaml_string(rng, random_text(rng)[:20]) for _ in range(rng.choice((1, 10, 1000, 10_000)))) + "]"
    return "{? [a, b] : c, ? {d: e} : f}"


def deep_nesting(rng: random.Random) -> str:
    levels = rng.choice((30, 41, 200, 1000, 5000))
    shape = rng.randrange(4)
    if shape == 0:
        return "[" * levels + "x" + "]" * levels
    if shape == 1:
        return "{a: " * levels + "x" + "}" * levels
    if shape == 2:
        return "[" * levels  # never closed
    return "[{a: " * (levels // 2) + "x" + "}]" * (levels // 2)


def billion_laughs(rng: random.Random) -> str:
    rows = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, rng.choice((3, 9))):
        rows.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "[" + ", ".join(rows) + "]"


def block_yaml(rng: random.Random) -> str:
    """A YAML value in block style: it starts on the line after its key, indented."""
    kind = rng.randrange(7)
    if kind == 0:
        return "|\n" + "".join(f"  {random_text(rng)[:200]}\n" for _ in range(rng.randrange(1, 4))).rstrip("\n")
    if kind == 1:
        return ">-\n  folded\n\n  text\n   indented more"
    if kind == 2:
        return "\n" + "\n".join(f"  - {random_yaml(rng, 2)}" for _ in range(rng.randrange(1, 4)))
    if kind == 3:
        return "\n" + "  " + "- " * rng.choice((10, 41, 1000)) + "x"
    if kind == 4:
        return "\n\t- tab\n\t- indented"
    if kind == 5:
        return "\n  a: 1\n b: 2"  # bad indentation
    return "|-\n  " + "\n  ".join(rng.choice(("x", "  y", "\tz", "", "---", "...")) for _ in range(5))


# --- plausible values: most fields get something near-valid, so later stages (model, render) run too -----------

def text_value(rng: random.Random) -> str:
    return rng.choice((lambda: yaml_string(rng, random_text(rng)), lambda: rng.choice(SCALARS), lambda: "Plain text value"))()


def term_list(rng: random.Random) -> str:
    terms = ["Mass market", "Luxury", "New entrant", "no", "on", "...", "-", "?", "a/b", "Ünïcödé", "小米", "Luxury!", "luxury",
             "LUXURY", "x" * 300, "é" * 130, "index", "CON", "..", "%2F", "<b>", "\u202eRTL", "a\u0000b", "null"]
    return "[" + ", ".join(yaml_string(rng, rng.choice(terms)) if rng.random() < 0.5 else random_yaml(rng, 3) for _ in range(rng.randrange(0, 5))) + "]"


def slug_value(rng: random.Random, own: str) -> str:
    return rng.choice((*SLUGS, own, own, "li-auot", "missing", "Xiaomi", "", "xiaomi.md", "../xiaomi", yaml_string(rng, random_text(rng)), random_yaml(rng, 3)))


def source_value(rng: random.Random) -> str:
    return rng.choice((*SOURCE_IDS, "missing-source", "reuters-factory-talk", "", random_yaml(rng, 3)))


def item(rng: random.Random, keys: dict[str, Callable[[], str]]) -> str:
    chosen = [k for k in keys if rng.random() < 0.7] + (["extra"] if rng.random() < 0.1 else [])
    return "{" + ", ".join(f"{k}: {keys[k]() if k in keys else random_yaml(rng, 3)}" for k in chosen) + "}"


def relations_value(rng: random.Random, own: str) -> str:
    keys = {
        "to": lambda: slug_value(rng, own),
        "type": lambda: rng.choice(("partner", "manufacturing", "supplier", "investor", "subsidiary", "competitor", "competitor", "rival", random_yaml(rng, 3))),
        "note": lambda: text_value(rng),
        "confidence": lambda: rng.choice(("rumor", "reported", "confirmed", "sure", random_yaml(rng, 3))),
        "source": lambda: source_value(rng),
        "threat": lambda: rng.choice(("low", "medium", "high", "unclear", "extreme", random_yaml(rng, 3))),
        "horizon": lambda: rng.choice(("near-term", "long-term", "soon", random_yaml(rng, 3))),
    }
    return "[" + ", ".join(item(rng, keys) if rng.random() < 0.8 else random_yaml(rng, 2) for _ in range(rng.randrange(0, 5))) + "]"


def events_value(rng: random.Random) -> str:
    keys = {
        "date": lambda: rng.choice(('"2021-02"', "2021-02", "2021", "2021-02-30", '"2021-13"', "2021-03-26", "yesterday", random_yaml(rng, 3))),
        "title": lambda: text_value(rng),
        "source": lambda: source_value(rng),
        "confidence": lambda: rng.choice(("rumor", "reported", "confirmed", random_yaml(rng, 3))),
    }
    return "[" + ", ".join(item(rng, keys) if rng.random() < 0.8 else random_yaml(rng, 2) for _ in range(rng.randrange(0, 5))) + "]"


def people_value(rng: random.Random) -> str:
    keys = {"name": lambda: text_value(rng), "role": lambda: text_value(rng)}
    return "[" + ", ".join(item(rng, keys) for _ in range(rng.randrange(0, 4))) + "]"


def brief_value(rng: random.Random, key: str, own: str) -> str:
    """A value for `key` of a brief: near-valid half the time, anything at all otherwise."""
    if rng.random() < 0.4:
        return block_yaml(rng) if rng.random() < 0.2 else random_yaml(rng)
    if key in ("title", "summary", "headquarters", "listing"):
        return text_value(rng)
    if key == "updated":
        return rng.choice(("2021-03-26", "2021-05-31", "2031-01-01", '"2021-03-26"', "2021-03", "2021-02-29", "1900-01-01", "yesterday", "20210326", "2021-03-26 10:00:00"))
    if key == "draft":
        return rng.choice(("true", "false", "yes", "no", "on", "True", '"true"', "1", "maybe"))
    if key == "website":
        return rng.choice(("https://www.mi.com/", "www.mi.com", "javascript:alert(1)", "https://例え.jp/", "http://[::1]/", "https://a b/", "mailto:x@y", text_value(rng)))
    if key in ("aliases", *TAXONOMIES):
        return term_list(rng)
    if key == "relations":
        return relations_value(rng, own)
    if key == "events":
        return events_value(rng)
    if key == "people":
        return people_value(rng)
    return random_yaml(rng)


BRIEF_KEYS = ("title", "summary", "updated", "aliases", "website", "headquarters", "listing", "draft", *TAXONOMIES, "relations", "events", "people")
UNKNOWN_KEYS = ("tags", "Title", "relation", "strengths", "landscape", "'title'", '"summary"', "title ", "ti\u200btle", "<<", "? [a]", "1", "", "~")
SITE_KEYS = ("title", "base_url", "description", "language", "taxonomies", "stale_after_days", "autolink", "cname", "landscape", "rumor_after_days")


def site_value(rng: random.Random, key: str) -> str:
    if rng.random() < 0.4:
        return block_yaml(rng) if rng.random() < 0.2 else random_yaml(rng)
    return {
        "title": lambda: text_value(rng),
        "description": lambda: text_value(rng),
        "base_url": lambda: rng.choice(("https://example.github.io/ev-briefing/", "https://example.org", "https://example.org/a b/", "https://example.org/%2e%2e/", "/relative/", "example.org", "javascript:alert(1)", "https://例え.jp/パス/", "https://x/?q=1#frag", "file:///etc/", text_value(rng))),
        "language": lambda: rng.choice(("en", "zh-Hans", "en-GB", "english", "x", '"en\\u202e"', text_value(rng))),
        "taxonomies": lambda: rng.choice(("[partnerships, positioning, threats]", "[]", "[positioning]", "[companies]", "[static]", "[Positioning]", "[a b]", "[positioning, positioning]", "[" + "x" * 300 + "]", "[partnerships, positioning, threats, extra]", "[-]", "[''']", term_list(rng))),
        "stale_after_days": lambda: rng.choice(("180", "0", "-1", "1e9", "99999999999999999999", ".nan", "x", "1.5", "0x10", "1_000")),
        "autolink": lambda: rng.choice(("true", "false", "no", "off", "1", "maybe")),
        "cname": lambda: rng.choice(("briefing.example.com", "example", "EXAMPLE.COM", "a..b.com", "-a.com", "x" * 300 + ".com", text_value(rng))),
    }.get(key, lambda: random_yaml(rng))()


def source_entry(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return random_yaml(rng)
    keys = {
        "title": lambda: text_value(rng),
        "publisher": lambda: text_value(rng),
        "date": lambda: rng.choice(('"2021-03"', "2021-03", "2021", "2021-02-30", "2021-3", random_yaml(rng, 3))),
        "url": lambda: rng.choice(("https://example.com/a", "javascript:alert(1)", "example.com", text_value(rng))),
    }
    return item(rng, keys)


# --- editing YAML and front-matter as text -------------------------------------------------------------------

TOP_KEY = re.compile(r"([^\s#:\-?][^:]*|'[^']*'|\"[^\"]*\"):(\s|$)")


def key_blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """(key, first line, end line) of each top-level key of a YAML mapping written one key per column-0 line."""
    starts = [(m.group(1), i) for i, line in enumerate(lines) if (m := TOP_KEY.match(line))]
    return [(key, start, starts[n + 1][1] if n + 1 < len(starts) else len(lines)) for n, (key, start) in enumerate(starts)]


def set_key(lines: list[str], key: str, value: str, keep_old: bool = False) -> list[str]:
    """The mapping with `key: value` (a value starting with a newline is a block) in place of, or after, `key`'s old value."""
    if not keep_old:
        for name, start, end in reversed(key_blocks(lines)):
            if name == key:
                lines = lines[:start] + lines[end:]
    return lines + f"{key}: {value}".split("\n")


def drop_key(lines: list[str], key: str) -> list[str]:
    for name, start, end in reversed(key_blocks(lines)):
        if name == key:
            lines = lines[:start] + lines[end:]
    return lines


def split_markdown(text: str) -> tuple[list[str] | None, str]:
    """(front-matter lines, body) of a file this test wrote or the sample holds (LF, closed front-matter)."""
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return None, text
    return text[4:end].split("\n"), text[end + 5:]


def join_markdown(front: list[str] | None, body: str) -> str:
    return body if front is None else "---\n" + "\n".join(front) + "\n---\n" + body


def read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return None


# --- mutations: each takes the case, changes its content or output, and returns what it did (None: not applicable)

def mutate_brief_key(case: Case) -> str | None:
    path = case.pick(case.markdown())
    text = path and read_text(path)
    front, body = split_markdown(text) if text else (None, "")
    if front is None:
        return None
    rng = case.rng
    is_brief = path.parent.name == "companies"
    own = path.stem
    action = rng.choice(("set", "set", "set", "set", "drop", "twice", "unknown", "alias"))
    keys = BRIEF_KEYS if is_brief else ("title",)
    key = rng.choice(keys)
    if action == "set":
        value = brief_value(rng, key, own)
        front = set_key(front, key, value)
        what = f"set '{key}' to {short(value)}"
    elif action == "drop":
        front = drop_key(front, key)
        what = f"removed '{key}'"
    elif action == "twice":
        value = brief_value(rng, key, own)
        front = set_key(front, key, value, keep_old=True)
        what = f"gave '{key}' twice, second {short(value)}"
    elif action == "unknown":
        key = rng.choice(UNKNOWN_KEYS)
        value = random_yaml(rng)
        front = set_key(front, key, value, keep_old=True)
        what = f"added unknown key {key!r}: {short(value)}"
    else:
        other = rng.choice(keys)
        front = set_key(front, key, "&shared " + brief_value(rng, key, own))
        front = set_key(front, other, "*shared", keep_old=other == key)
        what = f"'{key}' anchored as &shared, '{other}' = *shared"
    path.write_text(join_markdown(front, body), encoding="utf-8")
    return f"front-matter {case.name(path)}: {what}"


# How a whole file can be laid out, for site.yml and sources.yml as for the Markdown files.
FILE_SHAPES = ("BOM", "two BOMs", "CRLF", "lone CR", "mixed line ends", "U+2028 line ends", "tab indentation", "leading blank line", "NUL in YAML")


def mutate_front_matter_shape(case: Case) -> str | None:
    """The front-matter's frame (its '---' lines, documents, directives) or the file's layout (BOM, line ends)."""
    yml = [p for p in case.files() if p.suffix == ".yml" and p.parent == case.content]
    path = case.pick(case.markdown() + yml * 3)
    text = path and read_text(path)
    if text is None:
        return None
    rng = case.rng
    front, body = split_markdown(text)
    fm = "\n".join(front or [])
    if path in yml:
        fm, body = text, ""
    shapes: dict[str, Callable[[], str]] = {
        "unclosed ---": lambda: "---\n" + fm + "\n" + body.replace("\n---\n", "\n"),
        "no front-matter": lambda: body,
        "only '---'": lambda: "---\n",
        "'---' twice, empty": lambda: "---\n---\n" + body,
        "a list": lambda: "---\n- a\n- b\n---\n" + body,
        "a scalar": lambda: f"---\n{random_yaml(rng)}\n---\n" + body,
        "closed by '...'": lambda: "---\n" + fm + "\n...\n" + body,
        "'--- ' with spaces": lambda: "--- \n" + fm + "\n---   \n" + body,
        "'---' with a value": lambda: "--- title: x\n" + fm + "\n---\n" + body,
        "%YAML directive": lambda: "---\n%YAML 1.1\n---\n" + fm + "\n---\n" + body,
        "two documents": lambda: "---\n" + fm + "\n---\n" + fm + "\n---\n" + body,
        "BOM": lambda: "\ufeff" + text,
        "two BOMs": lambda: "\ufeff\ufeff" + text,
        "CRLF": lambda: text.replace("\n", "\r\n"),
        "lone CR": lambda: text.replace("\n", "\r"),
        "mixed line ends": lambda: "".join(line + rng.choice(("\n", "\r\n", "\r")) for line in text.split("\n")),
        "U+2028 line ends": lambda: text.replace("\n", "\u2028"),
        "tab indentation": lambda: text.replace("\n  ", "\n\t"),
        "indented front-matter": lambda: "\n".join(" " + line for line in ("---\n" + fm + "\n---").split("\n")) + "\n" + body,
        "leading blank line": lambda: "\n" + text,
        "huge front-matter": lambda: "---\n" + fm + "\n" + "".join(f"k{i}: v\n" for i in range(rng.choice((1000, 50_000)))) + "---\n" + body,
        "raw control chars": lambda: "---\n" + fm + "\nsummary: a\x07b\x1bc\n---\n" + body,
        "comment only": lambda: "---\n# nothing\n---\n" + body,
        "NUL in YAML": lambda: text.replace("title:", "title:\x00", 1),
    }
    name = rng.choice(sorted(FILE_SHAPES if path in yml else shapes))
    path.write_text(shapes[name](), encoding="utf-8", newline="")
    return f"{'layout' if path in yml else 'front-matter'} {case.name(path)}: {name}"


SOUP = (
    "[", "]", "[[", "]]", "(", ")", "*", "**", "_", "__", "`", "``", "```", "~~~", "\n", "\n\n", "# ", "## ", "###### ",
    "> ", "- ", "1. ", "|", "| a | b |\n|---|---|\n", "---\n", "<div>", "</div>", "<script>alert(1)</script>", "<!--", "-->",
    "<style>", "<![CDATA[", "&amp;", "&#0;", "&#x110000;", "&#xD800;", "&nbsp;", "&bogus;", "&", "<", ">", "\\", "\\[",
    "[[xpeng]]", "[[missing]]", "[[SELF]]", "[[SELF#car-project]]", "[[xpeng#nope]]", "[[xpeng#brand-positioning|XPeng]]",
    "[[|]]", "[[#]]", "[[ ]]", "[[xpeng|]]", "[[li-auot]]", "[[Xiaomi]]", "[[xpeng#]]", "[[../xpeng]]",
    "[@reuters-factory-talks]", "[@missing]", "[@]", "[@36kr-fast-track; @latepost-car-decision]", "[@x; @]", "[-@x]",
    "![img](../assets/x.png)", "![](/etc/passwd)", "[a](javascript:alert(1))", "[a](JaVaScRiPt:x)", "[a](../../../etc/passwd)",
    "[a](data:text/html,x)", "[a]( <x> )", "[a][ref]", "[ref]: https://x", "<https://example.com>", "<a href='javascript:x'>",
    "<img src=x onerror=alert(1)>", "[^1]", "[^1]: note", "{: .class}", "$$", "\t", "    code", "Xiaomi", "XPeng", "Nio",
    "Great Wall Motors", "Li Auto", "word", " ", "\u202e", "\u200b", "\x07", "\x1b[31m", "\x7f", "\u2028", "\ufeff", "é",
    "小米", "😀", "x" * 2000, "[" * 50, "*" * 50, "`" * 50, "<" * 50, "#" * 10, "=" * 5, "\n===\n", "\n- - -\n", "&#",
    "](", "](x)", "![", "[](", "\\\n", "  \n",
)


def soup(rng: random.Random, own: str) -> str:
    return "".join(rng.choice(SOUP) for _ in range(rng.randrange(1, 300))).replace("SELF", own)


def mutate_body(case: Case) -> str | None:
    path = case.pick(case.markdown())
    text = path and read_text(path)
    if text is None:
        return None
    front, body = split_markdown(text)
    rng = case.rng
    new = soup(rng, path.stem)
    action = rng.choice(("replace", "append", "insert"))
    if action == "replace":
        body = new
    elif action == "append":
        body = body + new
    else:
        at = rng.randrange(len(body) + 1)
        body = body[:at] + new + body[at:]
    path.write_text(join_markdown(front, body), encoding="utf-8", newline="")
    return f"body {case.name(path)}: {action} {short(new, 200)}"


def mutate_bytes(case: Case) -> str | None:
    path = case.pick(case.files())
    if path is None:
        return None
    rng = case.rng
    data = path.read_bytes()
    text = data.decode("utf-8", "replace")
    at = rng.randrange(len(data) + 1)
    kinds: dict[str, Callable[[], bytes]] = {
        "invalid UTF-8 byte": lambda: data[:at] + bytes([rng.randrange(0x80, 0x100)]) + data[at:],
        "truncated multi-byte sequence": lambda: data + b"\xe5\xb0",
        "UTF-8 surrogate": lambda: data[:at] + b"\xed\xa0\x80" + data[at:],
        "overlong UTF-8": lambda: data[:at] + b"\xc0\xaf" + data[at:],
        "beyond U+10FFFF": lambda: data[:at] + b"\xf4\x90\x80\x80" + data[at:],
        "UTF-16 with BOM": lambda: text.encode("utf-16"),
        "UTF-16-BE with BOM": lambda: b"\xfe\xff" + text.encode("utf-16-be"),
        "UTF-32 with BOM": lambda: text.encode("utf-32"),
        "Latin-1": lambda: (text + "\nÉté\n").encode("latin-1", "replace"),
        "random bytes": lambda: rng.randbytes(rng.choice((1, 16, 4096))),
        "empty": lambda: b"",
        "truncated": lambda: data[:at],
        "NUL byte": lambda: data[:at] + b"\x00" + data[at:],
        "only a BOM": lambda: b"\xef\xbb\xbf",
        "gzip-looking": lambda: b"\x1f\x8b\x08\x00" + rng.randbytes(64),
        "4 MiB + 1": lambda: data + b"\n" + b"x" * (4 * 1024 * 1024 + 1 - len(data) - 1),
    }
    name = rng.choice(sorted(kinds))
    path.write_bytes(kinds[name]())
    return f"bytes {case.name(path)}: {name}" + (f" at {at}" if name in ("invalid UTF-8 byte", "UTF-8 surrogate", "overlong UTF-8", "beyond U+10FFFF", "truncated", "NUL byte") else "")


def mutate_yaml_file(case: Case) -> str | None:
    """site.yml or sources.yml: a key's value, a key missing or twice, the whole file replaced."""
    rng = case.rng
    name = rng.choice(("site.yml", "sources.yml"))
    path = case.content / name
    text = read_text(path) if path.is_file() and not path.is_symlink() else None
    if text is None:
        return None
    lines = text.rstrip("\n").split("\n")
    action = rng.choice(("set", "set", "set", "drop", "twice", "whole", "unknown"))
    if name == "site.yml":
        key = rng.choice(SITE_KEYS)
        value = site_value(rng, key)
    else:
        key = rng.choice((*SOURCE_IDS, "new-source", "bad id", "-x", "x" * 300, "ü", "1", "'quoted'", "[a]"))
        value = source_entry(rng)
    if action == "set":
        lines = set_key(lines, key, value)
        what = f"set '{key}' to {short(value)}"
    elif action == "drop":
        lines = drop_key(lines, key)
        what = f"removed '{key}'"
    elif action == "twice":
        lines = set_key(lines, key, value, keep_old=True)
        what = f"gave '{key}' twice, second {short(value)}"
    elif action == "whole":
        whole = rng.choice((random_yaml(rng), block_yaml(rng).lstrip("\n"), "", "---\n", "--- |\n  x", "a: 1\n---\nb: 2", "%TAG ! tag:x,2000:\n--- !x y", "- a\n- b"))
        lines = whole.split("\n")
        what = f"replaced by {short(whole)}"
    else:
        key = rng.choice(UNKNOWN_KEYS)
        lines = set_key(lines, key, value, keep_old=True)
        what = f"added unknown key {key!r}: {short(value)}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{name}: {what}"


def replace_with(case: Case, path: Path, make: Callable[[Path], None]) -> None:
    """Put something else where `path` is (or add it): the old file or folder goes."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    make(path)


def fs_target(case: Case) -> Path:
    """A brief, new or existing, most often; else site.yml, sources.yml, index.md or a term description."""
    rng = case.rng
    choice = rng.random()
    if choice < 0.5:
        return case.pick(case.briefs()) or case.content / "companies" / "xiaomi.md"
    if choice < 0.7:
        return case.content / "companies" / rng.choice(("new-brief.md", "zz.md", "a.md"))
    return case.content / rng.choice(("site.yml", "sources.yml", "index.md", "positioning/luxury.md", "threats/new-term.md"))


def outside_brief(case: Case) -> Path:
    outside = case.root / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / "brief.md"
    shutil.copyfile(SAMPLE / "companies" / "nio.md", target)
    return target


def mutate_file_system(case: Case) -> str | None:
    rng = case.rng
    target = fs_target(case)
    companies = case.content / "companies"
    kinds: dict[str, Callable[[], str | None]] = {}

    def kind(function: Callable[[], str | None]) -> Callable[[], str | None]:
        kinds[function.__name__] = function
        return function

    @kind
    def link_outside():
        source = outside_brief(case)
        replace_with(case, target, lambda p: p.symlink_to(source))
        return f"{case.name(target)} -> {source} (outside content/)"

    @kind
    def link_outside_relative():
        outside_brief(case)
        relative = os.path.relpath(case.root / "outside" / "brief.md", target.parent)
        replace_with(case, target, lambda p: p.symlink_to(relative))
        return f"{case.name(target)} -> {relative} (outside content/, relative)"

    @kind
    def link_dev_zero():
        device = rng.choice(("/dev/zero", "/dev/null", "/dev/urandom", "/dev/stdin", "/proc/self/mem", "/etc/passwd", "/"))
        replace_with(case, target, lambda p: p.symlink_to(device))
        return f"{case.name(target)} -> {device}"

    @kind
    def device_inside():
        def make(p: Path):
            os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero's numbers
        try:
            replace_with(case, target, make)
        except OSError:
            return None  # not root, or no devices on this file system
        return f"{case.name(target)} is a character device (/dev/zero's)"

    @kind
    def link_inside():
        other = case.pick(case.briefs())
        if other is None or other == target:
            return None
        replace_with(case, target, lambda p: p.symlink_to(os.path.relpath(other, target.parent)))
        return f"{case.name(target)} -> {case.name(other)} (inside content/)"

    @kind
    def dangling():
        replace_with(case, target, lambda p: p.symlink_to("no-such-file.md"))
        return f"{case.name(target)} -> no-such-file.md (dangling)"

    @kind
    def self_loop():
        replace_with(case, target, lambda p: p.symlink_to(p.name))
        return f"{case.name(target)} -> itself"

    @kind
    def loop_pair():
        other = target.with_name("loop-b.md") if target.name != "loop-b.md" else target.with_name("loop-a.md")
        replace_with(case, target, lambda p: p.symlink_to(other.name))
        replace_with(case, other, lambda p: p.symlink_to(target.name))
        return f"{case.name(target)} -> {other.name} -> {target.name} (loop)"

    @kind
    def folder_loop():
        folder = rng.choice((companies, case.content / "positioning", case.content))
        name = rng.choice(("loop", "loop.md", "deeper"))
        if not folder.is_dir():
            return None
        link = folder / name
        replace_with(case, link, lambda p: p.symlink_to(rng.choice((".", "..", os.fspath(folder)))))
        return f"{case.name(link)} -> {os.readlink(link)} (folder loop)"

    @kind
    def folder_outside():
        outside = case.root / "outside-folder"
        shutil.copytree(SAMPLE / "companies", outside, dirs_exist_ok=True)
        which = rng.choice(("companies", "positioning", "companies/sub"))
        link = case.content / which
        replace_with(case, link, lambda p: p.symlink_to(outside))
        return f"content/{which} -> {outside} (folder outside content/)"

    @kind
    def fifo():
        replace_with(case, target, lambda p: os.mkfifo(p))
        return f"{case.name(target)} is a FIFO"

    @kind
    def unix_socket():
        def make(p: Path):
            with socket.socket(socket.AF_UNIX) as server:
                server.bind(os.path.relpath(p))  # relative: a socket's path is at most 107 bytes
        cwd = os.getcwd()
        try:
            os.chdir(case.root)
            replace_with(case, target, make)
        except OSError:
            return None
        finally:
            os.chdir(cwd)
        return f"{case.name(target)} is a Unix socket"

    @kind
    def folder_named_like_file():
        replace_with(case, target, lambda p: p.mkdir())
        if rng.random() < 0.5:
            shutil.copyfile(SAMPLE / "companies" / "nio.md", target / "nio.md")
        return f"{case.name(target)} is a folder"

    @kind
    def long_name():
        length = rng.choice((255, 256, 300, 4000))
        slug = "a" * (length - 3) if rng.random() < 0.6 else ("é" * ((length - 3) // 2))
        path = companies / f"{slug}.md"
        try:
            shutil.copyfile(SAMPLE / "companies" / "nio.md", path)
        except OSError as exc:
            if exc.errno in (errno.ENAMETOOLONG, errno.EINVAL):
                return None  # the file system refuses the name: nothing to build
            raise
        return f"brief with a {len(path.name.encode())}-byte name"

    @kind
    def odd_name():
        name = rng.choice((
            "with space.md", "ünïcode.md", "小米.md", "new\nline.md", "tab\t.md", "colon:7: fake.md", "-dash.md", "UPPER.md",
            "x.MD", "x.md.md", "trail .md", "back\\slash.md", "\u202egnp.md", "nio .md", "a--b.md", "-.md", "x.markdown", "README",
            "x.md~", "#x.md#", ".hidden.md", ".md", "x.md\u200b", "\x1b[31mred.md", "\x7f.md",
        ))
        folder = rng.choice((companies, companies, case.content / "positioning", case.content))
        if not folder.is_dir() or folder.is_symlink():
            return None
        shutil.copyfile(SAMPLE / "companies" / "nio.md", folder / name)
        return f"file {case.name(folder / name)!r}"

    @kind
    def bytes_name():
        name = rng.choice((b"\xff.md", b"caf\xe9.md", b"\xed\xa0\x80.md", b"ok-\x80.md", b"\xc3.md"))
        folder = rng.choice((companies, case.content / "positioning", case.content))
        if not folder.is_dir() or folder.is_symlink():
            return None
        path = os.path.join(os.fsencode(folder), name)
        with open(path, "wb") as handle:
            handle.write((SAMPLE / "companies" / "nio.md").read_bytes())
        return f"file {os.fsencode(folder.relative_to(case.root)) + b'/' + name!r} (name not UTF-8)"

    @kind
    def unreadable():
        if os.geteuid() == 0:
            return None  # root reads everything: the case would test nothing
        which = rng.choice((target, companies, case.content / "positioning"))
        if not which.exists():
            return None
        which.chmod(0)
        return f"{case.name(which)} has no permissions"

    @kind
    def remove():
        which = rng.choice((target, companies, case.content / "site.yml", case.content / "sources.yml", case.content / "positioning"))
        if not os.path.lexists(which):
            return None
        replace_with(case, which, lambda p: None)
        return f"{case.name(which)} removed"

    @kind
    def empty_companies():
        for brief in case.briefs():
            brief.unlink()
        return "every brief removed"

    @kind
    def file_for_folder():
        which = rng.choice((companies, case.content / "positioning"))
        replace_with(case, which, lambda p: p.write_text("not a folder\n"))
        return f"{case.name(which)} is a file"

    @kind
    def unknown_folder():
        folder = case.content / rng.choice(("positionning", "tags", "assets", "static", "site", "companies2"))
        folder.mkdir(exist_ok=True)
        if rng.random() < 0.7:
            shutil.copyfile(SAMPLE / "positioning" / "luxury.md", folder / "luxury.md")
        return f"folder {case.name(folder)}"

    @kind
    def nested_folder():
        folder = companies / rng.choice(("sub", "deep/er", "nio"))
        if not companies.is_dir() or companies.is_symlink():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / "companies" / "nio.md", folder / "nio.md")
        return f"folder {case.name(folder)} with a brief"

    @kind
    def content_is_link():
        moved = case.root / "real-content"
        case.content.rename(moved)
        case.content.symlink_to(moved.name)
        return "content -> real-content (the content folder is a link)"

    name = rng.choice(sorted(kinds))
    what = kinds[name]()
    return None if what is None else f"file system: {what}"


def mutate_output(case: Case) -> str | None:
    """The output of the last good build, disturbed: a build must still fail cleanly or repair it, never reach outside it."""
    rng = case.rng
    output = case.output
    manifest = output / ".briefing-manifest.json"
    canary = os.path.relpath(case.root / "canary.txt", output)
    kinds: dict[str, Callable[[], None]] = {
        "manifest of random bytes": lambda: manifest.write_bytes(rng.randbytes(64)),
        "manifest not a list": lambda: manifest.write_text('{"files": 7}'),
        "manifest names a file outside the output": lambda: manifest.write_text(json.dumps({"files": [canary, str(case.root / "canary.txt"), "", ".", "companies"]})),
        "manifest removed": lambda: manifest.unlink(),
        "staging folder left behind": lambda: (output / ".briefing-staging" / "index.html").parent.mkdir() or (output / ".briefing-staging" / "index.html").write_text("old"),
        "page is a link outside": lambda: replace_with(case, output / "index.html", lambda p: p.symlink_to(case.root / "canary.txt")),
        "page folder is a link outside": lambda: replace_with(case, output / "companies" / "nio", lambda p: p.symlink_to(case.root)),
        "page is a folder": lambda: replace_with(case, output / "feed.xml", lambda p: p.mkdir()),
        "page is a FIFO": lambda: replace_with(case, output / "robots.txt", lambda p: os.mkfifo(p)),
        "foreign file": lambda: (output / "notes.txt").write_text("mine"),
        "page read-only": lambda: (output / "index.html").chmod(0o444),
    }
    name = rng.choice(sorted(kinds))
    kinds[name]()
    return f"output: {name}"


def mutate_command(case: Case) -> str | None:
    rng = case.rng
    choice = rng.randrange(4)
    if choice == 0:
        case.args.append("--drafts")
        return "command: --drafts"
    if choice == 1:
        case.args.append("--strict")
        return "command: --strict"
    url = rng.choice(("https://example.org/x/", "not a url", "javascript:alert(1)", "https://例え.jp/", "https://x/\u202e/", "/", "https://x/a b/"))
    if choice == 2:
        case.args.extend(["--base-url", url])
        return f"command: --base-url {url!r}"
    case.env["BRIEFING_BASE_URL"] = url
    return f"command: BRIEFING_BASE_URL={url!r}"


# (weight, mutation)
MUTATIONS: list[tuple[int, Callable[[Case], str | None]]] = [
    (8, mutate_brief_key),
    (4, mutate_front_matter_shape),
    (5, mutate_body),
    (4, mutate_bytes),
    (4, mutate_yaml_file),
    (6, mutate_file_system),
    (1, mutate_output),
    (1, mutate_command),
]


def mutate(case: Case) -> None:
    """1 to 3 mutations; one that does not apply to the case as it now is gives way to another."""
    wanted = case.rng.randint(1, 3)
    done = tries = 0
    while done < wanted and tries < 20:
        tries += 1
        function = case.rng.choices([m for _, m in MUTATIONS], weights=[w for w, _ in MUTATIONS])[0]
        what = function(case)
        if what is not None:
            case.note(what)
            done += 1


# --- the test ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """A working folder with the sample content/, its good build in site/, and the build cache of it."""
    root = tmp_path_factory.mktemp("fuzz-base")
    shutil.copytree(SAMPLE, root / "content", symlinks=True)
    result = run_cli(["--content", "content", "--templates", str(TEMPLATES), "--output", "site"], root, environment())
    assert result.returncode == 0, result.show()
    assert (root / "site" / "index.html").is_file()
    return root


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_") and k != "SOURCE_DATE_EPOCH"}
    env["SOURCE_DATE_EPOCH"] = EPOCH
    return env


def new_case(seed: int, base: Path, root: Path) -> Case:
    case = Case(seed, random.Random(seed), root, env=environment())
    root.mkdir()
    shutil.copytree(base / "content", case.content, symlinks=True)
    shutil.copytree(base / "site", case.output, symlinks=True)
    if case.rng.random() < 0.5:  # half the cases build as an edit after the good build, with its cache
        shutil.copytree(base / ".briefing-cache", root / ".briefing-cache", symlinks=True)
        case.note("(with the good build's cache)")
    (root / "canary.txt").write_text("must survive\n")
    mutate(case)
    return case


STASH_MARK = "wzxhzdk"  # Python-Markdown's placeholder for stashed HTML: never meant to reach a reader


def output_faults(output: Path, digest: dict[str, tuple]) -> list[str]:
    """What is wrong in a good build's output: text files that are not UTF-8, placeholders of the Markdown converter."""
    faults = []
    for name, entry in digest.items():
        if entry[0] != "file" or not name.endswith((".html", ".xml", ".txt", ".json", ".csv")):
            continue
        data = (output / name).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            faults.append(f"{name} is not UTF-8: {exc}")
        if STASH_MARK.encode() in data:
            at = data.index(STASH_MARK.encode())
            faults.append(f"{name} shows a Python-Markdown placeholder: {data[max(0, at - 80):at + 40]!r}")
    return faults


def problem_lines(run: Run) -> list[str]:
    """The lines of stderr that are not a run's summary."""
    return [line for line in run.stderr.splitlines() if not SUMMARY_CHECK.fullmatch(line) and not SUMMARY_BUILD.match(line) and not NOTICE.match(line)]


def check_run(case: Case, run: Run, before: dict[str, tuple], building: bool) -> list[str]:
    """What is wrong with one run: an empty list when nothing is."""
    failures = []
    if run.returncode is None:
        return [f"did not finish within {TIMEOUT} s (a hang)"]
    if "Traceback" in run.stdout + run.stderr:
        failures.append("printed a traceback")
    if run.returncode not in (0, 1):
        failures.append(f"exit status {run.returncode}, not 0 or 1")
    after = tree_digest(case.output)
    if run.returncode != 0 or not building:
        changes = digest_changes(before, after)
        if changes:
            failures.append("changed the output:\n  " + "\n  ".join(changes[:20]))
    if building and run.returncode == 0:
        if not (case.output / "index.html").is_file():
            failures.append("exit 0 without site/index.html")
        failures += output_faults(case.output, after)
    if STASH_MARK in run.stderr:
        failures.append(f"a Python-Markdown placeholder ({STASH_MARK}...) shows in a message")
    if building and run.returncode == 0 and any(path.name.startswith(".briefing-staging") for path in case.output.iterdir()):
        failures.append("left a .briefing-staging folder in the output")
    if (case.root / "canary.txt").read_text() != "must survive\n":
        failures.append("changed a file outside the output (canary.txt)")
    lines = problem_lines(run)
    bad = [line for line in lines if not PROBLEM.fullmatch(line)]
    if bad:
        failures.append("printed lines that are not `path[:line]: message`:\n  " + "\n  ".join(repr(line) for line in bad[:10]))
    if run.returncode == 1:
        summary = [line for line in run.stderr.splitlines() if (SUMMARY_BUILD if building else SUMMARY_CHECK).match(line)]
        if not summary:
            if building or "--strict" not in case.args or not run.stdout.startswith("checked "):
                failures.append("exit 1 without a summary line")
        elif not building or "error(s)" in summary[-1]:
            errors = int(re.search(r"(\d+) error", summary[-1]).group(1))
            printed = [line for line in lines if not PROBLEM.fullmatch(line) or not PROBLEM.fullmatch(line).group("message").startswith("warning: ")]
            if errors != len(printed):
                failures.append(f"the summary counts {errors} error(s), {len(printed)} error line(s) printed")
    return failures


def fuzz_one(seed: int, base: Path, root: Path) -> None:
    case = new_case(seed, base, root)
    common = ["--content", "content", "--templates", str(TEMPLATES), *case.args]
    problems = []
    runs = []
    before = tree_digest(case.output)
    check = run_cli(["check", *common], case.root, case.env)
    runs.append(check)
    problems += [f"check: {p}" for p in check_run(case, check, before, building=False)]
    before = tree_digest(case.output)
    build = run_cli([*common, "--output", "site"], case.root, case.env)
    runs.append(build)
    problems += [f"build: {p}" for p in check_run(case, build, before, building=True)]
    if check.returncode == 1 and build.returncode == 0 and "--strict" not in case.args:
        problems.append("check found errors the build did not")
    if problems:
        pytest.fail(
            f"fuzz seed {seed}: {len(problems)} problem(s)\n"
            + "mutations:\n  " + "\n  ".join(case.log) + "\n"
            + "problems:\n  " + "\n  ".join(problems) + "\n\n"
            + "\n\n".join(run.show() for run in runs)
            + f"\n\nreproduce: BRIEFING_FUZZ_SEEDS={seed} pytest tests/test_fuzz.py -k test_case  (the case's folder: {case.root})",
            pytrace=False,
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_case(seed, good_build, tmp_path):
    fuzz_one(seed, good_build, tmp_path / "case")


@pytest.mark.slow
@pytest.mark.parametrize("body", ["[" * 20_000, "[](" * 20_000], ids=["20000-brackets", "20000-empty-links"])
def test_a_pathological_body_ends_in_an_error_naming_the_file_or_builds(body, good_build, tmp_path):
    """20,000 '[' in one brief, and 20,000 '[](' (Python-Markdown alone takes about 90 s over those): the build
    ends within the conversion limit (--convert-timeout, 10 s by default), either built or with an error that
    names the file, and the output is untouched on error."""
    root = tmp_path / "case"
    root.mkdir()
    shutil.copytree(good_build / "content", root / "content")
    shutil.copytree(good_build / "site", root / "site", symlinks=True)
    brief = root / "content" / "companies" / "xiaomi.md"
    brief.write_text(brief.read_text(encoding="utf-8") + "\n" + body + "\n", encoding="utf-8")
    before = tree_digest(root / "site")
    run = run_cli(["--content", "content", "--templates", str(TEMPLATES), "--output", "site"], root, environment(), timeout=60)
    assert run.returncode is not None, "no result within 60 s: the conversion limit did not stop it"
    assert "Traceback" not in run.stdout + run.stderr, run.show()
    assert run.returncode in (0, 1), run.show()
    if run.returncode == 1:
        assert tree_digest(root / "site") == before, run.show()
        assert any(line.startswith("content/companies/xiaomi.md") for line in problem_lines(run)), run.show()
    else:
        assert (root / "site" / "index.html").is_file()
