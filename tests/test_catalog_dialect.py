"""The catalog after the PostgreSQL forms our dialect reads beyond sqlglot's grammar.

Each form has the smallest statement that shows it; the last test holds the
static dump of a schema using them all against PostgreSQL's own.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.errors import SqlgenError
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

from sqlgen_helpers import assert_static_dump_is_live


def build(sql: str) -> Catalog:
    source = SourceFile(Path("schema.sql"), "schema.sql", textwrap.dedent(sql))
    statements, problems = parse_file(source)
    assert problems == []
    return build_catalog(statements)


def error_of(sql: str) -> str:
    with pytest.raises(SqlgenError) as raised:
        build(sql)
    return str(raised.value)


def test_rename_without_column_renames_the_column() -> None:
    catalog = build("CREATE TABLE t (a int); ALTER TABLE t RENAME a TO b;")
    assert set(catalog.tables) == {"t"}
    assert [c.name for c in catalog.tables["t"].columns] == ["b"]


def test_comments_on_every_kind_apply_or_pass() -> None:
    catalog = build(
        """
        CREATE TABLE t (a int CONSTRAINT t_a_check CHECK (a > 0));
        CREATE DOMAIN d AS int;
        CREATE INDEX t_a ON t (a);
        COMMENT ON CONSTRAINT t_a_check ON t IS 'positive';
        COMMENT ON DOMAIN d IS 'a domain';
        COMMENT ON TYPE t IS 'the row type';
        COMMENT ON INDEX t_a IS 'by a';
        COMMENT ON TABLE t IS 'a'
          'b';
        COMMENT ON DOMAIN d IS NULL;
        """
    )
    assert catalog.tables["t"].comment == "ab"
    assert catalog.domains["d"].comment is None


def test_comment_on_a_missing_constraint() -> None:
    assert 'constraint "nope" for table "t" does not exist' in error_of(
        "CREATE TABLE t (a int); COMMENT ON CONSTRAINT nope ON t IS 'x';"
    )


def test_storage_parameters_and_logging_leave_the_catalog_as_it_is() -> None:
    before = build("CREATE TABLE t (a int);")
    after = build(
        """
        CREATE TABLE t (a int);
        ALTER TABLE t SET (fillfactor = 70);
        ALTER TABLE t RESET (fillfactor);
        ALTER TABLE t SET UNLOGGED;
        ALTER TABLE t SET LOGGED;
        """
    )
    assert render_dump(before) == render_dump(after)


def test_not_valid_until_validated() -> None:
    added = """
        CREATE TABLE t (a int);
        ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID;
        """
    (check,) = build(added).tables["t"].constraints
    assert check.definition() == "CHECK (a > 0) NOT VALID"
    (check,) = build(added + "ALTER TABLE t VALIDATE CONSTRAINT t_a_check;").tables["t"].constraints
    assert check.definition() == "CHECK (a > 0)"


def test_only_checks_and_foreign_keys_may_be_not_valid() -> None:
    assert "UNIQUE constraints cannot be marked NOT VALID" in error_of(
        "CREATE TABLE t (a int); ALTER TABLE t ADD UNIQUE (a) NOT VALID;"
    )


def test_validate_constraint_needs_the_constraint() -> None:
    assert 'constraint "nope" of relation "t" does not exist' in error_of(
        "CREATE TABLE t (a int); ALTER TABLE t VALIDATE CONSTRAINT nope;"
    )


def test_primary_key_using_index_takes_the_index_and_its_name() -> None:
    catalog = build(
        """
        CREATE TABLE t (a int);
        CREATE UNIQUE INDEX t_a_idx ON t (a);
        ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_a_idx;
        """
    )
    (key,) = catalog.tables["t"].constraints
    assert (key.name, key.kind, key.columns) == ("t_pkey", "primary_key", ("a",))
    assert catalog.indexes == {}
    assert catalog.tables["t"].columns[0].not_null


def test_using_index_needs_a_unique_index() -> None:
    assert '"t_a_idx" is not a unique index' in error_of(
        """
        CREATE TABLE t (a int);
        CREATE INDEX t_a_idx ON t (a);
        ALTER TABLE t ADD UNIQUE USING INDEX t_a_idx;
        """
    )


def test_exclude_constraint() -> None:
    catalog = build(
        "CREATE TABLE t (a int, b bool, CONSTRAINT t_excl EXCLUDE (a WITH =) WHERE (b));"
    )
    (excl,) = catalog.tables["t"].constraints
    assert excl.kind == "exclude"
    assert excl.definition() == "EXCLUDE USING btree (a WITH =) WHERE (b)"


def test_drop_extension() -> None:
    catalog = build("CREATE EXTENSION pg_trgm; DROP EXTENSION IF EXISTS pg_trgm, ltree;")
    assert not any(kind == "extension" for kind, _ in catalog.routines)
    assert 'extension "ltree" does not exist' in error_of("DROP EXTENSION ltree;")


def test_alter_index_if_exists_on_a_missing_index_is_a_no_op() -> None:
    build("ALTER INDEX IF EXISTS nope RENAME TO other;")


def test_view_column_names() -> None:
    catalog = build(
        """
        CREATE TABLE t (a int, b text);
        CREATE VIEW v (x, y) AS SELECT a, b FROM t;
        CREATE MATERIALIZED VIEW m (x) AS SELECT a, b FROM t WITH NO DATA;
        """
    )
    assert [c.name for c in catalog.views["v"].columns] == ["x", "y"]
    assert [c.name for c in catalog.views["m"].columns] == ["x", "b"]


def test_index_on_a_materialized_view() -> None:
    catalog = build(
        """
        CREATE TABLE t (a int);
        CREATE MATERIALIZED VIEW m AS SELECT a FROM t;
        CREATE UNIQUE INDEX m_a ON m (a);
        """
    )
    assert catalog.indexes["m_a"].table == "m"
    dropped = build(
        """
        CREATE TABLE t (a int);
        CREATE MATERIALIZED VIEW m AS SELECT a FROM t;
        CREATE UNIQUE INDEX m_a ON m (a);
        DROP MATERIALIZED VIEW m;
        """
    )
    assert dropped.indexes == {}


def test_create_type_as_range() -> None:
    catalog = build("CREATE TYPE floatrange AS RANGE (subtype = float8);")
    assert ("range", "floatrange") in catalog.routines


# --- Against PostgreSQL ----------------------------------------------------------------

LIVE = """
CREATE TABLE t (id int, a int, b bool, note text DEFAULT 'a'
  'b');
ALTER TABLE t RENAME note TO remark;
CREATE UNIQUE INDEX t_id_idx ON t (id);
ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;
CREATE UNIQUE INDEX t_a_idx ON t (a);
ALTER TABLE t ADD UNIQUE USING INDEX t_a_idx;
ALTER TABLE t ADD CONSTRAINT t_a_excl EXCLUDE (a WITH =) WHERE (b);
ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT t_a_check;
ALTER TABLE t ADD CONSTRAINT t_a_small CHECK (a < 100) NOT VALID;
ALTER TABLE t SET (fillfactor = 70), SET UNLOGGED;
ALTER TABLE t RESET (fillfactor);
COMMENT ON CONSTRAINT t_a_check ON t IS 'positive';
COMMENT ON TABLE t IS 'one'
  ' table';
COMMENT ON COLUMN t.a IS NULL;
CREATE VIEW v (x, y) AS SELECT id, a FROM t;
CREATE MATERIALIZED VIEW m (x) AS SELECT id, a FROM t WITH NO DATA;
CREATE UNIQUE INDEX m_x ON m (x);
ALTER INDEX IF EXISTS nope RENAME TO other;
"""


def test_static_dump_equals_the_live_one(empty_db: str) -> None:
    assert_static_dump_is_live(empty_db, LIVE)
