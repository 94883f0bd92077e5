"""Shared pytest fixtures: a PostgreSQL server and one fresh database per test.

Layout of the fixtures (scope in brackets)::

    pg_server_url [session]     DATABASE_URL, or a throwaway local cluster
      migrated_template [session]   a database with schema/migrations applied
        db_url [function]           CREATE DATABASE ... TEMPLATE <template>
          conn / aconn [function]   sync / async psycopg connections to it

Running the migrations once and cloning the result per test keeps tests
isolated (each gets its own database, so they may commit, create objects or
leave garbage behind) while costing only a file copy per test.

To run against an existing server instead of a throwaway cluster, set
``DATABASE_URL`` to a URL whose role may create databases; everything the
fixtures create there is dropped again.

Override the ``migrations_dir`` fixture (e.g. in a test module or a nested
conftest) to build the template from a different set of migrations.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from psycopg.rows import TupleRow

from generator.pgcluster import (
    apply_migrations,
    create_database,
    database_server_url,
    drop_database,
)

#: The repository root (the directory holding ``pyproject.toml``).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Migrations the template database is built from.
MIGRATIONS_DIR = REPO_ROOT / "schema" / "migrations"


def _unique_name(prefix: str) -> str:
    # 63 bytes is PostgreSQL's identifier limit; this stays far below it.
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a server the tests may create and drop databases on."""
    with database_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    """Directory of ``NNNNNN_name.up.sql`` files used for the template."""
    return MIGRATIONS_DIR


@pytest.fixture(scope="session")
def migrated_template(pg_server_url: str, migrations_dir: Path) -> Iterator[str]:
    """Name of a database with all migrations applied, used as a template.

    Nothing should stay connected to it: ``CREATE DATABASE ... TEMPLATE``
    fails while other sessions use the template.
    """
    name = _unique_name("sqlgen_template")
    url = create_database(pg_server_url, name)
    try:
        apply_migrations(url, migrations_dir)
        yield name
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture
def db_url(pg_server_url: str, migrated_template: str) -> Iterator[str]:
    """Conninfo of a fresh, migrated database private to this test."""
    name = _unique_name("sqlgen_test")
    url = create_database(pg_server_url, name, template=migrated_template)
    try:
        yield url
    finally:
        # Also terminates any connections the test left open.
        drop_database(pg_server_url, name)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[TupleRow]]:
    """An autocommit connection to ``db_url``.

    Autocommit means nothing is implicitly left open: tests that need a
    transaction say so with ``with conn.transaction(): ...``.
    """
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest_asyncio.fixture(loop_scope="function")
async def aconn(db_url: str) -> AsyncIterator[psycopg.AsyncConnection[TupleRow]]:
    """An autocommit async connection to ``db_url`` (see ``conn``).

    Tests using it must be ``async def`` and, unless pytest-asyncio runs in
    auto mode, marked ``@pytest.mark.asyncio``.
    """
    connection = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
    async with connection:
        yield connection
