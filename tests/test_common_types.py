"""One type from several inputs and values stored into columns, as PostgreSQL decides them
(manual chapter 10, sections 10.5 "UNION, CASE, and Related Constructs" and 10.4 "Value
Storage"), and whole-row values of FROM items. Each construct is shown by the smallest
query, checked against PostgreSQL's describe (``sqlgen verify --queries``), or rejected
with PostgreSQL's message."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen.codegen.ir.model import Query
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.common_type import CommonTypeError, can_coerce, select_common_type
from pgsqlgen.pg.types import PgType
from pgsqlgen.pipeline import analyse

from sqlgen_helpers import (
    assert_query_rejected,
    described_query,
    write_project,
)
from sqlgen_helpers import column_types as columns
from sqlgen_helpers import param_types as params

SCHEMA = """
CREATE DOMAIN label AS text;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TYPE pair AS (x integer, y text);
CREATE TABLE t (
    id integer PRIMARY KEY,
    small smallint NOT NULL,
    big bigint,
    name varchar(10) NOT NULL,
    note text,
    amount numeric NOT NULL,
    title label NOT NULL,
    feeling mood
);
CREATE FUNCTION pairs(n integer) RETURNS SETOF pair LANGUAGE sql AS 'SELECT n, NULL::text';
CREATE FUNCTION rows_of(n integer) RETURNS TABLE (k integer, w text)
    LANGUAGE sql AS 'SELECT n, NULL::text';
CREATE FUNCTION first_of(p pair) RETURNS integer LANGUAGE sql AS 'SELECT p.x';
"""

INT4, INT8, TEXT = PgType("int4"), PgType("int8"), PgType("text")


def query(tmp_path: Path, server_url: str, sql: str, kind: str = ":many") -> Query:
    return described_query(tmp_path, server_url, SCHEMA, sql, kind)


def assert_rejected(tmp_path: Path, sql: str, message: str) -> None:
    assert_query_rejected(tmp_path, SCHEMA, sql, message)


# -- The rules themselves ----------------------------------------------------------------


def test_select_common_type_rules() -> None:
    # All unknown is text; an unknown input takes the known one's type.
    assert select_common_type([None, None], "CASE") == TEXT
    assert select_common_type([None, PgType("int2")], "CASE") == PgType("int2")
    # The one every earlier choice converts to implicitly, but not back.
    assert select_common_type([INT4, INT8, PgType("numeric")], "CASE") == PgType("numeric")
    # The preferred type of the category stays once chosen.
    assert select_common_type([PgType("float8"), PgType("numeric")], "CASE") == PgType("float8")
    # Modifiers stay only when every input has them alike.
    varchar10 = PgType("varchar", (10,))
    assert select_common_type([varchar10, varchar10], "CASE") == varchar10
    assert select_common_type([varchar10, PgType("varchar", (20,))], "CASE") == PgType("varchar")
    assert select_common_type([INT4.array_of(), INT8.array_of()], "ARRAY") == INT8.array_of()
    with pytest.raises(CommonTypeError, match="UNION types text and integer cannot be matched"):
        select_common_type([TEXT, INT4], "UNION")


def test_select_common_type_domains_and_unconvertible_inputs() -> None:
    def base(pg_type: PgType) -> PgType:
        return TEXT if pg_type.name == "label" else pg_type

    label = PgType("label")
    # A domain stays only when every input is of it; otherwise it is its base type.
    assert select_common_type([label, label], "CASE", base) == label
    assert select_common_type([label, None], "CASE", base) == TEXT
    # Same category, no implicit cast either way: the second cannot be converted.
    with pytest.raises(CommonTypeError, match="CASE could not convert type b to a") as error:
        select_common_type([PgType("a"), PgType("b")], "CASE")
    assert error.value.position == 1


def test_can_coerce_contexts() -> None:
    # Assignment casts and I/O conversion to a string type are for storing values only.
    assert can_coerce(INT8, INT4, "a") and not can_coerce(INT8, INT4, "i")
    assert can_coerce(INT4, TEXT, "a") and not can_coerce(INT4, TEXT, "i")
    assert not can_coerce(TEXT, INT4, "a")
    assert can_coerce(INT4.array_of(), INT8.array_of(), "i")
    assert can_coerce(None, INT4, "i")


# -- Section 10.5 in queries ------------------------------------------------------------


def test_case_parameter_takes_the_else_type(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT CASE WHEN id > 0 THEN @p ELSE 'x'::text END AS c FROM t;"
    q = query(tmp_path, pg_server_url, sql)
    assert params(q) == [("p", "text")]
    assert columns(q) == [("c", "str")]


def test_case_results_of_a_common_type(tmp_path: Path, pg_server_url: str) -> None:
    # int2, int4 and numeric: numeric; no ELSE makes it nullable.
    sql = "SELECT CASE WHEN id > 0 THEN small WHEN id < 0 THEN amount END AS c FROM t;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("c", "decimal.Decimal | None")]


def test_case_of_a_domain_and_a_literal_is_its_base_type(
    tmp_path: Path, pg_server_url: str
) -> None:
    sql = "SELECT CASE WHEN id > 0 THEN title ELSE 'none' END AS c FROM t;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("c", "str")]


def test_coalesce_parameter_takes_the_common_type(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT COALESCE(@a, 1::int8) AS c;")
    assert params(q) == [("a", "int8")]
    # Not NULL when any argument is not.
    assert columns(q) == [("c", "int")]


def test_coalesce_of_nullable_columns_is_nullable(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT COALESCE(big, id) AS c, COALESCE(big, 1) FROM t;")
    assert columns(q) == [("c", "int"), ("coalesce", "int")]
    q = query(tmp_path / "n", pg_server_url, "SELECT COALESCE(note, name) AS c FROM t;")
    assert columns(q) == [("c", "str")]


def test_greatest_and_least(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT GREATEST(@a, 2, 3.5) AS g, LEAST(big, small) AS l FROM t;"
    q = query(tmp_path, pg_server_url, sql)
    assert params(q) == [("a", "numeric")]
    # NULL only when every argument is: GREATEST and LEAST ignore NULLs.
    assert columns(q) == [("g", "decimal.Decimal"), ("l", "int")]


def test_nullif_is_the_equality_operator(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT NULLIF(@a, 1) AS n, NULLIF(small, 1) AS s FROM t;")
    assert params(q) == [("a", "int4")]
    assert columns(q) == [("n", "int | None"), ("s", "int | None")]


def test_array_elements_of_a_common_type(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT ARRAY[id, big, @p] AS a FROM t;")
    assert params(q) == [("p", "int8")]
    assert columns(q) == [("a", "list[int]")]


def test_array_cast_converts_each_element(tmp_path: Path, pg_server_url: str) -> None:
    # No common type first: the cast's element type for every element, nested too.
    q = query(
        tmp_path, pg_server_url, "SELECT ARRAY[@a, @b]::int[] AS x, ARRAY[ARRAY[@c]]::int8[] AS y;"
    )
    assert params(q) == [("a", "int4"), ("b", "int4"), ("c", "int8")]


def test_array_of_parameters_is_text_outside_a_cast(tmp_path: Path) -> None:
    # Outside a cast, ARRAY[$1] is text[], which a numeric column does not take.
    assert_rejected(
        tmp_path,
        "INSERT INTO t (id, small, name, amount, title) VALUES (1, 1, 'n', ARRAY[@a], 't');",
        'column "amount" is of type numeric but expression is of type text[]',
    )


def test_values_rows_of_a_common_type(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT v.a, v.b FROM (VALUES (@x, 'one'), (2.5, NULL)) AS v (a, b);"
    q = query(tmp_path, pg_server_url, sql)
    assert params(q) == [("x", "numeric")]
    assert columns(q) == [("a", "decimal.Decimal"), ("b", "str | None")]


def test_union_columns_of_a_common_type(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT id FROM t UNION SELECT big FROM t;")
    assert columns(q) == [("id", "int | None")]


def test_union_parameters_and_literals_take_the_other_side(
    tmp_path: Path, pg_server_url: str
) -> None:
    q = query(tmp_path, pg_server_url, "SELECT @a AS x, NULL AS y UNION SELECT 1, small FROM t;")
    assert params(q) == [("a", "int4")]
    assert columns(q) == [("x", "int"), ("y", "int | None")]


def test_nested_set_operations_left_to_right(tmp_path: Path, pg_server_url: str) -> None:
    sql = "SELECT NULL AS x UNION SELECT 1::int8 INTERSECT SELECT 2.5 EXCEPT SELECT small FROM t;"
    assert columns(query(tmp_path, pg_server_url, sql)) == [("x", "decimal.Decimal | None")]


def test_recursive_query_typed_by_its_non_recursive_term(
    tmp_path: Path, pg_server_url: str
) -> None:
    sql = (
        "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < @m)"
        " SELECT n FROM r;"
    )
    q = query(tmp_path, pg_server_url, sql)
    assert params(q) == [("m", "int4")]
    assert columns(q) == [("n", "int")]


def test_in_list_of_several_items_takes_the_common_type(tmp_path: Path, pg_server_url: str) -> None:
    # Several items: an array of the common type (varchar); one item: the = operator's text.
    q = query(tmp_path, pg_server_url, "SELECT id FROM t WHERE name IN (@a, @b);")
    assert params(q) == [("a", "varchar"), ("b", "varchar")]
    q = query(tmp_path / "one", pg_server_url, "SELECT id FROM t WHERE name IN (@a);")
    assert params(q) == [("a", "text")]
    q = query(tmp_path / "lhs", pg_server_url, "SELECT id FROM t WHERE @x IN (1, 2.5);")
    assert params(q) == [("x", "numeric")]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT CASE WHEN id > 0 THEN 1 ELSE 'x'::text END FROM t;",
            "CASE types text and integer",
        ),
        ("SELECT COALESCE(id, note) FROM t;", "COALESCE types integer and text"),
        ("SELECT GREATEST(id, note) FROM t;", "GREATEST types integer and text"),
        ("SELECT LEAST(id, note) FROM t;", "LEAST types integer and text"),
        ("SELECT ARRAY[id, note] FROM t;", "ARRAY types integer and text"),
        ("SELECT * FROM (VALUES (1), ('a'::text)) AS v (a);", "VALUES types integer and text"),
        ("SELECT id FROM t UNION SELECT note FROM t;", "UNION types integer and text"),
        ("SELECT id FROM t INTERSECT SELECT note FROM t;", "INTERSECT types integer and text"),
        ("SELECT id FROM t EXCEPT SELECT note FROM t;", "EXCEPT types integer and text"),
        ("SELECT @a UNION SELECT @b UNION SELECT 1;", "UNION types text and integer"),
        ("SELECT CASE WHEN id > 0 THEN feeling ELSE note END FROM t;", "CASE types text and mood"),
    ],
)
def test_inputs_of_no_common_type_are_rejected(tmp_path: Path, sql: str, message: str) -> None:
    assert_rejected(tmp_path, sql, f"{message} cannot be matched")


def test_recursive_query_untyped_start_is_text(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "WITH RECURSIVE r (n) AS (SELECT @a UNION ALL SELECT n || 'x' FROM r"
        " WHERE length(n) < 3) SELECT n FROM r;"
    )
    q = query(tmp_path, pg_server_url, sql)
    assert params(q) == [("a", "text")]
    assert columns(q) == [("n", "str")]


def test_recursive_query_changing_type_is_rejected(tmp_path: Path) -> None:
    sql = "WITH RECURSIVE r (n) AS (SELECT NULL UNION ALL SELECT 1 FROM r) SELECT n FROM r;"
    message = 'recursive query "r" column 1 has type text in non-recursive term but type integer'
    assert_rejected(tmp_path, sql, message)


# -- Section 10.4: values stored into columns -------------------------------------------


def test_stored_values_convert_by_assignment(tmp_path: Path, pg_server_url: str) -> None:
    sql = (
        "INSERT INTO t (id, small, name, amount, title, note)"
        " VALUES (@id::int8, 2.5, 'n', 1, 'x', @n::int4);"
    )
    q = query(tmp_path, pg_server_url, sql, ":exec")
    assert params(q) == [("id", "int8"), ("n", "int4")]


def test_parameters_take_the_column_type(tmp_path: Path, pg_server_url: str) -> None:
    sql = "UPDATE t SET big = @big, note = 5 WHERE id = @id;"
    q = query(tmp_path, pg_server_url, sql, ":exec")
    assert params(q) == [("big", "int8"), ("id", "int4")]


def test_insert_select_stores_untyped_literals(tmp_path: Path, pg_server_url: str) -> None:
    sql = "INSERT INTO t (id, small, name, amount, title) SELECT 1, '2', 'n', NULL, 'x';"
    assert query(tmp_path, pg_server_url, sql, ":exec").params == ()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("INSERT INTO t (id) VALUES ('1'::text);", 'column "id" is of type integer but'),
        ("INSERT INTO t (id) SELECT note FROM t;", 'column "id" is of type integer but'),
        ("UPDATE t SET id = note;", 'column "id" is of type integer but'),
        ("UPDATE t SET feeling = note;", 'column "feeling" is of type mood but'),
    ],
)
def test_values_of_no_assignment_cast_are_rejected(tmp_path: Path, sql: str, message: str) -> None:
    shown = "text" if "note" in sql or "text" in sql else ""
    assert_rejected(tmp_path, sql, f"{message} expression is of type {shown}")


# -- Whole-row values of FROM items -----------------------------------------------------


def test_function_alias_fields(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT (p).*, (p).x AS px FROM pairs(1) AS p;")
    assert columns(q) == [("x", "int | None"), ("y", "str | None"), ("px", "int | None")]
    q = query(tmp_path / "table", pg_server_url, "SELECT (r).* FROM rows_of(1) AS r;")
    assert columns(q) == [("k", "int | None"), ("w", "str | None")]


def test_function_returning_a_composite_type_has_its_columns(
    tmp_path: Path, pg_server_url: str
) -> None:
    q = query(tmp_path, pg_server_url, "SELECT x, y FROM pairs(1);")
    assert columns(q) == [("x", "int | None"), ("y", "str | None")]


def test_alias_passed_as_a_row(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT first_of(p) AS f, p::text AS s FROM pairs(1) AS p;")
    assert columns(q) == [("f", "int | None"), ("s", "str")]


def test_table_row_values(tmp_path: Path, pg_server_url: str) -> None:
    q = query(tmp_path, pg_server_url, "SELECT t.*::text, (t).id FROM t;")
    assert columns(q) == [("t", "str"), ("id", "int")]


def test_missing_field_is_rejected(tmp_path: Path) -> None:
    assert_rejected(tmp_path, "SELECT (p).z FROM pairs(1) AS p;", "column p.z does not exist")


def test_simple_case_compares_with_the_equality_operator(
    tmp_path: Path, pg_server_url: str
) -> None:
    q = query(tmp_path, pg_server_url, "SELECT CASE small WHEN @p THEN 1 END AS c FROM t;")
    assert params(q) == [("p", "int2")]
    # An operand of unknown type is text.
    q = query(tmp_path / "o", pg_server_url, "SELECT CASE @r WHEN 'a' THEN 1 ELSE 2 END AS c;")
    assert params(q) == [("r", "text")]
    assert columns(q) == [("c", "int")]


def test_insert_select_of_a_set_operation_stores_its_common_type(tmp_path: Path) -> None:
    # The two parameters resolve to text together, before the target column is seen.
    sql = "INSERT INTO t (id, name) SELECT @x, 'a' UNION ALL SELECT @z, NULL;"
    config = write_project(
        tmp_path, {"000001_init.up.sql": SCHEMA}, {"q.sql": f"-- name: Q :exec\n{sql}\n"}
    )
    with pytest.raises(SqlgenError, match='column "id" is of type integer but expression is of'):
        analyse(config)
