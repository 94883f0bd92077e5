"""The migration runner against a real PostgreSQL server.

Every test that touches a database gets its own *empty* database (the
conftest's ``db_url`` is already migrated, which is the opposite of what a
runner test needs).  Small migration sets are written to ``tmp_path`` unless
the real ``schema/migrations`` is the point of the test.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgsqlgen.migrations.pytest_plugin import check_up_with_fixtures
from pgsqlgen.migrations.runner import (
    DirtyDatabase,
    MigrateError,
    Migration,
    MigrationFailed,
    MigrationSetError,
    Migrator,
    advisory_lock_id,
    autocommit_reason,
    create_migration,
    find_migrations,
    next_free_version,
    renumber,
    split_statements,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_MIGRATIONS = REPO_ROOT / "schema" / "migrations"
ALL_REAL = list(range(1, 22))


def write_set(directory: Path, migrations: dict[int, tuple[str, str, str | None]]) -> Path:
    """Write ``{version: (name, up, down or None)}`` as ``NNNNNN_name.*.sql``."""
    directory.mkdir(parents=True, exist_ok=True)
    for version, (name, up, down) in migrations.items():
        (directory / f"{version:06d}_{name}.up.sql").write_text(up)
        if down is not None:
            (directory / f"{version:06d}_{name}.down.sql").write_text(down)
    return directory


def query(url: str, text: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(text.encode()).fetchall()


def execute(url: str, text: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text.encode())


def our_objects(url: str) -> list[str]:
    """Relations, types and functions in public, apart from the bookkeeping table."""
    return [
        row[0]
        for row in query(
            url,
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace
              AND c.relname NOT IN ('schema_migrations', 'schema_migrations_pkey')
            UNION ALL
            SELECT t.typname FROM pg_type t
            WHERE t.typnamespace = 'public'::regnamespace AND t.typrelid = 0
              AND t.typelem = 0
            UNION ALL
            SELECT p.proname FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
            """,
        )
    ]


TWO_TABLES: dict[int, tuple[str, str, str | None]] = {
    1: ("create_a", "CREATE TABLE a (id int PRIMARY KEY, x int);\n", "DROP TABLE a;\n"),
    2: ("create_b", "CREATE TABLE b (id int PRIMARY KEY);\n", "DROP TABLE b;\n"),
}


# -- the real migrations ----------------------------------------------------------


def test_up_applies_every_real_migration_and_a_second_up_is_a_no_op(empty_db: str) -> None:
    migrator = Migrator(empty_db, REAL_MIGRATIONS)
    assert migrator.version() == (None, False)
    assert migrator.up() == ALL_REAL
    assert migrator.version() == (21, False)
    assert migrator.up() == []
    assert query(empty_db, "SELECT version, dirty FROM schema_migrations") == [(21, False)]


def test_two_concurrent_ups_serialise(empty_db: str) -> None:
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(Migrator(empty_db, REAL_MIGRATIONS).up())
        except BaseException as e:  # reported below; a thread cannot fail the test itself
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # One runner applied everything, the other waited and found nothing to do
    # (applying any migration twice would have failed with "already exists").
    assert sorted(results, key=len) == [[], ALL_REAL]
    assert Migrator(empty_db, REAL_MIGRATIONS).version() == (21, False)


def test_a_waiting_runner_does_not_deadlock_create_index_concurrently(
    empty_db: str, tmp_path: Path
) -> None:
    # CREATE INDEX CONCURRENTLY waits for every transaction with an older
    # snapshot; a runner blocked inside pg_advisory_lock() would be one, and
    # PostgreSQL would report a deadlock.  The runner polls instead.
    directory = write_set(
        tmp_path,
        {
            **TWO_TABLES,
            3: ("index_a", "CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\n", None),
        },
    )
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(Migrator(empty_db, directory).up())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results, key=len) == [[], [1, 2, 3]]


def test_down_all_leaves_only_the_bookkeeping_table_and_up_works_again(empty_db: str) -> None:
    migrator = Migrator(empty_db, REAL_MIGRATIONS)
    migrator.up()
    assert migrator.down() == ALL_REAL[::-1]
    assert migrator.version() == (None, False)
    assert our_objects(empty_db) == []
    # 000013's down cannot drop the enum value, so its up must be re-runnable.
    assert migrator.up() == ALL_REAL
    assert migrator.version() == (21, False)


def test_down_n_up_n_and_goto(empty_db: str) -> None:
    migrator = Migrator(empty_db, REAL_MIGRATIONS)
    assert migrator.up(3) == [1, 2, 3]
    assert migrator.version() == (3, False)
    assert migrator.up() == ALL_REAL[3:]
    assert migrator.down(3) == [21, 20, 19]
    assert migrator.version() == (18, False)
    assert migrator.up(2) == [19, 20]
    assert migrator.goto(15) == [20, 19, 18, 17, 16]
    assert migrator.version() == (15, False)
    assert migrator.goto(15) == []
    assert migrator.goto(21) == [16, 17, 18, 19, 20, 21]
    with pytest.raises(MigrationSetError, match="no migration with version 99"):
        migrator.goto(99)
    assert migrator.version() == (21, False)


def test_step_up_with_loads_each_fixture_after_its_migration(empty_db: str) -> None:
    fixtures = REAL_MIGRATIONS / "testdata" / "fixtures"
    seen: list[tuple[int, int | None]] = []

    def after_each(migration: Migration, conn: psycopg.Connection[Any]) -> None:
        row = conn.execute("SELECT version FROM schema_migrations").fetchone()
        seen.append((migration.version, row[0] if row else None))
        fixture = fixtures / migration.up.name
        if fixture.exists():
            conn.execute(fixture.read_bytes())

    assert Migrator(empty_db, REAL_MIGRATIONS).step_up_with(after_each) == ALL_REAL
    # Each callback ran after its migration was recorded.
    assert seen == [(v, v) for v in ALL_REAL]
    assert query(empty_db, "SELECT count(*) FROM users")[0][0] > 0


# -- failures and the dirty flag ------------------------------------------------------


def test_a_failing_migration_names_file_and_line_and_rolls_back(
    empty_db: str, tmp_path: Path
) -> None:
    directory = write_set(
        tmp_path,
        {
            **TWO_TABLES,
            3: ("broken", "CREATE TABLE c (id int);\n-- the typo is next\nSELEC 1;\n", None),
        },
    )
    migrator = Migrator(empty_db, directory)
    with pytest.raises(MigrationFailed) as caught:
        migrator.up()
    failure = caught.value
    path = directory / "000003_broken.up.sql"
    assert (failure.path, failure.line, failure.version) == (path, 3, 3)
    assert 'syntax error at or near "SELEC"' in failure.pg_message
    assert str(failure).startswith(f"{path}:3: migration 000003 failed: syntax error")
    # The file's transaction rolled back together with the version update.
    assert migrator.version() == (2, False)
    assert query(empty_db, "SELECT to_regclass('c') IS NULL") == [(True,)]
    # Fixed, it applies.
    path.write_text("CREATE TABLE c (id int);\n")
    assert migrator.up() == [3]


def test_non_transactional_migrations_run_statement_by_statement(
    empty_db: str, tmp_path: Path
) -> None:
    directory = write_set(
        tmp_path,
        {
            **TWO_TABLES,
            3: (
                "index_a",
                "-- CONCURRENTLY cannot run in a transaction block\n"
                "CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\n"
                "COMMENT ON INDEX a_x_idx IS 'built; concurrently';\n",
                "DROP INDEX CONCURRENTLY a_x_idx;\n",
            ),
        },
    )
    migrator = Migrator(empty_db, directory)
    assert migrator.up() == [1, 2, 3]
    assert migrator.version() == (3, False)
    assert query(empty_db, "SELECT obj_description('a_x_idx'::regclass)") == [
        ("built; concurrently",)
    ]
    assert migrator.down(1) == [3]
    assert query(empty_db, "SELECT to_regclass('a_x_idx') IS NULL") == [(True,)]


def test_a_failing_non_transactional_migration_leaves_the_database_dirty(
    empty_db: str, tmp_path: Path
) -> None:
    directory = write_set(
        tmp_path,
        {
            **TWO_TABLES,
            3: (
                "index_a",
                "CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\n"
                "CREATE INDEX CONCURRENTLY a_y_idx ON a (no_such_column);\n",
                "DROP INDEX CONCURRENTLY a_x_idx;\n",
            ),
        },
    )
    migrator = Migrator(empty_db, directory)
    with pytest.raises(MigrationFailed) as caught:
        migrator.up()
    assert caught.value.line == 2
    assert 'column "no_such_column" does not exist' in caught.value.pg_message
    # The first index exists: the migration is half-applied and says so.
    assert migrator.version() == (3, True)
    assert query(empty_db, "SELECT to_regclass('a_x_idx') IS NOT NULL") == [(True,)]
    actions: list[Callable[[], object]] = [migrator.up, migrator.down, partial(migrator.goto, 1)]
    for action in actions:
        with pytest.raises(DirtyDatabase, match=r"dirty at version 3.*sqlgen migrate force 3"):
            action()
    # Undo by hand, record the real state, fix the file, carry on.
    execute(empty_db, "DROP INDEX a_x_idx")
    migrator.force(2)
    assert migrator.version() == (2, False)
    (directory / "000003_index_a.up.sql").write_text(
        "CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\n"
    )
    assert migrator.up() == [3]


def test_explicit_transaction_control_is_left_to_the_file(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(
        tmp_path,
        {
            1: (
                "own_transaction",
                "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
                "BEGIN;\nDROP TABLE a;\nCOMMIT;\n",
            ),
            2: ("left_open", "BEGIN;\nCREATE TABLE b (id int);\n", None),
        },
    )
    migrator = Migrator(empty_db, directory)
    with pytest.raises(MigrationFailed, match="ends inside a transaction"):
        migrator.up()
    assert migrator.version() == (2, True)
    assert query(empty_db, "SELECT to_regclass('b') IS NULL") == [(True,)]
    migrator.force(1)
    assert migrator.down() == [1]


def test_reverting_without_a_down_file_runs_nothing(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(
        tmp_path, {**TWO_TABLES, 3: ("no_way_back", "CREATE TABLE c (id int);\n", None)}
    )
    migrator = Migrator(empty_db, directory)
    migrator.up()
    with pytest.raises(MigrationSetError, match=r"000003_no_way_back\.down\.sql"):
        migrator.down()
    assert migrator.version() == (3, False)


def test_a_database_newer_than_the_files_is_refused(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(tmp_path, TWO_TABLES)
    migrator = Migrator(empty_db, directory)
    migrator.up()
    migrator.force(7)
    for action in (migrator.up, migrator.down):
        with pytest.raises(MigrationSetError, match="version 7, newer than any migration"):
            action()


# -- force and golang-migrate compatibility ------------------------------------------


def test_force_records_a_version_without_running_anything(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(tmp_path, TWO_TABLES)
    migrator = Migrator(empty_db, directory)
    migrator.force(1)
    assert migrator.version() == (1, False)
    assert query(empty_db, "SELECT to_regclass('a') IS NULL") == [(True,)]
    migrator.force(None)
    assert migrator.version() == (None, False)
    assert query(empty_db, "SELECT count(*) FROM schema_migrations") == [(0,)]
    migrator.force(2)
    migrator.force(-1)
    assert migrator.version() == (None, False)


def test_continues_a_database_migrated_by_golang_migrate(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(
        tmp_path, {**TWO_TABLES, 3: ("create_c", "CREATE TABLE c (id int);\n", "DROP TABLE c;\n")}
    )
    # What golang-migrate leaves behind after `migrate up 2`.
    execute(
        empty_db,
        'CREATE TABLE IF NOT EXISTS "public"."schema_migrations"'
        " (version bigint not null primary key, dirty boolean not null);"
        " CREATE TABLE a (id int PRIMARY KEY, x int); CREATE TABLE b (id int PRIMARY KEY);"
        " INSERT INTO schema_migrations VALUES (2, false)",
    )
    migrator = Migrator(empty_db, directory)
    assert migrator.version() == (2, False)
    assert migrator.up() == [3]
    assert query(empty_db, "SELECT version, dirty FROM schema_migrations") == [(3, False)]
    # golang-migrate's record of a failed down of the first migration.
    execute(
        empty_db, "DELETE FROM schema_migrations; INSERT INTO schema_migrations VALUES (-1, true)"
    )
    assert migrator.version() == (None, True)
    with pytest.raises(DirtyDatabase, match="force -1"):
        migrator.up()


def test_waits_for_golang_migrates_advisory_lock(
    empty_db: str, tmp_path: Path, pg_server_url: str
) -> None:
    directory = write_set(tmp_path, TWO_TABLES)
    dbname = psycopg.conninfo.conninfo_to_dict(empty_db)["dbname"]
    # database.GenerateAdvisoryLockId(url.Path, schema, table) in golang-migrate.
    key = (zlib.crc32(f"public\0schema_migrations\0/{dbname}".encode()) * 1486364155) % 2**32
    results: list[list[int]] = []
    with psycopg.connect(empty_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        runner = threading.Thread(target=lambda: results.append(Migrator(empty_db, directory).up()))
        runner.start()
        runner.join(timeout=0.5)
        assert runner.is_alive(), "the runner did not wait for the lock"
        assert Migrator(empty_db, directory).version() == (None, False)
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        runner.join(timeout=30)
    assert results == [[1, 2]]


# -- files on disk ---------------------------------------------------------------------


def test_find_migrations_sorts_and_ignores_other_files(tmp_path: Path) -> None:
    write_set(tmp_path, {10: ("ten", "", ""), 9: ("nine", "", None)})
    (tmp_path / "README.md").write_text("not a migration")
    (tmp_path / "testdata" / "fixtures").mkdir(parents=True)
    migrations = find_migrations(tmp_path)
    assert [(m.version, m.name, m.down is None) for m in migrations] == [
        (9, "nine", True),
        (10, "ten", False),
    ]
    assert next_free_version(migrations) == 11
    assert next_free_version([]) == 1


def test_find_migrations_refuses_duplicate_versions(tmp_path: Path) -> None:
    write_set(tmp_path, {1: ("init", "", ""), 2: ("ours", "", ""), 3: ("more", "", "")})
    (tmp_path / "000002_theirs.up.sql").write_text("")
    with pytest.raises(MigrationSetError) as caught:
        find_migrations(tmp_path)
    message = str(caught.value)
    assert "000002_ours.up.sql" in message and "000002_theirs.up.sql" in message
    assert "next free version 000004" in message
    both = find_migrations(tmp_path, allow_duplicates=True)
    assert [m.up.name for m in both if m.version == 2] == [
        "000002_ours.up.sql",
        "000002_theirs.up.sql",
    ]


def test_find_migrations_refuses_a_down_without_up(tmp_path: Path) -> None:
    (tmp_path / "000001_init.down.sql").write_text("")
    with pytest.raises(MigrationSetError, match=r"000001_init\.down\.sql: down migration without"):
        find_migrations(tmp_path)


def test_create_migration_writes_the_next_pair(tmp_path: Path, empty_db: str) -> None:
    write_set(tmp_path, {1: ("init", "", ""), 4: ("more", "", "")})
    up, down = create_migration(tmp_path, "add_things")
    assert (up.name, down.name) == ("000005_add_things.up.sql", "000005_add_things.down.sql")
    assert up.read_text().startswith("--") and down.read_text().startswith("--")
    assert [m.version for m in find_migrations(tmp_path)] == [1, 4, 5]
    # The comment-only files are valid migrations.
    assert Migrator(empty_db, tmp_path).up() == [1, 4, 5]
    assert Migrator(empty_db, tmp_path).down() == [5, 4, 1]
    for bad in ("AddThings", "add-things", "_x", "x__y", ""):
        with pytest.raises(MigrationSetError, match="snake_case"):
            create_migration(tmp_path, bad)


def test_create_migration_keeps_the_width_in_use(tmp_path: Path) -> None:
    (tmp_path / "0009_old.up.sql").write_text("")
    assert create_migration(tmp_path, "new")[0].name == "0010_new.up.sql"
    assert create_migration(tmp_path / "fresh", "init")[0].name == "000001_init.up.sql"


def test_renumber_moves_migrations_and_their_fixtures(tmp_path: Path) -> None:
    write_set(tmp_path, {1: ("a", "", ""), 2: ("b", "", ""), 3: ("c", "", "")})
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000002_b.up.sql").write_text("INSERT INTO b VALUES (1);\n")
    with pytest.raises(
        MigrationSetError, match="cannot renumber 000002_b to 3: migration 000003_c already has"
    ):
        renumber(tmp_path, [2], 3)
    # Shifting onto each other's numbers works.
    moves = renumber(tmp_path, [2, 3], 3)
    assert [(old.name, new.name) for old, new in moves] == [
        ("000002_b.up.sql", "000003_b.up.sql"),
        ("000002_b.down.sql", "000003_b.down.sql"),
        ("000002_b.up.sql", "000003_b.up.sql"),
        ("000003_c.up.sql", "000004_c.up.sql"),
        ("000003_c.down.sql", "000004_c.down.sql"),
    ]
    assert moves[2] == (fixtures / "000002_b.up.sql", fixtures / "000003_b.up.sql")
    assert [(m.version, m.name) for m in find_migrations(tmp_path)] == [
        (1, "a"),
        (3, "b"),
        (4, "c"),
    ]
    assert (fixtures / "000003_b.up.sql").read_text() == "INSERT INTO b VALUES (1);\n"
    assert sorted(p.name for p in fixtures.iterdir()) == ["000003_b.up.sql"]


def test_renumber_resolves_a_duplicate_by_name(tmp_path: Path) -> None:
    write_set(tmp_path, {1: ("init", "", ""), 2: ("theirs", "", "")})
    (tmp_path / "000002_ours.up.sql").write_text("")
    with pytest.raises(MigrationSetError, match="version 2 is used by 000002_ours and"):
        renumber(tmp_path, [2], 3)
    moves = renumber(tmp_path, ["000002_ours"], 3)
    assert [(old.name, new.name) for old, new in moves] == [
        ("000002_ours.up.sql", "000003_ours.up.sql")
    ]
    assert [m.name for m in find_migrations(tmp_path)] == ["init", "theirs", "ours"]


# -- statement splitting ---------------------------------------------------------------


def test_split_statements_respects_quotes_bodies_and_comments() -> None:
    script = (
        "-- leading; comment\n"
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n"
        "SELECT 'a;b', \"c;d\", $x$ ; $x$ /* ; */;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\n"
        "VACUUM"
    )
    statements = split_statements(script)
    assert [s.line for s in statements] == [2, 3, 4, 6]
    assert statements[0].text.endswith("LANGUAGE plpgsql;")
    assert statements[2].text.endswith("END; END;")
    assert statements[3].text == "VACUUM"
    assert all(script[s.offset :].startswith(s.text) for s in statements)


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("CREATE TABLE t (id int);", None),
        ("CREATE UNIQUE INDEX CONCURRENTLY i ON t (x);", "CREATE INDEX CONCURRENTLY"),
        ("DROP INDEX CONCURRENTLY IF EXISTS i;", "DROP INDEX CONCURRENTLY"),
        ("REINDEX TABLE CONCURRENTLY t;", "REINDEX TABLE CONCURRENTLY"),
        ("VACUUM ANALYZE t;", "VACUUM"),
        ("ALTER SYSTEM SET work_mem = '8MB';", "ALTER SYSTEM"),
        ("CREATE DATABASE x;", "CREATE DATABASE"),
        ("COMMENT ON TABLE t IS 'CREATE INDEX CONCURRENTLY';", None),
        ("DO $$ BEGIN COMMIT; END $$;", None),
        ("ALTER TYPE s ADD VALUE 'x';", None),
        ("BEGIN; SELECT 1; COMMIT;", "it controls transactions itself (BEGIN)"),
    ],
)
def test_autocommit_reason(script: str, reason: str | None) -> None:
    assert autocommit_reason(script, 150000) == reason


def test_add_value_needs_autocommit_before_postgresql_12() -> None:
    assert autocommit_reason("ALTER TYPE s ADD VALUE 'x';", 110000) is not None


def test_renumber_carries_fixtures_by_version_whatever_their_name(tmp_path: Path) -> None:
    write_set(tmp_path, {1: ("a", "", ""), 2: ("b", "", None)})
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000002_ some rows.up.sql").write_text("SELECT 2;\n")
    (fixtures / "000001_ other rows.up.sql").write_text("SELECT 1;\n")
    moves = renumber(tmp_path, [2], 5)
    assert [(old.name, new.name) for old, new in moves] == [
        ("000002_b.up.sql", "000005_b.up.sql"),
        ("000002_ some rows.up.sql", "000005_ some rows.up.sql"),
    ]
    assert sorted(p.name for p in fixtures.iterdir()) == [
        "000001_ other rows.up.sql",
        "000005_ some rows.up.sql",
    ]


def test_fixtures_load_by_version_as_coders_test_matches_them(
    pg_server_url: str, tmp_path: Path
) -> None:
    write_set(tmp_path, {191: ("Create Things", "CREATE TABLE t (x int);\n", "DROP TABLE t;\n")})
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000191_ some name.up.sql").write_text("INSERT INTO t VALUES (1);\n")
    # Fails with "tables with no fixture rows" unless the fixture is found by version.
    check_up_with_fixtures(pg_server_url, tmp_path)


def test_up_only_histories_and_any_names_apply(empty_db: str, tmp_path: Path) -> None:
    write_set(
        tmp_path,
        {
            1: ("Init.Schema v2", "CREATE TABLE a (x int);\n", None),
            2: ("more", "CREATE TABLE b (x int);\n", None),
        },
    )
    migrator = Migrator(empty_db, tmp_path)
    assert migrator.up() == [1, 2]
    with pytest.raises(MigrationSetError, match="no down migration"):
        migrator.down(1)


def test_another_version_table_and_its_own_lock(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(tmp_path, TWO_TABLES)
    ours = Migrator(empty_db, directory, table="sqlgen_migrations")
    assert ours.up(1) == [1]
    assert query(empty_db, "SELECT version, dirty FROM sqlgen_migrations") == [(1, False)]
    assert query(empty_db, "SELECT to_regclass('schema_migrations') IS NULL") == [(True,)]
    assert Migrator(empty_db, directory).version() == (None, False)
    assert advisory_lock_id("/db", "public", "sqlgen_migrations") != advisory_lock_id(
        "/db", "public"
    )
    for bad in ("", "x" * 64):
        with pytest.raises(MigrateError, match="must be 1 to 63 bytes"):
            Migrator(empty_db, directory, table=bad)


def test_a_failed_first_run_leaves_no_version_table(empty_db: str, tmp_path: Path) -> None:
    directory = write_set(tmp_path, {1: ("broken", "SELEC 1;\n", None)})
    with pytest.raises(MigrationFailed):
        Migrator(empty_db, directory).up()
    assert query(empty_db, "SELECT to_regclass('schema_migrations') IS NULL") == [(True,)]
