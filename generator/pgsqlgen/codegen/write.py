"""Write stage: put the output on disk all at once, or compare it with what is there.

Only files sqlgen owns are compared, rewritten or deleted; what it owns, and the
folders it refuses to write to, are decided in :mod:`pgsqlgen.codegen.ownership`.

A ``generate`` killed at any instant (SIGKILL, a power cut, a full disk) leaves
the package entirely old, entirely new, or in a state the next sqlgen command
completes before doing anything else. A write goes in three steps:

1. every changed file is written into ``.sqlgen-stage/`` inside the output
   folder, created with the mode the umask gives a normal file (``mkstemp``
   would give 0600). A module a custom template renders was compiled when
   it was rendered (:mod:`pgsqlgen.codegen.render`), so a broken one never
   gets here; our templates' modules are not compiled at each run (the
   tests compile and black-check them): compiling a large package's
   ``wrappers.py`` doubled the peak memory and took a quarter of a cold run.
   Any error here removes the stage and the package is untouched;
2. a journal, ``.sqlgen-journal``, listing the files to move in and the owned
   files to delete, is written under a temporary name; it and the stage are
   fsynced, and it is renamed into place: from the moment it exists the write
   is decided;
3. the staged files are renamed over their targets, the deleted ones unlinked,
   the stage removed, the folder fsynced, and the journal removed last.

:func:`recover`, which ``cli.main`` runs before every command, replays a
journal it finds to the end (roll forward: each step can be repeated, and a
file already moved is simply no longer in the stage), and removes a stage
with no journal (roll back: nothing in the package was touched yet).

Why per-file renames under a journal rather than swapping the whole folder
with two renames: the output folder may also hold the user's own files and
caches (``__pycache__``), and may be a folder the user made with permissions
of their own; a swap would have to carry all of that across, while moving only
sqlgen's files leaves everything else where it is. The stage lives inside the
output folder because a rename within one folder is atomic on every
filesystem, and it keeps everything sqlgen writes in the one folder it owns.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.codegen.ownership import (
    MANIFEST,
    manifest_text,
    owned,
    refuse_foreign,
    safe_relative,
    shown,
)
from pgsqlgen.errors import Diagnostic, SqlgenError

STAGE = ".sqlgen-stage"
JOURNAL = ".sqlgen-journal"
_JOURNAL_DRAFT = f"{JOURNAL}.tmp"
_IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", STAGE}


def existing_files(out: Path) -> set[str]:
    """Paths under ``out`` (relative, with ``/``), leaving caches and an
    unfinished write's stage and journal aside."""
    if not out.is_dir():
        return set()
    found = set()
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS]
        for name in files:
            found.add(Path(root, name).relative_to(out).as_posix())
    return found - {JOURNAL, _JOURNAL_DRAFT}


@dataclass(frozen=True)
class Drift:
    stale: list[str]
    missing: list[str]
    extra: list[str]
    diff: str

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def _with_manifest(files: Mapping[str, str]) -> dict[str, str]:
    return {**files, MANIFEST: manifest_text(files)}


def _compare(out: Path, files: Mapping[str, str], *, diff: bool) -> Drift:
    """The drift of ``out`` from ``files``; with ``diff``, its unified diff too (which
    only a check prints: for a module of tens of thousands of lines it costs seconds)."""
    on_disk = existing_files(out)
    mine = owned(out, on_disk, files)
    refuse_foreign(out, sorted(files.keys() & on_disk - mine))
    stale: list[str] = []
    lines: list[str] = []
    for path in sorted(files.keys() & mine):
        current = (out / path).read_bytes()
        if current != files[path].encode():
            stale.append(path)
            if diff:
                lines.extend(
                    difflib.unified_diff(
                        current.decode(errors="replace").splitlines(keepends=True),
                        files[path].splitlines(keepends=True),
                        fromfile=f"{out.name}/{path} (on disk)",
                        tofile=f"{out.name}/{path} (generated)",
                    )
                )
    missing = sorted(files.keys() - on_disk)
    extra = sorted(mine - files.keys())
    return Drift(stale, missing, extra, "".join(lines))


def compare(out: Path, files: Mapping[str, str]) -> Drift:
    """How sqlgen's files on disk differ from the ones that would be generated
    (the manifest included); raises when a generated file would replace one of
    the user's."""
    return _compare(out, _with_manifest(files), diff=True)


def write_all(out: Path, files: Mapping[str, str]) -> list[str]:
    """Make sqlgen's files in ``out`` exactly ``files`` (plus the manifest),
    all or nothing; returns the paths that changed."""
    recover(out)
    files = _with_manifest(files)
    drift = _compare(out, files, diff=False)
    writes, deletes = drift.stale + drift.missing, drift.extra
    if not (writes or deletes):
        return []
    _stage(out, {path: files[path] for path in writes})
    _decide(out, writes, deletes)
    _replay(out, writes, deletes)
    return writes + deletes


def _write_new(path: Path, text: str) -> None:
    """A new file holding ``text`` (UTF-8), with the mode the umask gives a normal file.
    Encoded a slice at a time: a large package's biggest module encoded whole would
    be held twice at the run's peak."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        for start in range(0, len(text), _SLICE):
            view = memoryview(text[start : start + _SLICE].encode())
            while view:
                view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


_SLICE = 1 << 20


def _make_parent(path: Path) -> None:
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True)


def _sync(path: Path) -> None:
    """Put the contents of ``path`` (a file, or a folder's entries) on disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_all(paths: list[Path]) -> None:
    """fsync every one of ``paths`` at once: concurrent fsyncs share the
    filesystem's journal commits (on ext4, 17 files take 13 ms together and
    90 ms one after another). The threads are gone when this returns."""
    from concurrent.futures import ThreadPoolExecutor  # only a write that changes files

    with ThreadPoolExecutor(max_workers=max(1, min(32, len(paths)))) as pool:
        for _ in pool.map(_sync, paths):
            pass


def _cannot_write(path: Path, error: OSError) -> SqlgenError:
    reason = error.strerror or str(error)
    return SqlgenError(
        [Diagnostic(shown(path), 1, 1, f"cannot write: {reason}; the package was left as it was")]
    )


def _stage(out: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` into the stage (step 1); on any error, remove it again."""
    stage = out / STAGE
    try:
        _make_parent(stage)
        stage.mkdir()
    except FileExistsError:
        raise SqlgenError(
            [Diagnostic(shown(stage), 1, 1, "another sqlgen run is writing this package")]
        ) from None
    except OSError as error:
        raise _cannot_write(stage, error) from None
    target = out
    try:
        for path, text in files.items():
            target = out / path
            _make_parent(stage / path)
            _write_new(stage / path, text)
    except BaseException as error:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(error, OSError):
            raise _cannot_write(target, error) from None
        raise


def _decide(out: Path, writes: list[str], deletes: list[str]) -> None:
    """Put the stage on disk and write the journal (step 2); on any error,
    remove both."""
    draft = out / _JOURNAL_DRAFT
    try:
        _write_new(draft, json.dumps({"write": writes, "delete": deletes}))
        _sync_all([*(out / STAGE / path for path in writes), out / STAGE, draft])
        os.replace(draft, out / JOURNAL)
        _sync(out)
    except BaseException as error:
        draft.unlink(missing_ok=True)
        shutil.rmtree(out / STAGE, ignore_errors=True)
        if isinstance(error, OSError):
            raise _cannot_write(out / JOURNAL, error) from None
        raise


def _replay(out: Path, writes: list[str], deletes: list[str]) -> None:
    """Carry out a decided write (step 3); safe to repeat after an interruption."""
    stage = out / STAGE
    try:
        for path in writes:
            staged = stage / path
            if staged.exists():  # else it was moved before an interruption
                _make_parent(out / path)
                os.replace(staged, out / path)
        for path in deletes:
            (out / path).unlink(missing_ok=True)
            parent = (out / path).parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        shutil.rmtree(stage, ignore_errors=True)
        _sync(out)
        (out / JOURNAL).unlink()
    except OSError as error:
        raise SqlgenError(
            [
                Diagnostic(
                    shown(out / JOURNAL),
                    1,
                    1,
                    f"cannot finish writing the package: {error.strerror or error}; "
                    "the next sqlgen command tries again",
                )
            ]
        ) from None


def _read_journal(journal: Path) -> tuple[list[str], list[str]]:
    try:
        entries = json.loads(journal.read_bytes())
        writes, deletes = entries["write"], entries["delete"]
        paths = [*writes, *deletes]
        if all(isinstance(p, str) and safe_relative(p) for p in paths):
            return writes, deletes
    except (OSError, ValueError, KeyError, TypeError):
        pass
    raise SqlgenError(
        [
            Diagnostic(
                shown(journal),
                1,
                1,
                "the journal of an interrupted sqlgen write is unreadable: delete it and "
                f"{STAGE}/ beside it, then run sqlgen generate",
            )
        ]
    )


def recover(out: Path) -> str | None:
    """Finish (journal found) or undo (stage alone) a write that was interrupted
    in ``out``; says what it did, or None when there was nothing to do."""
    if not out.is_dir():
        return None
    draft, journal = out / _JOURNAL_DRAFT, out / JOURNAL
    if draft.exists():
        draft.unlink()
    if journal.is_file():
        writes, deletes = _read_journal(journal)
        _replay(out, writes, deletes)
        return f"finished writing the {len(writes) + len(deletes)} files of an interrupted run"
    if (out / STAGE).exists():
        shutil.rmtree(out / STAGE)
        return "removed the unfinished files of an interrupted run; the package is unchanged"
    return None
