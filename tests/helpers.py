"""Helpers for the tests: the repository, the valid fixture site, small sites written on the fly."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from briefing.loader import load_site
from briefing.problems import Problems

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID = FIXTURES / "valid" / "content"
# The build date the fixture's `updated` dates are written against.
TODAY = datetime.date(2021, 6, 1)

SITE_YML = "title: Test site\nbase_url: https://example.org/test/\n"


def built_paths(folder: Path) -> list[Path]:
    """Every path under an output folder, sorted, but Pagefind's index (pagefind/): the one part of a build's output
    that is not byte-identical from one run to the next (its own file names vary)."""
    return [p for p in sorted(folder.rglob("*")) if p.relative_to(folder).parts[0] != "pagefind"]


def brief(title: str, front: str = "", body: str = "", updated: str = "2021-05-01") -> str:
    """A brief's text: required keys, then `front` (YAML lines), then the body."""
    extra = textwrap.dedent(front).strip("\n")
    head = f"---\ntitle: {title}\nsummary: About {title}.\nupdated: {updated}\n" + (extra + "\n" if extra else "") + "---\n"
    return head + textwrap.dedent(body).lstrip("\n")


def write_site(root: Path, files: dict[str, str | bytes], site_yml: str = SITE_YML) -> Path:
    """A content folder under `root` holding site.yml and `files` (path -> text or bytes)."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "site.yml").write_text(site_yml, encoding="utf-8")
    for name, data in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return content


def copy_valid(root: Path) -> Path:
    """A writable copy of the valid fixture site's content folder."""
    target = root / "content"
    shutil.copytree(VALID, target)
    return target


def load(content: Path, drafts: bool = False, today: datetime.date = TODAY):
    """(site, problems) for a content folder that must load without errors."""
    problems = Problems()
    site = load_site(content, problems, drafts=drafts, today=today)
    return site, problems


def build_here(**changes):
    """A build of content/ with templates/ into site/ in the working folder by a fresh Builder, as a new process makes it."""
    from briefing.builder import Builder, BuildOptions

    options = dict(content=Path("content"), templates=Path("templates"), output=Path("site"))
    return Builder(BuildOptions(**{**options, **changes})).build()


def run_build(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    """`python build.py ARGS` from `cwd`, as a user would run it."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )


def error_lines(stderr: str) -> list[str]:
    """The `path[:line]: message` error lines of a run's stderr (not warnings, not the summary)."""
    lines = []
    for line in stderr.splitlines():
        head, sep, rest = line.partition(": ")
        if sep and " " not in head and not rest.startswith("warning: "):
            lines.append(line)
    return lines
