"""DO blocks in migrations: the DDL of a PL/pgSQL body is applied where it is statically
knowable, guards over the catalog tables evaluated against the catalog; anything else is
a located warning, never silence. Each case is compared with what PostgreSQL runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.errors import SqlgenError
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

from sqlgen_helpers import run_sqlgen, write_project


def build(sql: str) -> Catalog:
    statements, problems = parse_file(SourceFile(Path("m.sql"), "m.sql", textwrap.dedent(sql)))
    assert problems == []
    return build_catalog(statements)


GUARDED = [
    # The enum once, however often the guarded block runs.
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
            CREATE TYPE mood AS ENUM ('sad', 'ok');
        END IF;
    END $$;
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
            CREATE TYPE mood AS ENUM ('other');
        END IF;
    END $$;
    """,
    # A constraint added only where it is missing (harbor's form), with two statements.
    """
    CREATE TABLE t (a int, b int);
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1
                       FROM   pg_constraint
                       WHERE  conname = 'u')
        THEN
            ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b);
            CREATE INDEX t_b ON t (b);
        END IF;
    END $$;
    """,
    # A column guard with an ELSE branch, LANGUAGE before the body, nested IFs.
    """
    CREATE TABLE t (a int);
    DO LANGUAGE plpgsql $body$
    BEGIN
        IF EXISTS (SELECT FROM information_schema.columns
                   WHERE table_name = 't' AND column_name = 'a') THEN
            ALTER TABLE t RENAME COLUMN a TO b;
            IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_b') THEN
                CREATE INDEX t_b ON t (b);
            END IF;
        ELSE
            ALTER TABLE t ADD COLUMN c int;
        END IF;
        RAISE NOTICE 'done';
    END
    $body$;
    """,
]


GUARDED.append(
    # Drizzle's form: an error the handler ignores undoes the whole block, and only it.
    """
    CREATE TYPE mood AS ENUM ('a');
    DO $$ BEGIN
        CREATE TABLE t (a int);
        CREATE TYPE mood AS ENUM ('b');
    EXCEPTION
        WHEN duplicate_object OR duplicate_table THEN null;
    END $$;
    DO $$ BEGIN
        CREATE TYPE other AS ENUM ('c');
    EXCEPTION WHEN duplicate_object THEN null;
    END $$;
    """
)


@pytest.mark.parametrize(
    "sql", GUARDED, ids=["pg_type", "pg_constraint", "columns-else", "exception-handler"]
)
def test_guarded_ddl_is_applied_as_postgresql_runs_it(empty_db: str, sql: str) -> None:
    catalog = build(sql)
    assert catalog.warnings == []
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        live = catalog_from_database(conn)
    assert render_dump(catalog) == render_dump(live)


def test_what_cannot_be_known_is_a_located_warning() -> None:
    catalog = build(
        """
        CREATE TABLE t (a int);
        DO $$ BEGIN
            EXECUTE 'ALTER TABLE t ADD COLUMN ' || 'b int';
            IF (SELECT count(*) FROM t) > 0 THEN
                ALTER TABLE t ADD COLUMN c int;
            END IF;
        END $$;
        DO $$ DECLARE n int; BEGIN n := 1; END $$;
        """
    )
    assert [str(w) for w in catalog.warnings] == [
        "m.sql:4:5: warning: PL/pgSQL EXECUTE: the catalog may differ from PostgreSQL's;"
        " `sqlgen verify --schema` settles it",
        "m.sql:5:8: warning: a condition this cannot evaluate: (SELECT count(*) FROM t) > 0:"
        " the catalog may differ from PostgreSQL's; `sqlgen verify --schema` settles it",
        "m.sql:9:7: warning: a DO block that is not a plain PL/pgSQL BEGIN ... END:"
        " the catalog may differ from PostgreSQL's; `sqlgen verify --schema` settles it",
    ]
    assert [c.name for c in catalog.tables["t"].columns] == ["a"]


def test_a_failing_statement_in_a_do_block_is_an_error() -> None:
    with pytest.raises(SqlgenError) as raised:
        build("DO $$ BEGIN ALTER TABLE missing ADD COLUMN a int; END $$;")
    assert 'in the DO block: relation "missing" does not exist' in str(raised.value)


def test_generate_reports_the_warning_and_still_writes(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "000001_init.up.sql": "CREATE TABLE t (a int);\nDO $$ BEGIN EXECUTE 'SELECT 1'; END $$;\n"
        },
    )
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    assert (
        "schema/000001_init.up.sql:2:13: warning: PL/pgSQL EXECUTE: the catalog may differ"
        in result.stderr
    )


def test_a_handler_that_does_more_than_null_is_a_warning() -> None:
    catalog = build(
        "DO $$ BEGIN CREATE TABLE t (a int);\n"
        "EXCEPTION WHEN others THEN RAISE NOTICE 'x'; END $$;\n"
    )
    assert [w.message.split(":")[0] for w in catalog.warnings] == [
        "an EXCEPTION handler that does more than NULL"
    ]
    assert (catalog.warnings[0].line, catalog.warnings[0].col) == (2, 1)
    assert catalog.tables == {}


UNKNOWN = "the catalog may differ from PostgreSQL's; `sqlgen verify --schema` settles it"


def test_a_loop_is_one_warning_and_what_follows_it_applies(empty_db: str) -> None:
    sql = """
        DO $$ BEGIN
            FOR i IN 1..2 LOOP
                EXECUTE format('CREATE TABLE t%s (a int)', i);
                LOOP EXIT; END LOOP;
            END LOOP;
            CREATE TABLE u (a int);
        END $$;
    """
    catalog = build(sql)
    assert [str(w) for w in catalog.warnings] == [
        f"m.sql:3:5: warning: PL/pgSQL FOR loop: {UNKNOWN}"
    ]
    assert list(catalog.tables) == ["u"]
    # PostgreSQL makes more: what the loop built is what the warning is about.
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        live = catalog_from_database(conn)
    assert sorted(live.tables) == ["t1", "t2", "u"]


def test_a_call_of_a_routine_that_runs_ddl_is_a_warning() -> None:
    catalog = build(
        """
        CREATE FUNCTION part(n int) RETURNS void LANGUAGE plpgsql
            AS $$ BEGIN EXECUTE format('CREATE TABLE p%s (a int)', n); END $$;
        CREATE PROCEDURE mk() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE q (a int); END $$;
        CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
        SELECT one(), part(2);
        CALL mk();
        SELECT set_config('search_path', 'public', false);
        """
    )
    assert [str(w) for w in catalog.warnings] == [
        f"m.sql:6:15: warning: a call of part, which runs DDL: {UNKNOWN}",
        f"m.sql:7:1: warning: a call of mk, which runs DDL: {UNKNOWN}",
    ]
