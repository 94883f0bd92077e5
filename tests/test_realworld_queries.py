"""The real-world query sets (neosync's and opentdf's sqlc queries, in
``../shared/realworld``): every query is analysed, PostgreSQL describes each exactly as we
type it, and the generated package is clean under mypy --strict and ruff's defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgsqlgen.config.load import load_config
from pgsqlgen.verify import verify_queries

from sqlgen_helpers import run_sqlgen

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "realworld"
PROJECTS = ["neosync", "opentdf"]


@pytest.fixture(params=PROJECTS)
def project(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    source = CORPUS / request.param
    if not (source / "queries").is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS} (../shared/realworld)")
    (tmp_path / "sqlgen.toml").write_text(
        f'schema = ["{source / "migrations"}"]\nqueries = ["{source / "queries"}"]\n'
        f'out = "gen/{request.param}"\npackage = "{request.param}"\n',
        encoding="utf-8",
    )
    return request.param, tmp_path


def test_every_query_generates_and_checks_clean(project: tuple[str, Path]) -> None:
    name, root = project
    result = run_sqlgen(root, "generate", "-q")
    assert (result.returncode, result.stderr) == (0, "")
    for command in (["mypy", "--strict", name], ["ruff", "check", "--isolated", name]):
        checked = subprocess.run(
            [sys.executable, "-m", *command], cwd=root / "gen", capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_postgresql_describes_every_query_as_we_type_it(
    project: tuple[str, Path], pg_server_url: str
) -> None:
    _, root = project
    assert verify_queries(load_config(root / "sqlgen.toml"), pg_server_url) == []
