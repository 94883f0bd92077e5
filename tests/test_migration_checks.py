"""The seed's migration test trio, run on the example schema through pgsqlgen.migrations.pytest_plugin."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import MIGRATIONS_DIR

from pgsqlgen.migrations.pytest_plugin import (
    check_concurrent_up,
    check_latest_version,
    check_migrate,
    check_up_down_up,
    check_up_with_fixtures,
)
from pgsqlgen.migrations.runner import Migrator
from pgsqlgen.pg.cluster import scratch_database


def test_migrate_once_and_twice(pg_server_url: str) -> None:
    check_migrate(pg_server_url, MIGRATIONS_DIR)


def test_two_concurrent_ups(pg_server_url: str) -> None:
    check_concurrent_up(pg_server_url, MIGRATIONS_DIR)


def test_up_down_up(pg_server_url: str) -> None:
    check_up_down_up(pg_server_url, MIGRATIONS_DIR)


def test_up_with_fixtures_then_all_the_way_down(pg_server_url: str) -> None:
    started = time.perf_counter()
    check_up_with_fixtures(pg_server_url, MIGRATIONS_DIR)
    print(f"fixture round trip: {time.perf_counter() - started:.2f}s")


def test_latest_version(db_url: str) -> None:
    check_latest_version(db_url, MIGRATIONS_DIR)


def test_latest_version_fails_behind_and_ahead(pg_server_url: str) -> None:
    with scratch_database(pg_server_url) as url:
        migrator = Migrator(url, MIGRATIONS_DIR)
        migrator.up(3)
        with pytest.raises(AssertionError, match="is at version 3, the newest migration is 21"):
            check_latest_version(url, MIGRATIONS_DIR)
        migrator.force(99)
        with pytest.raises(AssertionError, match="is at version 99"):
            check_latest_version(url, MIGRATIONS_DIR)


def test_fixture_check_names_tables_left_empty(pg_server_url: str, tmp_path: Path) -> None:
    (tmp_path / "000001_a.up.sql").write_text("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n")
    (tmp_path / "000001_a.down.sql").write_text("DROP TABLE a;\nDROP TABLE b;\n")
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000001_a.up.sql").write_text("INSERT INTO a VALUES (1);\n")
    with pytest.raises(AssertionError, match=r"\['b'\]"):
        check_up_with_fixtures(pg_server_url, tmp_path)
    check_up_with_fixtures(pg_server_url, tmp_path, empty_tables_allowed=["b"])


def test_down_check_names_what_is_left_behind(pg_server_url: str, tmp_path: Path) -> None:
    (tmp_path / "000001_a.up.sql").write_text(
        "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE a (x mood);\n"
    )
    (tmp_path / "000001_a.down.sql").write_text("DROP TABLE a;\n")
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000001_a.up.sql").write_text("INSERT INTO a VALUES ('ok');\n")
    with pytest.raises(AssertionError, match="type mood"):
        check_up_with_fixtures(pg_server_url, tmp_path)
