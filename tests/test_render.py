"""Rendering: names, Python types, and the shape of the generated code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgsqlgen.codegen.naming import (
    constant_name,
    escape_identifier,
    pascal_case,
    singular,
    snake_case,
)
from pgsqlgen.codegen.write import compare
from pgsqlgen.config.load import load_config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import run

from sqlgen_helpers import write_project

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_names_are_predictable_and_valid_python() -> None:
    assert snake_case("GetChatByID") == "get_chat_by_id"
    assert snake_case("ListHTTPRoutes") == "list_http_routes"
    assert pascal_case("workspace_agent_context_body_kind") == "WorkspaceAgentContextBodyKind"
    assert [singular(n) for n in ["chats", "chat_diff_statuses", "policies", "addresses"]] == [
        "chat",
        "chat_diff_status",
        "policy",
        "address",
    ]
    assert [escape_identifier(n) for n in ["class", "from", "1st", "match", "ok"]] == [
        "class_",
        "from_",
        "_1st",
        "match_",
        "ok",
    ]
    assert [constant_name(v) for v in ["in-progress", "=", "2fa", "ok"]] == [
        "IN_PROGRESS",
        "VALUE_3D",
        "_2FA",
        "OK",
    ]


def test_generated_code_shape(tmp_path: Path) -> None:
    config = write_project(
        tmp_path,
        {
            "000001_init.up.sql": """
                CREATE TYPE "state" AS ENUM ('on', 'off', 'in-between');
                CREATE TABLE things (
                    id bigserial PRIMARY KEY,
                    "class" text NOT NULL,
                    "order" int,
                    state state NOT NULL,
                    doc jsonb,
                    data bytea
                );
                COMMENT ON TABLE things IS 'Things with "quotes" and \\ backslashes.';
            """
        },
        {
            "things.sql": """
                -- name: GetThing :one
                -- Fetch a thing.
                SELECT * FROM things WHERE id = @id;

                -- name: ThingClasses :many
                SELECT id, "class" FROM things WHERE state = ANY(@states::state[]);

                -- name: SetDoc :execrows
                UPDATE things SET doc = @doc WHERE id = @id;
            """
        },
    )
    files = run(config).files
    models = files["models.py"]
    assert "class State(enum.StrEnum):" in models
    assert 'IN_BETWEEN = "in-between"' in models
    assert "class_: str" in models
    assert "doc: JsonValue | None" in models
    assert '"""Things with \\"\\"\\"quotes' not in models  # docstrings stay valid Python
    compile(models, "models.py", "exec")
    things = files["things_sql.py"]
    assert "def get_thing(self, *, id: int) -> Thing | None:" in things
    assert '"""Fetch a thing."""' in things
    assert "def thing_classes(self, *, states: list[State]) -> list[ThingClassesRow]:" in things
    assert "cur.execute(SET_DOC, (jsonb_or_none(doc), id))" in things
    assert 'SELECT id, class, "order", state, doc, data FROM things WHERE id = $1' in things
    for name, text in files.items():
        if name.endswith(".py"):
            compile(text, name, "exec")


def test_ir_is_json_with_params_and_columns(tmp_path: Path) -> None:
    config = write_project(
        tmp_path,
        {"000001_init.up.sql": "CREATE TABLE t (id int PRIMARY KEY, name text);"},
        {"t.sql": "-- name: GetT :one\nSELECT name FROM t WHERE id = @id;\n"},
    )
    ir = json.loads(run(config).ir.to_json())
    (query,) = ir["modules"][0]["queries"]
    assert query["name"] == "GetT" and query["command"] == ":one" and query["line"] == 1
    assert query["params"][0] | {"bind": None} == {
        "number": 1,
        "name": "id",
        "arg": "id",
        "pg_type": "int4",
        "array_dims": 0,
        "nullable": False,
        "python_type": "int",
        "annotation": "int",
        "bind": None,
        "wrap_jsonb": False,
        "overridden": False,
    }
    assert query["columns"][0]["pg_type"] == "text" and query["columns"][0]["nullable"] is True
    assert query["columns"][0]["table"] == "t"


def test_repository_output_is_current() -> None:
    config = load_config(REPO_ROOT / "pyproject.toml")
    drift = compare(config.out, run(config).files)
    assert drift.clean, f"generated/ is stale; run `make gen`\n{drift.diff}"


def test_query_parameter_limit_from_config(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {"000001_init.up.sql": "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);"},
        {"t.sql": "-- name: RenameT :exec\nUPDATE t SET name = @name WHERE id = @id;\n"},
    )
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "query_parameter_limit = 1\n")
    module = run(load_config(pyproject)).files["t_sql.py"]
    assert "def rename_t(self, params: RenameTParams, /) -> None:" in module
    pyproject.write_text(pyproject.read_text().replace("= 1", "= -1"))
    with pytest.raises(SqlgenError, match="query_parameter_limit must be a whole number >= 0"):
        load_config(pyproject)
