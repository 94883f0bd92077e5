"""Semantics real queries rely on, each shown by the smallest query and checked against
PostgreSQL's describe of the exact text the generated code sends (``sqlgen verify
--queries``): the FROM clause as PostgreSQL sees it, the names it gives columns,
parameters typed from the condition they are, and what it rejects."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.rows import TupleRow

from pgsqlgen.codegen.ir.model import Query
from pgsqlgen.config.load import load_config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.inspect import inspect_document
from pgsqlgen.pg import builtins

from sqlgen_helpers import described_ir, write_project

SCHEMA = """
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    nickname text,
    deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE chats (
    id bigserial PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id),
    title text NOT NULL,
    meta jsonb,
    tags text[] NOT NULL DEFAULT '{}'
);
"""


def query(tmp_path: Path, server_url: str, sql: str, command: str = ":many") -> Query:
    ir = described_ir(tmp_path, server_url, SCHEMA, f"-- name: Q {command}\n{sql}\n")
    return ir.modules[0].queries[0]


def columns(q: Query) -> list[tuple[str, str, str]]:
    return [(c.name, c.attr, c.annotation) for c in q.columns]


def params(q: Query) -> list[tuple[str, str]]:
    return [(p.name, p.pg_type + "[]" * p.array_dims) for p in q.params]


# -- The FROM clause --------------------------------------------------------------------


def test_an_unnest_alias_names_its_one_column(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT sid FROM unnest(@ids::uuid[]) AS sid;")
    assert columns(q) == [("sid", "sid", "uuid.UUID | None")]


def test_table_function_columns(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT key, value FROM jsonb_each(@j::jsonb);")
    assert [c.name for c in q.columns] == ["key", "value"]


def test_with_ordinality_and_a_column_list(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT x, n FROM unnest(@a::text[]) WITH ORDINALITY AS t(x, n);"
    q = query(tmp_path, pg_server_url, sql)
    assert columns(q) == [("x", "x", "str | None"), ("n", "n", "int")]


def test_lateral_set_returning_function(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT c.id, t.tag FROM chats c, LATERAL unnest(c.tags) AS t(tag);"
    assert [c.name for c in query(tmp_path, pg_server_url, sql).columns] == ["id", "tag"]


def test_a_function_alias_is_a_whole_row_value(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT p::text AS p FROM jsonb_each(@j::jsonb) AS p;")
    assert columns(q) == [("p", "p", "str")]


def test_system_columns_are_readable_but_never_in_star(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT xmin, ctid, tableoid FROM users;")
    assert [(c.name, c.pg_type) for c in q.columns] == [
        ("xmin", "xid"),
        ("ctid", "tid"),
        ("tableoid", "oid"),
    ]
    star = query(tmp_path / "star", pg_server_url, "SELECT * FROM users;")
    assert "xmin" not in [c.name for c in star.columns]


def test_system_columns_are_postgresqls(
    conn: psycopg.Connection[TupleRow],
) -> None:
    rows = conn.execute(
        "SELECT attname, atttypid::regtype::text FROM pg_attribute"
        " WHERE attrelid = 'pg_class'::regclass AND attnum < 0"
    ).fetchall()
    names = {"xid": "xid", "cid": "cid", "tid": "tid", "oid": "oid"}
    assert {name: names[t] for name, t in rows} == {
        k: v.name for k, v in builtins.system_columns().items()
    }


def test_delete_using_a_join_using(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "DELETE FROM chats USING chats c2 JOIN chats c3 USING (owner_id)"
        " WHERE chats.id = c2.id AND c3.title = @title;"
    )
    q = query(tmp_path, pg_server_url, sql, ":execrows")
    assert params(q) == [("title", "text")]


def test_update_from_with_joins(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "UPDATE chats SET title = @title FROM users u JOIN chats c2 ON c2.owner_id = u.id"
        " WHERE chats.id = c2.id AND u.email = @email;"
    )
    q = query(tmp_path, pg_server_url, sql, ":exec")
    assert params(q) == [("title", "text"), ("email", "text")]


def test_a_cte_read_from_a_subquery_in_from(tmp_path: Path, pg_server_url: str) -> None:
    sql = "WITH c AS (SELECT id FROM chats) SELECT s.id FROM (SELECT id FROM c) s;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("id", "id", "int")]


def test_join_using_a_missing_column_is_postgresqls_error(tmp_path: Path) -> None:
    config = write_project(
        tmp_path,
        {"000001_init.up.sql": SCHEMA},
        {"q.sql": "-- name: Q :many\nSELECT u.id FROM users u JOIN chats c USING (owner_id);\n"},
    )
    from pgsqlgen.pipeline import analyse

    with pytest.raises(SqlgenError, match='column "owner_id" specified in USING clause does not'):
        analyse(config)


def test_analyze_and_truncate_are_exec_queries(tmp_path: Path, pg_server_url: str) -> None:
    ir = described_ir(
        tmp_path,
        pg_server_url,
        SCHEMA,
        "-- name: A :exec\nANALYZE users;\n\n-- name: T :exec\nTRUNCATE chats;\n",
    )
    assert [q.name for q in ir.modules[0].queries] == ["A", "T"]


# -- Names, NULL, embeds ----------------------------------------------------------------


def test_unaliased_outputs_are_named_as_postgresql_names_them(
    tmp_path: Path, pg_server_url: str
) -> None:
    sql = (
        "SELECT NOT EXISTS (SELECT 1 FROM users), count(*), lower(email) FROM users GROUP BY email;"
    )
    assert columns(query(tmp_path, pg_server_url, sql)) == [
        ("?column?", "column_1", "bool"),
        ("count", "count", "int"),
        ("lower", "lower", "str"),
    ]


def test_null_in_insert_select_takes_the_target_type(tmp_path: Path, pg_server_url: str) -> None:
    sql = "INSERT INTO chats (owner_id, title, meta) SELECT id, email, NULL FROM users;"
    assert query(tmp_path, pg_server_url, sql, ":exec").name == "Q"


def test_embed_of_an_updated_alias(tmp_path: Path, pg_server_url: str) -> None:
    sql = "UPDATE chats AS c SET title = @title WHERE c.id = @id RETURNING sqlc.embed(c);"
    ir = described_ir(tmp_path, pg_server_url, SCHEMA, f"-- name: Q :one\n{sql}\n")
    (row,) = ir.modules[0].row_classes
    assert [(f.attr, f.annotation, f.embed) for f in row.fields] == [("chat", "Chat", True)]


def test_star_over_duplicate_names_stays_a_star(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT * FROM unnest(@a::text[], @b::text[]);"
    q = query(tmp_path, pg_server_url, sql)
    assert "SELECT *" in q.sql
    assert [c.attr for c in q.columns] == ["unnest", "unnest_2"]


def test_functional_dependency_on_the_primary_key(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "SELECT u.id, u.email, count(c.id) AS n FROM users u"
        " LEFT JOIN chats c ON c.owner_id = u.id GROUP BY u.id;"
    )
    assert [c.name for c in query(tmp_path, pg_server_url, sql).columns] == ["id", "email", "n"]


# -- Parameters typed by their context --------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM users WHERE @flag;",
        "SELECT id FROM users WHERE deleted AND NOT @flag;",
        "SELECT CASE WHEN @flag THEN email END AS e FROM users;",
        "SELECT u.id FROM users u JOIN chats c ON @flag;",
        "SELECT email FROM users GROUP BY email HAVING @flag;",
    ],
)
def test_a_parameter_used_as_a_condition_is_boolean(
    tmp_path: Path, pg_server_url: str, sql: str
) -> None:
    assert params(query(tmp_path, pg_server_url, sql)) == [("flag", "bool")]


# -- inspect ----------------------------------------------------------------------------


def test_a_failing_query_never_hides_the_others_in_inspect(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {"000001_init.up.sql": SCHEMA},
        {
            "q.sql": "-- name: Good :many\nSELECT id FROM users;\n\n"
            "-- name: Bad :many\nSELECT nope FROM users;\n"
        },
    )
    document = inspect_document(load_config(tmp_path / "pyproject.toml"))
    assert [q["name"] for m in document["ir"]["modules"] for q in m["queries"]] == ["Good"]
    assert [e["message"] for e in document["errors"]] == ['query Bad: column "nope" does not exist']


def test_a_value_function_in_from(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT * FROM CURRENT_DATE;", ":one")
    assert columns(q) == [("current_date", "current_date", "datetime.date")]


def test_ddl_as_an_exec_query(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "CREATE TABLE scratch (id integer NOT NULL);", ":exec")
    assert (q.params, q.columns) == ((), ())


def test_one_parameter_in_two_columns_of_a_values_row_is_postgresqls_error(
    tmp_path: Path,
) -> None:
    config = write_project(
        tmp_path,
        {"000001_init.up.sql": SCHEMA},
        {"q.sql": "-- name: Q :exec\nINSERT INTO users (id, email) VALUES (@x, @x);\n"},
    )
    from pgsqlgen.pipeline import analyse

    with pytest.raises(SqlgenError, match=r"inconsistent types deduced for parameter \$1"):
        analyse(config)


def test_update_types_a_parameter_from_where_before_set(tmp_path: Path, pg_server_url: str) -> None:
    sql = "UPDATE users SET nickname = @x WHERE id = @x;"
    assert params(query(tmp_path, pg_server_url, sql, ":exec")) == [("x", "uuid")]
