"""Schema files as sqlc reads them, for a project that brings its sqlc config.

sqlc takes a ``schema`` entry that is a file or a plain directory of ``.sql``
files, whatever tool wrote them (golang-migrate, goose, sql-migrate, tern,
dbmate, or none): it lists a directory (not recursively) in name order, keeps
the ``.sql`` files that are neither hidden nor golang-migrate downs
(``*.down.sql``), and reads each one up to its tool's down marker. This module
does the same (sqlc's ``sqlpath.Glob`` and ``migrations.RemoveRollbackStatements``),
so a directory such as ``0001_city.sql, 0002_venue.sql`` builds the schema it
builds under sqlc.
"""

from __future__ import annotations

from pathlib import Path

from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.sql.source import SourceFile

#: A line starting with one of these (in any case) begins the down part of a file:
#: goose, sql-migrate, tern and dbmate, in that order.
DOWN_MARKERS = (
    "-- +goose down",
    "-- +migrate down",
    "---- create above / drop below ----",
    "-- migrate:down",
)


def up_part(text: str) -> str:
    """``text`` up to its first down marker line; the lines before it are unchanged,
    so positions in the file stay right."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.lower().startswith(DOWN_MARKERS):
            return "\n".join(lines[:number]) + "\n"
    return text


def sqlc_reads(path: Path) -> bool:
    """Whether sqlc reads a file it lists or is given (``sqlpath.Glob``): a ``.sql``
    name (in that case), not hidden, not a golang-migrate down file."""
    name = path.name
    return name.endswith(".sql") and not name.startswith(".") and not name.endswith(".down.sql")


def sqlc_listing(directory: Path) -> list[Path]:
    """The files sqlc reads in a directory: listed by name, not recursively (a
    folder named ``x.sql`` is listed too, and then fails to read, as in sqlc)."""
    return [p for p in sorted(directory.iterdir(), key=lambda p: p.name) if sqlc_reads(p)]


def expand_sqlc_patterns(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """sqlc's entries with a glob pattern (any of ``*?[]``) expanded, in name order;
    a pattern that matches nothing is kept, to be reported as a missing path."""
    expanded: list[Path] = []
    for path in paths:
        if any(c in str(path) for c in "*?[]"):
            anchor = Path(path.anchor or ".")
            matches = sorted(anchor.glob(str(path.relative_to(anchor))))
            expanded.extend(matches or [path])
        else:
            expanded.append(path)
    return tuple(expanded)


def sqlc_schema_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files sqlc reads for these schema entries, in the order it applies them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sqlc_listing(path))
        elif path.is_file():
            if sqlc_reads(path):
                found.append(path)
        else:
            raise SqlgenError([Diagnostic(str(path), 1, 1, "schema path does not exist")])
    return found


def read_sqlc_schema(paths: tuple[Path, ...], root: Path) -> list[SourceFile]:
    """The up part of every schema file sqlc reads, in its order."""
    sources = [SourceFile.read(path, root) for path in sqlc_schema_files(paths)]
    return [SourceFile(path=s.path, display=s.display, text=up_part(s.text)) for s in sources]
