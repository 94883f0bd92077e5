"""The cases each speed shortcut of the catalog and analysis stages must still handle:
every shortcut rests on a precondition (stated in its docstring), and each test here
is a case at the edge of one, checked against PostgreSQL where PostgreSQL decides."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from sqlglot import exp

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.resolve import ResolutionError, TypeSystem, resolve_operator
from pgsqlgen.pg.types import PgType
from pgsqlgen.queries.analysis.expressions import INERT
from pgsqlgen.queries.analysis.model import Param, Scope
from pgsqlgen.queries.analysis.statements import Analyser
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile


def _build(sql: str) -> Catalog:
    statements, problems = parse_file(SourceFile(Path("s.sql"), "s.sql", textwrap.dedent(sql)))
    assert problems == []
    return build_catalog(statements)


def _notices(url: str, sql: str) -> list[str]:
    notices: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute(textwrap.dedent(sql))
    return notices


LONG = "a_name_that_goes_on_and_on_nearly_to_what_postgresql_keeps_"  # 60 bytes


@pytest.mark.parametrize(
    "sql",
    [
        # A quote inside a string before the name: the quotes pair up wrongly.
        f"""CREATE TABLE t (c text DEFAULT 'a "quote as long as this', "{LONG} and more" int);""",
        # Doubled quotes: no stretch between two quotes is 64 bytes, the name is.
        f'CREATE TABLE t ("{LONG[:30]}""{LONG[:30]}""x" int);',
        # Four-byte characters: 16 of them are 64 bytes.
        'CREATE TABLE "' + "\U0001f600" * 16 + '" (c int);',
        # Words of 16 characters or more that stay short give no notice.
        "CREATE TABLE a_table_named_long_enough (a_column_named_long_enough int);",
    ],
    ids=["quote-in-string", "doubled-quotes", "four-byte", "short"],
)
def test_truncation_notices_behind_the_quick_filter(empty_db: str, sql: str) -> None:
    # The warning filter tokenizes only a statement that may hold a name of 64 bytes.
    assert [w.message for w in _build(sql).warnings] == _notices(empty_db, sql)


def test_operator_resolution_of_schema_types_is_not_remembered() -> None:
    # Built-in operands are resolved once per process; an enum operand reads the
    # schema, which differs from one catalog to the next.
    enum = TypeSystem(lambda name: "e" if name == "mood" else None)
    resolved = resolve_operator("=", PgType("mood"), None, types=enum)
    assert resolved.params == (PgType("mood"), PgType("mood"))
    assert resolved.candidate is not None and resolved.candidate.left == "anyenum"
    with pytest.raises(ResolutionError, match="operator does not exist: mood = unknown"):
        resolve_operator("=", PgType("mood"), None)


def test_remembered_operator_errors_are_raised_each_time() -> None:
    for _ in range(2):
        with pytest.raises(ResolutionError, match="operator does not exist: boolean = integer"):
            resolve_operator("=", PgType("bool"), PgType("int4"))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT t.a, 'x', $1, 1.5, -2, $2::numeric(10, 2)[], CAST($3 AS varchar(9)) FROM t",
        "SELECT interval '1' day, $1::interval day to second, $2::timestamptz(3), u.* FROM u",
        'SELECT $1::public.mood, $2::bit varying(4), $3::int[][] WHERE t."Quoted" = 1',
    ],
)
def test_inert_nodes_hold_nothing_to_infer(sql: str) -> None:
    # The inference walk stops at INERT nodes: nothing at or below one may give a
    # parameter a type, or it would be missed.
    tree = sqlglot_parse(sql)
    params = {n: Param(n, f"${n}") for n in (1, 2, 3)}
    analyser = Analyser(Catalog(), params)
    inert = [node for node in tree.walk() if isinstance(node, INERT)]
    assert {type(node) for node in inert} >= {exp.Column, exp.Literal, exp.Parameter}
    for node in inert:
        for below in node.walk():
            analyser._infer_here(below, Scope())
    assert all(param.type is None and param.hint is None for param in params.values())


def sqlglot_parse(sql: str) -> exp.Expr:
    statements, problems = parse_file(SourceFile(Path("q.sql"), "q.sql", sql))
    assert problems == []
    return statements[0].expression


def _constraint_names(catalog: Catalog) -> set[str]:
    return {c.name for t in catalog.tables.values() for c in t.constraints} | {
        c.name for d in catalog.domains.values() for c in d.checks
    }


def test_chosen_constraint_names_see_renamed_ones(empty_db: str) -> None:
    # A name is looked for among all constraints only when some constraint has had
    # it: a rename gives one, and the next default name must step past it.
    sql = """
        CREATE TABLE t (a int CONSTRAINT first CHECK (a > 0), b int);
        ALTER TABLE t RENAME CONSTRAINT first TO t_a_key;
        ALTER TABLE t ADD UNIQUE (a);
        CREATE DOMAIN d AS int CONSTRAINT named CHECK (VALUE > 0);
        ALTER DOMAIN d RENAME CONSTRAINT named TO u_b_check;
        CREATE TABLE u (b int CHECK (b > 1));
    """
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(textwrap.dedent(sql))
        live = {
            row[0]
            for row in conn.execute(
                "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE nspname = 'public'"
            )
        }
    assert _constraint_names(_build(sql)) == live
    assert {"t_a_key1", "u_b_check1"} <= live


_UNPICKLE_AND_ADD = """
import pickle, sys
from pathlib import Path
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile
catalog = pickle.loads(sys.stdin.buffer.read())
statements, _ = parse_file(SourceFile(Path("s.sql"), "s.sql", "ALTER TABLE t ADD UNIQUE (a);"))
catalog = build_catalog(statements, start=catalog)
print(sorted(c.name for c in catalog.tables["t"].constraints))
"""


def test_chosen_constraint_names_see_unpickled_ones() -> None:
    # A catalog the incremental cache kept comes from another process: unpickling
    # gives its names to this one.
    catalog = _build("CREATE TABLE t (a int CONSTRAINT t_a_key CHECK (a > 0));")
    done = subprocess.run(
        [sys.executable, "-c", _UNPICKLE_AND_ADD],
        input=pickle.dumps(catalog),
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode().strip() == "['t_a_key', 't_a_key1']"


def test_dropping_views_and_referenced_tables() -> None:
    # Only a table's drop looks for the foreign keys that reference it; a view cannot
    # be referenced, and dropping one over a referenced table leaves the key alone.
    sql = """
        CREATE TABLE a (id int PRIMARY KEY);
        CREATE TABLE b (a_id int REFERENCES a);
        CREATE VIEW v AS SELECT id FROM a;
        DROP VIEW v;
    """
    catalog = _build(sql)
    assert [c.name for c in catalog.tables["b"].constraints] == ["b_a_id_fkey"]
    with pytest.raises(SqlgenError, match="constraint b_a_id_fkey on table b depends on table a"):
        _build(sql + "DROP TABLE a;")
    with pytest.raises(SqlgenError, match='relation "v"'):
        _build(
            "CREATE TABLE a (id int PRIMARY KEY); CREATE VIEW v AS SELECT id FROM a;"
            " CREATE TABLE b (v_id int REFERENCES v);"
        )


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        (
            "CREATE TABLE a (id int UNIQUE DEFERRABLE);"
            " CREATE TABLE b (a_id int REFERENCES a (id));",
            'cannot use a deferrable unique constraint for referenced table "a"',
        ),
        (
            "CREATE TABLE a (id int UNIQUE DEFERRABLE); CREATE UNIQUE INDEX a_id ON a (id);"
            " CREATE TABLE b (a_id int REFERENCES a (id));",
            None,
        ),
    ],
    ids=["deferrable-only", "with-unique-index"],
)
def test_foreign_keys_to_deferrable_keys(empty_db: str, sql: str, error: str | None) -> None:
    # The indexes are looked through only when every matching key is deferrable.
    with psycopg.connect(empty_db, autocommit=True) as conn:
        if error is None:
            conn.execute(sql)
        else:
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match=error):
                conn.execute(sql)
    if error is None:
        assert "b_a_id_fkey" in _constraint_names(_build(sql))
    else:
        with pytest.raises(SqlgenError, match=error):
            _build(sql)
