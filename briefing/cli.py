"""The command line: `python build.py [build|serve|check|init DIR|new "Company Name"]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__, search
from .builder import Builder, BuildOptions, BuildResult
from .guarded import DEFAULT_LIMIT, Limit
from .problems import ContentError, Problem, Problems, display_path
from .progress import terminal_progress

PROGRESS = terminal_progress()


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 1e6:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0, such as 10 or 2.5")
    return seconds


def parse_args(argv: list[str]) -> argparse.Namespace:
    prog = "build.py" if Path(sys.argv[0]).name == "build.py" else "briefing"  # the console script, or python -m briefing.cli
    parser = argparse.ArgumentParser(prog=prog, description="Build, preview or check a Briefing site.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve", "check", "init", "new"],
                        help="build the site (default), serve it with live reload, only check the content, "
                             "make a new site in a folder (init DIR), or write a new brief (new \"Company Name\")")
    parser.add_argument("target", nargs="?", help="init: the folder to make a site in; new: the company's name")
    parser.add_argument("--slug", help="new: the brief's file name, for a name with no Latin letters (default: the name folded to ASCII)")
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--templates", type=Path, default=None,
                        help="the site's own templates, each overriding the packaged theme's file of its name (default: templates, if there is one)")
    parser.add_argument("--output", type=Path, default=Path("site"), help="output folder (default: site)")
    parser.add_argument("--base-url", default=None, help="absolute URL the site is served from (overrides site.yml and BRIEFING_BASE_URL)")
    parser.add_argument("--drafts", action="store_true", help="include briefs marked draft: true")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--offline", action="store_true", help="end every internal link in index.html, so the output folder works opened from disk")
    parser.add_argument("--convert-timeout", type=positive_seconds, default=DEFAULT_LIMIT, metavar="SECONDS",
                        help=f"longest a brief's Markdown may take to convert before it is an error (default: {DEFAULT_LIMIT:g})")
    parser.add_argument("--format", choices=["text", "github"], default="text",
                        help="check: also print each error and warning as a GitHub Actions annotation (github)")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="serve: port (default: 8000)")
    return parser.parse_args(argv)


def print_problems(problems: list[Problem], annotate: bool = False) -> None:
    """Each problem on stderr; with `annotate`, also on stdout as a GitHub Actions annotation."""
    for problem in problems:
        print(problem.format(), file=sys.stderr)
        if annotate:
            print(problem.annotation(), flush=True)


def base_url_override(args: argparse.Namespace) -> str | None:
    return args.base_url or os.environ.get("BRIEFING_BASE_URL") or None


def check(args: argparse.Namespace) -> int:
    from .loader import load_site
    from .views import LISTED, declare_pages

    problems = Problems()
    try:
        site = load_site(args.content, problems, base_url_override(args), args.drafts)
        pages = declare_pages(site, problems)
        problems.raise_errors()
    except ContentError:
        print_problems(problems.errors + problems.warnings, args.format == "github")
        print(f"{len(problems.errors)} error(s), {len(problems.warnings)} warning(s)", file=sys.stderr)
        return 1
    print_problems(problems.warnings, args.format == "github")
    warnings = len(problems.warnings)
    print(f"checked {len(site.companies)} briefs, {len(site.sources)} sources, {sum(page.kind in LISTED for page in pages)} pages: no errors, {warnings} warning(s)")
    return 1 if args.strict and warnings else 0


def init(args: argparse.Namespace) -> int:
    from .loader import build_date
    from .scaffold import init_site

    made = init_site(Path(args.target), build_date())
    if isinstance(made, Problem):
        print_problems([made])
        return 1
    print(f"made a new site in {args.target}: {', '.join(display_path(path) for path in made)}")
    print(f"next: cd {args.target} && briefing serve")
    return 0


def new(args: argparse.Namespace) -> int:
    from .loader import build_date
    from .scaffold import new_brief
    from .settings import DEFAULT_TAXONOMIES, load_settings

    settings = load_settings(args.content, Problems())
    written = new_brief(args.content, args.target, args.slug, build_date(), settings.taxonomies if settings else DEFAULT_TAXONOMIES)
    if isinstance(written, Problem):
        print_problems([written])
        return 1
    print(f"wrote {display_path(written)}: fill in its summary and text")
    return 0


def options_from(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(args.content, args.templates or Path("templates"), args.output, base_url_override(args), args.drafts, args.strict,
                        args.offline)


def report_build(result: BuildResult, output: Path) -> None:
    if PROGRESS is not None:
        PROGRESS.clear()
    print_problems(list(result.errors) + list(result.warnings))
    if result.repaired:
        print(result.repaired, file=sys.stderr)
    if result.ok:
        report = result.report
        print(f"built {result.pages} pages ({result.rendered} rendered, {result.reused} files and bodies reused): {report.written} files written, {report.unchanged} unchanged, {report.removed} removed in {result.seconds:.2f} s")
    elif result.half_written:
        print(f"build failed: {len(result.errors)} error(s); {output} was left half-written, and the next build repairs it", file=sys.stderr)
    elif result.errors:
        print(f"build failed: {len(result.errors)} error(s); {output} is unchanged", file=sys.stderr)
    else:
        print(f"build failed: {len(result.warnings)} warning(s) with --strict; {output} is unchanged", file=sys.stderr)


def report_index(indexed: search.Indexed | Problem | None) -> None:
    if isinstance(indexed, Problem):
        print_problems([indexed])
    elif indexed is not None:
        print(f"indexed {indexed.pages} pages for search in {indexed.seconds:.2f} s")


def build(args: argparse.Namespace) -> int:
    result = Builder(options_from(args), PROGRESS).build()
    report_build(result, args.output)
    if not result.ok:
        return 1
    indexed = search.refresh(args.output, result, args.offline)
    report_index(indexed)
    return 1 if args.strict and isinstance(indexed, Problem) else 0


def serve(args: argparse.Namespace) -> int:
    from .serve import serve as run_server

    return run_server(options_from(args), args.host, args.port, report_build, report_index, PROGRESS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if (args.target is None) == (args.command in ("init", "new")) or (args.slug is not None and args.command != "new"):
        usage = {"init": "init DIR", "new": 'new "Company Name" [--slug SLUG]'}.get(args.command, f"{args.command} [options]")
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    if args.templates is not None and not args.templates.is_dir():
        print_problems([Problem(display_path(args.templates), 0, "is not a folder; --templates names a folder of templates that override the "
                                                                  "packaged theme's (leave it out to use the theme alone)")])
        return 1
    Limit.seconds = args.convert_timeout
    try:
        return {"check": check, "build": build, "serve": serve, "init": init, "new": new}[args.command](args)
    except KeyboardInterrupt:
        if PROGRESS is not None:
            PROGRESS.clear()
        print(f"interrupted; run `{args.command}` again to finish", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
