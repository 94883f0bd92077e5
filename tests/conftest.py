"""Shared pytest fixtures: a PostgreSQL server and one fresh database per test.

The server and the migrated template come from sqlgen's own pytest plugin,
``pgsqlgen.migrations.pytest_plugin`` (what users of sqlgen enable in their conftest too):
``DATABASE_URL`` when set, else a throwaway cluster from the local binaries.
Each test gets a clone of the migrated template, so tests may commit,
create objects or leave garbage behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from psycopg.rows import TupleRow

from pgsqlgen.pg.cluster import scratch_database

pytest_plugins = ["pgsqlgen.migrations.pytest_plugin"]

#: The repository root (the directory holding ``pyproject.toml``).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Migrations the template database is built from.
MIGRATIONS_DIR = REPO_ROOT / "schema" / "migrations"


@pytest.fixture(scope="session")
def pg_server_url(sqlgen_server_url: str) -> str:
    """URL of a server the tests may create and drop databases on."""
    return sqlgen_server_url


@pytest.fixture
def empty_db(pg_server_url: str) -> Iterator[str]:
    """Conninfo of a new, empty database private to this test."""
    with scratch_database(pg_server_url) as url:
        yield url


@pytest.fixture
def db_url(sqlgen_database: str) -> str:
    """Conninfo of a fresh, migrated database private to this test."""
    return sqlgen_database


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[TupleRow]]:
    """An autocommit connection to ``db_url``: tests open transactions explicitly."""
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest_asyncio.fixture(loop_scope="function")
async def aconn(db_url: str) -> AsyncIterator[psycopg.AsyncConnection[TupleRow]]:
    """An autocommit async connection to ``db_url`` (see ``conn``)."""
    connection = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
    async with connection:
        yield connection
