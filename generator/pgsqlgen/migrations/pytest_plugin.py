"""pytest support for projects that use sqlgen: a real PostgreSQL, a freshly
migrated database per test, and the migration checks Coder's
``TestMigrate``, ``TestMigrateUpWithFixtures`` and ``TestCheckLatestVersion``
make, as functions a test calls.

Enable it in a ``conftest.py``::

    pytest_plugins = ["pgsqlgen.migrations.pytest_plugin"]

Fixtures (override ``sqlgen_config``, ``sqlgen_migrations_dir`` or
``sqlgen_migrations_table`` to point elsewhere):

- ``sqlgen_server_url`` (session): ``DATABASE_URL`` when set, else a
  throwaway cluster from the local PostgreSQL binaries, removed afterwards.
- ``sqlgen_config`` (session): the project's configuration, found as the
  command line finds it, from pytest's rootdir: ``sqlgen.toml``,
  ``[tool.sqlgen]`` in ``pyproject.toml`` or ``sqlc.yaml``/``sqlc.yml``/
  ``sqlc.json``, there or in the nearest parent directory that has one.
- ``sqlgen_migrations_dir`` (session): the first migrations directory in the
  configuration's ``schema``.
- ``sqlgen_migrations_table`` (session): ``migrations_table`` of that
  configuration (``schema_migrations`` unless the history has its own).
- ``sqlgen_template`` (session): a database migrated once, to clone.
- ``sqlgen_database`` (function): the URL of a fresh clone of the template;
  a ``CREATE DATABASE ... TEMPLATE`` costs a file copy, not a migration run.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgsqlgen.config.load import find_config, load_configs
from pgsqlgen.config.model import Config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.migrations.files import fixture_versions
from pgsqlgen.migrations.runner import MIGRATIONS_TABLE, Migration, Migrator, find_migrations
from pgsqlgen.pg.cluster import (
    create_database,
    database_server_url,
    drop_database,
    scratch_database,
)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def sqlgen_server_url() -> Iterator[str]:
    """A server the tests may create and drop databases on."""
    with database_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def sqlgen_config(pytestconfig: pytest.Config) -> Config:
    """The project's configuration (its first package, when it declares several)."""
    try:
        return load_configs(find_config(Path(pytestconfig.rootpath)))[0]
    except SqlgenError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="session")
def sqlgen_migrations_dir(sqlgen_config: Config) -> Path:
    """The project's migrations directory: the first directory in ``schema``."""
    directory = next((p for p in sqlgen_config.schema if p.is_dir()), None)
    if directory is None:
        raise pytest.UsageError(
            f"{sqlgen_config.root}: the configuration's schema names no migrations directory"
        )
    return directory


@pytest.fixture(scope="session")
def sqlgen_migrations_table(sqlgen_config: Config) -> str:
    """The table the version is recorded in: the configuration's ``migrations_table``."""
    return sqlgen_config.migrations_table


@pytest.fixture(scope="session")
def sqlgen_template(
    sqlgen_server_url: str, sqlgen_migrations_dir: Path, sqlgen_migrations_table: str
) -> Iterator[str]:
    """Name of a database with every migration applied, cloned for each test."""
    name = unique_name("sqlgen_template")
    url = create_database(sqlgen_server_url, name)
    try:
        Migrator(url, sqlgen_migrations_dir, sqlgen_migrations_table).up()
        yield name
    finally:
        drop_database(sqlgen_server_url, name)


@pytest.fixture
def sqlgen_database(sqlgen_server_url: str, sqlgen_template: str) -> Iterator[str]:
    """URL of a fresh, fully migrated database private to this test."""
    name = unique_name("sqlgen_test")
    url = create_database(sqlgen_server_url, name, template=sqlgen_template)
    try:
        yield url
    finally:
        drop_database(sqlgen_server_url, name)


# --- the checks ---------------------------------------------------------------------


def check_migrate(server_url: str, directory: Path, table: str = MIGRATIONS_TABLE) -> None:
    """Migrating up reaches the newest migration, clean; a second run is a no-op."""
    latest = find_migrations(directory)[-1].version
    with scratch_database(server_url) as url:
        migrator = Migrator(url, directory, table)
        applied = migrator.up()
        assert applied == [m.version for m in find_migrations(directory)], applied
        assert migrator.version() == (latest, False)
        assert migrator.up() == [], "a second up must do nothing"
        assert migrator.version() == (latest, False)


def check_concurrent_up(
    server_url: str, directory: Path, workers: int = 2, table: str = MIGRATIONS_TABLE
) -> None:
    """Several processes running ``up`` at once end at the same, correct state."""
    latest = find_migrations(directory)[-1].version
    with scratch_database(server_url) as url:
        results: list[list[int]] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                results.append(Migrator(url, directory, table).up())
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        applied = sorted(v for result in results for v in result)
        assert applied == [m.version for m in find_migrations(directory)], applied
        assert Migrator(url, directory, table).version() == (latest, False)


def check_up_down_up(server_url: str, directory: Path, table: str = MIGRATIONS_TABLE) -> None:
    """Every down works: up, down to nothing, up again."""
    with scratch_database(server_url) as url:
        migrator = Migrator(url, directory, table)
        migrator.up()
        migrator.down()
        assert migrator.version() == (None, False)
        migrator.up()
        assert migrator.version() == (find_migrations(directory)[-1].version, False)


def user_objects(conn: psycopg.Connection[Any], table: str = MIGRATIONS_TABLE) -> list[str]:
    """Tables, views, sequences, types and functions left in the current schema."""
    rows = conn.execute(
        """
        SELECT 'relation ' || c.relname FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relname <> %(state)s
        UNION ALL
        SELECT 'type ' || t.typname FROM pg_type t
        WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'c')
          AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
        UNION ALL
        SELECT 'function ' || p.proname FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
        ORDER BY 1
        """,
        {"state": table},
    ).fetchall()
    return [row[0] for row in rows]


def check_up_with_fixtures(
    server_url: str,
    directory: Path,
    empty_tables_allowed: Iterable[str] = (),
    table: str = MIGRATIONS_TABLE,
) -> None:
    """Coder's TestMigrateUpWithFixtures.

    Step up one migration at a time, loading each fixture right after its
    migration, so later migrations run over real rows. At the end every table
    holds at least one row (but those allowed to stay empty); then migrating
    all the way down succeeds and leaves no table, type or function behind.
    """
    allowed = set(empty_tables_allowed)
    with scratch_database(server_url) as url:
        migrator = Migrator(url, directory, table)
        # By version, as Coder's test matches them: 000191_ some name.up.sql is 191's.
        fixtures = fixture_versions(directory)

        def load_fixture(migration: Migration, conn: psycopg.Connection[Any]) -> None:
            for fixture in fixtures.get(migration.version, []):
                conn.execute(fixture.read_bytes())

        migrator.step_up_with(load_fixture)
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
                    " AND relkind IN ('r', 'p') AND relname <> %s ORDER BY relname",
                    (table,),
                )
            ]
            empty = [
                table
                for table in tables
                if table not in allowed
                and conn.execute(
                    sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
                ).fetchone()
                == (True,)
            ]
        assert not empty, f"tables with no fixture rows (add a fixture or allow them): {empty}"
        migrator.down()
        with psycopg.connect(url, autocommit=True) as conn:
            left = user_objects(conn, table)
        assert not left, f"down migrations left these behind: {left}"


def check_latest_version(database_url: str, directory: Path, table: str = MIGRATIONS_TABLE) -> None:
    """Coder's TestCheckLatestVersion: the database is at the newest migration, clean."""
    version, dirty = Migrator(database_url, directory, table).version()
    latest = find_migrations(directory)[-1].version
    assert not dirty, f"database is dirty at version {version}"
    assert version == latest, f"database is at version {version}, the newest migration is {latest}"
