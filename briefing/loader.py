"""Settings -> documents -> site model: the whole load, with every problem collected."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from .documents import Documents, ListFiles, Read, read_documents, read_each
from .files import forget_folders
from .model import Convert, Site, build_site, convert_each
from .problems import Problems
from .settings import Settings, load_settings


def build_date() -> datetime.date:
    """Today, or the date SOURCE_DATE_EPOCH gives (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()


def load_documents(content: Path, problems: Problems, base_url: str | None = None, read: Read = read_each,
                   list_files: ListFiles | None = None, offline: bool = False) -> tuple[Settings, Documents]:
    """The settings and every document; raises ContentError when the settings cannot be read."""
    forget_folders()
    if not content.is_dir():
        problems.error(content, 0, "content folder not found; pass --content DIR or create content/")
        problems.raise_errors()
    settings = load_settings(content, problems, base_url, offline)
    if settings is None:
        problems.raise_errors()
    return settings, read_documents(content, settings, problems, read, list_files)


def load_site(content: Path, problems: Problems, base_url: str | None = None, drafts: bool = False, today: datetime.date | None = None,
              read: Read = read_each, convert: Convert = convert_each) -> Site:
    """The resolved site; raises ContentError with every error found, after all stages that can run."""
    settings, documents = load_documents(content, problems, base_url, read)
    site = build_site(documents, settings, problems, today or build_date(), drafts, convert)
    problems.raise_errors()
    return site
