"""The one cache file, .briefing-cache/cache.sqlite3 in the working folder.

It keeps what a build in a new process can reuse: parsed files and converted
bodies (`entries`, keyed by a digest of everything they came from), the
record of each output folder's last build (`builds`) and each output folder's
company pages as the quick path needs them (`pages`). Every key is salted
with Briefing's code and library versions, so a stale entry is never found,
only left behind. Every value is plain data sealed with its digest
(plain.py), checked and decoded into the type its reader asks for. A cache
that is missing, locked, damaged, misshapen or unwritable costs time, never
correctness: every failure reads as a miss, and a damaged file is deleted.
Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from .plain import DIGEST_SIZE, MISS, decode, digest, opened, sealed

CACHE_FOLDER = Path(".briefing-cache")
FILE_NAME = "cache.sqlite3"
SCHEMA = (
    "DROP TABLE IF EXISTS templates",  # compiled templates, kept by earlier versions: code has no place in a cache
    "CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS builds (output TEXT PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS pages (output TEXT, slug TEXT, fingerprint BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (output, slug)) WITHOUT ROWID",
)
BATCH = 500  # keys per SELECT: SQLite limits the number of parameters of one statement


def cache_path() -> Path:
    return CACHE_FOLDER / FILE_NAME


class Store:
    def __init__(self, salt: str, path: Path | None = None):
        self.path = path or cache_path()
        self.salt = salt.encode()
        self.db: sqlite3.Connection | None = None

    def key(self, *parts: str | bytes) -> bytes:
        """A digest of `parts` (each kept apart from the next) and of the salt."""
        digest = hashlib.blake2b(self.salt, digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.digest()

    def connect(self, create: bool) -> sqlite3.Connection | None:
        """The open database; None when there is none (and `create` is false) or it cannot be opened."""
        if self.db is None:
            if not create and not self.path.is_file():
                return None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and not self.path.is_file():
                    raise IsADirectoryError(f"{self.path} is not a file")
                self.db = sqlite3.connect(self.path, timeout=2, isolation_level=None)
                self.db.execute("PRAGMA synchronous=OFF")  # a cache: losing the last write to a crash is harmless
                for statement in SCHEMA:
                    self.db.execute(statement)
            except (OSError, sqlite3.Error) as exc:
                self.failed(exc)
                return None
        return self.db

    def read(self, query: str, parameters: Iterable = ()) -> list[tuple]:
        db = self.connect(create=False)
        if db is None:
            return []
        try:
            return db.execute(query, tuple(parameters)).fetchall()
        except sqlite3.Error as exc:
            self.failed(exc)
            return []

    def write(self, statements: list[tuple[str, Iterable]]) -> bool:
        """Run each (statement, rows) in one transaction; whether it was written."""
        db = self.connect(create=True)
        if db is None:
            return False
        try:
            with db:
                db.execute("BEGIN")
                for statement, rows in statements:
                    db.executemany(statement, rows)
            return True
        except sqlite3.Error as exc:
            self.failed(exc)
            return False

    def failed(self, exc: Exception) -> None:
        """Close the file, and delete it when SQLite finds it damaged; a lock, a full disk or a folder that
        cannot be written is left alone (that write is only lost)."""
        self.close()
        if isinstance(exc, (OSError, sqlite3.OperationalError)):
            return
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=2)) as db:
                damaged = db.execute("PRAGMA quick_check").fetchone() != ("ok",)
        except sqlite3.OperationalError:
            return
        except sqlite3.DatabaseError:
            damaged = True
        if damaged:
            for path in (self.path, Path(f"{self.path}-journal")):
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # Parsed files and converted bodies.

    def get_many(self, keys: Iterable[bytes], kind: Any) -> dict[bytes, Any]:
        """key -> value of the stored entries among `keys` that hold an intact value of `kind`."""
        keys = list(keys)
        found: dict[bytes, Any] = {}
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            for key, stored in self.read(f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(batch))})", batch):
                data = opened(stored)
                value = MISS if data is None else decode(data, kind)
                if value is not MISS:
                    found[key] = value
        return found

    def put_many(self, items: dict[bytes, bytes]) -> None:
        """Store values given as plain data (plain.encode)."""
        self.write([("INSERT OR REPLACE INTO entries VALUES (?, ?)", ((key, sealed(data)) for key, data in items.items() if data is not None))])

    def copy_many(self, pairs: list[tuple[bytes, bytes]]) -> None:
        """Store each entry (old key, new key) under its new key as well."""
        self.write([("INSERT OR REPLACE INTO entries SELECT ?, value FROM entries WHERE key = ?", ((new, old) for old, new in pairs))])

    def entry_count(self) -> int:
        rows = self.read("SELECT count(*) FROM entries")
        return rows[0][0] if rows else 0

    def keep_only(self, used: set[bytes]) -> None:
        """Drop every entry whose key is not in `used`."""
        db = self.connect(create=False)
        if db is None:
            return
        try:
            with db:
                db.execute("BEGIN")
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY) WITHOUT ROWID")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
                db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)")
        except sqlite3.Error as exc:
            self.failed(exc)

    # The record of an output folder's last build, and its company pages.

    def record(self, output: Path) -> bytes | None:
        """The plain data of the output folder's record, if it is there and intact."""
        rows = self.read("SELECT record FROM builds WHERE output = ?", (output_key(output),))
        return opened(rows[0][0]) if rows else None

    def save_record(self, output: Path, record: bytes) -> None:
        self.write([("INSERT OR REPLACE INTO builds VALUES (?, ?)", [(output_key(output), sealed(record))])])

    def pages(self, output: Path, keys: list[str]) -> dict[str, tuple[bytes, bytes]]:
        """key -> (fingerprint, data) of the intact stored pages among `keys` (quick.stored_key: a company's slug,
        a volume's URL)."""
        if not keys:
            return {}
        rows = self.read(f"SELECT slug, fingerprint, data FROM pages WHERE output = ? AND slug IN ({','.join('?' * len(keys))})", (output_key(output), *keys))
        return {key: (fingerprint, data[DIGEST_SIZE:]) for key, fingerprint, data in rows
                if isinstance(data, bytes) and isinstance(fingerprint, bytes) and data[:DIGEST_SIZE] == digest(fingerprint, data[DIGEST_SIZE:])}

    def page_prints(self, output: Path) -> dict[str, bytes]:
        return dict(self.read("SELECT slug, fingerprint FROM pages WHERE output = ?", (output_key(output),)))

    def save_pages(self, output: Path, rows: list[tuple[str, bytes, bytes]], gone: Iterable[str] = ()) -> None:
        """Store (slug, fingerprint, data) rows and forget the `gone` slugs."""
        key = output_key(output)
        self.write([
            ("DELETE FROM pages WHERE output = ? AND slug = ?", ((key, slug) for slug in gone)),
            ("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
             ((key, slug, fingerprint, digest(fingerprint, data) + data) for slug, fingerprint, data in rows if data is not None)),
        ])


def output_key(output: Path) -> str:
    return str(output.resolve())
