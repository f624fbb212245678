"""Values in the cache file as plain data: MessagePack, decoded into exactly the type asked for, or not at all.

The cache file may come from elsewhere (a CI cache restored before a deploy),
so nothing in it may run code: no pickle, no marshal, no compiled templates.
msgspec decodes into the dataclasses themselves and checks every field's type
on the way (a misshapen value is a miss, not a traceback later); `digest`
catches what a flipped bit leaves well-shaped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec

DIGEST_SIZE = 16
MISS = object()  # what `decode` returns for data that is not a value of the type asked for


def encode_hook(value: object) -> object:
    if isinstance(value, (Path, str)):
        return str(value)  # a path, or a str of a subclass (yamlsafe.Plain)
    raise NotImplementedError(f"{type(value).__name__} has no plain form")


def decode_hook(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


ENCODER = msgspec.msgpack.Encoder(enc_hook=encode_hook)
DECODERS: dict[Any, msgspec.msgpack.Decoder] = {}


def encode(value: object) -> bytes:
    return ENCODER.encode(value)


def storable(value: object) -> bytes | None:
    """`value` as plain data, or None when it holds text that is not Unicode (a file name's undecodable bytes,
    kept by Python as surrogates) and so cannot be stored: it is then only not kept."""
    try:
        return ENCODER.encode(value)
    except UnicodeEncodeError:
        return None


def decode(data: bytes, kind: Any) -> Any:
    """`data` as a value of `kind` (a type, or a type expression such as tuple[Names, bool]); MISS if it is not one."""
    decoder = DECODERS.get(kind)
    if decoder is None:
        decoder = DECODERS[kind] = msgspec.msgpack.Decoder(kind, dec_hook=decode_hook)
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError):
        return MISS


def digest(*parts: bytes) -> bytes:
    """What a stored value is checked against when it is read."""
    hasher = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


def sealed(data: bytes) -> bytes:
    """`data` with its digest in front, as the store keeps it."""
    return digest(data) + data


def opened(stored: object) -> bytes | None:
    """The data of a `sealed` value, or None when it is not what was sealed."""
    if not isinstance(stored, bytes) or len(stored) < DIGEST_SIZE:
        return None
    data = stored[DIGEST_SIZE:]
    return data if digest(data) == stored[:DIGEST_SIZE] else None
