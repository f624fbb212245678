"""Writing the rendered files: only what changed, all at once or not at all, and never what Briefing did not make.

The output folder keeps a manifest of the files Briefing wrote. A later build
removes files of the old manifest that it no longer makes; a non-empty folder
without a manifest is refused rather than wiped.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from .problems import ContentError, Problem

STAGING = ".briefing-staging"
MANIFEST = ".briefing-manifest.json"  # every file a build wrote, so the next one removes only its own


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = current_umask()


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


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
    elif output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        problems.append(Problem(str(output), 0, f"output folder is not empty and has no {MANIFEST}, so Briefing did not make it; empty it or choose another --output"))
    return problems


class Staging:
    """New and changed files go to a hidden folder in the output first, and into place only when the whole site
    rendered; a failed build discards them and leaves the output as it was.

    `put` may be called from helper processes (the Staging pickled for them):
    it touches only the disk, so the pages never travel back to the parent
    and never sit in memory all at once.
    """

    def __init__(self, output: Path):
        problems = check_output_folder(output, [])
        if problems:
            raise ContentError(problems)
        self.output = output
        self.folder = output / STAGING
        self.made_output = not output.exists()
        shutil.rmtree(self.folder, ignore_errors=True)  # left by a build that was killed

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
        record `names` in the manifest. `previous`: the names this process committed last, if it did."""
        if previous is None:
            previous = read_manifest(self.output)
        try:
            written = move_into_place(self.folder, self.output) if self.folder.is_dir() else 0
            removed = remove_stale(previous - names, self.output)
            manifest_path = self.output / MANIFEST
            if names != previous or not manifest_path.is_file():
                manifest = json.dumps({"files": sorted(names)}, indent=0).encode()
                if not manifest_path.is_file() or manifest_path.read_bytes() != manifest:
                    manifest_path.write_bytes(manifest)
        except OSError as exc:
            raise ContentError([cannot_write(self.output, exc)]) from None
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
        return WriteReport(written, len(names) - written, removed)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.made_output:
            try:
                self.output.rmdir()
            except OSError:
                pass


def cannot_write(output: Path, exc: OSError) -> Problem:
    return Problem(str(output), 0, f"cannot write the site: {exc.strerror or exc} ({exc.filename}); check the folder's permissions and free space")


def move_into_place(staged: Path, target: Path) -> int:
    """Move every file under `staged` to the same place under `target`, whole new folders at once; the number of files."""
    moved = 0
    target.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(staged):
        destination = target / entry.name
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


def remove_stale(names: set[str], output: Path) -> int:
    removed = 0
    for name in sorted(names):
        path = output / name
        if path.is_file() or path.is_symlink():
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
