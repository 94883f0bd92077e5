"""Load stage: find and read the schema and query files.

A schema entry is either a golang-migrate directory (``NNN_name.up.sql``
applied in numeric order; the optional ``.down.sql`` files are read too so
that a broken down file is reported) or a single SQL file such as a schema dump.
A sqlc config's schema entries are read as sqlc reads them instead
(:mod:`pgsqlgen.sql.sqlc_layout`).

A path that cannot be read is an error located at it, never "no files": a
folder the user cannot list would otherwise look empty to ``glob``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.config.model import SchemaLayout
from pgsqlgen.errors import Diagnostic, SqlgenError, os_problem
from pgsqlgen.migrations.files import scan
from pgsqlgen.sql.source import SourceFile, display_path
from pgsqlgen.sql.sqlc_layout import read_sqlc_schema, sqlc_listing


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


def _is_folder(path: Path, root: Path, what: str) -> bool:
    """Whether an input path is a folder (which must then be listable) or a
    file; raises SqlgenError, located, when it is neither or cannot be read."""
    display = display_path(path, root)
    try:
        if not stat.S_ISDIR(path.stat().st_mode):
            return False
        os.listdir(path)
    except FileNotFoundError:
        raise SqlgenError([Diagnostic(display, 1, 1, f"{what} path does not exist")]) from None
    except OSError as error:
        raise SqlgenError([os_problem(display, error)]) from None
    return True


def load_schema(
    paths: tuple[Path, ...], root: Path, layout: SchemaLayout = "migrations"
) -> SchemaSources:
    """Read migrations directories and dump files, in the order configured."""
    if layout == "sqlc":
        return SchemaSources(up=tuple(read_sqlc_schema(paths, root)), down=())
    up: list[SourceFile] = []
    down: list[SourceFile] = []
    for path in paths:
        if _is_folder(path, root, "schema"):
            dir_up, dir_down = _migration_files(path, root)
            up.extend(dir_up)
            down.extend(dir_down)
        else:
            up.append(SourceFile.read(path, root))
    return SchemaSources(up=tuple(up), down=tuple(down))


def load_queries(paths: tuple[Path, ...], root: Path) -> tuple[SourceFile, ...]:
    """Read query files: each path is a file, or a directory listed as sqlc lists
    one (its ``.sql`` files in name order, not recursively, hidden and ``.down.sql``
    files left out)."""
    files: list[SourceFile] = []
    for path in paths:
        if _is_folder(path, root, "queries"):
            files.extend(SourceFile.read(p, root) for p in sqlc_listing(path))
        else:
            files.append(SourceFile.read(path, root))
    return tuple(files)
