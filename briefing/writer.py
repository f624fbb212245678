"""Writing the rendered files: only what changed, all at once or not at all, and never what Briefing did not make.

The output folder keeps a manifest of the files Briefing wrote. A later build
removes files of the old manifest that it no longer makes; a non-empty folder
without a manifest is refused rather than wiped, and so is one with a symbolic
link inside (the output folder itself may be one).

One build at a time writes a folder: it holds a lock beside it for the whole
build. Moving the staged files into place is the one step that changes the
output; a journal written before it and removed after it tells the next build
that it was interrupted, and which files it may have left, so that build
writes every page again and removes what it no longer makes.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .problems import ContentError, Problem

STAGING = ".briefing-staging"  # .briefing-staging-<process id>: a build killed meanwhile leaves its own behind
STAGING_ONLY = ".briefing-own"  # inside the staging folder: Briefing's own files before they are placed
MANIFEST = ".briefing-manifest.json"  # every file a build wrote, so the next one removes only its own
JOURNAL = ".briefing-journal.json"  # there only while staged files are moved into place
LOCK_SUFFIX = ".briefing-lock"  # .<output folder's name>.briefing-lock, beside the output folder
MOST_LINKS_NAMED = 20


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = current_umask()


class HalfWritten(ContentError):
    """Moving the files into place failed midway; the journal stays, for the next build to repair."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    changed: frozenset[str] = frozenset()  # the files written or removed


def check_output_folder(output: Path, protected: list[tuple[Path, bool]]) -> list[Problem]:
    """Problems that forbid writing to `output` at all: `protected` lists (folder, may the output sit inside it)."""
    problems = []
    target = output.resolve()
    for folder, may_contain_output in protected:
        folder = folder.resolve()
        if target == folder or folder.is_relative_to(target) or (not may_contain_output and target.is_relative_to(folder)):
            problems.append(Problem(str(output), 0, f"output folder would overwrite or sit inside {folder}; choose another --output"))
    if output.exists() and not output.is_dir():
        problems.append(Problem(str(output), 0, "output is a file, not a folder; choose another --output"))
    elif output.is_dir() and any(not own_scratch(entry.name) for entry in output.iterdir()):
        if not (output / MANIFEST).is_file() and not (output / JOURNAL).is_file():  # a journal: a first build was interrupted
            problems.append(Problem(str(output), 0, f"output folder is not empty and has no {MANIFEST}, so Briefing did not make it; empty it or choose another --output"))
        problems.extend(links_problems(output))
    return problems


def own_scratch(name: str) -> bool:
    """Briefing's own files in the output folder while it builds, which a killed build may leave."""
    return name.startswith(STAGING) or name in (JOURNAL, LOCK_SUFFIX)


def links_inside(output: Path, names: Iterable[str] = ()) -> list[str]:
    """The symbolic links among the output folder's own entries and the folders on the way to each of `names`:
    every link writing or removing those files could go through (a link in a file's own place is replaced,
    never followed). Walking every folder of a large site instead would cost a no-change build most of its time."""
    links, seen = set(), set()
    try:
        with os.scandir(output) as entries:
            links.update(entry.name for entry in entries if entry.is_symlink())
    except OSError:
        return []
    for name in names:
        parts = name.split("/")
        for end in range(2, len(parts)):
            part = "/".join(parts[:end])
            if part in seen:
                continue
            seen.add(part)
            try:
                mode = os.lstat(os.path.join(output, part)).st_mode
            except OSError:
                break  # not there, nor anything under it
            if stat.S_ISLNK(mode):
                links.add(part)
                break
    return sorted(links)


def links_problems(output: Path, names: Iterable[str] = ()) -> list[Problem]:
    return [Problem(str(output / link), 0, "is a symbolic link inside the output folder, which Briefing never follows (a rebuild could write or "
                    "delete through it); remove it, or choose an --output without links") for link in links_inside(output, names)[:MOST_LINKS_NAMED]]


@dataclass(frozen=True, slots=True)
class Interrupted:
    """What an interrupted build left in the output folder: its staged files, and if it was moving them into
    place, the journal's list of every file it may have left there."""

    files: frozenset[str] | None  # None: it never began moving files, so the output is as the build before left it

    def note(self, output: Path) -> str:
        if self.files is None:
            return f"removed the staged files of an interrupted build from {output}"
        return f"repaired {output}: a build was interrupted while moving its files into place; every page was written again"


@contextlib.contextmanager
def holding(output: Path) -> Iterator[Interrupted | None]:
    """Hold the output folder for one build: no other Briefing process may build into it meanwhile (it stops at
    once, naming this one). Yields what an interrupted build left there (the next commit removes it)."""
    resolved = output.resolve()
    beside = resolved.with_name(f".{resolved.name}{LOCK_SUFFIX}")
    try:
        beside.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(beside, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError:
        try:  # a folder whose parent is not writable: the lock goes inside it
            resolved.mkdir(parents=True, exist_ok=True)
            handle = os.open(resolved / LOCK_SUFFIX, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ContentError([Problem(str(output), 0, f"cannot lock the output folder: {exc.strerror or exc}; check the folder's permissions")]) from None
    try:
        try:
            # POSIX record locks belong to this process alone: a worker it forked, left running after a kill,
            # does not keep the folder locked (flock's would, being shared with the open file).
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(handle, 1000, 0).decode("utf-8", "replace").strip() or "another process"
            raise ContentError([Problem(str(output), 0, f"another build is writing this folder: {holder}; wait for it to end (or stop it) and build again")]) from None
        since = datetime.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"Briefing process {os.getpid()} ({' '.join(sys.argv)}), since {since}\n".encode("utf-8", "replace"), 0)
        yield left_over(output)
    finally:
        os.close(handle)  # and with it the lock


def left_over(output: Path) -> Interrupted | None:
    journal = output / JOURNAL
    if not staging_folders(output) and not os.path.lexists(journal):
        return None
    files = None
    if os.path.lexists(journal):
        try:
            files = frozenset(n for n in json.loads(journal.read_bytes())["files"] if isinstance(n, str) and safe_relative(n))
        except (OSError, ValueError, KeyError, TypeError):
            files = frozenset()  # damaged: the manifest alone says what to remove
    return Interrupted(files)


def staging_folders(output: Path) -> list[Path]:
    try:
        with os.scandir(output) as entries:
            return [Path(entry.path) for entry in entries if entry.name.startswith(STAGING)]
    except OSError:
        return []


def remove_staging(staged: Path) -> None:
    if staged.is_symlink() or staged.is_file():
        staged.unlink()
    else:
        shutil.rmtree(staged, ignore_errors=True)


class Staging:
    """New and changed files go to a hidden folder in the output first, and into place only when the whole site
    rendered; a failed build discards them and leaves the output as it was (a commit that fails midway leaves
    its journal, and the next build repairs the folder).

    `put` may be called from helper processes (the Staging pickled for them):
    it touches only the disk, so the pages never travel back to the parent
    and never sit in memory all at once.
    """

    def __init__(self, output: Path):
        problems = check_output_folder(output, [])
        if problems:
            raise ContentError(problems)
        self.output = output
        self.folder = output / f"{STAGING}-{os.getpid()}"
        self.made_output = not output.exists()
        remove_staging(self.folder)  # left by a killed build of a process with this number

    def put(self, name: str, chunks: list[bytes]) -> None:
        """Stage the file made of `chunks` as output file `name`, unless the output already holds exactly these bytes.

        Called for every page of a site, so it sticks to plain os calls: one open when the folder exists.
        """
        path = os.path.join(self.output, name)
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_size == sum(map(len, chunks)):
                with open(path, "rb") as handle:
                    if all(handle.read(len(chunk)) == chunk for chunk in chunks):
                        return
        except OSError:
            pass  # not there yet, or not a readable file: write it
        staged = os.path.join(self.folder, name)
        try:
            try:
                handle = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(staged), exist_ok=True)
                handle = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                if UMASK & 0o644:
                    os.fchmod(handle, 0o644)  # readable by the web server whatever the umask
                for chunk in chunks:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(handle, view):]
            finally:
                os.close(handle)
        except OSError as exc:
            raise ContentError([cannot_write(self.output, exc)]) from None

    def commit(self, names: set[str], previous: set[str] | None = None) -> WriteReport:
        """Move the staged files into place, remove files of the last build that `names` no longer has, and
        record `names` in the manifest. `previous`: the files the output may hold from earlier builds, when the
        caller knows (else the manifest's). The journal names every file this leaves in the meantime."""
        if previous is None:
            previous = read_manifest(self.output)
        manifest_path = self.output / MANIFEST
        manifest = json.dumps({"files": sorted(names)}, indent=0).encode()
        stale = previous - names
        new_manifest = not manifest_path.is_file() or manifest_path.read_bytes() != manifest
        staged = staged_names(self.folder)
        if not (staged or stale or new_manifest):
            self.remove_left_over()
            return WriteReport(0, len(names), 0)
        refused = links_problems(self.output, stale | staged) + obstacles(self.output, staged, previous)
        if refused:
            remove_staging(self.folder)
            raise ContentError(refused)
        try:
            # With the manifest (old or new), the files moved or removed meanwhile are all it may leave.
            self.place(JOURNAL, json.dumps({"files": sorted(staged | stale)}, indent=0).encode(), durable=True)
        except OSError as exc:
            remove_staging(self.folder)
            raise ContentError([cannot_write(self.output, exc)]) from None
        try:
            written = move_into_place(self.folder, self.output, skip=STAGING_ONLY)
            removed = remove_stale(stale, self.output)
            if new_manifest:
                self.place(MANIFEST, manifest)
            self.remove_left_over()
        except OSError as exc:
            half = cannot_write(self.output, exc)
            raise HalfWritten([Problem(half.path, 0, f"{half.message}; the folder may be half-written: the next build repairs it")]) from None
        finally:
            remove_staging(self.folder)
        return WriteReport(written, len(names) - written, removed, frozenset(staged | stale))

    def remove_left_over(self) -> None:
        """Once the output holds this build's files: remove the journal and the staged files of interrupted builds."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.output / JOURNAL)
        for folder in staging_folders(self.output):
            remove_staging(folder)

    def place(self, name: str, data: bytes, durable: bool = False) -> None:
        """Write a file of Briefing's own at once: staged, then moved over the old one; `durable`: on the disk
        itself before it is in place (the journal must outlast a power cut that the moves after it may not)."""
        staged = self.folder / STAGING_ONLY / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        self.output.mkdir(parents=True, exist_ok=True)
        with open(staged, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(staged, self.output / name)

    def discard(self) -> None:
        remove_staging(self.folder)
        if self.made_output:
            try:
                self.output.rmdir()
            except OSError:
                pass


def cannot_write(output: Path, exc: OSError) -> Problem:
    return Problem(str(output), 0, f"cannot write the site: {exc.strerror or exc} ({exc.filename}); check the folder's permissions and free space")


def move_into_place(staged: Path, target: Path, skip: str = "") -> int:
    """Move every file under `staged` (but `skip`) to the same place under `target`, whole new folders at once;
    the number of files."""
    moved = 0
    target.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(staged):
        destination = target / entry.name
        if entry.name == skip:
            continue
        if not entry.is_dir(follow_symlinks=False):
            os.replace(entry.path, destination)
            moved += 1
        elif destination.is_dir() and not destination.is_symlink():
            moved += move_into_place(Path(entry.path), destination)
        else:
            if destination.is_symlink() or destination.exists():
                destination.unlink()  # a file of the last build where a folder now goes
            moved += sum(len(files) for _, _, files in os.walk(entry.path))
            os.rename(entry.path, destination)
    return moved


def obstacles(output: Path, staged: set[str], previous: set[str]) -> list[Problem]:
    """What stands where a staged file goes and is not Briefing's to replace: a folder in the file's place, or a
    file in the place of a folder on its way that no earlier build made."""
    found = []
    for name in sorted(staged):
        parts = name.split("/")
        for end in range(1, len(parts)):
            part = "/".join(parts[:end])
            if not os.path.lexists(os.path.join(output, part)):
                break  # nor anything under it: nothing in the way
            if not os.path.isdir(os.path.join(output, part)):
                if part not in previous:
                    found.append(Problem(str(output / part), 0, "is a file where Briefing puts a folder of the site; move it away, or choose another --output"))
                break
        else:
            if os.path.isdir(os.path.join(output, name)) and not os.path.islink(os.path.join(output, name)):
                found.append(Problem(str(output / name), 0, "is a folder where Briefing writes a file of the site; move it away, or choose another --output"))
    return found[:MOST_LINKS_NAMED]


def staged_names(staged: Path) -> set[str]:
    names = set()
    for folder, _, files in os.walk(staged):
        relative = os.path.relpath(folder, staged).replace(os.sep, "/")
        names.update(name if relative == "." else f"{relative}/{name}" for name in files)
    return names


def remove_stale(names: set[str], output: Path) -> int:
    removed = 0
    for name in sorted(names):
        path = output / name
        if path.is_symlink() or path.is_file():
            path.unlink()
            removed += 1
        parent = path.parent
        while parent != output and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def read_manifest(output: Path) -> set[str]:
    """The files the manifest lists (those that stay inside the output folder); none when it cannot be read."""
    try:
        names = json.loads((output / MANIFEST).read_text("utf-8"))["files"]
        return {n for n in names if isinstance(n, str) and safe_relative(n)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name
