"""Slugs: brief file names, term and heading anchors."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_COMPONENT_BYTES = 255  # the longest file name most file systems allow, fixed so every machine answers alike
BRIEF_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_WORD = re.compile(r"[^\w]+|_+")


@functools.lru_cache(maxsize=65536)  # a site's term names are slugified once per brief that uses them
def slugify(text: str) -> str:
    """'Mass market' -> 'mass-market'; Unicode letters kept, everything else to hyphens."""
    normal = unicodedata.normalize("NFC", text).lower()
    return _NOT_WORD.sub("-", normal).strip("-")


def is_brief_slug(name: str) -> bool:
    return BRIEF_SLUG.fullmatch(name) is not None


def too_long(slug: str) -> bool:
    """Whether a slug is too long to be a folder name in the output (MAX_COMPONENT_BYTES of UTF-8)."""
    return len(slug.encode("utf-8", "surrogateescape")) > MAX_COMPONENT_BYTES
