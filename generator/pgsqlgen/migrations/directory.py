"""The set of migrations on disk: reading it for the runner, creating the next
pair, renumbering after a merge race (with the test fixtures)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pgsqlgen.migrations.errors import MigrationSetError
from pgsqlgen.migrations.files import (
    DEFAULT_WIDTH,
    MIGRATION_NAME,
    fixture_versions,
    migration_file,
    migration_files,
    out_of_range,
    version_width,
)
from pgsqlgen.migrations.files import next_free_version as next_version

__all__ = ["Migration", "create_migration", "find_migrations", "next_free_version", "renumber"]

_SNAKE_CASE: Final = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


@dataclass(frozen=True)
class Migration:
    """One migration: its number, its name and its files (golang-migrate's: the
    down file is optional)."""

    version: int
    name: str
    up: Path
    down: Path | None

    @property
    def stem(self) -> str:
        """``NNNNNN_name``, as spelled on disk (keeps the original padding)."""
        return self.up.name.removesuffix(".up.sql")


def find_migrations(directory: Path, *, allow_duplicates: bool = False) -> list[Migration]:
    """The migrations in ``directory``, sorted by version (then stem).

    Files not named ``NNN_name.(up|down).sql`` are ignored (READMEs,
    ``testdata/``; the schema loader is the one that complains about them).
    A version beyond ``bigint`` is an error: it could not be recorded.
    Two different stems with the same version are an error, since their
    order would be arbitrary; the message names the files and the next free
    version, which is what the loser of a merge race should move to.
    ``allow_duplicates`` lists them anyway, for tools that fix the set
    (e.g. choosing where :func:`renumber` should start).
    """
    if not directory.is_dir():
        raise MigrationSetError(f"{directory}: migrations directory not found")
    files = _scan(directory)
    problems: list[str] = []
    migrations: list[Migration] = []
    free = max(files, default=0) + 1
    width = _width_in_use(directory)
    for version in sorted(files):
        paths = files[version]
        if (reason := out_of_range(version)) is not None:
            problems.append(f"{paths[0]}: {reason}")
            continue
        stems = sorted({_stem(p) for p in paths})
        if len(stems) > 1 and not allow_duplicates:
            names = " and ".join(p.name for p in sorted(paths))
            problems.append(
                f"{directory}: duplicate migration version {version}: {names}; renumber the "
                f"one your branch adds to the next free version {free:0{width}d} "
                "(sqlgen migrate renumber)"
            )
            free += 1
            continue
        for stem in stems:
            up = directory / f"{stem}.up.sql"
            down = directory / f"{stem}.down.sql"
            if up not in paths:
                problems.append(f"{down}: down migration without an up migration ({up.name})")
                continue
            name = stem.split("_", 1)[1]
            migrations.append(Migration(version, name, up, down if down in paths else None))
    if problems:
        raise MigrationSetError("\n".join(problems))
    return migrations


def next_free_version(migrations: list[Migration]) -> int:
    """One more than the highest version (1 for an empty set); gaps are never filled."""
    return next_version({m.version for m in migrations})


def create_migration(directory: Path, name: str) -> tuple[Path, Path]:
    """Create the next ``NNNNNN_name.up.sql`` / ``.down.sql`` pair; return their paths.

    The number is :func:`next_free_version`, padded to the width the
    directory already uses (6 digits for a new directory) so that files keep
    sorting correctly in ``ls`` and code review.  ``name`` must be
    snake_case, the house style (``sqlgen migrate check --strict``).  Existing
    files are never overwritten.
    """
    if not _SNAKE_CASE.match(name):
        raise MigrationSetError(
            f"migration name {name!r} must be snake_case: lower-case letters, digits and "
            "single underscores, starting with a letter (e.g. add_chat_titles)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    version = next_free_version(find_migrations(directory))
    stem = f"{version:0{_width_in_use(directory)}d}_{name}"
    up = directory / f"{stem}.up.sql"
    down = directory / f"{stem}.down.sql"
    for path in (up, down):
        if path.exists():
            raise MigrationSetError(f"{path}: already exists; not overwriting it")
    up_text = f"-- {stem}: write the schema change here.\n"
    down_text = (
        f"-- {stem}: undo what {up.name} does, in reverse order.\n"
        "-- If it cannot be undone (e.g. an added enum value), say why and keep a\n"
        "-- no-op such as SELECT 1;\n"
    )
    with up.open("x", encoding="utf-8") as f:
        f.write(up_text)
    try:
        with down.open("x", encoding="utf-8") as f:
            f.write(down_text)
    except BaseException:
        up.unlink()
        raise
    return up, down


def renumber(directory: Path, versions: Sequence[int | str], start: int) -> list[tuple[Path, Path]]:
    """Give the migrations ``versions`` the numbers ``start, start+1, ...``.

    The typical use: two branches both added migration 21; the one merged
    second moves its migrations after the other's.  Each item is a version
    number or, when the number is ambiguous (exactly that merge situation),
    the stem of the migration to move (``"000021_add_things"``): an int
    cannot say which of two files to move, so an ambiguous int is refused.
    Items are taken in the order given, so this can also reorder.  The up
    and down files and the test fixture (``testdata/fixtures/NNN_*.up.sql``
    of the same version; of the same stem when two migrations share the
    version) move together.  Target numbers used by any migration or
    fixture that is not moving are refused.  Returns ``(old, new)`` path
    pairs of every file moved.

    Renumbering a migration that some database has already applied makes
    that database's recorded version point at a different migration; only
    renumber migrations that have not been deployed.
    """
    if start < 0:
        raise MigrationSetError(f"start version must not be negative, got {start}")
    if not directory.is_dir():
        raise MigrationSetError(f"{directory}: migrations directory not found")
    files = _scan(directory)
    fixtures = fixture_versions(directory)
    width = _width_in_use(directory)
    stems = [_resolve_stem(directory, files, item) for item in versions]
    if len(set(stems)) != len(stems):
        raise MigrationSetError(f"migrations to renumber are listed twice: {list(versions)}")
    moving = set(stems)
    carried = {stem: _fixtures_of(stem, files, fixtures) for stem in stems}
    carried_paths = {path for paths in carried.values() for path in paths}

    moves: list[tuple[Path, Path]] = []
    for offset, old_stem in enumerate(stems):
        target = start + offset
        if (reason := out_of_range(target)) is not None:
            raise MigrationSetError(f"cannot renumber {old_stem} to {target}: {reason}")
        staying = [p for p in files.get(target, []) if _stem(p) not in moving]
        staying += [p for p in fixtures.get(target, []) if p not in carried_paths]
        if staying:
            where = "migration" if staying[0].parent == directory else "fixture"
            raise MigrationSetError(
                f"cannot renumber {old_stem} to {target}: "
                f"{where} {_stem(staying[0])} already has that version"
            )
        new_stem = f"{target:0{width}d}_{old_stem.split('_', 1)[1]}"
        if new_stem == old_stem:
            continue
        for suffix in (".up.sql", ".down.sql"):
            old = directory / f"{old_stem}{suffix}"
            if old.is_file():
                moves.append((old, directory / f"{new_stem}{suffix}"))
        for fixture in carried[old_stem]:
            moves.append((fixture, fixture.with_name(f"{target:0{width}d}_{_name_of(fixture)}")))

    # Two phases through temporary names, so that shifting 21, 22 to 22, 23
    # (each target is another source) never overwrites a file.
    staged: list[tuple[Path, Path]] = []
    for index, (old, new) in enumerate(moves):
        temp = old.with_name(f".renumber-{index}-{old.name}")
        old.rename(temp)
        staged.append((temp, new))
    for temp, new in staged:
        if new.exists():  # not one of ours: a file appeared meanwhile
            raise MigrationSetError(f"{new}: already exists; renamed files left as {temp.name}")
        temp.rename(new)
    return moves


def _resolve_stem(directory: Path, files: dict[int, list[Path]], item: int | str) -> str:
    """The one migration stem a :func:`renumber` item names."""
    if isinstance(item, str):
        stem = item.removesuffix(".sql").removesuffix(".up").removesuffix(".down")
        match = MIGRATION_NAME.match(f"{stem}.up.sql")
        if match is None or (directory / f"{stem}.up.sql") not in files.get(
            int(match["version"]), []
        ):
            raise MigrationSetError(f"{directory}: no migration {item}")
        return stem
    found = sorted({_stem(p) for p in files.get(item, [])})
    if not found:
        raise MigrationSetError(f"{directory}: no migration with version {item}")
    if len(found) > 1:
        raise MigrationSetError(
            f"{directory}: version {item} is used by {' and '.join(found)}; "
            "name the one to move by its full name (e.g. " + found[-1] + ")"
        )
    return found[0]


def _fixtures_of(
    stem: str, files: dict[int, list[Path]], fixtures: dict[int, list[Path]]
) -> list[Path]:
    """The fixtures that move with migration ``stem``: those of its version, or
    when another migration shares the version, the one named like it."""
    version = int(stem.split("_", 1)[0])
    mine = fixtures.get(version, [])
    if len({_stem(p) for p in files.get(version, [])}) > 1:
        return [p for p in mine if _stem(p) == stem]
    return mine


def _name_of(path: Path) -> str:
    """What follows ``NNN_`` in a migration-named file."""
    return path.name.split("_", 1)[1]


def _scan(directory: Path) -> dict[int, list[Path]]:
    """Migration-named files of ``directory`` grouped by version (no checks)."""
    files: dict[int, list[Path]] = {}
    for file in migration_files(directory):
        files.setdefault(file.version, []).append(file.path)
    return files


def _stem(path: Path) -> str:
    file = migration_file(path)
    assert file is not None
    return file.stem


def _width_in_use(directory: Path) -> int:
    """Digits of the widest version number in ``directory`` (default 6)."""
    return version_width(migration_files(directory)) if directory.is_dir() else DEFAULT_WIDTH
