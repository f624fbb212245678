"""Parsed files and converted bodies kept between processes, keyed by a digest of what they came from.

One SQLite file in .briefing-cache/ maps a key to a pickled value. A key is a
digest of every input of the value (a file's bytes, its path, the settings it
was read with, the company names a body can link to) and of Briefing's code
and library versions, so a stale entry is never found, only left behind; old
entries are pruned when they outnumber the live ones. The cache is the
user's own working folder, like Sphinx's or Pelican's pickled caches. A cache
that is missing, locked, damaged or unwritable costs time, never correctness:
every failure reads as a miss.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from pathlib import Path
from typing import Iterable

SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"
BATCH = 500  # keys per SELECT: SQLite limits the number of parameters of one statement


class DiskCache:
    def __init__(self, path: Path, salt: str):
        self.path = path
        self.salt = salt.encode()

    def key(self, *parts: str | bytes) -> bytes:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.digest()

    def exists(self) -> bool:
        return self.path.is_file()

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, object]:
        keys = list(keys)
        found: dict[bytes, object] = {}
        if not keys or not self.path.is_file():
            return found
        try:
            with self.connect() as db:
                for start in range(0, len(keys), BATCH):
                    batch = keys[start:start + BATCH]
                    rows = db.execute(f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(batch))})", batch)
                    for key, value in rows:
                        found[key] = pickle.loads(value)
            db.close()
        except Exception:  # noqa: BLE001 - a damaged cache is a miss, whatever unpickling raised
            self.discard_if_damaged()
            return {}
        return found

    def put_many(self, items: dict[bytes, bytes]) -> int | None:
        """Store pickled values; the number of entries then stored, None when the cache cannot be written."""
        return self.write("INSERT OR REPLACE INTO entries VALUES (?, ?)", items.items())

    def copy_many(self, pairs: list[tuple[bytes, bytes]]) -> int | None:
        """Store each entry (old key, new key) under its new key as well; the count as put_many gives it."""
        return self.write("INSERT OR REPLACE INTO entries SELECT ?, value FROM entries WHERE key = ?", ((new, old) for old, new in pairs))

    def write(self, statement: str, rows: Iterable[tuple[bytes, bytes]]) -> int | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.connect() as db:
                db.executemany(statement, rows)
                (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
            db.close()
            return count
        except sqlite3.Error:
            self.discard_if_damaged()
            return None

    def keep_only(self, used: set[bytes]) -> None:
        """Drop every entry whose key is not in `used`."""
        try:
            with self.connect() as db:
                db.execute("CREATE TEMP TABLE used (key BLOB PRIMARY KEY) WITHOUT ROWID")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
                db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)")
            db.close()
        except sqlite3.Error:
            self.discard_if_damaged()

    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=2)
        db.execute("PRAGMA synchronous=OFF")  # a cache: losing the last write to a crash is harmless
        db.execute(SCHEMA)
        return db

    def discard_if_damaged(self) -> None:
        """Delete the file when SQLite finds it damaged (a lock or a full disk is left alone)."""
        try:
            db = sqlite3.connect(self.path, timeout=2)
            ok = db.execute("PRAGMA quick_check").fetchone() == ("ok",)
            db.close()
        except sqlite3.DatabaseError as exc:
            ok = isinstance(exc, sqlite3.OperationalError)  # locked or unreadable: not ours to judge
        if not ok:
            self.path.unlink(missing_ok=True)
            Path(f"{self.path}-journal").unlink(missing_ok=True)


def pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
