"""The command line: `briefing [build|serve|check]`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .loader import load_site
from .problems import ContentError, Problems
from .render import render_site
from .writer import WriteReport, check_output_folder, write_site


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="build.py", description="Build, preview or check a Briefing site.")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve", "check"], help="build the site (default), serve it with live reload, or only check the content")
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--templates", type=Path, default=Path("templates"), help="templates folder (default: templates)")
    parser.add_argument("--output", type=Path, default=Path("site"), help="output folder (default: site)")
    parser.add_argument("--base-url", default=None, help="absolute URL the site is served from (overrides site.yml and BRIEFING_BASE_URL)")
    parser.add_argument("--drafts", action="store_true", help="include briefs marked draft: true")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    return parser.parse_args(argv)


def print_problems(problems: Problems) -> None:
    for problem in problems.errors + problems.warnings:
        print(problem.format(), file=sys.stderr)


def check(args: argparse.Namespace) -> int:
    problems = Problems()
    base_url = args.base_url or os.environ.get("BRIEFING_BASE_URL") or None
    try:
        site = load_site(args.content, problems, base_url, args.drafts)
    except ContentError:
        print_problems(problems)
        print(f"{len(problems.errors)} error(s), {len(problems.warnings)} warning(s)", file=sys.stderr)
        return 1
    print_problems(problems)
    warnings = len(problems.warnings)
    print(f"checked {len(site.companies)} briefs, {len(site.sources)} sources, {len(site.pages)} pages: no errors, {warnings} warning(s)")
    return 1 if args.strict and warnings else 0


def build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    problems = Problems()
    try:
        result = build_site_files(args, problems)
    except ContentError as exc:
        print_problems(problems)
        for problem in exc.problems:
            if problem not in problems.items:
                print(problem.format(), file=sys.stderr)
        print(f"build failed: {len(set(exc.problems) | set(problems.errors))} error(s); {args.output} is unchanged", file=sys.stderr)
        return 1
    print_problems(problems)
    if args.strict and problems.warnings:
        print(f"build failed: {len(problems.warnings)} warning(s) with --strict", file=sys.stderr)
        return 1
    pages, report = result
    seconds = time.perf_counter() - started
    print(f"built {pages} pages: {report.written} files written, {report.unchanged} unchanged, {report.removed} removed in {seconds:.2f} s")
    return 0


def build_site_files(args: argparse.Namespace, problems: Problems):
    """Load, render in memory, then write: nothing is written unless every step succeeded."""
    refused = check_output_folder(args.output, [args.content, args.templates, Path.cwd()])
    if refused:
        raise ContentError(refused)
    base_url = args.base_url or os.environ.get("BRIEFING_BASE_URL") or None
    site = load_site(args.content, problems, base_url, args.drafts)
    if args.strict and problems.warnings:
        return len(site.pages), WriteReport(0, 0, 0)
    files = render_site(site, args.templates)
    return len(site.pages), write_site(files, args.output)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "check":
        return check(args)
    if args.command == "build":
        return build(args)
    print(f"'{args.command}' is not available yet; run 'python build.py check'", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
