"""The command line as a user meets it: generate, check, and errors in their SQL."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from sqlgen_helpers import run_sqlgen, write_project

SCHEMA = {
    "000001_init.up.sql": """
        CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE);
        CREATE TABLE notes (id bigserial PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id), body text);
    """,
    "000001_init.down.sql": "DROP TABLE notes;\nDROP TABLE users;\n",
}
QUERIES = {
    "users.sql": """
        -- name: GetUser :one
        SELECT * FROM users WHERE id = @id;

        -- name: ListNotes :many
        SELECT * FROM notes WHERE user_id = @user_id ORDER BY id;
    """,
    "notes.sql": """
        -- name: DeleteNote :execrows
        DELETE FROM notes WHERE id = @id;
    """,
}


def sqlgen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_sqlgen(root, *args)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(directory).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, SCHEMA, QUERIES)
    result = sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_generate_then_check_is_silent(project: Path) -> None:
    out = project / "gen" / "demo"
    assert sorted(p.name for p in out.iterdir()) == [
        ".sqlgen-manifest",
        "__init__.py",
        "_runtime.py",
        "constraints.py",
        "dump.sql",
        "models.py",
        "notes_sql.py",
        "py.typed",
        "querier.py",
        "users_sql.py",
        "wrappers.py",
    ]
    result = sqlgen(project, "check")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_check_reports_stale_missing_and_extra(project: Path) -> None:
    out = project / "gen" / "demo"
    models = out / "models.py"
    models.write_text(models.read_text() + "# hand edit\n")
    (out / "constraints.py").unlink()
    # An owned file generation no longer produces (listed in the manifest), and
    # a file of the user's, which is none of the check's business.
    (out / "leftover.py").write_text("x = 1\n")
    with (out / ".sqlgen-manifest").open("a") as manifest:
        manifest.write("leftover.py\n")
    (out / "mine.py").write_text("y = 2\n")
    result = sqlgen(project, "check")
    assert result.returncode == 1
    # The project has no Makefile: the hint names the command that exists here.
    assert "run `sqlgen generate`" in result.stderr and "make gen" not in result.stderr
    assert "stale: gen/demo/models.py" in result.stderr
    assert "missing: gen/demo/constraints.py" in result.stderr
    assert "extra: gen/demo/leftover.py" in result.stderr
    assert "mine.py" not in result.stderr
    assert "-# hand edit" in result.stderr
    assert sqlgen(project, "generate").returncode == 0
    assert sqlgen(project, "check").returncode == 0
    assert not (out / "leftover.py").exists()
    assert (out / "mine.py").read_text() == "y = 2\n"


def test_deleted_query_file_leaves_an_extra_module(project: Path) -> None:
    (project / "queries" / "notes.sql").unlink()
    result = sqlgen(project, "check")
    assert result.returncode == 1
    assert "extra: gen/demo/notes_sql.py" in result.stderr
    assert "stale: gen/demo/querier.py" in result.stderr
    assert sqlgen(project, "generate").returncode == 0
    assert not (project / "gen" / "demo" / "notes_sql.py").exists()


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "schema/000002_more.up.sql",
            "CREATE TABLE tags (\n  id int PRIMARY KEY,\n  name text NOT NUL\n);\n",
            "schema/000002_more.up.sql:3:",
        ),
        (
            "queries/broken.sql",
            "-- name: Broken :one\nSELECT id FROM users WHERE id = = @id;\n",
            "queries/broken.sql:2:",
        ),
        (
            "queries/broken.sql",
            "-- name: NoTable :many\nSELECT id\nFROM missing_table;\n",
            'queries/broken.sql:3:6: error: query NoTable: relation "missing_table" does not exist',
        ),
        (
            "queries/broken.sql",
            "-- name: NoColumn :many\nSELECT id, shoe_size FROM users;\n",
            'queries/broken.sql:2:12: error: query NoColumn: column "shoe_size" does not exist',
        ),
        (
            "queries/broken.sql",
            "-- name: GetUser :one\nSELECT * FROM users WHERE email = @email;\n",
            'queries/users.sql:1:1: error: duplicate query name "GetUser" (first defined at queries/broken.sql:1)',
        ),
        (
            "queries/broken.sql",
            "-- name: Weird :many-ish\nSELECT 1 AS one;\n",
            'queries/broken.sql:1:16: error: unknown annotation ":many-ish"',
        ),
    ],
)
def test_bad_input_is_reported_and_nothing_is_written(
    project: Path, path: str, text: str, expected: str
) -> None:
    before = snapshot(project / "gen")
    (project / path).write_text(text)
    down = project / path.replace(".up.sql", ".down.sql")
    if path.endswith(".up.sql") and not down.exists():
        down.write_text("SELECT 1;\n")
    result = sqlgen(project, "generate")
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project / "gen") == before


def test_an_error_in_a_down_migration_is_a_warning(project: Path) -> None:
    """golang-migrate never reads a down file to build anything: neither does generation."""
    (project / "schema" / "000001_init.down.sql").write_text(
        "DROP TABLE notes;\nDROP TABEL users;\n"
    )
    result = sqlgen(project, "generate")
    assert result.returncode == 0, result.stderr
    assert (
        'schema/000001_init.down.sql:2:6: warning: syntax error at or near "TABEL"' in result.stderr
    )
    assert sqlgen(project, "check").returncode == 0


def test_every_error_of_a_run_is_reported(project: Path) -> None:
    (project / "queries" / "broken.sql").write_text(
        "-- name: A :many\nSELECT nope FROM users;\n\n-- name: B :many\nSELECT id FROM nowhere;\n"
    )
    result = sqlgen(project, "check")
    assert result.returncode == 1
    assert "queries/broken.sql:2:8:" in result.stderr
    assert "queries/broken.sql:5:16:" in result.stderr


def test_inspect_prints_the_ir(project: Path) -> None:
    result = sqlgen(project, "inspect")
    assert result.returncode == 0
    assert '"method": "get_user"' in result.stdout


def test_missing_config_is_a_clean_error(tmp_path: Path) -> None:
    result = sqlgen(tmp_path, "generate")
    assert result.returncode == 1
    assert "error: no configuration: none of sqlgen.toml, pyproject.toml" in result.stderr
    result = sqlgen(tmp_path, "--config", "elsewhere.toml", "generate")
    assert result.returncode == 1
    assert "elsewhere.toml:1:1: error: configuration file not found" in result.stderr


def test_inspect_lists_every_error_and_keeps_the_good_queries(project: Path) -> None:
    (project / "queries" / "broken.sql").write_text(
        "-- name: A :many\nSELECT nope FROM users;\n\n-- name: B :many\nSELECT id FROM nowhere;\n"
    )
    result = sqlgen(project, "inspect")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert [(e["file"], e["line"], e["col"]) for e in document["errors"]] == [
        ("queries/broken.sql", 2, 8),
        ("queries/broken.sql", 5, 16),
    ]
    names = [q["name"] for m in document["ir"]["modules"] for q in m["queries"]]
    assert names == ["DeleteNote", "GetUser", "ListNotes"]
    assert [t["name"] for t in document["catalog"]["tables"]] == ["users", "notes"]
    assert "queries/broken.sql:2:8: error:" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "-- name: A :many\nSELECT id FROM users\n",
            "queries/broken.sql:2:21: error: missing semicolon at end of file",
        ),
        (
            "-- name: A :many\nSELECT id FROM users\nORDER BY shoe_size;\n",
            'queries/broken.sql:3:10: error: query A: column "shoe_size" does not exist',
        ),
        (
            "-- name: A :many\nSELECT *\nFROM users\nGROUP BY shoe_size;\n",
            'queries/broken.sql:4:10: error: query A: column "shoe_size" does not exist',
        ),
        (
            "-- name: A :many\nSELECT user_id, body\nFROM notes\nGROUP BY user_id;\n",
            'queries/broken.sql:2:17: error: query A: column "notes.body" must appear in the'
            " GROUP BY clause or be used in an aggregate function",
        ),
    ],
)
def test_query_errors_postgres_would_raise_are_located(
    project: Path, text: str, expected: str
) -> None:
    (project / "queries" / "broken.sql").write_text(text)
    result = sqlgen(project, "check")
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_the_hint_names_make_gen_when_the_makefile_has_it(project: Path) -> None:
    (project / "Makefile").write_text("gen:\n\tsqlgen generate\n")
    (project / "gen" / "demo" / "querier.py").write_text("# edited\n")
    result = sqlgen(project, "check", "--no-cache")
    assert "run `make gen` (or `sqlgen generate`)" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["genrate"], "did you mean 'generate'?"),
        (["generate", "--no-cahce"], "did you mean '--no-cache'?"),
        (["migrate", "upp"], "did you mean 'up'?"),
    ],
)
def test_a_misspelt_command_or_option_gets_a_suggestion(
    project: Path, args: list[str], expected: str
) -> None:
    result = sqlgen(project, *args)
    assert result.returncode == 2
    assert expected in result.stderr


def test_global_options_go_before_or_after_the_command(project: Path) -> None:
    config = str(project / "pyproject.toml")
    assert sqlgen(project.parent, "generate", "--config", config).returncode == 0
    assert sqlgen(project.parent, "--config", config, "check").returncode == 0


def test_quiet_prints_errors_only(project: Path) -> None:
    (project / "gen" / "demo" / "querier.py").write_text("# edited\n")
    result = sqlgen(project, "generate", "-q")
    assert result.returncode == 0
    assert (result.stdout, result.stderr) == ("", "")


def test_emit_methods_with_db_argument_is_applied_without_a_warning(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "emit_methods_with_db_argument = true\n")
    result = sqlgen(project, "generate")
    assert (result.returncode, result.stderr) == (0, "")
    assert (
        "conn: psycopg.Connection[Any], /" in (project / "gen" / "demo" / "querier.py").read_text()
    )


def test_the_package_metadata_names_its_urls() -> None:
    """pip and PyPI show them: where the code, the docs, the changes and the issues are."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    urls = project["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues"}
    home = urls["Homepage"]
    assert home.startswith("https://") and home.rstrip("/").endswith("/pgsqlgen")
    assert all(url.startswith(home) for url in urls.values())
    root = Path(__file__).parents[1]
    assert (root / "docs").is_dir() and (root / "CHANGELOG.md").is_file()
