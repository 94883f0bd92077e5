"""Write stage: put the output on disk all at once, or compare it with what is there.

Writing is all or nothing: every file is first written beside its target under
a temporary name, and only when all are written are they renamed into place
(each rename is atomic), after which files the generator no longer produces
are removed.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

_IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def existing_files(out: Path) -> set[str]:
    """Paths under ``out`` (relative, with ``/``), leaving caches aside."""
    if not out.is_dir():
        return set()
    found = set()
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS]
        for name in files:
            found.add(Path(root, name).relative_to(out).as_posix())
    return found


@dataclass(frozen=True)
class Drift:
    stale: list[str]
    missing: list[str]
    extra: list[str]
    diff: str

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def compare(out: Path, files: dict[str, str]) -> Drift:
    """How the files on disk differ from the ones that would be generated."""
    on_disk = existing_files(out)
    stale: list[str] = []
    diff: list[str] = []
    for path in sorted(files):
        if path not in on_disk:
            continue
        current = (out / path).read_text(encoding="utf-8")
        if current != files[path]:
            stale.append(path)
            diff.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    files[path].splitlines(keepends=True),
                    fromfile=f"{out.name}/{path} (on disk)",
                    tofile=f"{out.name}/{path} (generated)",
                )
            )
    missing = sorted(set(files) - on_disk)
    extra = sorted(on_disk - set(files))
    return Drift(stale, missing, extra, "".join(diff))


def write_all(out: Path, files: dict[str, str]) -> list[str]:
    """Make ``out`` hold exactly ``files``; returns the paths that changed."""
    drift = compare(out, files)
    changed = drift.stale + drift.missing
    staged: list[tuple[Path, Path]] = []
    try:
        for path in changed:
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(files[path])
            staged.append((Path(name), target))
    except BaseException:
        for staged_file, _ in staged:
            staged_file.unlink(missing_ok=True)
        raise
    for staged_file, target in staged:
        os.replace(staged_file, target)
    for path in drift.extra:
        (out / path).unlink()
    _remove_empty_dirs(out)
    return changed + drift.extra


def _remove_empty_dirs(out: Path) -> None:
    for root, _, _ in os.walk(out, topdown=False):
        here = Path(root)
        if (
            here != out
            and not _IGNORED_DIRS & set(here.relative_to(out).parts)
            and not any(here.iterdir())
        ):
            here.rmdir()
