"""Fingerprints of what each page shows: a page is rendered again only when its fingerprint changed.

A page's fingerprint is a digest of its declaration (views.PageView): its URL,
kind, title and template, and the digests of the parts of the model it shows.
A part is digested from its plain data (plain.py: the same values give the same
bytes, however they were made or shared), once per build however many pages show
it (the chrome, the whole site); a tuple of dataclasses (the companies) one
by one, so a company's digest serves its own page and the pages about the
whole site alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields, is_dataclass

from ..views import PackBrief, PackVolume, PageView, WholeSite
from .plain import storable

DIGEST_SIZE = 16


class Fingerprints:
    """Digests salted with the engine and the templates (a change to either changes every fingerprint)."""

    def __init__(self, salt: bytes):
        self.salt = salt

    def of(self, pages: list[PageView]) -> dict[str, bytes]:
        """Each page's fingerprint, by its output file."""
        shared: dict[int, bytes] = {}  # digests by id, of objects the pages hold for the whole call
        return {page.output_file: self.page(page, shared) for page in pages}

    def page(self, page: PageView, shared: dict[int, bytes] | None = None) -> bytes:
        shared = {} if shared is None else shared
        head = (page.url, page.kind, page.title, page.template, page.absolute_links)
        return self.combine([self.digest(head), *(self.part(value, shared) for value in (page.site, page.item, page.text))])

    def part(self, value: object, shared: dict[int, bytes]) -> bytes:
        digest = shared.get(id(value))
        if digest is None:
            if isinstance(value, (WholeSite, PackVolume, PackBrief)):  # made of parts other pages show too
                digest = self.combine([self.part(getattr(value, f.name), shared) for f in fields(value)])
            elif isinstance(value, tuple) and value and is_dataclass(value[0]):
                digest = self.combine([self.part(item, shared) for item in value])
            else:
                digest = self.digest(value)
            shared[id(value)] = digest
        return digest

    def digest(self, value: object) -> bytes:
        data = storable(value)
        if data is None:  # text that is not Unicode (an undecodable file name): its repr, which keeps it apart
            data = repr(value).encode("utf-8", "surrogateescape")
        return hashlib.blake2b(data, key=self.salt, digest_size=DIGEST_SIZE).digest()

    def combine(self, digests: list[bytes]) -> bytes:
        return hashlib.blake2b(b"".join(digests), key=self.salt, digest_size=DIGEST_SIZE).digest()

