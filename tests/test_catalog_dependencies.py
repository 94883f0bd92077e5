"""Dropping what others depend on, as PostgreSQL does: without ``CASCADE`` its error
(with its DETAIL and HINT), with ``CASCADE`` the dependents go too. Each case is the
smallest schema that shows it, run on PostgreSQL and replayed statically, and the two
compared: the error, or the catalog left."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.errors import SqlgenError
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

SCHEMA = """
    CREATE TABLE a (id int PRIMARY KEY, x int);
    CREATE TABLE b (a_id int REFERENCES a);
    CREATE VIEW v AS SELECT * FROM a;
    CREATE VIEW w AS SELECT id FROM v;
    CREATE TYPE e AS ENUM ('x');
    CREATE DOMAIN d AS e;
    CREATE TYPE comp AS (e e);
    CREATE TABLE c (e e, f e[], g d, k int);
    CREATE VIEW ve AS SELECT k, f FROM c;
    CREATE FUNCTION fe(e) RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE FUNCTION g() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
    CREATE VIEW vg AS SELECT g() AS one;
    CREATE TABLE tg (x int DEFAULT g() CHECK (x > g()));
    CREATE INDEX tg_g ON tg ((x + g()));
    CREATE FUNCTION tr() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER t1 BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION tr();
    CREATE TABLE parent (p int);
    CREATE TABLE child () INHERITS (parent);
"""

DROPS = [
    "DROP TABLE a",
    "DROP VIEW v",
    "ALTER TABLE a DROP COLUMN x",
    "ALTER TABLE a DROP COLUMN id",
    "DROP TYPE e",
    "DROP DOMAIN d",
    "DROP FUNCTION g()",
    "DROP FUNCTION tr()",
    "DROP TABLE parent",
]


def postgresql(url: str, sql: str) -> str | None:
    """PostgreSQL's error for ``sql`` (primary, DETAIL lines sorted, HINT), or None."""
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            with conn.transaction():
                conn.execute(textwrap.dedent(sql))
        except psycopg.Error as error:
            diag = error.diag
            return _error(diag.message_primary, diag.message_detail, diag.message_hint)
    return None


def _error(primary: str | None, detail: str | None, hint: str | None) -> str:
    lines = sorted((detail or "").splitlines())
    return f"{primary} | {lines} | {hint}"


def static(sql: str) -> tuple[str | None, str | None]:
    """Our error for ``sql``, in the same shape, or the dump of the catalog it leaves."""
    source = SourceFile(Path("s.sql"), "s.sql", textwrap.dedent(sql))
    statements, problems = parse_file(source)
    assert problems == []
    try:
        catalog = build_catalog(statements)
    except SqlgenError as error:
        [diagnostic] = error.diagnostics
        primary, _, rest = diagnostic.message.partition("\nDETAIL: ")
        detail, _, hint = rest.partition("\nHINT: ")
        return _error(primary, detail, hint or None), None
    return None, render_dump(catalog)


@pytest.mark.parametrize("drop", DROPS)
def test_drop_with_dependents_is_postgresqls_error(empty_db: str, drop: str) -> None:
    sql = f"{SCHEMA}\n{drop};"
    theirs = postgresql(empty_db, sql)
    ours, _ = static(sql)
    assert theirs is not None and "because other objects depend on it" in theirs
    assert ours == theirs


@pytest.mark.parametrize("drop", DROPS)
def test_drop_cascade_takes_the_dependents(empty_db: str, drop: str) -> None:
    sql = f"{SCHEMA}\n{drop} CASCADE;"
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        live = render_dump(catalog_from_database(conn))
    error, dump = static(sql)
    assert error is None
    assert dump == live


def test_a_column_no_view_reads_drops_alone(empty_db: str) -> None:
    sql = """
        CREATE TABLE a (id int, x int, y int);
        CREATE TABLE b (x int);
        CREATE VIEW v AS SELECT count(*) AS n, max(a.id) AS m, b.x FROM a, b GROUP BY b.x;
        CREATE VIEW w AS SELECT id FROM a WHERE id IN (SELECT x FROM b);
        ALTER TABLE a DROP COLUMN x;
        ALTER TABLE a DROP COLUMN y;
    """
    assert postgresql(empty_db, sql) is None
    with psycopg.connect(empty_db, autocommit=True) as conn:
        live = render_dump(catalog_from_database(conn))
    assert static(sql) == (None, live)


def test_what_the_statement_drops_too_holds_nothing_back(empty_db: str) -> None:
    sql = """
        CREATE TABLE a (id int PRIMARY KEY);
        CREATE TABLE b (a_id int REFERENCES a);
        CREATE VIEW v AS SELECT id FROM a;
        CREATE VIEW w AS SELECT id FROM v;
        DROP VIEW w, v;
        DROP TABLE a, b;
    """
    assert postgresql(empty_db, sql) is None
    assert static(sql) == (None, render_dump(build_catalog([])))
    types = (
        "CREATE TYPE e AS ENUM ('x'); CREATE TYPE comp AS (e e); DROP TYPE IF EXISTS comp, e, z;"
    )
    assert postgresql(empty_db, types) is None
    assert static(types) == (None, render_dump(build_catalog([])))


@pytest.mark.parametrize(
    "lock",
    [
        "LOCK TABLE nope",
        "LOCK TABLE t, nope IN SHARE MODE",
        "LOCK s",
        "LOCK TABLE ONLY t, v * IN ACCESS EXCLUSIVE MODE NOWAIT",
    ],
)
def test_lock_names_tables_that_exist(empty_db: str, lock: str) -> None:
    # A migration runs in a transaction, where LOCK is allowed.
    sql = f"CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t; CREATE SEQUENCE s;\n{lock};"
    assert static(sql)[0] == postgresql(empty_db, sql)


def test_lock_error_is_located() -> None:
    source = SourceFile(Path("s.sql"), "s.sql", "CREATE TABLE t (a int);\nLOCK TABLE t, nope;\n")
    statements, _ = parse_file(source)
    with pytest.raises(SqlgenError) as raised:
        build_catalog(statements)
    assert [str(d) for d in raised.value.diagnostics] == [
        's.sql:2:1: error: relation "nope" does not exist'
    ]
