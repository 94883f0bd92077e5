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
  git"): a record is trusted only when every file it holds had last changed
  :data:`RACY_NS` before the record was written. Both times are the file
  system's own, as git compares a file's times with its index's, so a clock
  that differs from the machine's (a network share, a folder mounted into a
  container) changes nothing; any later edit gives the file other times;
* a file put back with its old modification time (``touch -d``, an archive):
  its change time, which no call can set, is compared too.

Only the ``migrations`` layout is recorded: a sqlc layout's files are keyed by
the part of their text sqlc reads, which needs the text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.migrations.files import FIXTURES
from pgsqlgen.sql.source import SourceFile, stat_signature

Names = tuple[str | None, ...]
"""Per schema path: the names in it and in its fixtures folder, sorted and joined
by NUL (None for a file, or a folder without fixtures)."""

RACY_NS = 2_000_000_000
"""How long before its record was written a file must have last changed for the
record to be trusted: FAT's resolution, the coarsest of the file systems in use."""

_DIGEST = 32


def _names(folder: str) -> str | None:
    try:
        return "\0".join(sorted(os.listdir(folder)))
    except OSError:
        return None


def schema_names(paths: Sequence[Path]) -> Names | None:
    """What the migrations layout lists for ``paths`` (each folder's names and those
    of its fixtures folder, which it also checks), or None when a path is missing."""
    found: list[str | None] = []
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
    """The schema files as a run read them: what its paths listed and, for each file
    in order (the up files, then the down ones), its path and the name diagnostics
    give it, its ``stat`` signature (:func:`pgsqlgen.sql.source.stat_signature`)
    and the SHA-256 of its bytes. Packed: a long history is thousands of files, and
    as many small objects would cost more to keep, write and read than the files'
    own reading saves."""

    names: Names
    places: str
    """Each file's path and name, all joined by NUL."""
    signatures: bytes
    digests: bytes
    ups: int
    """How many of the files are up migrations."""
    newest_ns: int
    """When the last of the files changed (:attr:`SourceFile.changed_ns`)."""

    @classmethod
    def of(
        cls, names: Names, up: Sequence[SourceFile], down: Sequence[SourceFile]
    ) -> KnownSchema | None:
        """The record of files read from disk, listed as ``names``; None when one was
        not."""
        files = [*up, *down]
        if not all(f.signature and f.digest for f in files):
            return None
        return cls(
            names,
            "\0".join(part for f in files for part in (os.fspath(f.path), f.display)),
            b"".join(f.signature or b"" for f in files),
            b"".join(f.digest or b"" for f in files),
            len(up),
            max((f.changed_ns for f in files), default=0),
        )

    def files(self) -> Iterator[tuple[str, str, bytes]]:
        """Each file's path, name and digest, in order."""
        places = self.places.split("\0")
        for index, (path, display) in enumerate(zip(places[::2], places[1::2], strict=True)):
            yield path, display, self.digests[index * _DIGEST : (index + 1) * _DIGEST]

    def holds(self, names: Names, written_ns: int) -> bool:
        """Whether every file is as recorded, its folder listing ``names`` as it did,
        by a record written at ``written_ns`` (its file's modification time)."""
        if names != self.names or self.newest_ns >= written_ns - RACY_NS:
            return False
        try:
            found = b"".join(stat_signature(os.stat(p)) for p in self.places.split("\0")[::2])
        except OSError:
            return False
        return found == self.signatures
