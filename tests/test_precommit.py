"""The pre-commit hooks, run the way the pre-commit framework runs them.

pre-commit itself is not a dependency, so each hook of ``.pre-commit-hooks.yaml``
is replayed by hand: its ``files`` regex is applied with ``re.search`` to the
staged paths, and its ``entry`` (shlex-split, plus ``args``, no filenames
since ``pass_filenames`` is false) runs in the project with the installed
``sqlgen`` console script first on PATH, as in pre-commit's hook environment.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlgen_helpers import run_sqlgen, write_project

REPO_ROOT = Path(__file__).resolve().parents[1]
HOOKS: dict[str, dict[str, Any]] = {
    hook["id"]: hook
    for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
}
CONFIG = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
LOCAL_HOOKS = {
    hook["id"]: hook
    for repo in CONFIG["repos"]
    if repo["repo"] == "local"
    for hook in repo["hooks"]
}
SCHEMA = {"000001_init.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);"}
QUERIES = {"users.sql": "-- name: GetUser :one\nSELECT * FROM users WHERE id = @id;\n"}
CONFIG_PATHS = ["pyproject.toml", "sqlgen.toml", "sqlc.yaml", "sqlc.yml", "app/sqlc.json"]
SQL_PATHS = ["schema/migrations/000001_init.up.sql", "queries/users.sql"]


def run_hook(hook_id: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    hook = HOOKS[hook_id]
    assert hook["pass_filenames"] is False
    scripts = Path(sys.executable).parent
    assert (scripts / "sqlgen").exists(), f"the sqlgen console script is not installed in {scripts}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FORCE_COLOR")}
    env["PATH"] = f"{scripts}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [*shlex.split(hook["entry"]), *hook.get("args", [])],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, SCHEMA, QUERIES)
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    return tmp_path


def test_hooks_are_installable_by_reference() -> None:
    assert set(HOOKS) == {"sqlgen-check", "sqlgen-migrations-check"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert hook["entry"].split()[0] == "sqlgen"
        assert hook["name"] and hook["description"]


@pytest.mark.parametrize(
    ("hook_id", "triggering"),
    [
        ("sqlgen-check", [*SQL_PATHS, *CONFIG_PATHS, "gen/demo/models.py", "gen/demo/py.typed"]),
        ("sqlgen-migrations-check", [*SQL_PATHS, *CONFIG_PATHS]),
    ],
)
def test_files_pattern(hook_id: str, triggering: list[str]) -> None:
    files = re.compile(HOOKS[hook_id]["files"])
    assert [p for p in triggering if not files.search(p)] == []
    ignored = ["README.md", "docs/ir.md", "Makefile", "mypyproject.toml", "notes.sql.orig"]
    if hook_id == "sqlgen-migrations-check":
        ignored.append("gen/demo/models.py")
    assert [p for p in ignored if files.search(p)] == []


@pytest.mark.parametrize("hook_id", sorted(HOOKS))
def test_clean_project_passes_silently(project: Path, hook_id: str) -> None:
    result = run_hook(hook_id, project)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_stale_generated_file_fails_the_drift_hook(project: Path) -> None:
    with (project / "gen" / "demo" / "models.py").open("a", encoding="utf-8") as file:
        file.write("# hand edit\n")
    result = run_hook("sqlgen-check", project)
    assert result.returncode == 1
    assert "stale: gen/demo/models.py" in result.stderr
    assert "sqlgen generate" in result.stderr
    assert run_hook("sqlgen-migrations-check", project).returncode == 0


def test_duplicate_migration_number_fails_the_migrations_hook(project: Path) -> None:
    (project / "schema" / "000001_tags.up.sql").write_text("CREATE TABLE tags (id int);\n")
    (project / "schema" / "000001_tags.down.sql").write_text("DROP TABLE tags;\n")
    result = run_hook("sqlgen-migrations-check", project)
    assert result.returncode == 1
    assert result.stderr.startswith("schema/000001_tags.")
    assert (
        "error: migration number 000001 is used by 000001_init and 000001_tags; "
        "renumber the one your branch adds to 000002 (sqlgen migrate renumber)"
    ) in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2_no_direction.sql", "must match NNN_name.(up|down).sql"),
        ("000002_lonely.down.sql", "missing up migration 000002_lonely.up.sql"),
        ("testdata/fixtures/000009_gone.up.sql", "does not belong to an existing migration"),
    ],
)
def test_migrate_check_reports_each_rule(project: Path, name: str, expected: str) -> None:
    path = project / "schema" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("SELECT 1;\n")
    result = run_sqlgen(project, "migrate", "check")
    assert result.returncode == 1
    assert f"schema/{name}:1:1: error: " in result.stderr
    assert expected in result.stderr


def test_migrate_check_strict_adds_the_house_style(project: Path) -> None:
    (project / "schema" / "000002_Lonely.up.sql").write_text("SELECT 1;\n")
    assert run_sqlgen(project, "migrate", "check").returncode == 0
    result = run_sqlgen(project, "migrate", "check", "--strict")
    assert result.returncode == 1
    assert "schema/000002_Lonely.up.sql:1:1: error: migration name 'Lonely' is not snake_case" in (
        result.stderr
    )
    assert "missing down migration 000002_Lonely.down.sql (--strict)" in result.stderr


def test_migrate_check_of_a_missing_directory(tmp_path: Path) -> None:
    result = run_sqlgen(tmp_path, "migrate", "--dir", "nowhere", "check")
    assert result.returncode == 1
    assert "nowhere:1:1: error: migrations directory does not exist" in result.stderr


def test_own_config_runs_the_published_hooks_from_this_checkout() -> None:
    for hook_id, published in HOOKS.items():
        local = LOCAL_HOOKS[hook_id]
        assert local["language"] == "system"
        assert local["entry"].startswith(".venv/bin/python -m pgsqlgen ")
        assert local["entry"].split()[3:] == published["entry"].split()[1:]
        for key in ("files", "pass_filenames"):
            assert local[key] == published[key], key
    ruff_hooks = {k: v for k, v in LOCAL_HOOKS.items() if k not in HOOKS}
    assert set(ruff_hooks) == {"ruff", "ruff-format"}
    for hook in ruff_hooks.values():
        assert hook["entry"].startswith(".venv/bin/ruff ")
        files = re.compile(hook["files"])
        assert all(files.search(p) for p in ("generator/cli.py", "tests/x.py", "bench/run.py"))
        assert not files.search("generated/chatdb/models.py")
