"""Forms the real-world histories showed the static catalog reading differently from
PostgreSQL, each in the smallest statement that shows it, compared with what
PostgreSQL itself makes of it (the dump of the live database, as ``verify --schema``
compares them)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest
import sqlglot
from realworld import same_text

from pgsqlgen.catalog.canonical import canonical_sql
from pgsqlgen.catalog.model import Catalog
from pgsqlgen.config.model import Config
from pgsqlgen.schema.catalog_json import catalog_json
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile
from pgsqlgen.verify import verify_schema


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
        # Quoted booleans, bytea in hex, a timestamp without its written zone.
        r"""
        CREATE TABLE t (a bytea DEFAULT '', b bytea DEFAULT 'ab', c bytea DEFAULT '\xAB',
            d boolean DEFAULT 'false', e boolean DEFAULT 'on',
            f timestamp DEFAULT '1970-01-01 00:00:01+00:00', g timestamp DEFAULT '2020-01-02T03:04:05');
        """,
        # "Any other operator" binds tighter than IS: no parentheses needed.
        """
        CREATE TABLE t (c jsonb, k text GENERATED ALWAYS AS (
            CASE WHEN c -> 'a' IS NOT NULL THEN 'a' WHEN c ->> 'b' = 'x' THEN 'b' END) STORED);
        """,
        # ->> passed as a varchar argument: PostgreSQL adds (and prints) a cast to varchar.
        """
        CREATE FUNCTION f(s varchar) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
        CREATE TABLE t (j jsonb, n int GENERATED ALWAYS AS (f(j ->> 'k')) STORED);
        """,
        # BETWEEN is two comparisons, INNER JOIN is JOIN, parentheses under AND stay.
        """
        CREATE TABLE t (a int CHECK (a BETWEEN 1 AND 9), b int,
                        CHECK (b > 0 AND b NOT BETWEEN 3 AND 4), CHECK (a = 1 AND (b = 1 OR b = 2)));
        CREATE VIEW v AS SELECT t.a, u.b FROM t INNER JOIN t AS u ON t.a = u.b;
        """,
        # NO ACTION is the default, which PostgreSQL does not print.
        """
        CREATE TABLE p (id int PRIMARY KEY);
        CREATE TABLE c (p int REFERENCES p ON DELETE NO ACTION ON UPDATE NO ACTION);
        """,
        # RETURNS NULL ON NULL INPUT is STRICT.
        """
        CREATE FUNCTION f(s varchar) RETURNS text AS $$ SELECT s $$
            LANGUAGE sql IMMUTABLE RETURNS NULL ON NULL INPUT;
        """,
        # Function options in any written order are printed in one.
        """
        CREATE FUNCTION f(s text) RETURNS text AS $$ SELECT s $$
            LANGUAGE sql STRICT PARALLEL SAFE COST 5 IMMUTABLE;
        """,
        # 'epoch' is a fixed moment, stored as the column type's value.
        """
        CREATE TABLE t (a timestamptz DEFAULT 'epoch', b timestamp DEFAULT 'epoch',
                        c timestamptz DEFAULT '2020-01-02 03:04:05.25+02');
        """,
        # Views are dumped by name, each after the views it reads, however created.
        """
        CREATE TABLE t (a int);
        CREATE VIEW z AS SELECT a FROM t;
        CREATE VIEW b AS SELECT a FROM z;
        CREATE VIEW a AS SELECT a FROM t;
        DROP VIEW a;
        CREATE VIEW a AS SELECT a FROM b;
        """,
    ],
    ids=[
        "default-null",
        "quoted-number-default",
        "quoted-constants",
        "json-operator-precedence",
        "implicit-varchar-cast",
        "between-join",
        "no-action",
        "strict",
        "function-options",
        "epoch",
        "view-order",
    ],
)
def test_static_catalog_is_postgresqls(empty_db: str, sql: str) -> None:
    assert render_dump(build(sql)) == render_dump(live(empty_db, sql))


def live_definitions(url: str, sql: str) -> dict[str, str]:
    """PostgreSQL's own text of each constraint and index ``sql`` makes, by name."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        rows = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace"
            " UNION ALL SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c"
            " WHERE c.relkind = 'i' AND c.relnamespace = 'public'::regnamespace"
        ).fetchall()
    return dict(rows)


def static_definitions(sql: str) -> dict[str, str]:
    static = catalog_json(build(sql))
    return {x["name"]: x["definition"] for x in [*static["constraints"], *static["indexes"]]}


@pytest.mark.parametrize(
    "sql",
    [
        # DEFERRABLE and INITIALLY DEFERRED (which implies it) on keys and foreign keys.
        """
        CREATE TABLE k (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED,
                        u int UNIQUE DEFERRABLE INITIALLY IMMEDIATE, w int);
        ALTER TABLE k ADD CONSTRAINT k_w UNIQUE (w) DEFERRABLE;
        CREATE TABLE p (id int PRIMARY KEY, u int UNIQUE);
        CREATE TABLE c (p int CONSTRAINT c_p REFERENCES p ON DELETE NO ACTION
                        DEFERRABLE INITIALLY DEFERRED,
                        q int REFERENCES p INITIALLY DEFERRED);
        ALTER TABLE c ADD CONSTRAINT c_q FOREIGN KEY (q) REFERENCES p (u) DEFERRABLE;
        """,
        # char_length is a function of its own, not length.
        "CREATE TABLE t (s text CHECK (char_length(s) <= 150), u text CHECK (length(u) > 1));",
        # Storage parameters, quoted unless the value reads as a name (flatten_reloptions).
        """
        CREATE TABLE t (d date, a int[], s text);
        CREATE INDEX t_d ON t USING brin (d) WITH (pages_per_range = 1);
        CREATE INDEX t_a ON t USING gin (a) WITH (fastupdate = off);
        CREATE INDEX t_s ON t (s) WITH (fillfactor = 70, deduplicate_items = false);
        """,
        # NOT DEFERRABLE, the default timing, written out: on columns, tables, keys.
        """
        CREATE TABLE p (id int PRIMARY KEY NOT DEFERRABLE, u int,
                        CONSTRAINT p_u UNIQUE (u) NOT DEFERRABLE INITIALLY IMMEDIATE);
        CREATE TABLE c (p int REFERENCES p NOT DEFERRABLE, q int,
                        FOREIGN KEY (q) REFERENCES p (id) NOT DEFERRABLE);
        """,
    ],
    ids=["deferrable", "char-length", "index-storage", "not-deferrable"],
)
def test_definitions_are_postgresqls_text(empty_db: str, sql: str) -> None:
    # Text as PostgreSQL prints it, but for the parentheses it puts around a check.
    ours, theirs = static_definitions(sql), live_definitions(empty_db, sql)
    assert ours.keys() == theirs.keys()
    assert {k: v for k, v in ours.items() if not same_text(v, theirs[k])} == {}


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


LONG = "a_name_that_goes_on_and_on_nearly_to_what_postgresql_keeps_"  # 60 bytes


@pytest.mark.parametrize(
    "sql",
    [
        # A written name over 63 bytes is truncated, and reads the same when written again.
        f"""
        CREATE TABLE t (c int CONSTRAINT {LONG}_unique_key UNIQUE);
        CREATE INDEX {LONG}_index ON t (c);
        ALTER TABLE t ADD CONSTRAINT {LONG}_check_longer CHECK (c > 0);
        ALTER TABLE t ADD CONSTRAINT {LONG}_other_check CHECK (c < 9);
        ALTER TABLE t DROP CONSTRAINT {LONG}_che_and_more;
        """,
        # Generated names trim each part in bytes, at a character boundary (makeObjectName).
        """
        CREATE TABLE "tāble_with_a_rather_long_name_in_ünicode_characters" (
            "cölumn_with_a_rather_long_name_in_ünicode_characters_too" int UNIQUE,
            c2 int CHECK (c2 > 0));
        CREATE INDEX ON "tāble_with_a_rather_long_name_in_ünicode_characters"
            ("cölumn_with_a_rather_long_name_in_ünicode_characters_too", c2);
        """,
    ],
    ids=["written", "generated"],
)
def test_names_are_truncated_as_postgresql_does(empty_db: str, sql: str) -> None:
    static = catalog_json(build(sql))
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        names = {
            row[0]
            for row in conn.execute(
                "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                " UNION SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            )
        }
    ours = {c["name"] for c in static["constraints"]} | {i["name"] for i in static["indexes"]}
    ours |= {t["name"] for t in static["tables"]}
    assert ours == names
    assert all(len(name.encode()) <= 63 for name in ours)


def test_truncated_names_warn_as_postgresql_notices(empty_db: str) -> None:
    sql = f"""
        CREATE TABLE t (c int CONSTRAINT {LONG.upper()}_unique_key UNIQUE);
        CREATE INDEX "{LONG}_Index" ON t (c);
        COMMENT ON TABLE t IS '{LONG}{LONG}';
    """
    notices: list[str] = []
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute(textwrap.dedent(sql))
    warnings = build(sql).warnings
    assert [w.message for w in warnings] == notices
    assert [(w.severity, w.line, w.col) for w in warnings] == [
        ("warning", 2, 34),
        ("warning", 3, 14),
    ]


def test_unique_nulls_not_distinct(empty_db: str) -> None:
    sql = """
        CREATE TABLE t (a int UNIQUE NULLS NOT DISTINCT, b int, c int,
                        UNIQUE NULLS NOT DISTINCT (b, c));
    """
    static = catalog_json(build(sql))
    assert [c["definition"] for c in static["constraints"]] == [
        "UNIQUE NULLS NOT DISTINCT (a)",
        "UNIQUE NULLS NOT DISTINCT (b, c)",
    ]
    assert static["indexes"][0]["definition"] == (
        "CREATE UNIQUE INDEX t_a_key ON public.t USING btree (a) NULLS NOT DISTINCT"
    )
    assert render_dump(build(sql)) == render_dump(live(empty_db, sql))


def test_verify_reads_a_history_that_owns_the_version_table(
    tmp_path: Path, pg_server_url: str
) -> None:
    # Harbor's first migration creates golang-migrate's own table, which the runner then
    # shares: it is the history's table, so verify --schema compares it like any other.
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "000001_init.up.sql").write_text(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\n"
        "CREATE TABLE t (a int);\n"
    )
    config = Config(
        root=tmp_path, schema=(migrations,), queries=(), out=tmp_path / "o", package="o"
    )
    assert verify_schema(config, pg_server_url) == ""


def test_parentheses_that_change_the_meaning_stay() -> None:
    # sqlglot's AND and OR are Func subclasses: operators all the same.
    def canonical(text: str) -> str:
        return canonical_sql(sqlglot.parse_one(text, read="postgres"))

    assert canonical("SELECT x AND (a OR b)") == "SELECT x AND (a OR b)"
    assert canonical("SELECT x AND a NOT BETWEEN 1 AND 2") == "SELECT x AND (a < 1 OR a > 2)"
    assert canonical("SELECT f((a)), (a || b) = c") == "SELECT f(a), a || b = c"
    # Operators associate to the left; comparisons do not associate.
    assert canonical("SELECT ((c -> 'a') -> 'b') ->> 'c'") == "SELECT c -> 'a' -> 'b' ->> 'c'"
    assert canonical("SELECT a - (b - c), (a = 1) = TRUE") == "SELECT a - (b - c), (a = 1) = TRUE"


def test_a_replaced_view_that_reads_a_newer_one_reads_back(empty_db: str) -> None:
    # The replaced view keeps its oid, older than the view it now reads.
    sql = """
        CREATE VIEW a AS SELECT 1 AS x;
        CREATE VIEW z AS SELECT 2 AS x;
        CREATE OR REPLACE VIEW a AS SELECT x FROM z;
    """
    assert render_dump(build(sql)) == render_dump(live(empty_db, sql))
