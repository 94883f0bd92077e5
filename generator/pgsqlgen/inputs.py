"""Load stage: find and read the schema and query files.

A schema entry is either a golang-migrate directory (``NNN_name.up.sql``
applied in numeric order; the optional ``.down.sql`` files are read too so
that a broken down file is reported) or a single SQL file such as a schema dump.
A sqlc config's schema entries are read as sqlc reads them instead
(:mod:`pgsqlgen.sql.sqlc_layout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.config.model import SchemaLayout
from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.migrations.files import scan
from pgsqlgen.sql.source import SourceFile
from pgsqlgen.sql.sqlc_layout import read_sqlc_schema


@dataclass(frozen=True)
class SchemaSources:
    """Files that build the catalog (in order) and files that are only checked."""

    up: tuple[SourceFile, ...]
    down: tuple[SourceFile, ...]


def _migration_files(directory: Path, root: Path) -> tuple[list[SourceFile], list[SourceFile]]:
    files, problems = scan(directory, root)
    if problems:
        raise SqlgenError(problems)
    ordered = sorted(files, key=lambda f: f.version)
    up = [SourceFile.read(f.path, root) for f in ordered if f.direction == "up"]
    down = [SourceFile.read(f.path, root) for f in ordered if f.direction == "down"]
    return up, down


def load_schema(
    paths: tuple[Path, ...], root: Path, layout: SchemaLayout = "migrations"
) -> SchemaSources:
    """Read migrations directories and dump files, in the order configured."""
    if layout == "sqlc":
        return SchemaSources(up=tuple(read_sqlc_schema(paths, root)), down=())
    up: list[SourceFile] = []
    down: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            dir_up, dir_down = _migration_files(path, root)
            up.extend(dir_up)
            down.extend(dir_down)
        elif path.is_file():
            up.append(SourceFile.read(path, root))
        else:
            raise SqlgenError([Diagnostic(str(path), 1, 1, "schema path does not exist")])
    return SchemaSources(up=tuple(up), down=tuple(down))


def load_queries(paths: tuple[Path, ...], root: Path) -> tuple[SourceFile, ...]:
    """Read query files: each path is a ``.sql`` file or a directory of them."""
    files: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            files.extend(SourceFile.read(p, root) for p in sorted(path.glob("*.sql")))
        elif path.is_file():
            files.append(SourceFile.read(path, root))
        else:
            raise SqlgenError([Diagnostic(str(path), 1, 1, "queries path does not exist")])
    return tuple(files)
