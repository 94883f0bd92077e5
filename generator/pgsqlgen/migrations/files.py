"""Checks on a directory of migrations, before any of them is read as SQL.

A directory is read the way golang-migrate reads it: ``NNN_anything.up.sql``
and ``NNN_anything.down.sql``, any name after ``NNN_`` (dots, capitals,
spaces), a version with only an up file (upstream-only histories such as
Harbor's have no downs), gaps in the numbering. What golang-migrate would
also refuse is an error here: a version beyond ``bigint`` (where the version
is recorded), two names for one number (the merge race, with the number to
move to), a down file without its up. Fixtures in ``testdata/fixtures``
belong to a migration by version number, as in Coder's
``TestMigrateUpWithFixtures`` (``000191_ some name.up.sql`` is version 191's).

``strict`` adds the house style as opt-in rules (``sqlgen migrate check
--strict``): snake_case names and a down file for every up file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pgsqlgen.errors import Diagnostic

MIGRATION_NAME = re.compile(r"^(?P<version>\d+)_(?P<name>.*)\.(?P<direction>up|down)\.sql$")
FIXTURES = Path("testdata") / "fixtures"

#: The largest version PostgreSQL can record: golang-migrate's ``schema_migrations.version`` is a bigint.
MAX_VERSION = 2**63 - 1

DEFAULT_WIDTH = 6

_SNAKE_NAME = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


@dataclass(frozen=True)
class MigrationFile:
    """One ``NNN_name.(up|down).sql`` file, its name taken apart."""

    path: Path
    version: int
    name: str
    direction: str

    @property
    def stem(self) -> str:
        """``NNN_name``, with the digits as written."""
        return self.path.name.removesuffix(f".{self.direction}.sql")

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


def out_of_range(version: int) -> str | None:
    """Why ``version`` cannot be recorded, or None when it can."""
    if version > MAX_VERSION:
        return (
            f"migration version {version} is out of range: the version is recorded in a "
            f"bigint, at most {MAX_VERSION}"
        )
    return None


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


def fixture_versions(directory: Path) -> dict[int, list[Path]]:
    """The fixtures of a migrations directory by the version they belong to."""
    fixtures = directory / FIXTURES
    found: dict[int, list[Path]] = {}
    if fixtures.is_dir():
        for path in sorted(fixtures.glob("*.sql")):
            file = migration_file(path)
            if file is not None and file.direction == "up":
                found.setdefault(file.version, []).append(path)
    return found


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _suffix(entry: os.DirEntry[str]) -> str:
    """As ``Path.suffix`` reads it (a leading dot starts no suffix)."""
    return os.path.splitext(entry.name)[1]


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def scan(
    directory: Path, root: Path, *, strict: bool = False
) -> tuple[list[MigrationFile], list[Diagnostic]]:
    """The migration files of a directory, and every rule they break."""
    files: list[MigrationFile] = []
    problems: list[Diagnostic] = []

    def problem(path: Path, message: str) -> None:
        problems.append(Diagnostic(_display(path, root), 1, 1, message))

    try:
        # Directory entries, not paths: a long history is thousands of files, and
        # each path object, stat and comparison costs more than reading the file.
        with os.scandir(directory) as listing:
            entries = sorted((e for e in listing if _suffix(e) == ".sql"), key=_name)
    except OSError as error:
        problem(directory, f"cannot read the migrations directory: {error.strerror}")
        return files, problems
    for entry in entries:
        path = directory / entry.name
        file = migration_file(path)
        if file is None:
            problem(path, "migration file name must match NNN_name.(up|down).sql")
        elif (reason := out_of_range(file.version)) is not None:
            problem(path, reason)
        elif not _is_file(entry):
            problem(path, "a migration must be a file")
        else:
            if strict and not _SNAKE_NAME.match(file.name):
                problem(path, f"migration name {file.name!r} is not snake_case (--strict)")
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
        if not ups:
            problem(
                downs[0].path,
                f"missing up migration {downs[0].stem}.up.sql",
            )
        elif strict and not downs:
            problem(ups[0].path, f"missing down migration {ups[0].stem}.down.sql (--strict)")
    problems.extend(_fixture_problems(directory, root, versions, width))
    return files, problems


def _fixture_problems(
    directory: Path, root: Path, versions: set[int], width: int
) -> list[Diagnostic]:
    """Fixtures must be named ``NNN_anything.up.sql`` after an existing version, one each."""
    fixtures = directory / FIXTURES
    if not fixtures.is_dir():
        return []
    problems: list[Diagnostic] = []
    by_version = fixture_versions(directory)
    named = {p for group in by_version.values() for p in group}
    for path in sorted(fixtures.glob("*.sql")):
        if path not in named:
            problems.append(
                Diagnostic(
                    _display(path, root), 1, 1, "fixture file name must match NNN_name.up.sql"
                )
            )
    for version, paths in sorted(by_version.items()):
        if version not in versions:
            message = (
                f"fixture {paths[0].name} does not belong to an existing migration "
                f"(no migration {version:0{width}d})"
            )
        elif len(paths) > 1:
            message = f"version {version:0{width}d} has {len(paths)} fixtures; keep one"
        else:
            continue
        problems.append(Diagnostic(_display(paths[-1], root), 1, 1, message))
    return problems
