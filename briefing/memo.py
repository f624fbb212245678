"""What a long-lived builder remembers between builds: folder listings, parsed
files, converted bodies and the last good site.

Each entry is reused only while everything it was computed from is unchanged:
a folder's or file's stamp (modification time, size, inode) plus the settings
it was read with; a body's text plus every company name autolinks and labels
can use; for the site, see model.with_new_bodies. Parsed files and converted
bodies also go to a disk cache (diskcache.py), so a new process finds them by
the bytes they came from.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from .diskcache import DiskCache, pickled
from .markup import BodyConverter, Names, RenderedBody
from .parallel import Progress, counter, parallel_iter, parallel_map
from .problems import Problem, Problems
from .records import record
from .sourcefiles import read_bytes
from .stamps import file_stamp

if TYPE_CHECKING:
    from .documents import Documents
    from .model import Site

T = TypeVar("T")
FLUSH_EVERY = 1000


@record
class LastBuild:
    """The documents and site of the last good build, and the problems its model stage reported."""

    documents: "Documents"
    site: "Site"
    drafts: bool
    problems: tuple[Problem, ...]


class Memo:
    def __init__(self, disk: DiskCache | None = None) -> None:
        self.files: dict[str, dict[str, tuple[object, tuple, T, list[Problem], bytes | None]]] = {}
        self.names: Names | None = None
        self.names_digest = ""
        self.autolink: bool | None = None
        self.converter: BodyConverter | None = None
        self.bodies: dict[tuple[str, str, int], tuple[RenderedBody, bytes | None]] = {}
        self.last: LastBuild | None = None
        self.listings: dict[Path, tuple[object, list[str], list[Problem]]] = {}
        self.hits = 0
        self.progress: Progress | None = None  # set by the builder that wants to hear
        self.disk = disk
        self.fresh: dict[bytes, bytes] = {}  # pickled values for the disk cache, stored by save()
        self.stored: int | None = None  # entries in the disk cache after this build's last store

    def read_all(self, kind: str, paths: list[str], inputs: tuple, root: Path, problems: Problems, read: Callable[[str, bytes | None, Problems], T]) -> list[T]:
        """`read(path, bytes or None to read it itself, problems)` for each file (in worker processes when many), or its remembered result and problems.

        Files of one `kind` (briefs, sources) are remembered together; those no longer listed are forgotten.
        A file this process has not seen is looked up in the disk cache by its bytes.
        """
        remembered_files = self.files.setdefault(kind, {})
        stamps = [file_stamp(path) for path in paths]
        missing = [
            index for index, (path, stamp) in enumerate(zip(paths, stamps))
            if stamp is None or (remembered := remembered_files.get(path)) is None or remembered[:2] != (stamp, inputs)
        ]

        def file_key(index: int, data: bytes) -> bytes:
            return self.disk.key("file", kind, str(root), paths[index], repr(inputs), data)

        def read_key(index: int) -> bytes | None:
            data = read_bytes(Path(paths[index]), root, Problems())  # its problems are reported by `read`
            return None if data is None else file_key(index, data)

        if self.disk is not None and missing and self.disk.exists():
            keys = parallel_map(lambda i: read_key(missing[i]), range(len(missing)))
            stored = self.disk.get_many(key for key in keys if key is not None)
            for index, key in zip(missing, keys):
                if key in stored:
                    value, own = stored[key]
                    remembered_files[paths[index]] = (stamps[index], inputs, value, own, key)
            missing = [index for index, key in zip(missing, keys) if key not in stored]
        self.hits += len(paths) - len(missing)

        def read_one(index: int) -> tuple[bytes | None, bytes]:
            """Parsed from the very bytes its cache key is made of; an unreadable file is left to `read` to report."""
            own = Problems()
            data = read_bytes(Path(paths[index]), root, Problems()) if self.disk is not None else None
            value = read(paths[index], data, own)
            return (None if data is None else file_key(index, data)), pickled((value, own.items))

        for index, (key, data) in zip(missing, parallel_iter(read_one, missing, counter(self.progress, "reading", len(missing)))):
            value, own = pickle.loads(data)
            remembered_files[paths[index]] = (stamps[index], inputs, value, own, key)
            if key is not None:
                self.queue(key, data)
        remembered_files = self.files[kind] = {path: remembered_files[path] for path in paths}
        results = []
        for path in paths:
            _, _, value, own, _ = remembered_files[path]
            problems.extend(own)
            results.append(value)
        return results

    def listing(self, folder: Path, problems: Problems, list_files: Callable[[Problems], list[str]]) -> list[str]:
        """`list_files(problems)` for a folder, or its remembered result while the folder's own stamp is unchanged
        (adding, removing or renaming a file in it changes that stamp)."""
        stamp = file_stamp(folder)
        remembered = self.listings.get(folder)
        if stamp is None or remembered is None or remembered[0] != stamp:
            own = Problems()
            remembered = self.listings[folder] = (stamp, list_files(own), own.items)
        problems.extend(remembered[2])
        return remembered[1]

    def convert_all(self, names: Names, autolink: bool, bodies: dict[str, tuple[str, int]]) -> dict[str, RenderedBody]:
        """slug -> converted body, converting only bodies (or names) that changed since the last build,
        or, in a new process, that the disk cache does not have."""
        previous = None  # the names and autolink setting of the last build, when this one has new ones or a new process
        if self.converter is None or names != self.names or autolink != self.autolink:
            previous = (self.names, self.autolink) if self.converter is not None else self.stored_names()
            self.names, self.autolink = names, autolink
            self.names_digest = names.digest()
            self.converter = BodyConverter(names, autolink=autolink)
            self.bodies = self.rekeyed(self.left_as_they_were(self.bodies, previous))
            if self.disk is not None and previous != (names, autolink):
                self.queue(self.disk.key("names"), pickled((names, autolink)))
        keys = [(slug, text, first_line) for slug, (text, first_line) in bodies.items()]
        missing = [key for key in keys if key not in self.bodies]
        converted = {key: self.bodies.get(key) for key in keys}
        disk_keys = {}
        if self.disk is not None and missing:
            disk_keys = {key: self.body_key(*key) for key in missing}
            stored = self.disk.get_many(disk_keys.values())
            for key in missing:
                if disk_keys[key] in stored:
                    converted[key] = (stored[disk_keys[key]], disk_keys[key])
            missing = [key for key in missing if disk_keys[key] not in stored]
            if missing and previous is not None and previous != (names, autolink):
                # A new process after a company was added, removed or renamed: the last build's bodies.
                old_digest = previous[0].digest()
                old_keys = {key: self.body_key(*key, names_digest=old_digest) for key in missing}
                found = self.disk.get_many(old_keys.values())
                reused = self.rekeyed(self.left_as_they_were({key: (found[old_keys[key]], old_keys[key]) for key in missing if old_keys[key] in found}, previous))
                converted.update(reused)
                missing = [key for key in missing if key not in reused]
        self.hits += len(keys) - len(missing)
        convert = self.converter.convert
        fresh = parallel_iter(lambda index: pickled(convert(missing[index][1], missing[index][2], missing[index][0])), range(len(missing)), counter(self.progress, "converting", len(missing)))
        for key, data in zip(missing, fresh):
            converted[key] = (pickle.loads(data), self.remember_body(key, data, disk_keys.get(key)))
        self.bodies = converted
        return {slug: converted[(slug, *source)][0] for slug, source in bodies.items()}

    def left_as_they_were(self, bodies: dict[tuple[str, str, int], tuple[RenderedBody, bytes | None]], previous: tuple[Names, bool] | None) -> dict:
        """The `bodies`, converted with the `previous` names, that the current names leave as they were: a
        company added, removed or renamed changes only the bodies that show one of the names that changed."""
        if previous is None or previous[1] != self.autolink:
            return {}
        spellings, retitled = self.names.changes_since(previous[0])
        return {key: kept for key, kept in bodies.items() if not shows_any(key[1], kept[0], spellings, retitled)}

    def stored_names(self) -> tuple[Names, bool] | None:
        """The names and autolink setting of the last build this disk cache saw, if any."""
        if self.disk is None:
            return None
        previous = self.disk.get_many([self.disk.key("names")]).get(self.disk.key("names"))
        return previous if isinstance(previous, tuple) and len(previous) == 2 and isinstance(previous[0], Names) else None

    def rekeyed(self, kept: dict[tuple[str, str, int], tuple[RenderedBody, bytes | None]]) -> dict[tuple[str, str, int], tuple[RenderedBody, bytes | None]]:
        """`kept` under their disk keys for the current names, copied to them in the disk cache so a new process finds them."""
        if self.disk is None:
            return dict(kept)
        bodies = {key: (body, self.body_key(*key)) for key, (body, _) in kept.items()}
        pairs = [(old, bodies[key][1]) for key, (_, old) in kept.items() if old is not None]
        if pairs:
            self.stored = self.disk.copy_many(pairs)
        return bodies

    def convert_one(self, slug: str, text: str, first_line: int, replacing: tuple[str, int]) -> RenderedBody:
        """One brief's body with the names of the last build (the caller knows they have not changed),
        in place of its body `replacing` (text, first line): a preview edited for hours keeps one body a brief."""
        self.bodies.pop((slug, *replacing), None)
        body = self.converter.convert(text, first_line, slug)
        self.bodies[(slug, text, first_line)] = (body, self.remember_body((slug, text, first_line), pickled(body)))
        return body

    def body_key(self, slug: str, text: str, first_line: int, names_digest: str | None = None) -> bytes:
        """A body's disk key: its text and every name it was converted with (by default, the current ones)."""
        return self.disk.key("body", names_digest or self.names_digest, str(self.autolink), slug, str(first_line), text)

    def remember_body(self, key: tuple[str, str, int], data: bytes, disk_key: bytes | None = None) -> bytes | None:
        """Queue a converted body for the disk cache; its disk key."""
        if self.disk is None:
            return None
        disk_key = disk_key or self.body_key(*key)
        self.queue(disk_key, data)
        return disk_key

    def queue(self, key: bytes, data: bytes) -> None:
        """A pickled value for the disk cache; stored in batches, so a large site's never pile up in memory."""
        self.fresh[key] = data
        if len(self.fresh) >= FLUSH_EVERY:
            self.stored = self.disk.put_many(self.fresh)
            self.fresh = {}

    def save(self) -> None:
        """Store what is queued; once the cache holds over twice what is in use, drop what is not."""
        if self.fresh:
            self.stored = self.disk.put_many(self.fresh)
            self.fresh = {}
        count, self.stored = self.stored, None
        live = sum(len(files) for files in self.files.values()) + len(self.bodies)
        if count is not None and count > 2 * live + 1000:
            used = {entry[4] for files in self.files.values() for entry in files.values()}
            used.update(disk_key for _, disk_key in self.bodies.values())
            used.add(self.disk.key("names"))
            used.discard(None)
            self.disk.keep_only(used)


def shows_any(text: str, body: RenderedBody, spellings: set[str], retitled: set[str]) -> bool:
    """Whether a body converted from `text` may show one of `spellings` (autolinks: a name can only be
    linked where the text spells it) or the title of a `retitled` company (the label of a bare wikilink)."""
    return any(spelling in text for spelling in spellings) or any(link.target in retitled for link in body.wikilinks)
