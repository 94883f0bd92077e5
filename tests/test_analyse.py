"""Inference of parameter and result types for each query shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.types import PgType
from pgsqlgen.queries.analysis.model import Analysis

from sqlgen_helpers import analyse

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL, nickname text);
CREATE TABLE chats (
    id bigserial PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id),
    title text NOT NULL,
    mood mood,
    meta jsonb,
    tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE VIEW chat_emails AS SELECT c.id, u.email FROM chats c JOIN users u ON u.id = c.owner_id;
"""


def shapes(analysis: Analysis) -> list[tuple[str, str, int, bool]]:
    return [(c.name, c.type.name, c.type.array_dims, c.nullable) for c in analysis.columns]


def params(analysis: Analysis) -> list[tuple[int, str, str, bool]]:
    return [
        (p.number, p.name, p.type.name if p.type else "?", p.nullable)
        for p in sorted(analysis.params.values(), key=lambda p: p.number)
    ]


def one(tmp_path: Path, sql: str, command: str = ":many") -> Analysis:
    return analyse(tmp_path, SCHEMA, f"-- name: Q {command}\n{sql}\n")["Q"]


def test_select_star_expands_in_table_order(tmp_path: Path) -> None:
    result = one(tmp_path, "SELECT * FROM users WHERE id = @id;")
    assert shapes(result) == [
        ("id", "uuid", 0, False),
        ("email", "text", 0, False),
        ("nickname", "text", 0, True),
    ]
    assert params(result) == [(1, "id", "uuid", False)]
    assert result.star_expansions == {
        0: [("users", "id"), ("users", "email"), ("users", "nickname")]
    }


def test_left_join_makes_the_joined_side_nullable(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT c.id, u.email FROM chats c LEFT JOIN users u ON u.id = c.owner_id;",
    )
    assert shapes(result) == [("id", "int8", 0, False), ("email", "text", 0, True)]


def test_right_and_full_joins(tmp_path: Path) -> None:
    right = one(
        tmp_path, "SELECT c.id, u.email FROM chats c RIGHT JOIN users u ON u.id = c.owner_id;"
    )
    assert shapes(right) == [("id", "int8", 0, True), ("email", "text", 0, False)]


def test_aggregates_follow_postgres_nullability(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT count(*) AS n, max(created_at) AS latest, sum(id) AS total FROM chats;",
        ":one",
    )
    assert shapes(result) == [
        ("n", "int8", 0, False),
        ("latest", "timestamptz", 0, True),
        ("total", "numeric", 0, True),
    ]


def test_casts_coalesce_and_unaliased_names(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT id::text, coalesce(nickname, email) AS name, nickname IS NULL AS anonymous FROM users;",
    )
    assert shapes(result) == [
        ("id", "text", 0, False),
        ("name", "text", 0, False),
        ("anonymous", "bool", 0, False),
    ]


def test_insert_returning_and_parameter_nullability(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "INSERT INTO chats (owner_id, title, mood, meta, tags) "
        "VALUES (@owner_id, @title, @mood, sqlc.narg(meta), @tags) RETURNING *;",
        ":one",
    )
    assert params(result) == [
        (1, "owner_id", "uuid", False),
        (2, "title", "text", False),
        (3, "mood", "mood", True),
        (4, "meta", "jsonb", True),
        (5, "tags", "text", False),
    ]
    assert result.params[5].type is not None and result.params[5].type.array_dims == 1
    assert [c.name for c in result.columns][:3] == ["id", "owner_id", "title"]
    assert result.insert_table == "chats"


def test_update_set_and_where(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "UPDATE users SET nickname = sqlc.arg(nickname) WHERE id = sqlc.arg(id);",
        ":exec",
    )
    assert params(result) == [(1, "nickname", "text", True), (2, "id", "uuid", False)]


def test_positional_parameters_take_names_from_context(tmp_path: Path) -> None:
    result = one(tmp_path, "SELECT id FROM chats WHERE owner_id = $1 AND title = $2 LIMIT $3;")
    assert [
        (p.number, p.hint, p.type.name if p.type else None) for p in result.params.values()
    ] == [
        (1, "owner_id", "uuid"),
        (2, "title", "text"),
        (3, "limit", "int8"),  # as sqlc names it
    ]


def test_repeated_named_parameter_is_bound_once(tmp_path: Path) -> None:
    result = one(tmp_path, "SELECT id FROM users WHERE email = @q OR nickname = @q;")
    assert params(result) == [(1, "q", "text", False)]


def test_in_any_between_like_limit(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT id FROM chats WHERE id IN (@a, @b) AND owner_id = ANY(@owners) "
        "AND created_at BETWEEN @since AND @until AND title LIKE @pattern "
        "ORDER BY id LIMIT @lim OFFSET @off;",
    )
    by_name = {p.name: p.type for p in result.params.values()}
    assert {n: (t.name, t.array_dims) for n, t in by_name.items() if t} == {
        "a": ("int8", 0),
        "b": ("int8", 0),
        "owners": ("uuid", 1),
        "since": ("timestamptz", 0),
        "until": ("timestamptz", 0),
        "pattern": ("text", 0),
        "lim": ("int8", 0),
        "off": ("int8", 0),
    }


def test_views_subqueries_and_ctes(tmp_path: Path) -> None:
    view = one(tmp_path, "SELECT * FROM chat_emails;")
    assert shapes(view) == [("id", "int8", 0, False), ("email", "text", 0, False)]
    cte = one(
        tmp_path,
        "WITH mine AS (SELECT id, title FROM chats WHERE owner_id = @owner) "
        "SELECT m.title, (SELECT count(*) FROM chats) AS total FROM mine m;",
    )
    assert shapes(cte) == [("title", "text", 0, False), ("total", "int8", 0, True)]


def test_unknown_parameter_type_asks_for_a_cast(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError) as caught:
        one(tmp_path, "SELECT @x AS x;")
    assert str(caught.value).startswith(
        "queries/q.sql:2:8: error: query Q: could not determine data type of parameter $1 (x)"
    )


def test_cast_parameter(tmp_path: Path) -> None:
    result = one(tmp_path, "SELECT @x::int AS x;")
    assert params(result) == [(1, "x", "int4", False)]
    assert shapes(result) == [("x", "int4", 0, False)]


def test_varchar_compares_as_text_but_assigns_as_varchar(tmp_path: Path) -> None:
    """As PostgreSQL infers them: varchar has no operators of its own."""
    result = analyse(
        tmp_path,
        "CREATE TABLE u (name varchar(64) NOT NULL, tags varchar[] NOT NULL);",
        "-- name: Q :many\n"
        "SELECT name FROM u WHERE name = @a OR name IN (@b) OR name = ANY(@c) OR name BETWEEN @d AND @e;\n"
        "-- name: W :exec\n"
        "UPDATE u SET name = @name, tags = @tags;\n",
    )
    assert [p.type for p in sorted(result["Q"].params.values(), key=lambda p: p.number)] == [
        PgType("text"),
        PgType("text"),
        PgType("text", (), 1),
        PgType("text"),
        PgType("text"),
    ]
    assert [(p.name, p.type) for p in result["W"].params.values()] == [
        ("name", PgType("varchar", (64,))),
        ("tags", PgType("varchar", (), 1)),
    ]


def test_block_comment_headers_are_accepted(tmp_path: Path) -> None:
    result = analyse(
        tmp_path,
        SCHEMA,
        "/* name: A :one */\nSELECT email FROM users;\n\n"
        "--  name:  B   :many\nSELECT id FROM users;\n",
    )
    assert shapes(result["A"]) == [("email", "text", 0, False)]
    assert shapes(result["B"]) == [("id", "uuid", 0, False)]


def test_builtin_function_results_follow_postgres(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT ceil(id), ceil(id::numeric), round(1.5), sqrt(2), power(id, 2),"
        " make_interval(days => 1), json_build_object('a', id), to_char(created_at, 'YYYY'),"
        " extract(year FROM created_at), age(created_at), json_agg(title), random()"
        " FROM chats;",
    )
    assert shapes(result) == [
        ("ceil", "float8", 0, False),
        ("ceil", "numeric", 0, False),
        ("round", "numeric", 0, False),
        ("sqrt", "float8", 0, False),
        ("power", "float8", 0, False),
        ("make_interval", "interval", 0, False),
        ("json_build_object", "json", 0, False),
        ("to_char", "text", 0, False),
        ("extract", "numeric", 0, False),
        ("age", "interval", 0, False),
        ("json_agg", "json", 0, True),
        ("random", "float8", 0, False),
    ]


def test_parameters_take_builtin_argument_types(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT pg_advisory_lock(@key), lower(@name), make_interval(secs => @secs),"
        " nullif(id, @skip) FROM chats;",
    )
    assert shapes(result)[0] == ("pg_advisory_lock", "void", 0, False)
    assert params(result) == [
        (1, "key", "int8", False),
        (2, "name", "text", False),
        (3, "secs", "float8", False),
        (4, "skip", "int8", False),
    ]


def test_builtin_called_with_the_wrong_arity_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError, match=re.escape("function random(integer) does not exist")):
        one(tmp_path, "SELECT random(1);")


def test_user_defined_function_gives_result_and_parameter_types(tmp_path: Path) -> None:
    schema = SCHEMA + (
        "CREATE FUNCTION plus(a integer, b integer DEFAULT 1) RETURNS integer"
        " LANGUAGE sql STRICT AS $$ SELECT a + b $$;\n"
        "CREATE FUNCTION loose(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;\n"
    )
    result = analyse(
        tmp_path,
        schema,
        "-- name: Q :one\nSELECT plus(@x), plus(b => @y, a => 2), loose(1), plus(nullif(1, 2));\n",
    )["Q"]
    # STRICT: NULL exactly when an argument is; otherwise the body decides: maybe NULL.
    assert shapes(result) == [
        ("plus", "int4", 0, False),
        ("plus", "int4", 0, False),
        ("loose", "int4", 0, True),
        ("plus", "int4", 0, True),
    ]
    assert params(result) == [(1, "x", "int4", False), (2, "y", "int4", False)]


def test_utility_statements_and_call_run_without_results(tmp_path: Path) -> None:
    schema = SCHEMA + (
        "CREATE PROCEDURE archive(chat bigint, reason text)"
        " LANGUAGE sql AS $$ DELETE FROM chats WHERE id = chat $$;\n"
    )
    result = analyse(
        tmp_path,
        schema,
        "-- name: Truncate :exec\nTRUNCATE chats;\n\n"
        "-- name: Notify :exec\nNOTIFY chats, 'changed';\n\n"
        "-- name: Listen :exec\nLISTEN chats;\n\n"
        "-- name: Archive :exec\nCALL archive(@chat, reason => @reason);\n",
    )
    assert all(shapes(analysis) == [] for analysis in result.values())
    assert params(result["Archive"]) == [(1, "chat", "int8", False), (2, "reason", "text", False)]


def test_ddl_between_queries_is_skipped_as_sqlc_does(tmp_path: Path) -> None:
    result = analyse(
        tmp_path,
        SCHEMA,
        "CREATE TABLE scratch (a int);\n\n"
        "-- name: A :one\nSELECT 1 AS one;\nCREATE TABLE other (b int);\nDROP TABLE other;\n",
    )
    assert shapes(result["A"]) == [("one", "int4", 0, False)]


def test_recursive_cte_and_limit_on_a_set_operation(tmp_path: Path) -> None:
    result = analyse(
        tmp_path,
        SCHEMA,
        "-- name: Tree :many\n"
        "WITH RECURSIVE t AS (SELECT id FROM chats WHERE id = @root"
        " UNION ALL SELECT c.id FROM chats c, t WHERE c.id = t.id + 1) SELECT * FROM t;\n\n"
        "-- name: Both :many\n"
        "SELECT title FROM chats UNION SELECT email FROM users LIMIT @n OFFSET @skip;\n",
    )
    assert shapes(result["Tree"]) == [("id", "int8", 0, False)]
    assert params(result["Tree"]) == [(1, "root", "int8", False)]
    assert params(result["Both"]) == [(1, "n", "int8", False), (2, "skip", "int8", False)]


def test_function_calls_in_from(tmp_path: Path) -> None:
    schema = SCHEMA + (
        "CREATE FUNCTION owned(owner uuid) RETURNS TABLE (chat bigint, title text)"
        " LANGUAGE sql AS $$ SELECT id, title FROM chats WHERE owner_id = owner $$;\n"
    )
    result = analyse(
        tmp_path,
        schema,
        "-- name: Owned :many\nSELECT * FROM owned(@owner);\n\n"
        "-- name: Series :many\nSELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g;\n\n"
        "-- name: Tags :many\n"
        "SELECT tag, n FROM chats, unnest(tags) WITH ORDINALITY AS x (tag, n);\n",
    )
    assert shapes(result["Owned"]) == [("chat", "int8", 0, True), ("title", "text", 0, True)]
    assert params(result["Owned"]) == [(1, "owner", "uuid", False)]
    assert shapes(result["Series"]) == [("g", "int4", 0, True), ("ordinality", "int8", 0, False)]
    assert shapes(result["Tags"]) == [("tag", "text", 0, True), ("n", "int8", 0, False)]


def test_named_parameters_mixed_with_positional_follow_the_highest(tmp_path: Path) -> None:
    result = one(tmp_path, "SELECT id FROM chats WHERE id > $2 AND title <> @title AND mood = $1;")
    assert {p.number: p.type.name if p.type else "?" for p in result.params.values()} == {
        1: "mood",
        2: "int8",
        3: "text",
    }


def test_unnest_and_json_table_functions(tmp_path: Path) -> None:
    result = analyse(
        tmp_path,
        SCHEMA,
        "-- name: Ids :many\nSELECT u.id FROM unnest(@ids::uuid[]) AS u (id);\n\n"
        "-- name: Spread :many\nSELECT unnest(@ids::uuid[]);\n\n"
        "-- name: Meta :many\nSELECT m.key, m.value FROM chats, jsonb_each(chats.meta) AS m;\n",
    )
    assert shapes(result["Ids"]) == [("id", "uuid", 0, True)]
    assert params(result["Ids"]) == [(1, "ids", "uuid", False)]
    assert shapes(result["Spread"]) == [("unnest", "uuid", 0, True)]
    assert shapes(result["Meta"]) == [("key", "text", 0, True), ("value", "jsonb", 0, True)]


def test_update_set_of_a_column_list(tmp_path: Path) -> None:
    result = one(tmp_path, "UPDATE chats SET (title, mood) = (@title, @mood) WHERE id = @id;")
    assert params(result) == [
        (1, "title", "text", False),
        (2, "mood", "mood", True),
        (3, "id", "int8", False),
    ]


def test_missing_semicolon_is_reported_where_it_belongs(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError) as caught:
        analyse(tmp_path, SCHEMA, "-- name: A :many\nSELECT id FROM users\n")
    assert "queries/q.sql:2:21: error: missing semicolon at end of file" in str(caught.value)
    with pytest.raises(SqlgenError) as caught:
        analyse(
            tmp_path,
            SCHEMA,
            "-- name: A :many\nSELECT id FROM users\n\n-- name: B :many\nSELECT 1 AS one;\n",
        )
    assert "queries/q.sql:2:21: error: missing semicolon at end of query A" in str(caught.value)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM users GROUP BY nope;", 'column "nope" does not exist'),
        ("SELECT id FROM users ORDER BY nope;", 'column "nope" does not exist'),
        ("SELECT id FROM users u ORDER BY u.nope;", "column u.nope does not exist"),
        ("SELECT id FROM users ORDER BY lower(nope);", 'column "nope" does not exist'),
    ],
)
def test_group_and_order_by_unknown_columns_are_rejected(
    tmp_path: Path, sql: str, message: str
) -> None:
    with pytest.raises(SqlgenError, match=message):
        one(tmp_path, sql)


def test_group_and_order_by_may_name_outputs_and_positions(tmp_path: Path) -> None:
    result = one(
        tmp_path,
        "SELECT owner_id AS o, count(*) AS n FROM chats GROUP BY o ORDER BY n DESC, 1, o;",
    )
    assert [c[0] for c in shapes(result)] == ["o", "n"]
    one(tmp_path, "SELECT c.title FROM chats c ORDER BY c.created_at, (SELECT 1);")


def test_ungrouped_select_list_column_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError) as caught:
        one(tmp_path, "SELECT owner_id, title FROM chats GROUP BY owner_id;")
    assert (
        'queries/q.sql:2:18: error: query Q: column "chats.title" must appear in the GROUP BY'
        " clause or be used in an aggregate function"
    ) in str(caught.value)
    with pytest.raises(SqlgenError, match=r'column "c\.title" must appear in the GROUP BY'):
        one(tmp_path, "SELECT lower(c.title) FROM chats c GROUP BY c.owner_id;")


@pytest.mark.parametrize(
    "sql",
    [
        # grouping by the primary key allows the table's other columns
        "SELECT c.id, c.title, count(*) AS n FROM chats c GROUP BY c.id;",
        "SELECT u.email, count(c.id) AS n FROM users u JOIN chats c ON c.owner_id = u.id"
        " GROUP BY u.id;",
        # by position and by output name
        "SELECT owner_id, count(*) AS n FROM chats GROUP BY 1;",
        "SELECT lower(title) AS t, count(*) AS n FROM chats GROUP BY t;",
        # an expression equal to a grouped one, qualified or not
        "SELECT lower(c.title) AS t, max(created_at) AS m FROM chats c GROUP BY lower(title);",
        # aggregates and window functions
        "SELECT owner_id, max(title) AS t, sum(count(*)) OVER () AS total"
        " FROM chats GROUP BY owner_id;",
    ],
)
def test_grouped_select_lists_postgres_accepts(tmp_path: Path, sql: str) -> None:
    one(tmp_path, sql)


def test_insert_with_fewer_values_than_listed_columns_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SqlgenError, match="INSERT has more target columns than expressions"):
        one(tmp_path, "INSERT INTO users (id, email) VALUES (@id);", ":exec")
    with pytest.raises(SqlgenError, match="INSERT has more target columns than expressions"):
        one(tmp_path, "INSERT INTO users (id, email) SELECT id FROM users;", ":exec")
    # without a column list the remaining columns take their defaults
    one(tmp_path, "INSERT INTO users VALUES (@id::uuid, @email::text);", ":exec")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "INSERT INTO users (id, email) VALUES (@id, @email)"
            " ON CONFLICT (id_typo) DO UPDATE SET email = EXCLUDED.email;",
            'column "id_typo" does not exist',
        ),
        (
            "INSERT INTO users (id, email) VALUES (@id, @email)"
            " ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email_typo;",
            "column excluded.email_typo does not exist",
        ),
        (
            "INSERT INTO users (id, email) VALUES (@id, @email)"
            " ON CONFLICT DO UPDATE SET email = EXCLUDED.email;",
            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
        ),
    ],
)
def test_on_conflict_errors_postgres_raises(tmp_path: Path, sql: str, message: str) -> None:
    with pytest.raises(SqlgenError, match=message):
        one(tmp_path, sql, ":exec")
    one(
        tmp_path,
        "INSERT INTO users (id, email) VALUES (@id, @email)"
        " ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email || users.email;",
        ":exec",
    )
