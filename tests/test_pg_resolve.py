"""Built-in functions and operators resolved as PostgreSQL resolves them (manual
chapter 10: candidates from ``pg_proc`` and ``pg_operator``, implicit casts, preferred
types, unknown literals, polymorphic arguments), each shown by the smallest query and
checked against PostgreSQL's describe (``sqlgen verify --queries``); and the operators
PostgreSQL rejects, rejected with its message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgsqlgen.codegen.ir.model import Query
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.resolve import ResolutionError, resolve_function, resolve_operator
from pgsqlgen.pg.types import PgType
from pgsqlgen.pipeline import analyse

from sqlgen_helpers import (
    assert_query_rejected,
    described_ir,
    described_query,
    write_project,
)
from sqlgen_helpers import column_types as columns
from sqlgen_helpers import param_types as params

SCHEMA = """
CREATE DOMAIN label AS text;
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    nickname text,
    deleted boolean NOT NULL DEFAULT false,
    meta jsonb,
    net cidr,
    tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    title label
);
"""


def query(tmp_path: Path, server_url: str, sql: str) -> Query:
    return described_query(tmp_path, server_url, SCHEMA, sql)


def assert_rejected(tmp_path: Path, sql: str, message: str) -> None:
    assert_query_rejected(tmp_path, SCHEMA, sql, message)


# -- The resolution rules themselves ---------------------------------------------------


def test_function_resolution_rules() -> None:
    int4, text = PgType("int4"), PgType("text")
    # An integer goes to round(float8): float8 is the numeric category's preferred type.
    resolved = resolve_function("round", [int4])
    assert resolved is not None and resolved.result == PgType("float8")
    # An unknown literal takes the string category: lower(text).
    resolved = resolve_function("lower", [None])
    assert resolved is not None and resolved.params == (text,)
    # Polymorphic: anyelement from the ORDER BY argument, anyarray from an array.
    resolved = resolve_function("percentile_disc", [PgType("float8"), text])
    assert resolved is not None and resolved.result == text
    resolved = resolve_function("unnest", [PgType("uuid", (), 1)])
    assert resolved is not None and resolved.result == PgType("uuid")
    # Two untyped arguments of date_trunc fit several candidates: no choice.
    with pytest.raises(
        ResolutionError, match=re.escape("date_trunc(unknown, unknown) is not unique")
    ):
        resolve_function("date_trunc", [None, None])
    # anycompatible arguments are widened to their common type.
    resolved = resolve_function("array_append", [PgType("int4", (), 1), PgType("int8")])
    assert resolved.result == PgType("int8", (), 1)
    # anyarray arguments must agree.
    with pytest.raises(ResolutionError, match=re.escape("array_cat(integer[], text[])")):
        resolve_function("array_cat", [PgType("int4", (), 1), PgType("text", (), 1)])
    # An unknown argument alone cannot decide a polymorphic type.
    with pytest.raises(ResolutionError, match="could not determine polymorphic type"):
        resolve_function("to_jsonb", [None])
    # A type name called as a function is a cast when no function of that name fits.
    resolved = resolve_function("text", [PgType("int4")])
    assert resolved.candidate is None and resolved.result == text


def test_operator_resolution_rules() -> None:
    resolved = resolve_operator("?", PgType("jsonb"), None)
    assert resolved.params == (PgType("jsonb"), PgType("text"))
    resolved = resolve_operator("=", PgType("varchar"), None)
    assert resolved.params[1] == PgType("text")
    with pytest.raises(ResolutionError, match="operator does not exist: boolean = integer"):
        resolve_operator("=", PgType("bool"), PgType("int4"))
    # Prefix operators, and an unknown operand no category decides.
    resolved = resolve_operator("-", None, PgType("interval"), prefix=True)
    assert resolved.result == PgType("interval")
    with pytest.raises(ResolutionError, match=re.escape("operator is not unique: - unknown")):
        resolve_operator("-", None, None, prefix=True)


# -- Parameters typed by the candidate PostgreSQL picks ---------------------------------


def test_jsonb_key_exists_binds_text(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT id FROM users WHERE meta ? @key;")
    assert params(q) == [("key", "text")]


def test_cidr_compared_with_a_parameter_binds_inet(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT id FROM users WHERE net = @net;")
    assert params(q) == [("net", "inet")]


def test_date_trunc_field_parameter_is_text(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT date_trunc(@unit, created_at) AS t FROM users;")
    assert params(q) == [("unit", "text")]
    assert columns(q) == [("t", "datetime.datetime")]


def test_polymorphic_argument_binds_the_element_type(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT array_append(tags, @tag) AS t FROM users;")
    assert params(q) == [("tag", "text")]


def test_a_domain_argument_is_its_base_type(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT upper(title) AS u FROM users WHERE title = @t;")
    assert columns(q) == [("u", "str | None")]


# -- Aggregates sqlglot parses into nodes of its own ------------------------------------


def test_aggregates_in_sqlglots_own_nodes(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "SELECT bool_and(deleted) AS a, jsonb_object_agg(email, meta) AS o,"
        " array_agg(DISTINCT email) AS e, count(*) FILTER (WHERE deleted) AS n FROM users;"
    )
    assert columns(query(tmp_path, pg_server_url, sql)) == [
        ("a", "bool | None"),
        ("o", "JsonValue | None"),
        ("e", "list[str] | None"),
        ("n", "int"),
    ]


def test_ordered_set_aggregate(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY email) AS p FROM users;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("p", "str | None")]


def test_a_strict_function_is_null_exactly_when_an_argument_is(
    tmp_path: Path, pg_server_url: str
) -> None:
    sql = "SELECT md5(email) AS a, md5(nickname) AS b FROM users;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("a", "str"), ("b", "str | None")]


# -- The FROM clause -------------------------------------------------------------------


def test_set_returning_function_out_columns(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT key, value FROM users, jsonb_each(meta);")
    assert columns(q) == [("key", "str | None"), ("value", "JsonValue | None")]


def test_system_relations(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT name, utc_offset FROM pg_timezone_names;")
    # A view's columns may be NULL; a catalog table's NOT NULL columns may not.
    assert columns(q) == [("name", "str | None"), ("utc_offset", "datetime.timedelta | None")]
    q = query(tmp_path / "c", pg_server_url, "SELECT relname FROM pg_class;")
    assert columns(q) == [("relname", "str")]
    sql = "SELECT table_name FROM information_schema.tables;"
    assert [c.name for c in query(tmp_path / "i", pg_server_url, sql).columns] == ["table_name"]


# -- What PostgreSQL rejects -----------------------------------------------------------


def test_boolean_compared_with_an_integer_is_rejected(tmp_path: Path) -> None:
    sql = "SELECT id FROM users WHERE deleted = 5;"
    assert_rejected(tmp_path, sql, "operator does not exist: boolean = integer")


def test_text_plus_an_integer_is_rejected(tmp_path: Path) -> None:
    sql = "SELECT email + 1 AS x FROM users;"
    assert_rejected(tmp_path, sql, "operator does not exist: text + integer")


# -- The schema's functions: candidates together with the built-ins ----------------------

OVERLOADS = """
CREATE FUNCTION f(a int4) RETURNS int4 LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION f(a int8) RETURNS int8 LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION only_text(s text) RETURNS int4 LANGUAGE sql AS 'SELECT 1';
"""


def test_schema_function_overloads_resolve_as_postgresql_does(
    tmp_path: Path, pg_server_url: str
) -> None:
    sql = (
        "SELECT f(2) AS small, f(@big::int8) AS big, only_text(@t) AS t,"
        " upper(email) AS u FROM users;"
    )
    ir = described_ir(tmp_path, pg_server_url, SCHEMA + OVERLOADS, f"-- name: Q :many\n{sql}\n")
    q = ir.modules[0].queries[0]
    assert columns(q) == [
        ("small", "int | None"),
        ("big", "int | None"),
        ("t", "int | None"),
        ("u", "str"),
    ]
    assert params(q) == [("big", "int8"), ("t", "text")]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT  f(email) AS x FROM users;",
            "error: query Q: function f(text) does not exist",
        ),
        ("SELECT f(@x) AS x;", "error: query Q: function f(unknown) is not unique"),
        (
            "SELECT only_text(1) AS x;",
            "error: query Q: function only_text(integer) does not exist",
        ),
        ("SELECT -'x' AS x;", "error: query Q: operator is not unique: - unknown"),
        (
            "SELECT array_cat(tags, ARRAY[1]) AS x FROM users;",
            "function array_cat(text[], integer[]) does not exist",
        ),
    ],
)
def test_rejected_calls_say_what_postgresql_says_where_it_says_it(
    tmp_path: Path, sql: str, message: str
) -> None:
    config = write_project(
        tmp_path,
        {"000001_init.up.sql": SCHEMA + OVERLOADS},
        {"q.sql": f"-- name: Q :many\n{sql}\n"},
    )
    with pytest.raises(SqlgenError) as caught:
        analyse(config)
    # On the query's line; the column is the first identifier sqlglot located in the call.
    assert "queries/q.sql:2:" in str(caught.value)
    assert message in str(caught.value)
