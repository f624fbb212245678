"""Fingerprints of what each page shows: a page is rendered again only when its fingerprint changed.

A page's fingerprint is a digest of its declaration (views.PageView): its URL,
kind, title and template, and the digests of the parts of the model it shows.
A part is digested from its pickle, and remembered by identity for as long as
the model holds it: a site patched after an edit keeps every other object, so
a preview server's rebuild digests only what the edit made anew. A tuple of
records (the companies) is digested record by record, and the WholeSite that
pages about the whole site show is digested part by part.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import fields, is_dataclass

from ..views import PageView, WholeSite

DIGEST_SIZE = 16


class Fingerprints:
    """Digests salted with the engine and the templates (a change to either changes every fingerprint)."""

    def __init__(self, salt: bytes):
        self.salt = salt
        self.known: dict[int, tuple[object, bytes]] = {}  # id -> (the object, kept alive so its id stays its own; its digest)
        self.used: dict[int, tuple[object, bytes]] = {}

    def page(self, page: PageView) -> bytes:
        head = (page.url, page.kind, page.title, page.template, page.absolute_links)
        return self.combine([self.digest(head), self.part(page.site), self.part(page.item), self.part(page.text)])

    def part(self, value: object) -> bytes:
        key = id(value)
        found = self.used.get(key) or self.known.get(key)
        if found is None:
            if isinstance(value, WholeSite):
                digest = self.combine([self.part(getattr(value, f.name)) for f in fields(value)])
            elif isinstance(value, tuple) and value and is_dataclass(value[0]):
                digest = self.combine([self.part(item) for item in value])
            else:
                digest = self.digest(value)
            found = (value, digest)
        self.used[key] = found
        return found[1]

    def digest(self, value: object) -> bytes:
        return hashlib.blake2b(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), key=self.salt, digest_size=DIGEST_SIZE).digest()

    def combine(self, digests: list[bytes]) -> bytes:
        return hashlib.blake2b(b"".join(digests), key=self.salt, digest_size=DIGEST_SIZE).digest()

    def forget_unused(self) -> None:
        """After a build: remember only what it used, so a long preview session does not keep every old model."""
        self.known, self.used = self.used, {}
