"""sqlgen deletes or overwrites only files it wrote, in a folder it may own.

Every refusal is checked as a user meets it: exit code 1, one located error,
no traceback, and the whole project byte-identical afterwards.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pgsqlgen.codegen.write import STAGE

from sqlgen_helpers import run_sqlgen, write_project

SCHEMA = {"000001_init.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);"}
QUERIES = {"users.sql": "-- name: GetUser :one\nSELECT * FROM users WHERE id = @id;\n"}
SQLC_EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sqlc-examples"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``root``, caches aside."""
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
        if "__pycache__" not in p.parts and ".sqlgen-cache" not in p.parts
    }


def configure(root: Path, out: str, *, templates: str | None = None) -> None:
    write_project(root, SCHEMA, QUERIES)
    lines = ['schema = ["schema"]', 'queries = ["queries"]', f'out = "{out}"', 'package = "demo"']
    if templates is not None:
        lines.append(f'templates = "{templates}"')
    (root / "pyproject.toml").write_text("[tool.sqlgen]\n" + "\n".join(lines) + "\n")


def assert_refused(root: Path, expected: str, *args: str) -> None:
    """``sqlgen generate`` (and ``check``) fail with ``expected`` as the one error,
    and leave every file as it was."""
    before = tree(root)
    for command in ("generate", "check"):
        result = run_sqlgen(root, *args, command)
        errors = [line for line in result.stderr.splitlines() if ": error: " in line]
        assert (result.returncode, errors) == (1, [expected]), result.stderr
        assert "Traceback" not in result.stderr
        assert tree(root) == before


OUT_LINE = "pyproject.toml:4:1: error: out folder"
ADVICE = 'sqlgen writes and deletes files there; give the package a folder of its own, e.g. out = "generated/demo"'


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        (".", ". is the configuration file's own folder"),
        ("..", ".. is a folder above the configuration file"),
        ("../..", "../.. is a folder above the configuration file"),
        ("schema", "schema is the schema input schema"),
        ("schema/migrations", "schema/migrations lies inside the schema input schema"),
        ("queries/generated", "queries/generated lies inside the query input queries"),
        (".git/demo", ".git/demo lies inside a .git folder"),
        ("vendored", "vendored is a repository root (it holds .git)"),
    ],
)
def test_an_output_folder_that_would_own_the_users_files_is_refused(
    tmp_path: Path, out: str, reason: str
) -> None:
    root = tmp_path / "repo" / "app"
    root.mkdir(parents=True)
    configure(root, out)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "vendored" / ".git").mkdir(parents=True)
    (root / "app.py").write_text("print('mine')\n")
    assert_refused(root, f"{OUT_LINE} {reason}: {ADVICE}")


def test_an_output_folder_holding_an_input_is_refused(tmp_path: Path) -> None:
    configure(tmp_path, "db")
    (tmp_path / "db").mkdir()
    shutil.move(tmp_path / "schema", tmp_path / "db" / "schema")
    text = (tmp_path / "pyproject.toml").read_text().replace('["schema"]', '["db/schema"]')
    (tmp_path / "pyproject.toml").write_text(text)
    assert_refused(tmp_path, f"{OUT_LINE} db holds the schema input db/schema: {ADVICE}")


def test_the_templates_folder_is_refused(tmp_path: Path) -> None:
    configure(tmp_path, "templates", templates="templates")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "models.py.j2").write_text('{% extends "sqlgen/models.py.j2" %}\n')
    assert_refused(tmp_path, f"{OUT_LINE} templates is the templates folder templates: {ADVICE}")


@pytest.mark.skipif(not SQLC_EXAMPLES.is_dir(), reason=f"no sqlc examples at {SQLC_EXAMPLES}")
def test_sqlcs_authors_example_keeps_its_sql_and_go_files(tmp_path: Path) -> None:
    """As sqlc users write it, ``out`` is the folder of the schema, queries and Go code."""
    root = tmp_path / "authors"
    shutil.copytree(SQLC_EXAMPLES / "authors", root)
    before = tree(root)
    result = run_sqlgen(root, "generate")
    assert result.returncode == 0, result.stderr
    # The package goes beside sqlc's Go code, in a folder of its own; nothing else changes.
    after = tree(root)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(k.startswith("postgresql/authors") for k in after.keys() - before.keys())


def test_the_usual_layout_is_valid_and_the_users_files_beside_it_survive(tmp_path: Path) -> None:
    configure(tmp_path, "generated")
    mine = tmp_path / "generated" / "demo_types.py"
    mine.parent.mkdir()
    mine.write_text("Email = str\n")
    for _ in range(2):
        result = run_sqlgen(tmp_path, "generate")
        assert result.returncode == 0, result.stderr
    assert mine.read_text() == "Email = str\n"
    assert "demo_types.py" not in (tmp_path / "generated" / ".sqlgen-manifest").read_text()
    (tmp_path / "queries" / "users.sql").unlink()
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    assert not (tmp_path / "generated" / "users_sql.py").exists()
    assert mine.read_text() == "Email = str\n"
    assert run_sqlgen(tmp_path, "check", "--no-cache").returncode == 0


def test_a_generated_file_never_replaces_the_users(tmp_path: Path) -> None:
    configure(tmp_path, "generated")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "models.py").write_text("class Mine: ...\n")
    before = tree(tmp_path)
    for command in ("generate", "check"):
        result = run_sqlgen(tmp_path, command)
        assert result.returncode == 1
        assert result.stderr.startswith(
            "generated/models.py:1:1: error: not written by sqlgen (not in .sqlgen-manifest), "
            "and sqlgen would replace it with a generated file of the same name: move or "
            "rename it, or choose another out folder\n"
        )
        assert tree(tmp_path) == before


def test_a_first_run_adopts_files_with_sqlgens_header_and_nothing_else(tmp_path: Path) -> None:
    """A package written before the manifest existed: what carries the header is
    sqlgen's (an old module is removed), anything else is the user's."""
    configure(tmp_path, "gen/demo")
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    out = tmp_path / "gen" / "demo"
    (out / ".sqlgen-manifest").unlink()
    (out / "old_sql.py").write_text("# Code generated by sqlgen. DO NOT EDIT.\nx = 1\n")
    (out / "notes.txt").write_text("mine\n")
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote gen/demo/.sqlgen-manifest",
        "removed gen/demo/old_sql.py",
    ]
    assert (out / "notes.txt").read_text() == "mine\n"
    # With a manifest, the header no longer decides: an unlisted file is the user's.
    (out / "copied_sql.py").write_text("# Code generated by sqlgen. DO NOT EDIT.\nx = 1\n")
    assert run_sqlgen(tmp_path, "generate").stdout == ""
    assert (out / "copied_sql.py").exists()


def test_a_manifest_cannot_reach_outside_the_output_folder(tmp_path: Path) -> None:
    configure(tmp_path, "gen/demo")
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    manifest = tmp_path / "gen" / "demo" / ".sqlgen-manifest"
    manifest.write_text(manifest.read_text() + "../../pyproject.toml\n/etc/hostname\n")
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    assert (tmp_path / "pyproject.toml").is_file()


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_written_files_get_the_mode_the_umask_gives(tmp_path: Path, umask: int) -> None:
    configure(tmp_path, "gen/demo")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pgsqlgen", "generate"]
    subprocess.run(command, cwd=tmp_path, env=env, check=True, umask=umask, capture_output=True)
    # A rewrite too: the query module and everything that lists the queries.
    (tmp_path / "queries" / "users.sql").write_text(
        QUERIES["users.sql"] + "\n-- name: CountUsers :one\nSELECT count(*) FROM users;\n"
    )
    subprocess.run(command, cwd=tmp_path, env=env, check=True, umask=umask, capture_output=True)
    out = tmp_path / "gen" / "demo"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir() if p.is_file()}
    assert modes == {0o666 & ~umask}


def test_a_broken_custom_template_leaves_the_package_untouched(tmp_path: Path) -> None:
    configure(tmp_path, "gen/demo", templates="templates")
    (tmp_path / "templates").mkdir()
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    before = tree(tmp_path / "gen")
    long_name = "a" * 100  # a line black would have to wrap, and fail on
    (tmp_path / "templates" / "models.py.j2").write_text(
        "{{ header }}\ndef broken(:\n    " + long_name + "(1, 2)\n"
    )
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "templates/models.py.j2:1:1: error: the template rendered models.py, which is not "
        "valid Python: invalid syntax at its line 2"
    )
    assert "Traceback" not in result.stderr
    assert tree(tmp_path / "gen") == before
    assert not (tmp_path / "gen" / "demo" / STAGE).exists()


def test_packages_whose_output_folders_overlap_are_refused(tmp_path: Path) -> None:
    """Each package's manifest would count the other's files as extra."""
    write_project(tmp_path, SCHEMA, QUERIES)
    (tmp_path / "pyproject.toml").unlink()
    entry = (
        "- schema: schema\n  queries: queries\n  engine: postgresql\n"
        "  gen:\n    python:\n      out: {out}\n      package: {package}\n"
    )
    (tmp_path / "sqlc.yaml").write_text(
        'version: "2"\nsql:\n'
        + entry.format(out="gen", package="first")
        + entry.format(out="gen/second", package="second")
    )
    assert_refused(
        tmp_path,
        "sqlc.yaml:15:7: error: out folder gen/second overlaps the out folder of package "
        "first: sqlgen writes and deletes files there; give the package a folder of its own, "
        'e.g. out = "generated/second"',
    )
