"""Helpers to build catalogs and analyse queries from inline SQL in tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.codegen import fmt
from pgsqlgen.codegen.ir.model import Ir, Query
from pgsqlgen.config.load import load_config
from pgsqlgen.config.model import Config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import analyse as pipeline_analyse
from pgsqlgen.pipeline import analyse_queries, load_catalog
from pgsqlgen.queries.analysis.model import Analysis
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile
from pgsqlgen.verify import verify_queries


def write_project(
    root: Path,
    migrations: dict[str, str],
    queries: dict[str, str] | None = None,
    package: str = "demo",
) -> Config:
    """A project under ``root``: migrations, query files and a pyproject.toml."""
    (root / "schema").mkdir(parents=True, exist_ok=True)
    (root / "queries").mkdir(parents=True, exist_ok=True)
    for name, text in migrations.items():
        (root / "schema" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        down = root / "schema" / name.replace(".up.sql", ".down.sql")
        if name.endswith(".up.sql") and name.replace(".up.sql", ".down.sql") not in migrations:
            down.write_text("-- Tests never migrate down.\nSELECT 1;\n", encoding="utf-8")
    for name, text in (queries or {}).items():
        (root / "queries" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (root / "pyproject.toml").write_text(
        "[tool.sqlgen]\n"
        'schema = ["schema"]\n'
        'queries = ["queries"]\n'
        f'out = "gen/{package}"\n'
        f'package = "{package}"\n',
        encoding="utf-8",
    )
    return load_config(root / "pyproject.toml")


def run_sqlgen(
    cwd: Path, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pgsqlgen ARGS`` as a user runs it; DATABASE_URL only when given;
    never at a terminal (stdin is empty, whatever runs the tests)."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "pgsqlgen", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def catalog_of(tmp_path: Path, *migrations: str) -> Catalog:
    """The catalog built by applying each SQL text as one migration, in order."""
    files = {f"{i:06d}_m{i}.up.sql": sql for i, sql in enumerate(migrations, start=1)}
    return load_catalog(write_project(tmp_path, files))


def analyse(tmp_path: Path, schema: str, queries: str) -> dict[str, Analysis]:
    """Analyse a query file against a one-migration schema, by query name."""
    config = write_project(tmp_path, {"000001_init.up.sql": schema}, {"q.sql": queries})
    catalog = load_catalog(config)
    return {parsed.name: analysis for parsed, analysis in analyse_queries(config, catalog)}


def described_ir(tmp_path: Path, server_url: str, schema: str, queries: str) -> Ir:
    """The IR of a one-migration project whose every query PostgreSQL describes exactly as
    we analyse it (parameter and column types, column names: ``sqlgen verify --queries``)."""
    config = write_project(tmp_path, {"000001_init.up.sql": schema}, {"q.sql": queries})
    assert verify_queries(config, server_url) == []
    return pipeline_analyse(config)[1]


def described_query(
    tmp_path: Path, server_url: str, schema: str, sql: str, command: str = ":many"
) -> Query:
    """The one query ``sql`` as :func:`described_ir` makes it (checked by PostgreSQL)."""
    ir = described_ir(tmp_path, server_url, schema, f"-- name: Q {command}\n{sql}\n")
    return ir.modules[0].queries[0]


def column_types(q: Query) -> list[tuple[str, str]]:
    return [(c.name, c.annotation) for c in q.columns]


def param_types(q: Query) -> list[tuple[str, str]]:
    return [(p.name, p.pg_type + "[]" * p.array_dims) for p in q.params]


def assert_query_rejected(tmp_path: Path, schema: str, sql: str, message: str) -> None:
    """Analysing the query ``sql`` fails with ``message`` (PostgreSQL's words)."""
    config = write_project(
        tmp_path, {"000001_init.up.sql": schema}, {"q.sql": f"-- name: Q :many\n{sql}\n"}
    )
    with pytest.raises(SqlgenError, match=re.escape(message)):
        pipeline_analyse(config)


def assert_static_dump_is_live(database_url: str, sql: str) -> None:
    """The dump of the catalog built from ``sql`` equals the dump of what PostgreSQL
    makes of the same ``sql`` (run on an empty database)."""
    sql = textwrap.dedent(sql)
    statements, problems = parse_file(SourceFile(Path("schema.sql"), "schema.sql", sql))
    assert problems == []
    static = render_dump(build_catalog(statements))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.encode())
        live = render_dump(catalog_from_database(conn))
    assert static == live


def _black(source: str) -> str:
    return fmt.format_with_black(source)


def assert_black_identical(modules: dict[str, str]) -> None:
    """Every module wrapped by the fast path, and the result is black's (black
    runs in a process per core: on the large layers it takes a minute)."""
    fast = {path: fmt.fast_format(source) for path, source in modules.items()}
    unknown = sorted(path for path, text in fast.items() if text is None)
    assert not unknown, f"long lines of a shape the fast path does not wrap in {unknown}"
    workers = min(os.cpu_count() or 1, len(modules))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reference = dict(zip(modules, pool.map(_black, modules.values()), strict=True))
    differ = sorted(path for path in modules if fast[path] != reference[path])
    assert not differ, f"the fast path differs from black in {differ}"


def run_errors(config_path: Path, *, incremental: bool) -> list[str]:
    """The errors a run of the project reports (a run that must fail), as printed."""
    from pgsqlgen import pipeline

    with pytest.raises(SqlgenError) as failed:
        pipeline.run(load_config(config_path), incremental=incremental)
    return [str(d) for d in failed.value.diagnostics]


def check_in_new_process(root: Path, *flags: str) -> tuple[int, bool]:
    """Exit code of ``sqlgen check`` in a new process, and whether it had to load the pipeline."""
    script = (
        "import sys; from pgsqlgen.cli import main; code = main(sys.argv[1:]); "
        "print(code, 'pgsqlgen.pipeline' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "check", *flags],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    code, loaded = result.stdout.split()
    return int(code), loaded == "True"
