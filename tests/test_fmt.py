"""The format stage wraps long lines exactly as black would, and hands any
shape it does not know to black itself (every corpus is held to black in
test_black_reference.py; here, each shape and a long-names stress project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen.codegen import fmt
from pgsqlgen.codegen import render as render_module
from pgsqlgen.codegen.render import render
from pgsqlgen.config.load import load_config
from pgsqlgen.config.model import Config
from pgsqlgen.pipeline import Stage, analyse, run

from sqlgen_helpers import assert_black_identical, write_project

REPO_ROOT = Path(__file__).resolve().parents[1]
LONG = "workspace_agent_context_resource_entry"

STRESS_SCHEMA = {
    "000001_init.up.sql": f"""
        CREATE TYPE {LONG}_state AS ENUM ('first', 'second', 'a value with spaces', '=', 'class');
        CREATE TYPE {LONG}_pair AS (left_side text, right_side {LONG}_state);
        CREATE TABLE {LONG}s (
            id bigserial PRIMARY KEY,
            {LONG}_name text NOT NULL,
            {LONG}_state {LONG}_state NOT NULL DEFAULT 'first',
            {LONG}_tags text[] NOT NULL DEFAULT '{{}}',
            {LONG}_document jsonb,
            {LONG}_pair {LONG}_pair,
            CONSTRAINT {LONG}_name_not_blank CHECK (btrim({LONG}_name) <> '')
        );
        COMMENT ON TABLE {LONG}s IS 'A table whose name is long enough to wrap every signature, with a
        comment that spans lines and ends in a "quote"';
        COMMENT ON COLUMN {LONG}s.{LONG}_name IS 'One name.';
        CREATE UNIQUE INDEX {LONG}_name_idx ON {LONG}s ({LONG}_name);
    """
}
STRESS_QUERIES = {
    "stress.sql": f"""
        -- name: GetTheRowWithTheLongestNameImaginableForThisStressTest :one
        SELECT * FROM {LONG}s WHERE id = @id;

        -- name: ListRowsMatchingManyFiltersAtOnce :many
        SELECT id, {LONG}_name, {LONG}_state FROM {LONG}s
        WHERE {LONG}_name = @{LONG}_name AND {LONG}_state = ANY(@states::{LONG}_state[])
          AND {LONG}_tags @> @tags AND id > @after_id
        ORDER BY id LIMIT @limit_count;

        -- name: InsertTheRowWithEveryColumn :one
        INSERT INTO {LONG}s ({LONG}_name, {LONG}_state, {LONG}_tags, {LONG}_document, {LONG}_pair)
        VALUES (@{LONG}_name, @{LONG}_state, @{LONG}_tags, @{LONG}_document, @{LONG}_pair)
        RETURNING *;

        -- name: CopyRowsInBulkWithEveryColumn :copyfrom
        INSERT INTO {LONG}s ({LONG}_name, {LONG}_state, {LONG}_tags, {LONG}_document)
        VALUES ($1, $2, $3, $4);

        -- name: UpsertManyRowsInOneBatch :batchone
        INSERT INTO {LONG}s (id, {LONG}_name) VALUES (@id, @{LONG}_name)
        ON CONFLICT (id) DO UPDATE SET {LONG}_name = EXCLUDED.{LONG}_name
        RETURNING id, {LONG}_name;

        -- name: DeleteRowsByName :execrows
        DELETE FROM {LONG}s WHERE {LONG}_name = sqlc.arg({LONG}_name);
    """
}


def _rendered(config_path: Path) -> dict[str, str]:
    _, ir = analyse(load_config(config_path))
    return render(ir)


@pytest.mark.parametrize(
    "options", ["", 'models = "pydantic"\n', "emit_async = false\nquery_parameter_limit = 1\n"]
)
def test_long_names_are_wrapped_as_black_wraps_them(tmp_path: Path, options: str) -> None:
    config = write_project(tmp_path, STRESS_SCHEMA, STRESS_QUERIES)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + options)
    modules = _rendered(pyproject)
    assert max(len(line) for text in modules.values() for line in text.splitlines()) > 88
    assert_black_identical(modules)
    assert config.package == "demo"


# Each shape the fast path wraps, at a length that makes black split it.
WRAPPED_SHAPES = {
    "signature": f"def get(self, *, {LONG}_id: int, {LONG}_name: str | None) -> Row | None:\n"
    "    pass\n",
    "one-parameter signature": f"def get_{LONG}_{LONG}(self) -> Row:\n    pass\n",
    "protocol stub": f"class P:\n    def get(self, *, {LONG}_id: int, name: str) -> Row | None: ...\n",
    "parenthesized annotation": f"def f(self, *, {LONG}_a: int, {LONG}_b: {LONG}.Type | None) -> None:"
    "\n    pass\n",
    "field annotation": f"class A:\n    {LONG}_b: {LONG}.Type\n",
    "call": f"cur.execute(QUERY, ({LONG}_a, {LONG}_b, Jsonb({LONG}_c)))\n",
    "assigned call": f"value = self._cursor(args_row({LONG}_{LONG}_{LONG}))\n",
    "with statement": f"with self._server_cursor(args_row({LONG}_{LONG}_row)) as cur:\n    pass\n",
    "import": f"from .models import {LONG}_a, {LONG}_b, {LONG}_c\n",
    "tuple literal": f'PAIRS: tuple[tuple[str, str], ...] = (("{LONG}", "{LONG}"), ("a", "b"))\n',
    "one-item tuple": f'PAIRS: tuple[tuple[str, str], ...] = (("{LONG}", "{LONG}_b"),)\n',
    "assigned string": f'class C:\n    {LONG.upper()} = "{LONG}_{LONG[:20]}"\n',
    "comprehension": f"for values in (({LONG}.a, {LONG}.b, {LONG}.c) for {LONG} in rows):\n"
    "    pass\n",
    "class bases": f"class Queries({LONG}_A, {LONG}_B):\n    pass\n",
    "long docstring": f'def f() -> None:\n    """{LONG} {LONG}\n\n    {LONG} {LONG}\n    """\n',
    "comment line": f"# {LONG} {LONG}\nx = 1\n",
    "signature with a long name": f"def get_{LONG}_{LONG}(self, *, a: int) -> Row:\n    pass\n",
    "long subscript return": f"def get(self, *, a: int) -> list[{LONG}{LONG}Row]: ...\n",
    "long generator return": f"def get(self) -> Generator[{LONG}{LONG}Row, None, None]:\n    pass\n",
    "union return": f"def get(self, *, {LONG}: int) -> {LONG}{LONG[:20]}Row | None:\n    pass\n",
    "long union return": f"def get(self, *, a: int) -> {LONG}{LONG}Row | None:\n    pass\n",
    "long name return": f"def get(self, *, a: int) -> {LONG}{LONG}{LONG}Row:\n    pass\n",
    "long constant before a block string": f'{LONG.upper()}_{LONG.upper()} = """\\\nSELECT 1\n"""\n',
    "assignment in parentheses": f"_ROW_{LONG.upper()}_{LONG.upper()[:24]} = args_row({LONG[:30]})\n",
    "assignment with a long target": f"_ROW_{LONG.upper()}_{LONG.upper()} = args_row({LONG}, a)\n",
    "annotated row factory": f"_SCALAR_{LONG.upper()}: BaseRowFactory[{LONG} | None] = scalar_row\n",
    "class without bases": f"class {LONG}{LONG}{LONG}:\n    pass\n",
    "exploded call": f"def f() -> None:\n    return {LONG}{LONG}{LONG}(\n        a=1,\n    )\n",
    # Parameters cut at their commas without the tokenizer, and those it must read.
    "subscripted parameters": f"def f(self, *, {LONG}: dict[str, list[int]], b: tuple[int, ...]) -> None:"
    "\n    pass\n",
    "string default": f'def f(self, *, {LONG}_a: str = "a, (b", {LONG}_b: int = 1) -> None:\n    pass\n',
    "call default": f"def f(self, *, {LONG}_a: int = g(1, 2), {LONG}_b: list[int] = []) -> None:"
    "\n    pass\n",
    "call of a long call": f'def f() -> None:\n    return self._around("{LONG}", functools.partial('
    f"self._inner.{LONG}, a=a, b=b, {LONG}={LONG}))\n",
}


@pytest.mark.parametrize("source", WRAPPED_SHAPES.values(), ids=WRAPPED_SHAPES.keys())
def test_each_shape_is_wrapped_as_black_wraps_it(source: str) -> None:
    assert fmt.fast_format(source) == fmt.format_with_black(source)


def test_parameters_laid_out_once_serve_every_head_and_indent() -> None:
    """The parameter list a method has in every flavour and page is laid out once a
    render: another head, return annotation or indent takes it as black would."""
    parameters = f"self, {LONG}: int, {LONG}_b: dict[str, list[int]] | None = None"
    module = (
        f"class A:\n    def {LONG}({parameters}) -> int:\n        pass\n\n"
        f"    async def {LONG}({parameters}) -> list[int]:\n        pass\n\n\n"
        f"class P(Protocol):\n    def {LONG}({parameters}) -> int: ...\n\n\n"
        f"def {LONG}({parameters}) -> None:\n    pass\n"
    )
    fmt.forget_layouts()
    assert fmt.fast_format(module) == fmt.format_with_black(module)
    assert fmt.fast_format(module) == fmt.format_with_black(module)  # all laid out before


@pytest.mark.parametrize(
    "source",
    [
        # A long expression with operators at depth 0: black splits it at the
        # operators, which the fast path leaves to black.
        f"value = {LONG}(1) + {LONG}(2) + {LONG}(3)\n",
        # A with statement holding two context managers.
        f"with open({LONG}) as first, open({LONG}) as second:\n    pass\n",
        # A trailing comment, which black may carry into new parentheses.
        f'{LONG.upper()} = "{LONG}"  # {LONG}\n',
        # A union whose member black splits at its own brackets too.
        f"def get(self) -> dict[str, {LONG}{LONG} | None] | None:\n    pass\n",
    ],
    ids=["operators", "two-context-managers", "trailing-comment", "union-of-a-long-subscript"],
)
def test_other_shapes_go_through_black(source: str) -> None:
    assert fmt.fast_format(source) is None
    assert fmt.format_python(source) == fmt.format_with_black(source)


def test_short_lines_and_strings_are_left_alone() -> None:
    source = f'X = """\\\n{LONG} {LONG}\n"""\n\n\ndef f() -> None:\n    """{LONG} {LONG}."""\n'
    assert fmt.fast_format(source) == source == fmt.format_with_black(source)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 WHERE a LIKE 'x\\_%' ESCAPE '\\'",
        "SELECT '\"\"\"' AS quotes, E'\\n' AS newline",
        'SELECT 1 AS "ends in a quote"',
        "SELECT '\\' AS backslash_last\\",
    ],
    ids=["like-escape", "triple-quotes", "final-quote", "final-backslash"],
)
def test_sql_with_escapes_is_a_block_string_of_the_same_text(sql: str) -> None:
    """Escapes stay inside a block string, whose first line is all black looks at."""
    literal = render_module._sql_literal(sql)
    assert literal.startswith('"""\\\n')
    assert eval(literal) == sql + "\n"
    source = f"{LONG.upper()}_{LONG.upper()} = {literal}\n"
    assert fmt.fast_format(source) == source == fmt.format_with_black(source)


def _through_black(config: Config) -> str:
    """The render stage's count of modules formatted by black."""
    stages: list[Stage] = []
    result = run(config, stages.append)
    detail = next(stage.detail for stage in stages if stage.name == "render and format")
    assert "modules through black" in detail
    return detail.rsplit(", ", 1)[1] + " | " + result.files["models.py"]


def test_only_modules_from_user_templates_go_through_black(tmp_path: Path) -> None:
    write_project(tmp_path, STRESS_SCHEMA, STRESS_QUERIES)
    pyproject = tmp_path / "pyproject.toml"
    assert _through_black(load_config(pyproject)).startswith("0 modules through black")
    templates = tmp_path / "templates"
    templates.mkdir()
    # A user's layout need not be black's: single quotes, a short line to join.
    (templates / "models.py.j2").write_text(
        '{% extends "sqlgen/models.py.j2" %}\n'
        "{% block model_members %}\n\n"
        "    def table_name(self) -> str:\n"
        "        return (\n            '{{ m.pg_name }}'\n        )\n"
        "{% endblock %}\n"
    )
    pyproject.write_text(pyproject.read_text() + 'templates = "templates"\n')
    reported = _through_black(load_config(pyproject))
    assert reported.startswith("1 modules through black")
    assert f'        return "{LONG}s"\n' in reported


@pytest.mark.parametrize(
    "prefix", ["return self._around(", "return await self._around(", "return self._stream("]
)
def test_a_delegation_is_wrapped_by_its_lengths_as_by_the_general_split(prefix: str) -> None:
    """Every length of name and arguments around each place the layout changes:
    the fast path gives what the general right-hand split gives, or declines."""
    checked = 0
    for name_length in range(1, 80, 3):
        name = "q" * name_length
        for count in range(1, 7):
            for width in (1, 5, 12, 30, 60):
                args = ", ".join(
                    f"{'a' * width}{index}={'a' * width}{index}" for index in range(count)
                )
                text = f'{prefix}"{name}", functools.partial(self._inner.{name}, {args}))'
                for indent in ("        ", "            "):
                    if len(indent) + len(text) <= fmt.LINE_LENGTH:
                        continue
                    match = fmt._DELEGATION.match(text)
                    assert match is not None, text
                    try:
                        fast = fmt._wrap_delegation(indent, match)
                    except fmt._Unsupported:
                        continue
                    assert fast == fmt._right_hand_split(indent, text), text
                    checked += 1
    assert checked > 500
