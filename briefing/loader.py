"""Settings -> documents -> site model: the whole load, with every problem collected."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from .documents import read_documents
from .memo import LastBuild, Memo
from .model import Site, build_site, with_new_bodies
from .problems import ContentError, Problems
from .settings import load_settings
from .sourcefiles import forget_folders


def build_date() -> datetime.date:
    """Today, or the date SOURCE_DATE_EPOCH gives (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()


def load_site(content: Path, problems: Problems, base_url: str | None = None, drafts: bool = False, today: datetime.date | None = None, memo: Memo | None = None) -> Site:
    """The resolved site; raises ContentError with every error found, after all stages that can run."""
    forget_folders()
    if not content.is_dir():
        problems.error(content, 0, "content folder not found; pass --content DIR or create content/")
        problems.raise_errors()
    settings = load_settings(content, problems, base_url)
    if settings is None:
        problems.raise_errors()
    documents = read_documents(content, settings, problems, memo)
    date = today or build_date()
    site = None
    if memo is not None and memo.last is not None and not problems.errors:
        site = with_new_bodies(memo.last, documents, settings, date, drafts, memo, problems)
    if site is None:
        first = len(problems.items)
        site = build_site(documents, settings, problems, date, drafts, memo)
        model_problems = tuple(problems.items[first:])
    else:
        model_problems = memo.last.problems
    problems.raise_errors()
    if memo is not None:
        memo.last = LastBuild(documents, site, drafts, model_problems)
    return site


__all__ = ["ContentError", "load_site"]
