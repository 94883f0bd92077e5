"""Checks on a directory of migrations, before any of them is read as SQL.

The rules are golang-migrate's and Coder's: ``NNNNNN_snake_name.up.sql`` with
a matching ``.down.sql``, no number used twice (gaps are fine), and every
fixture in ``testdata/fixtures`` named after an existing migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.errors import Diagnostic

MIGRATION_NAME = re.compile(
    r"^(?P<version>\d+)_(?P<name>[a-z0-9]+(?:_[a-z0-9]+)*)\.(?P<direction>up|down)\.sql$"
)
FIXTURES = Path("testdata") / "fixtures"


DEFAULT_WIDTH = 6


@dataclass(frozen=True)
class MigrationFile:
    """One ``NNNNNN_snake_name.(up|down).sql`` file, its name taken apart."""

    path: Path
    version: int
    name: str
    direction: str

    @property
    def stem(self) -> str:
        """``NNNNNN_snake_name``, with the digits as written."""
        return self.path.name.rsplit(".", 2)[0]

    @property
    def width(self) -> int:
        return len(self.stem.split("_", 1)[0])


def migration_file(path: Path) -> MigrationFile | None:
    """The parts of a migration file name, or None for any other file."""
    match = MIGRATION_NAME.match(path.name)
    if match is None:
        return None
    return MigrationFile(path, int(match["version"]), match["name"], match["direction"])


def migration_files(directory: Path) -> list[MigrationFile]:
    """Every file of ``directory`` named like a migration, in name order (no checks)."""
    found = (migration_file(p) for p in sorted(directory.iterdir()) if p.is_file())
    return [f for f in found if f is not None]


def version_width(files: list[MigrationFile]) -> int:
    """Digits of the widest version in use, so new numbers line up with the old."""
    return max((f.width for f in files), default=DEFAULT_WIDTH)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def next_free_version(versions: set[int]) -> int:
    """One more than the highest version; gaps are never reused (a deleted
    migration may have run somewhere, and reusing its number would skip the new one)."""
    return max(versions, default=0) + 1


def scan(directory: Path, root: Path) -> tuple[list[MigrationFile], list[Diagnostic]]:
    """The migration files of a directory, and every rule they break."""
    files: list[MigrationFile] = []
    problems: list[Diagnostic] = []

    def problem(path: Path, message: str) -> None:
        problems.append(Diagnostic(_display(path, root), 1, 1, message))

    for path in sorted(directory.glob("*.sql")):
        file = migration_file(path)
        if file is None:
            problem(path, "migration file name must match NNNNNN_snake_name.(up|down).sql")
            continue
        files.append(file)
    by_version: dict[int, dict[str, list[MigrationFile]]] = {}
    for file in files:
        by_version.setdefault(file.version, {}).setdefault(file.direction, []).append(file)
    versions = set(by_version)
    width = version_width(files)
    for version, directions in sorted(by_version.items()):
        names = {f.name for group in directions.values() for f in group}
        ups, downs = directions.get("up", []), directions.get("down", [])
        if len(names) > 1:
            stems = sorted(f"{version:0{width}d}_{name}" for name in names)
            clash = sorted(
                (f for group in directions.values() for f in group), key=lambda f: f.path
            )
            free = f"{next_free_version(versions):0{width}d}"
            problem(
                next(f.path for f in clash if f.name != clash[0].name),
                f"migration number {version:0{width}d} is used by {' and '.join(stems)}; "
                f"renumber the one your branch adds to {free} (sqlgen migrate renumber)",
            )
            continue
        if not downs:
            problem(
                ups[0].path,
                f"missing down migration {ups[0].path.name[: -len('.up.sql')]}.down.sql",
            )
        if not ups:
            problem(
                downs[0].path,
                f"missing up migration {downs[0].path.name[: -len('.down.sql')]}.up.sql",
            )
    known = {(f.version, f.name) for f in files}
    fixtures = directory / FIXTURES
    if fixtures.is_dir():
        for path in sorted(fixtures.glob("*.sql")):
            match = MIGRATION_NAME.match(path.name)
            if match is None or match["direction"] != "up":
                problem(path, "fixture file name must match NNNNNN_snake_name.up.sql")
            elif (int(match["version"]), match["name"]) not in known:
                problem(
                    path,
                    f"fixture {path.name} does not name an existing migration "
                    f"({int(match['version']):0{width}d}_{match['name']})",
                )
    return files, problems
