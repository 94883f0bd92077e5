"""The catalog after each kind of DDL a migration history uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen.catalog.model import render_sql
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.types import PgType

from sqlgen_helpers import catalog_of

BASE = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE);
CREATE TABLE chats (
    id bigserial PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title varchar(64) NOT NULL DEFAULT '',
    tags text[] NOT NULL,
    mood mood,
    price numeric(10, 2),
    CHECK (title <> 'forbidden')
);
"""


def test_create_table_columns_types_and_nullability(tmp_path: Path) -> None:
    chats = catalog_of(tmp_path, BASE).tables["chats"]
    columns = {c.name: c for c in chats.columns}
    assert [c.name for c in chats.columns] == ["id", "owner_id", "title", "tags", "mood", "price"]
    assert columns["id"].type == PgType("int8")
    assert columns["id"].default is not None
    assert render_sql(columns["id"].default) == "nextval('chats_id_seq')"
    assert columns["title"].type == PgType("varchar", (64,))
    assert columns["title"].type.display() == "character varying(64)"
    assert columns["tags"].type == PgType("text", (), 1)
    assert columns["mood"].type == PgType("mood")
    assert columns["price"].type.display() == "numeric(10,2)"
    assert columns["owner_id"].not_null and not columns["mood"].not_null


def test_unnamed_constraints_follow_postgres_naming(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, BASE)
    names = {c.name: c for c in catalog.tables["chats"].constraints}
    assert set(names) == {"chats_pkey", "chats_owner_id_fkey", "chats_title_check"}
    assert names["chats_owner_id_fkey"].definition() == (
        "FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE CASCADE"
    )
    assert {c.name for c in catalog.tables["users"].constraints} == {
        "users_pkey",
        "users_email_key",
    }


def test_alter_table_forms(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        BASE,
        """
        ALTER TABLE chats ADD COLUMN archived boolean NOT NULL DEFAULT false;
        ALTER TABLE chats RENAME COLUMN title TO name;
        ALTER TABLE chats ALTER COLUMN name TYPE text;
        ALTER TABLE chats ALTER COLUMN name DROP DEFAULT;
        ALTER TABLE chats ALTER COLUMN mood SET NOT NULL;
        ALTER TABLE chats ALTER COLUMN mood SET DEFAULT 'ok';
        ALTER TABLE chats DROP COLUMN price;
        ALTER TABLE chats ADD CONSTRAINT chats_name_not_empty CHECK (name <> '');
        ALTER TABLE chats RENAME CONSTRAINT chats_title_check TO chats_name_length;
        ALTER TABLE chats RENAME TO conversations;
        """,
    )
    assert "chats" not in catalog.tables
    table = catalog.tables["conversations"]
    columns = {c.name: c for c in table.columns}
    assert list(columns) == ["id", "owner_id", "name", "tags", "mood", "archived"]
    assert columns["name"].type == PgType("text") and columns["name"].default is None
    assert columns["mood"].not_null and columns["mood"].default is not None
    assert render_sql(columns["mood"].default) == "'ok'"
    checks = {c.name: c.definition() for c in table.constraints if c.kind == "check"}
    assert checks == {
        "chats_name_length": "CHECK (name <> 'forbidden')",
        "chats_name_not_empty": "CHECK (name <> '')",
    }


def test_drop_not_null_is_not_drop_default(tmp_path: Path) -> None:
    # Found by comparing the static dump with PostgreSQL's: sqlglot marks
    # DROP NOT NULL with drop=True as well as allow_null=True.
    catalog = catalog_of(tmp_path, BASE, "ALTER TABLE chats ALTER COLUMN title DROP NOT NULL;")
    title = catalog.tables["chats"].column("title")
    assert title is not None and not title.not_null and title.default is not None


def test_drop_column_drops_dependent_constraints_and_indexes(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        BASE,
        "CREATE INDEX ON chats (owner_id); ALTER TABLE chats DROP COLUMN owner_id;",
    )
    assert "chats_owner_id_idx" not in catalog.indexes
    assert "chats_owner_id_fkey" not in {c.name for c in catalog.tables["chats"].constraints}


def test_enum_values_added_renamed_in_order(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        BASE,
        "ALTER TYPE mood ADD VALUE 'happy';",
        "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';",
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
    )
    assert catalog.enums["mood"].values == ["blue", "meh", "ok", "happy"]


def test_indexes_views_comments_functions_triggers(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        BASE,
        """
        CREATE UNIQUE INDEX chats_owner_title_idx ON chats (owner_id, title) WHERE mood IS NOT NULL;
        CREATE VIEW chat_titles AS SELECT c.id, c.title, u.email FROM chats c LEFT JOIN users u ON u.id = c.owner_id;
        COMMENT ON TABLE chats IS 'Conversations.';
        COMMENT ON COLUMN chats.title IS 'Shown in the sidebar.';
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
        CREATE TRIGGER chats_touch BEFORE UPDATE ON chats FOR EACH ROW EXECUTE FUNCTION touch();
        DO $$ BEGIN PERFORM 1; END $$;
        """,
    )
    index = catalog.indexes["chats_owner_title_idx"]
    assert (index.unique and index.definition().endswith("WHERE (NOT mood IS NULL)")) or index.where
    view = catalog.views["chat_titles"]
    assert [(c.name, c.type.name, c.not_null) for c in view.columns] == [
        ("id", "int8", True),
        ("title", "varchar", True),
        ("email", "text", False),
    ]
    assert catalog.tables["chats"].comment == "Conversations."
    assert catalog.tables["chats"].column("title").comment == "Shown in the sidebar."  # type: ignore[union-attr]
    assert ("function", "touch") in catalog.routines
    assert ("trigger", "chats.chats_touch") in catalog.routines
    assert any(r.kind == "recorded" and r.name == "do" for r in catalog.routines.values())


def test_create_or_replace_view_and_drops(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        BASE,
        "CREATE VIEW v AS SELECT id FROM chats;",
        "CREATE OR REPLACE VIEW v AS SELECT id, title FROM chats;",
        "DROP VIEW v; DROP TABLE chats; DROP TYPE mood;",
    )
    assert catalog.views == {} and "chats" not in catalog.tables and catalog.enums == {}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ALTER TABLE nope ADD COLUMN x int;", 'relation "nope" does not exist'),
        ("ALTER TABLE users DROP COLUMN nope;", 'column "nope" of relation "users" does not exist'),
        ("CREATE TABLE users (id int);", 'relation "users" already exists'),
        ("ALTER TYPE mood ADD VALUE 'ok';", 'enum label "ok" already exists'),
        ("CREATE TABLE t (x int REFERENCES missing(id));", 'relation "missing" does not exist'),
    ],
)
def test_ddl_errors_name_the_file_line_and_column(tmp_path: Path, sql: str, message: str) -> None:
    with pytest.raises(SqlgenError) as caught:
        catalog_of(tmp_path, BASE, "SELECT 1;\n\n" + sql)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.file == "schema/000002_m2.up.sql"
    assert diagnostic.line == 3 and diagnostic.col >= 1
    assert message in diagnostic.message
