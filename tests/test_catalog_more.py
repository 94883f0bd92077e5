"""The catalog for schemas beyond ``public``, table inheritance, partitions and functions.

Each behaviour is PostgreSQL 15's; the last test holds the static dump of a
schema using all of them against the dump of the same schema read back from
a live database.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlglot import exp

from pgsqlgen.catalog.model import Catalog, Column, Function
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.types import PgType
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.sql.parse import Statement, parse_file
from pgsqlgen.sql.source import SourceFile

from sqlgen_helpers import assert_static_dump_is_live, catalog_of


def _statements(sql: str) -> list[Statement]:
    source = SourceFile(Path("schema.sql"), "schema.sql", textwrap.dedent(sql))
    statements, problems = parse_file(source)
    assert problems == []
    return statements


def build(sql: str) -> Catalog:
    return build_catalog(_statements(sql))


def error_of(sql: str) -> str:
    with pytest.raises(SqlgenError) as raised:
        build(sql)
    return str(raised.value)


def columns(catalog: Catalog, table: str) -> list[tuple[str, str, bool]]:
    return [(c.name, c.type.display(), c.not_null) for c in catalog.tables[table].columns]


# --- Schemas ---------------------------------------------------------------------------


def test_types_outside_public_keep_their_schema() -> None:
    catalog = build(
        """
        CREATE SCHEMA foo;
        CREATE TYPE status AS ENUM ('a');
        CREATE TYPE foo.status AS ENUM ('b');
        CREATE TYPE foo.point AS (x int, y int);
        CREATE DOMAIN foo.positive AS int CHECK (VALUE > 0);
        CREATE TABLE foo.t (
            a status, b foo.status, c public.status, d foo.status[], e foo.point, f foo.positive
        );
        """
    )
    types = [c.type for c in catalog.tables["foo.t"].columns]
    assert types == [
        PgType("status"),
        PgType("foo.status"),
        PgType("status"),
        PgType("foo.status", (), 1),
        PgType("foo.point"),
        PgType("foo.positive"),
    ]
    assert set(catalog.enums) == {"status", "foo.status"}
    assert "foo.positive" in catalog.domains and "foo.point" in catalog.composites
    # PostgreSQL names the domain's constraint after the domain alone.
    assert [c.name for c in catalog.domains["foo.positive"].checks] == ["positive_check"]


def test_objects_need_their_schema() -> None:
    assert 'schema "foo" does not exist' in error_of("CREATE TABLE foo.t (id int);")
    assert 'schema "foo" already exists' in error_of("CREATE SCHEMA foo; CREATE SCHEMA foo;")
    catalog = build("CREATE SCHEMA foo; CREATE SCHEMA IF NOT EXISTS foo; CREATE TABLE foo.t ();")
    assert "foo.t" in catalog.tables
    assert "pg_temp.t" in build("CREATE TABLE pg_temp.t (id int);").tables


def test_names_chosen_within_the_schema() -> None:
    catalog = build(
        """
        CREATE SCHEMA app;
        CREATE TABLE app.users (id serial PRIMARY KEY, email text UNIQUE, CHECK (email <> ''));
        CREATE INDEX ON app.users (lower(email));
        CREATE INDEX by_email ON app.users (email);
        """
    )
    users = catalog.tables["app.users"]
    assert {c.name for c in users.constraints} == {
        "users_pkey",
        "users_email_key",
        "users_email_check",
    }
    assert set(catalog.indexes) == {"app.users_lower_idx", "app.by_email"}
    assert set(catalog.sequences) == {"app.users_id_seq"}
    default = users.columns[0].default
    assert default is not None and "'app.users_id_seq'" in default.sql()


def test_set_schema_moves_a_table_with_its_indexes_and_sequences() -> None:
    catalog = build(
        """
        CREATE SCHEMA foo;
        CREATE TABLE bar (id serial PRIMARY KEY, name text);
        CREATE INDEX bar_name ON bar (name);
        CREATE TABLE ref (bar_id int REFERENCES bar);
        CREATE VIEW names AS SELECT name FROM bar;
        ALTER TABLE bar SET SCHEMA foo;
        ALTER TABLE IF EXISTS missing SET SCHEMA foo;
        """
    )
    assert "bar" not in catalog.tables and "foo.bar" in catalog.tables
    assert set(catalog.indexes) == {"foo.bar_name"}
    assert set(catalog.sequences) == {"foo.bar_id_seq"}
    assert catalog.sequences["foo.bar_id_seq"].owned_by == ("foo.bar", "id")
    assert catalog.tables["ref"].constraints[0].ref_table == "foo.bar"
    assert "FROM foo.bar" in render_dump(catalog)
    assert 'schema "nope" does not exist' in error_of(
        "CREATE TABLE bar (id int); ALTER TABLE bar SET SCHEMA nope;"
    )


def test_set_schema_of_types_views_and_sequences() -> None:
    catalog = build(
        """
        CREATE SCHEMA old;
        CREATE SCHEMA new;
        CREATE TYPE event AS ENUM ('START', 'STOP');
        CREATE TYPE old.level AS ENUM ('DEBUG', 'INFO');
        CREATE TABLE log_lines (status event NOT NULL, level old.level NOT NULL, levels old.level[]);
        CREATE FUNCTION level_of(l old.level) RETURNS event LANGUAGE sql AS $$ SELECT 'START' $$;
        ALTER TYPE event SET SCHEMA new;
        ALTER TYPE old.level SET SCHEMA public;
        CREATE MATERIALIZED VIEW lines AS SELECT status FROM log_lines;
        ALTER MATERIALIZED VIEW lines SET SCHEMA old;
        CREATE SEQUENCE counter;
        ALTER SEQUENCE counter SET SCHEMA new;
        """
    )
    assert [c.type for c in catalog.tables["log_lines"].columns] == [
        PgType("new.event"),
        PgType("level"),
        PgType("level", (), 1),
    ]
    assert set(catalog.enums) == {"new.event", "level"}
    assert "old.lines" in catalog.views and "new.counter" in catalog.sequences
    (function,) = catalog.functions["level_of"]
    assert (function.arg_types, function.returns) == ([PgType("level")], PgType("new.event"))


def test_owner_to_is_recorded_for_existing_objects() -> None:
    catalog = build(
        """
        CREATE TABLE public.authors (id bigint NOT NULL);
        CREATE SEQUENCE public.authors_id_seq;
        ALTER TABLE public.authors OWNER TO postgres;
        ALTER TABLE public.authors_id_seq OWNER TO postgres;
        ALTER SCHEMA public OWNER TO pg_database_owner;
        """
    )
    recorded = [r.text for r in catalog.routines.values() if r.kind == "recorded"]
    assert len(recorded) == 3
    assert 'relation "nope" does not exist' in error_of("ALTER TABLE nope OWNER TO postgres;")


def test_drop_and_rename_schema() -> None:
    catalog = build(
        """
        CREATE SCHEMA a;
        CREATE TABLE a.t (id serial PRIMARY KEY);
        CREATE TYPE a.e AS ENUM ('x');
        CREATE TABLE keep (e a.e);
        CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
        ALTER SCHEMA a RENAME TO b;
        CREATE SCHEMA c;
        CREATE TABLE c.gone (id int);
        DROP SCHEMA c CASCADE;
        DROP SCHEMA IF EXISTS nope;
        """
    )
    assert set(catalog.tables) == {"b.t", "keep"}
    assert catalog.tables["keep"].columns[0].type == PgType("b.e")
    assert set(catalog.functions) == {"b.f"} and set(catalog.sequences) == {"b.t_id_seq"}
    assert catalog.schemas() >= {"b"} and "c" not in catalog.schemas()
    assert "other objects depend on it" in error_of(
        "CREATE SCHEMA c; CREATE TABLE c.t (id int); DROP SCHEMA c;"
    )


# --- CREATE TABLE forms ----------------------------------------------------------------


def test_add_column_if_not_exists() -> None:
    catalog = build(
        """
        CREATE TABLE foo (bar text NOT NULL);
        ALTER TABLE foo ADD COLUMN IF NOT EXISTS bar int;
        ALTER TABLE foo ADD COLUMN IF NOT EXISTS baz int;
        """
    )
    assert columns(catalog, "foo") == [("bar", "text", True), ("baz", "integer", False)]


def test_like_copies_what_its_options_include() -> None:
    catalog = build(
        """
        CREATE TABLE src (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x' UNIQUE,
                          n int CONSTRAINT positive CHECK (n > 0));
        CREATE INDEX src_n ON src (n);
        COMMENT ON COLUMN src.n IS 'count';
        CREATE TABLE plain (extra int, LIKE src);
        CREATE TABLE everything (LIKE src INCLUDING ALL EXCLUDING COMMENTS, extra int);
        """
    )
    assert columns(catalog, "plain") == [
        ("extra", "integer", False),
        ("id", "integer", True),
        ("name", "text", True),
        ("n", "integer", False),
    ]
    plain, everything = catalog.tables["plain"], catalog.tables["everything"]
    assert plain.constraints == [] and all(c.default is None for c in plain.columns)
    assert [c.name for c in everything.columns] == ["id", "name", "n", "extra"]
    assert {c.name for c in everything.constraints} == {
        "everything_pkey",
        "everything_name_key",
        "positive",
    }
    assert "everything_n_idx" in catalog.indexes
    assert everything.columns[1].default is not None and everything.columns[2].comment is None
    assert 'relation "nope" does not exist' in error_of("CREATE TABLE t (LIKE nope);")


def test_inherits_puts_the_parents_columns_first_and_merges() -> None:
    catalog = build(
        """
        CREATE TABLE party (party_id uuid PRIMARY KEY, name text NOT NULL DEFAULT 'x',
                            CHECK (name <> ''));
        CREATE TABLE person (first_name text NOT NULL, name text, last_name text) INHERITS (party);
        CREATE TABLE a (x int, y text);
        CREATE TABLE b (y text, z int);
        CREATE TABLE c (w int) INHERITS (a, b);
        """
    )
    assert columns(catalog, "person") == [
        ("party_id", "uuid", True),
        ("name", "text", True),
        ("first_name", "text", True),
        ("last_name", "text", False),
    ]
    person = catalog.tables["person"]
    assert person.columns[1].default is not None
    assert [(c.name, c.kind, c.inherited) for c in person.constraints] == [
        ("party_name_check", "check", True)
    ]
    assert [c.name for c in catalog.tables["c"].columns] == ["x", "y", "z", "w"]
    assert "has a type conflict" in error_of(
        "CREATE TABLE p (name text); CREATE TABLE c (name int) INHERITS (p);"
    )


def test_alter_table_reaches_the_children() -> None:
    catalog = build(
        """
        CREATE TABLE parent (a int, b text);
        CREATE TABLE child (c int) INHERITS (parent);
        CREATE TABLE grandchild (b text) INHERITS (child);
        ALTER TABLE parent ADD COLUMN d int NOT NULL DEFAULT 0;
        ALTER TABLE parent RENAME COLUMN a TO aa;
        ALTER TABLE parent ALTER COLUMN aa TYPE bigint;
        ALTER TABLE parent ADD CONSTRAINT positive CHECK (aa > 0);
        ALTER TABLE parent DROP COLUMN b;
        """
    )
    assert columns(catalog, "grandchild") == [
        ("aa", "bigint", False),
        ("b", "text", False),  # its own too: the parent's drop leaves it
        ("c", "integer", False),
        ("d", "integer", True),
    ]
    assert [c.name for c in catalog.tables["child"].columns] == ["aa", "c", "d"]
    assert catalog.tables["grandchild"].constraint("positive") is not None
    assert "cannot drop inherited column" in error_of(
        "CREATE TABLE p (a int); CREATE TABLE c () INHERITS (p); ALTER TABLE c DROP COLUMN a;"
    )
    assert "must be added to child tables too" in error_of(
        "CREATE TABLE p (a int); CREATE TABLE c () INHERITS (p); ALTER TABLE ONLY p ADD x int;"
    )
    assert "other objects depend on it" in error_of(
        "CREATE TABLE p (a int); CREATE TABLE c () INHERITS (p); DROP TABLE p;"
    )
    assert (
        set(
            build(
                "CREATE TABLE p (a int); CREATE TABLE c () INHERITS (p); DROP TABLE p CASCADE;"
            ).tables
        )
        == set()
    )


PARTITIONED = """
    CREATE TABLE users (id int PRIMARY KEY);
    CREATE TABLE measurement (
        city_id int NOT NULL,
        user_id int REFERENCES users,
        logdate date NOT NULL DEFAULT now(),
        peaktemp int CHECK (peaktemp > -100),
        unitsales int,
        PRIMARY KEY (city_id, logdate)
    ) PARTITION BY RANGE (logdate);
    CREATE INDEX measurement_sales ON measurement (unitsales);
    CREATE TABLE measurement_y2006m02 PARTITION OF measurement
        FOR VALUES FROM ('2006-02-01') TO ('2006-03-01');
"""


def test_partition_of_takes_the_parents_columns_keys_and_indexes() -> None:
    catalog = build(
        PARTITIONED
        + """
        CREATE TABLE measurement_y2006m03 PARTITION OF measurement (
            unitsales DEFAULT 0, CONSTRAINT sales CHECK (unitsales >= 0)
        ) FOR VALUES FROM ('2006-03-01') TO ('2006-04-01');
        CREATE INDEX ON measurement (peaktemp);
        """
    )
    assert catalog.tables["measurement"].partitioned
    partition = catalog.tables["measurement_y2006m03"]
    assert [c.name for c in partition.columns] == [
        c.name for c in catalog.tables["measurement"].columns
    ]
    assert partition.column("logdate").not_null  # type: ignore[union-attr]
    assert partition.column("unitsales").default is not None  # type: ignore[union-attr]
    assert {c.name: c.inherited for c in partition.constraints} == {
        "measurement_y2006m03_pkey": True,
        "measurement_user_id_fkey": True,
        "measurement_peaktemp_check": True,
        "sales": False,
    }
    assert {i.name: i.parent for i in catalog.indexes.values() if i.table == partition.name} == {
        "measurement_y2006m03_unitsales_idx": "measurement_sales",
        "measurement_y2006m03_peaktemp_idx": "measurement_peaktemp_idx",
    }
    assert 'table "users" is not partitioned' in error_of(
        "CREATE TABLE users (id int); CREATE TABLE u1 PARTITION OF users DEFAULT;"
    )


def test_attach_and_detach_partition() -> None:
    catalog = build(
        PARTITIONED
        + """
        CREATE TABLE m3 (city_id int NOT NULL, user_id int, logdate date NOT NULL, peaktemp int,
                         unitsales int, CONSTRAINT measurement_peaktemp_check CHECK (peaktemp > -100));
        CREATE INDEX m3_sales ON m3 (unitsales);
        ALTER TABLE measurement ATTACH PARTITION m3 FOR VALUES FROM ('2007-01-01') TO ('2007-02-01');
        CREATE INDEX m3_temp ON m3 (peaktemp);
        CREATE INDEX measurement_temp ON measurement (peaktemp);
        ALTER TABLE measurement DETACH PARTITION measurement_y2006m02;
        ALTER TABLE IF EXISTS missing DETACH PARTITION m3;
        """
    )
    m3 = catalog.tables["m3"]
    assert m3.parents == ["measurement"] and catalog.is_partition(m3)
    assert catalog.indexes["m3_sales"].parent == "measurement_sales"  # an equal one, taken over
    assert catalog.indexes["m3_temp"].parent == "measurement_temp"
    assert {c.name for c in m3.constraints} == {
        "m3_pkey",
        "measurement_user_id_fkey",
        "measurement_peaktemp_check",
    }
    detached = catalog.tables["measurement_y2006m02"]
    assert detached.parents == [] and not any(c.inherited for c in detached.constraints)
    assert "measurement_y2006m02_pkey" in {c.name for c in detached.constraints}
    missing = PARTITIONED + "CREATE TABLE m4 (city_id int NOT NULL, logdate date NOT NULL);"
    assert 'child table is missing column "user_id"' in error_of(
        missing + "ALTER TABLE measurement ATTACH PARTITION m4 DEFAULT;"
    )


def test_dropping_a_partitioned_table_drops_its_partitions() -> None:
    catalog = build(PARTITIONED + "DROP TABLE measurement;")
    assert set(catalog.tables) == {"users"} and catalog.indexes == {}


# --- Functions -------------------------------------------------------------------------


FUNCTIONS = """
    CREATE TABLE accounts (id int, name text);
    CREATE FUNCTION plus(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql STRICT AS $$ SELECT a + b $$;
    CREATE FUNCTION plus(a text, b text) RETURNS text LANGUAGE sql AS $$ SELECT a || b $$;
    CREATE FUNCTION all_accounts(VARIADIC ids int[]) RETURNS SETOF accounts LANGUAGE sql
        AS $$ SELECT * FROM accounts $$;
    CREATE FUNCTION pairs(x int) RETURNS TABLE (id int, n text) LANGUAGE sql AS $$ SELECT 1, 'a' $$;
    CREATE FUNCTION one_out(a int, OUT b varchar(10)) LANGUAGE sql AS $$ SELECT 'x' $$;
    CREATE FUNCTION two_out(OUT int, OUT text) LANGUAGE sql AS $$ SELECT 1, 'a' $$;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
    CREATE FUNCTION foo(bar text, baz text DEFAULT 'baz') RETURNS bool AS $$ SELECT true $$
        LANGUAGE sql;
    CREATE PROCEDURE store(a int, INOUT b int) LANGUAGE sql AS $$ SELECT 1 $$;
"""


def _signature(function: Function) -> tuple[object, ...]:
    table = function.returns_table
    return (
        [t.display() for t in function.arg_types],
        function.required_args,
        function.returns.display() if function.returns else None,
        function.returns_set,
        [(c.name, c.type.display()) for c in table] if table is not None else None,
        function.strict,
    )


def test_function_signatures() -> None:
    functions = build(FUNCTIONS).functions
    assert [_signature(f) for f in functions["plus"]] == [
        (["integer", "integer"], 1, "integer", False, None, True),
        (["text", "text"], 2, "text", False, None, False),
    ]
    assert [_signature(f) for f in functions["all_accounts"]] == [
        (["integer[]"], 1, "accounts", True, None, False)
    ]
    assert _signature(functions["pairs"][0]) == (
        ["integer"],
        1,
        "record",
        True,
        [("id", "integer"), ("n", "text")],
        False,
    )
    assert _signature(functions["one_out"][0]) == (
        ["integer"],
        1,
        "character varying",  # pg_proc keeps no modifiers
        False,
        [("b", "character varying")],
        False,
    )
    assert functions["two_out"][0].returns_table == [
        Column("column1", PgType("int4")),
        Column("column2", PgType("text")),
    ]
    assert functions["touch"][0].returns == PgType("trigger")
    assert functions["foo"][0].required_args == 1
    (store,) = functions["store"]
    assert (store.kind, store.arg_types, store.returns) == (
        "procedure",
        [PgType("int4"), PgType("int4")],
        PgType("record"),
    )


def test_replace_and_drop_functions_by_signature() -> None:
    catalog = build(
        FUNCTIONS
        + """
        CREATE OR REPLACE FUNCTION plus(a integer, b integer) RETURNS integer LANGUAGE sql
            AS $$ SELECT a - b $$;
        DROP FUNCTION plus(text, text);
        DROP FUNCTION IF EXISTS plus(bigint);
        DROP FUNCTION touch;
        DROP FUNCTION one_out(int);
        """
    )
    (plus,) = catalog.functions["plus"]
    assert plus.arg_types == [PgType("int4"), PgType("int4")] and "a - b" in plus.text
    assert "touch" not in catalog.functions and "one_out" not in catalog.functions
    assert "already exists with same argument types" in error_of(
        FUNCTIONS + "CREATE FUNCTION plus(x int, y int) RETURNS int LANGUAGE sql AS 'SELECT 1';"
    )
    assert "cannot change return type" in error_of(
        FUNCTIONS + "CREATE OR REPLACE FUNCTION plus(a int, b int) RETURNS bigint "
        "LANGUAGE sql AS 'SELECT 1';"
    )
    assert 'function name "plus" is not unique' in error_of(FUNCTIONS + "DROP FUNCTION plus;")
    assert "function plus(boolean) does not exist" in error_of(
        FUNCTIONS + "DROP FUNCTION plus(bool);"
    )


# --- keep_going ------------------------------------------------------------------------


def test_keep_going_leaves_a_failing_statement_out_whole() -> None:
    statements = _statements(
        """
        CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE posts (id serial PRIMARY KEY, author int REFERENCES nobody);
        ALTER TABLE users ADD COLUMN name text, ADD COLUMN id int;
        CREATE TABLE tags (id int);
        """
    )
    catalog, problems = build_catalog(statements, keep_going=True)
    assert [p.message for p in problems] == [
        'relation "nobody" does not exist',
        'column "id" of relation "users" already exists',
    ]
    assert set(catalog.tables) == {"users", "tags"}
    assert catalog.sequences == {}  # posts' serial went with it
    assert [c.name for c in catalog.tables["users"].columns] == ["id"]
    with pytest.raises(SqlgenError):
        build_catalog(statements)


# --- Against PostgreSQL ----------------------------------------------------------------


LIVE = (
    """
    CREATE SCHEMA app;
    CREATE TYPE app.mood AS ENUM ('a', 'b');
    CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
    CREATE TABLE app.users (id serial PRIMARY KEY, email text UNIQUE, m app.mood, p app.positive);
    CREATE TABLE moved (id serial PRIMARY KEY, v text);
    CREATE INDEX moved_v ON moved (v);
    ALTER TABLE moved SET SCHEMA app;
    CREATE VIEW app.v AS SELECT u.id, m.v FROM app.users u JOIN app.moved m ON m.id = u.id;
    CREATE TABLE party (party_id uuid PRIMARY KEY, name text NOT NULL, CHECK (name <> ''));
    CREATE TABLE person (first_name text, name text) INHERITS (party);
    ALTER TABLE party ADD COLUMN born date;
    CREATE TABLE copy (LIKE app.users INCLUDING ALL, extra int);
    """
    + PARTITIONED
    + """
    CREATE TABLE m3 (city_id int NOT NULL, user_id int, logdate date NOT NULL, peaktemp int,
                     unitsales int, CONSTRAINT measurement_peaktemp_check CHECK (peaktemp > -100));
    ALTER TABLE measurement ATTACH PARTITION m3 FOR VALUES FROM ('2007-01-01') TO ('2007-02-01');
    ALTER TABLE measurement ADD COLUMN note text;
    ALTER TABLE measurement ALTER COLUMN unitsales TYPE bigint;
    ALTER TABLE measurement DETACH PARTITION m3;
    """
    + FUNCTIONS
    + """
    CREATE FUNCTION app.ping(x varchar(3)) RETURNS numeric(10, 2) LANGUAGE sql AS 'SELECT 1';
    ALTER TYPE app.mood SET SCHEMA public;
    """
)


def test_static_dump_equals_the_live_one(empty_db: str) -> None:
    assert_static_dump_is_live(empty_db, LIVE)


def _command(sql: str) -> Statement:
    """A statement kept as an opaque command, as sqlglot keeps what it cannot parse."""
    text = textwrap.dedent(sql).strip()
    head, _, rest = text.partition(" ")
    source = SourceFile(Path("schema.sql"), "schema.sql", text)
    return Statement(exp.Command(this=head, expression=rest), source, 0, len(text))


def test_functions_kept_as_commands() -> None:
    catalog = build_catalog(
        [
            _command(
                "CREATE FUNCTION foo(bar text, baz text='baz') RETURNS bool LANGUAGE sql AS 'x'"
            ),
            _command("CREATE FUNCTION foo(VARIADIC bars text[]) RETURNS bool LANGUAGE sql AS 'x'"),
            _command("DROP FUNCTION foo(IN bar text, text)"),
        ]
    )
    (foo,) = catalog.functions["foo"]
    assert foo.arg_types == [PgType("text", (), 1)] and foo.arguments[0].mode == "variadic"


def test_index_on_only_a_partitioned_table() -> None:
    statements = _statements(
        """
        CREATE TABLE m (a int, b int) PARTITION BY LIST (a);
        CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
        CREATE INDEX m_b ON m (b);
        CREATE INDEX m1_b ON m1 (b);
        ALTER INDEX m_b ATTACH PARTITION m1_b;
        """
    )
    # CREATE INDEX m_b ON ONLY m (b): the index of m alone, as sqlglot marks FROM ONLY.
    statements[2].expression.this.args["table"].set("only", True)
    catalog = build_catalog(statements)
    assert set(catalog.indexes) == {"m_b", "m1_b"}
    assert catalog.indexes["m1_b"].parent == "m_b"
    partitioned = (
        "CREATE TABLE m (a int, b int) PARTITION BY LIST (a);"
        "CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);"
        "CREATE INDEX m_b ON m (b);"  # m1 gets m1_b_idx, attached
    )
    assert "cannot attach index" in error_of(
        partitioned + "CREATE INDEX m1_a ON m1 (a); ALTER INDEX m_b ATTACH PARTITION m1_a;"
    )
    assert "requires it" in error_of(partitioned + "DROP INDEX m1_b_idx;")
    assert build(partitioned + "DROP INDEX m_b;").indexes == {}


def test_a_column_of_a_type_that_does_not_exist_is_postgresqls_error(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError, match='type "no_such_type" does not exist'):
        catalog_of(tmp_path, "CREATE TABLE t (x no_such_type);")
    # Types a history creates, and built-in ones, are found.
    catalog_of(
        tmp_path / "ok",
        "CREATE TYPE mood AS ENUM ('a'); CREATE TABLE t (m mood[], n numeric(5, 2), b bytea);",
    )
