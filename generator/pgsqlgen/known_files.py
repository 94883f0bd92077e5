"""Schema files known by their ``stat``, as git's index knows a work tree.

A run after a query edit needs the schema files only to learn that they are
unchanged: their digests key the remembered catalog. Reading and hashing a
history of thousands of migrations costs tens of milliseconds, a ``stat`` of
each a few. So a run that read the schema records, per file, the ``stat``
fields an edit changes (mode, size, modification and change times in
nanoseconds, inode, device) with the digest of the bytes it read, and per
migrations folder the names in it; the next run takes a recorded digest when
the file's ``stat`` and the folder's names are the same.

Two ways a ``stat`` could hide an edit are closed, as git closes them:

* an edit within the file system's timestamp resolution of the read ("racy
  git"): a file whose times are less than :data:`RACY_NS` before the read is not
  recorded, so any later edit gives it other times;
* a file put back with its old modification time (``touch -d``, an archive):
  its change time, which no call can set, is compared too.

Only the ``migrations`` layout is recorded: a sqlc layout's files are keyed by
the part of their text sqlc reads, which needs the text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.migrations.files import FIXTURES
from pgsqlgen.sql.source import SourceFile, stat_as_read

Signature = tuple[int, int, int, int, int, int]
"""What an edit of a file changes in its ``stat``: mode, size, modification and
change times in nanoseconds, inode and device."""

KnownFile = tuple[str, str, Signature, bytes]
"""A file's path, the name diagnostics give it, its signature and the SHA-256 of
its bytes as read."""

Names = tuple[tuple[str, ...] | None, ...]
"""Per schema path: the names in it and in its fixtures folder (None for a file,
or a folder without fixtures)."""

RACY_NS = 2_000_000_000
"""How long before a read a file's times must lie for its record to be trusted:
FAT's resolution, the coarsest of the file systems in use."""


def signature(result: os.stat_result) -> Signature:
    return (
        result.st_mode,
        result.st_size,
        result.st_mtime_ns,
        result.st_ctime_ns,
        result.st_ino,
        result.st_dev,
    )


def _names(folder: str) -> tuple[str, ...] | None:
    try:
        return tuple(sorted(os.listdir(folder)))
    except OSError:
        return None


def schema_names(paths: Sequence[Path]) -> Names | None:
    """What the migrations layout lists for ``paths`` (each folder's names and those
    of its fixtures folder, which it also checks), or None when a path is missing."""
    found: list[tuple[str, ...] | None] = []
    for path in paths:
        text = os.fspath(path)
        if os.path.isdir(text):
            names = _names(text)
            if names is None:
                return None
            found.extend([names, _names(os.fspath(path / FIXTURES))])
        elif os.path.isfile(text):
            found.extend([None, None])
        else:
            return None
    return tuple(found)


@dataclass(frozen=True)
class KnownSchema:
    """The schema files as a run read them: what its paths listed, and each file."""

    names: Names
    up: tuple[KnownFile, ...]
    down: tuple[KnownFile, ...]

    @classmethod
    def of(
        cls, names: Names, up: Sequence[SourceFile], down: Sequence[SourceFile]
    ) -> KnownSchema | None:
        """The record of files read in this process, listed as ``names``; None when one
        was not read from a file, or was changed too shortly before it was read."""
        known: list[list[KnownFile]] = [[], []]
        for files, sources in zip(known, (up, down), strict=True):
            for source in sources:
                path = os.fspath(source.path)
                read = stat_as_read(path)
                if source.digest is None or read is None:
                    return None
                result, read_at = read
                if max(result.st_mtime_ns, result.st_ctime_ns) >= read_at - RACY_NS:
                    return None
                files.append((path, source.display, signature(result), source.digest))
        return cls(names, tuple(known[0]), tuple(known[1]))

    def holds(self, names: Names) -> bool:
        """Whether every file is as recorded, its folder listing ``names`` as it did."""
        if names != self.names:
            return False
        try:
            for files in (self.up, self.down):
                for path, _, recorded, _ in files:
                    if signature(os.stat(path)) != recorded:
                        return False
        except OSError:
            return False
        return True
