"""Reading and converting, remembered: the `read` and `convert` a build hands the documents and model stages.

A parsed file is reused while its stamp and what it was read with (the
taxonomies) are unchanged; a converted body while its text and every company
name autolinks and labels can use are unchanged. Both also go to the cache
file, so a new process finds them by the bytes they came from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

from ..documents import Parse, markdown_files
from ..files import read_bytes
from ..guarded import StandingWorker, guarded_iter
from ..markup import Names, RenderedBody, converting
from ..parallel import Progress, counter, parallel_iter, parallel_map
from ..problems import Problem, Problems
from .plain import decode, encode, storable
from .stamps import MISSING, stamp_of
from .store import Store

T = TypeVar("T")
FLUSH_EVERY = 1000  # values stored at a time, so a large site's never pile up in memory


class Memo:
    def __init__(self, store: Store | None = None, content: Path = Path(".")):
        self.store = store
        self.content = content
        self.files: dict[str, dict[str, tuple[bytes, tuple, object, tuple[Problem, ...], bytes | None]]] = {}
        self.names: Names | None = None
        self.names_digest = ""
        self.autolink: bool | None = None
        self.bodies: dict[tuple[str, str, int], tuple[RenderedBody, bytes | None]] = {}
        self.hits = 0
        self.progress: Progress | None = None
        self.fresh: dict[bytes, bytes] = {}  # values as plain data for the store, stored by flush()
        self.listings: dict[Path, tuple[bytes, list[str], tuple[Problem, ...]]] = {}
        self.worker = StandingWorker(encoding_converter)  # for convert_one: forking a large process for each edit costs more

    def list_files(self, folder: Path, problems: Problems, what: str) -> list[str]:
        """documents.ListFiles: a folder's files, listed again only when its own stamp changed (adding, removing
        or renaming a file in it changes that stamp)."""
        stamp = stamp_of(safe_stat(folder))
        known = self.listings.get(folder)
        if known is None or known[0] != stamp or stamp == MISSING:
            own = Problems()
            known = self.listings[folder] = (stamp, markdown_files(folder, own, what), tuple(own.items))
        problems.extend(known[2])
        return known[1]

    def read(self, kind: str, paths: list[str], inputs: tuple, parse: Parse, problems: Problems, parsed: Any = Any) -> list[T]:
        """documents.Read: each file parsed, or its remembered result and problems. Files of one `kind` are
        remembered together; those no longer listed are forgotten. A file this process has not seen is looked
        up in the store by its bytes, as a value of type `parsed`."""
        remembered = self.files.setdefault(kind, {})
        stamps = [stamp_of(safe_stat(path)) for path in paths]
        missing = [i for i, (path, stamp) in enumerate(zip(paths, stamps)) if (known := remembered.get(path)) is None or known[:2] != (stamp, inputs)]

        def file_key(index: int, data: bytes) -> bytes:
            return self.store.key("file", kind, str(self.content), str(paths[index]), repr(inputs), data)

        def read_key(index: int) -> bytes | None:
            data = read_bytes(Path(paths[index]), self.content, Problems())  # its problems are reported by `parse`
            return None if data is None else file_key(index, data)

        if self.store is not None and missing and self.store.path.is_file():  # else nothing can be found: a first build
            keys = parallel_map(lambda i: read_key(missing[i]), range(len(missing)))
            stored = self.store.get_many((key for key in keys if key is not None), tuple[parsed, tuple[Problem, ...]])
            for index, key in zip(missing, keys):
                if key in stored:
                    value, own = stored[key]
                    remembered[paths[index]] = (stamps[index], inputs, value, own, key)
            missing = [index for index, key in zip(missing, keys) if key not in stored]
        self.hits += len(paths) - len(missing)

        def parse_one(index: int) -> tuple[bytes | None, object, tuple[Problem, ...]]:
            """Parsed from the very bytes its key is made of; an unreadable file is left to `parse` to report."""
            own = Problems()
            data = read_bytes(Path(paths[index]), self.content, Problems()) if self.store is not None else None
            value = parse(paths[index], data, own)
            return (None if data is None else file_key(index, data)), value, tuple(own.items)

        for index, (key, value, own) in zip(missing, parallel_iter(parse_one, missing, counter(self.progress, "reading", len(missing)))):
            remembered[paths[index]] = (stamps[index], inputs, value, own, key)
            if key is not None:
                self.queue(key, storable((value, own)))
        remembered = self.files[kind] = {path: remembered[path] for path in paths}
        results = []
        for path in paths:
            _, _, value, own, _ = remembered[path]
            problems.extend(own)
            results.append(value)
        return results

    def convert(self, names: Names, autolink: bool, bodies: dict[str, tuple[str, int]]) -> dict[str, RenderedBody]:
        """model.Convert: converting only bodies (or names) that changed since the last build, or, in a new
        process, that the store does not have."""
        previous = None  # the names and autolink setting of the last build, when this one has new ones
        if self.names is None or names != self.names or autolink != self.autolink:
            previous = (self.names, self.autolink) if self.names is not None else self.stored_names()
            self.names, self.autolink = names, autolink
            self.names_digest = names.digest()
            self.bodies = self.rekeyed(self.left_as_they_were(self.bodies, previous))
            if self.store is not None and previous != (names, autolink):
                self.queue(self.store.key("names"), storable((names, autolink)))
        keys = [(slug, text, first_line) for slug, (text, first_line) in bodies.items()]
        missing = [key for key in keys if key not in self.bodies]
        converted = {key: self.bodies.get(key) for key in keys}
        disk_keys = {}
        if self.store is not None and missing:
            disk_keys = {key: self.body_key(*key) for key in missing}
            stored = self.store.get_many(disk_keys.values(), RenderedBody)
            for key in missing:
                if disk_keys[key] in stored:
                    converted[key] = (stored[disk_keys[key]], disk_keys[key])
            missing = [key for key in missing if converted[key] is None]
            if missing and previous is not None and previous != (names, autolink):
                # A new process after a company was added, removed or renamed: the last build's bodies.
                old_keys = {key: self.body_key(*key, names_digest=previous[0].digest()) for key in missing}
                found = self.store.get_many(old_keys.values(), RenderedBody)
                kept = {key: (found[old_keys[key]], old_keys[key]) for key in missing if old_keys[key] in found}
                reused = self.rekeyed(self.left_as_they_were(kept, previous))
                converted.update(reused)
                missing = [key for key in missing if key not in reused]
        self.hits += len(keys) - len(missing)
        fresh = guarded_iter(encoding_converter, (names, autolink), missing, counter(self.progress, "converting", len(missing)))
        for key, data in zip(missing, fresh):
            # None: it took too long (guarded.py), and the model reports it; it is not tried again in this process
            converted[key] = (None, None) if data is None else (decode(data, RenderedBody), self.remember_body(key, data, disk_keys.get(key)))
        self.bodies = converted
        return {slug: converted[(slug, *source)][0] for slug, source in bodies.items()}

    def left_as_they_were(self, bodies: dict, previous: tuple[Names, bool] | None) -> dict:
        """The `bodies`, converted with the `previous` names, that the current names leave as they were: a
        company added, removed or renamed changes only the bodies that show one of the names that changed."""
        if previous is None or previous[1] != self.autolink:
            return {}
        spellings, retitled = self.names.changes_since(previous[0])
        return {key: kept for key, kept in bodies.items() if kept[0] is not None and not shows_any(key[1], kept[0], spellings, retitled)}

    def stored_names(self) -> tuple[Names, bool] | None:
        """The names and autolink setting of the last build the store saw, if any."""
        if self.store is None:
            return None
        return self.store.get_many([self.store.key("names")], tuple[Names, bool]).get(self.store.key("names"))

    def rekeyed(self, kept: dict) -> dict:
        """`kept` under their store keys for the current names, copied to them in the store so a new process finds them."""
        if self.store is None:
            return dict(kept)
        bodies = {key: (body, self.body_key(*key)) for key, (body, _) in kept.items()}
        pairs = [(old, bodies[key][1]) for key, (_, old) in kept.items() if old is not None]
        if pairs:
            self.store.copy_many(pairs)
        return bodies

    def convert_one(self, slug: str, text: str, first_line: int, replacing: tuple[str, int]) -> RenderedBody | None:
        """One brief's body with the names of the last build (the caller knows they have not changed), in place
        of its body `replacing` (text, first line): a preview edited for hours keeps one body a brief. None
        when it took too long (guarded.py)."""
        self.bodies.pop((slug, *replacing), None)
        key = (slug, text, first_line)
        data = self.worker.run((self.names, self.autolink), key)
        if data is None:
            self.bodies[key] = (None, None)
            return None
        body = decode(data, RenderedBody)
        self.bodies[key] = (body, self.remember_body(key, data))
        return body

    def body_key(self, slug: str, text: str, first_line: int, names_digest: str | None = None) -> bytes:
        """A body's store key: its text and every name it was converted with (by default, the current ones)."""
        return self.store.key("body", names_digest or self.names_digest, str(self.autolink), slug, str(first_line), text)

    def remember_body(self, key: tuple[str, str, int], data: bytes, disk_key: bytes | None = None) -> bytes | None:
        if self.store is None:
            return None
        disk_key = disk_key or self.body_key(*key)
        self.queue(disk_key, data)
        return disk_key

    def queue(self, key: bytes, data: bytes | None) -> None:
        if data is None:
            return  # it cannot be stored (plain.storable)
        self.fresh[key] = data
        if len(self.fresh) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.store is not None and self.fresh:
            self.store.put_many(self.fresh)
        self.fresh = {}

    def save(self, also_used: set[bytes] = frozenset()) -> None:
        """Store what is queued; once the store holds over twice what is in use (`also_used`: entries others keep
        there, such as the history's), drop what is not."""
        if self.store is None:
            return
        self.flush()
        live = sum(len(files) for files in self.files.values()) + len(self.bodies) + len(also_used)
        if self.store.entry_count() > 2 * live + 1000:
            used = set(also_used)
            used.update(entry[4] for files in self.files.values() for entry in files.values())
            used.update(disk_key for _, disk_key in self.bodies.values())
            used.add(self.store.key("names"))
            used.discard(None)
            self.store.keep_only(used)


def encoding_converter(names: Names, autolink: bool):
    """In a worker: (slug, text, first line) -> the body converted, as plain data (a guarded.Setup)."""
    convert = converting(names, autolink)
    return lambda item: encode(convert(item))


def safe_stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def shows_any(text: str, body: RenderedBody, spellings: set[str], retitled: set[str]) -> bool:
    """Whether a body converted from `text` may show one of `spellings` (autolinks: a name can only be
    linked where the text spells it) or the title of a `retitled` company (the label of a bare wikilink)."""
    return any(spelling in text for spelling in spellings) or any(link.target in retitled for link in body.wikilinks)
