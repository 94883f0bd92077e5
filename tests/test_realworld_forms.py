"""Forms the real-world histories showed the static catalog reading differently from
PostgreSQL, each in the smallest statement that shows it, compared with what
PostgreSQL itself makes of it (the dump of the live database, as ``verify --schema``
compares them)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.schema.catalog_json import catalog_json
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile


def build(sql: str) -> Catalog:
    statements, problems = parse_file(SourceFile(Path("s.sql"), "s.sql", textwrap.dedent(sql)))
    assert problems == []
    return build_catalog(statements)


def live(url: str, sql: str) -> Catalog:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        return catalog_from_database(conn)


def defaults(catalog: Catalog, table: str = "t") -> dict[str, str | None]:
    columns = catalog_json(catalog)["tables"][0]["columns"]
    return {c["name"]: c["default"] for c in columns}


@pytest.mark.parametrize(
    "sql",
    [
        # DEFAULT NULL leaves no default, unless a length coercion or a domain keeps it.
        """
        CREATE DOMAIN d AS text;
        CREATE TABLE t (a timestamptz DEFAULT NULL, b varchar(3) DEFAULT NULL,
                        c text DEFAULT NULL::text, e d DEFAULT NULL, f int);
        ALTER TABLE t ALTER COLUMN f SET DEFAULT NULL;
        """,
        # A quoted number on a number column is the number.
        "CREATE TABLE t (a integer DEFAULT '0', b bigint DEFAULT '-1', c numeric DEFAULT '1.5');",
        # "Any other operator" binds tighter than IS: no parentheses needed.
        """
        CREATE TABLE t (c jsonb, k text GENERATED ALWAYS AS (
            CASE WHEN c -> 'a' IS NOT NULL THEN 'a' WHEN c ->> 'b' = 'x' THEN 'b' END) STORED);
        """,
        # RETURNS NULL ON NULL INPUT is STRICT.
        """
        CREATE FUNCTION f(s varchar) RETURNS text AS $$ SELECT s $$
            LANGUAGE sql IMMUTABLE RETURNS NULL ON NULL INPUT;
        """,
    ],
    ids=["default-null", "quoted-number-default", "json-operator-precedence", "strict"],
)
def test_static_catalog_is_postgresqls(empty_db: str, sql: str) -> None:
    assert render_dump(build(sql)) == render_dump(live(empty_db, sql))


def test_default_null_is_kept_only_where_postgresql_keeps_it(empty_db: str) -> None:
    sql = """
        CREATE DOMAIN d AS text;
        CREATE TABLE t (a timestamptz DEFAULT NULL, b varchar(3) DEFAULT NULL,
                        c text DEFAULT NULL::text, e d DEFAULT NULL);
    """
    assert defaults(build(sql)) == {"a": None, "b": "NULL", "c": None, "e": "NULL"}
    assert render_dump(build(sql)) == render_dump(live(empty_db, sql))


def test_pg_dumps_qualified_spellings_read_as_the_history_does() -> None:
    # pg_dump runs with an empty search path, so it qualifies what a history does not.
    history = """
        CREATE TABLE t (id serial);
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();
    """
    dumped = """
        CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TABLE public.t (id integer NOT NULL);
        CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1
            NO MINVALUE NO MAXVALUE CACHE 1;
        ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;
        ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);
        /* Name: t g; Type: TRIGGER; Schema: public; Owner: - */
        CREATE TRIGGER g BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.f();
    """
    assert render_dump(build(dumped)) == render_dump(build(history))
