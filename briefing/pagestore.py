"""The company pages of the last build, within reach of a new process that does not load the site.

For each company the store keeps its page as the last build rendered it,
without the brief's two bodies (its Markdown and its HTML) but with what the
rest of the site depends on in them: links, anchors, citations (see
model.with_new_bodies). It also keeps, once, the chrome every page shows and
the company names the bodies were converted with. A build in a new process
after only the bodies of a few briefs changed (quickbuild.py) renders their
pages from it.

A row holds the fingerprint of the page it describes, and is used only while
the record of the last build lists that fingerprint; the shared row holds the
token of the record it was saved with. Like every cache here, a store that
is missing, damaged or unwritable costs time, never correctness.
"""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
import threading
from pathlib import Path

from .markup import Names
from .model import Page, anchors_and_citations, links_of
from .recordfile import cache_file
from .records import record
from .render import Chrome

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pages (slug TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, data BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS shared (token TEXT NOT NULL, data BLOB NOT NULL)",
)
BATCH = 500  # rows stored at a time


@record
class StoredPage:
    page: Page  # without its item
    outline: bytes  # its company in outline (render.outline_of), pickled as the page's fingerprint pickled it
    referenced_by: tuple  # what else the company shows besides its bodies
    links: tuple  # model.links_of its body
    anchors: tuple  # model.anchors_and_citations of its body


@record
class Shared:
    chrome: Chrome
    names: Names
    autolink: bool


class PageStore:
    def __init__(self, output: Path):
        self.path = cache_file(output, "pages", ".sqlite3")

    def writer(self) -> "StoreWriter":
        return StoreWriter(self.path)

    def load(self, token: str, slugs: list[str]) -> tuple[Shared, dict[str, tuple[str, StoredPage]]] | None:
        """The shared row and the rows of `slugs` it has (slug -> (fingerprint, page)), or None when the store is
        not the one of the record with `token`, or cannot be read."""
        if not self.path.is_file():
            return None
        try:
            with connect(self.path) as db:
                found = db.execute("SELECT data FROM shared WHERE token = ?", (token,)).fetchone()
                rows = db.execute(f"SELECT slug, fingerprint, data FROM pages WHERE slug IN ({','.join('?' * len(slugs))})", slugs).fetchall()
            db.close()
            if found is None:
                return None
            shared = pickle.loads(found[0])
            pages = {slug: (fingerprint, pickle.loads(data)) for slug, fingerprint, data in rows}
        except Exception:  # noqa: BLE001 - a damaged store is no store, whatever unpickling raised
            return None
        if not isinstance(shared, Shared) or not all(isinstance(page, StoredPage) for _, page in pages.values()):
            return None
        return shared, pages

    def refresh(self, fingerprints: dict[str, str]) -> None:
        """New fingerprints for rows whose page changed only in what the store leaves out."""
        try:
            with connect(self.path) as db:
                db.executemany("UPDATE pages SET fingerprint = ? WHERE slug = ?", ((print_, slug) for slug, print_ in fingerprints.items()))
            db.close()
        except sqlite3.Error:
            self.path.unlink(missing_ok=True)


class StoreWriter:
    """Stores a build's company pages as their fingerprints are made (render.Fingerprints calls `keep`, from two
    threads), those the store already has with that fingerprint aside, in batches."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.rows: list[tuple[str, str, bytes]] = []
        self.db: sqlite3.Connection | None = None
        self.stored: dict[str, str] = {}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = connect(path, check_same_thread=False)
            self.stored = dict(self.db.execute("SELECT slug, fingerprint FROM pages"))
        except (OSError, sqlite3.Error):
            self.fail()

    def keep(self, job, fingerprint: str, outline: bytes) -> None:
        company = job.page.item
        if self.db is None or self.stored.get(company.slug) == fingerprint:
            return
        page = StoredPage(dataclasses.replace(job.page, item=None), outline, company.referenced_by, links_of(company.body), anchors_and_citations(company.body))
        row = (company.slug, fingerprint, pickle.dumps(page, protocol=5))
        with self.lock:
            self.rows.append(row)
            if len(self.rows) >= BATCH:
                self.flush()

    def flush(self) -> None:
        try:
            if self.db is not None and self.rows:
                self.db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", self.rows)
                self.db.commit()
        except sqlite3.Error:
            self.fail()
        self.rows = []

    def finish(self, token: str, shared: Shared, slugs: set[str]) -> None:
        """Store what is left, forget the pages of companies the site no longer has, and mark the store as
        the one of the record with `token`."""
        self.flush()
        try:
            if self.db is not None:
                self.db.executemany("DELETE FROM pages WHERE slug = ?", ((slug,) for slug in self.stored.keys() - slugs))
                self.db.execute("DELETE FROM shared")
                self.db.execute("INSERT INTO shared VALUES (?, ?)", (token, pickle.dumps(shared, protocol=5)))
                self.db.commit()
        except sqlite3.Error:
            self.fail()
        self.close()

    def close(self) -> None:
        """Done, or given up: the rows stored so far stay, each true of the fingerprint it holds."""
        if self.db is not None:
            self.db.close()
            self.db = None

    def fail(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)  # a store half written is no store


def connect(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=2, check_same_thread=check_same_thread)
    db.execute("PRAGMA synchronous=OFF")  # a cache: losing the last write to a crash is harmless
    for statement in SCHEMA:
        db.execute(statement)
    return db
