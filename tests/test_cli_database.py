"""The database-facing commands: migrate, dump --from-db, verify --schema."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import REPO_ROOT

from sqlgen_helpers import run_sqlgen, write_project


def sqlgen(
    cwd: Path, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_sqlgen(cwd, *args, database_url=database_url)


def steps(stdout: str) -> list[tuple[str, int, str]]:
    """``applied 3 add_tags (12.4 ms)`` lines as (verb, version, name); every line must be one."""
    lines = stdout.splitlines()
    found = [
        re.fullmatch(r"(applied|reverted) (\d+) (\w+) \((\d+\.\d) ms\)", line) for line in lines
    ]
    assert all(found), stdout
    return [(m[1], int(m[2]), m[3]) for m in found if m]


def test_migrate_up_version_down_goto(empty_db: str) -> None:
    assert sqlgen(REPO_ROOT, "migrate", "version", database_url=empty_db).stdout == "nil\n"
    up = sqlgen(REPO_ROOT, "migrate", "up", "3", database_url=empty_db)
    assert up.returncode == 0
    names = sorted(p.name for p in (REPO_ROOT / "schema" / "migrations").glob("*.up.sql"))
    name = {int(n.split("_")[0]): n.removesuffix(".up.sql").split("_", 1)[1] for n in names}
    # each migration named, with its time, as soon as it is applied (golang-migrate's way)
    assert steps(up.stdout) == [
        ("applied", 1, name[1]),
        ("applied", 2, name[2]),
        ("applied", 3, name[3]),
    ]
    goto = sqlgen(REPO_ROOT, "migrate", "--database-url", empty_db, "goto", "5")
    assert steps(goto.stdout) == [("applied", 4, name[4]), ("applied", 5, name[5])]
    down = sqlgen(REPO_ROOT, "migrate", "down", "2", database_url=empty_db)
    assert steps(down.stdout) == [("reverted", 5, name[5]), ("reverted", 4, name[4])]
    assert sqlgen(REPO_ROOT, "migrate", "version", database_url=empty_db).stdout == "3\n"
    rest = sqlgen(REPO_ROOT, "migrate", "up", database_url=empty_db)
    assert steps(rest.stdout)[-1] == ("applied", 21, name[21])
    assert sqlgen(REPO_ROOT, "migrate", "up", database_url=empty_db).stdout == "no change\n"


def test_migrate_reports_a_failing_migration_cleanly(empty_db: str, tmp_path: Path) -> None:
    (tmp_path / "000001_ok.up.sql").write_text("CREATE TABLE a (x int);\n")
    (tmp_path / "000001_ok.down.sql").write_text("DROP TABLE a;\n")
    (tmp_path / "000002_bad.up.sql").write_text(
        "ALTER TABLE a\n  ADD COLUMN y int;\nALTER TABLE nope ADD COLUMN z int;\n"
    )
    (tmp_path / "000002_bad.down.sql").write_text("SELECT 1;\n")
    result = sqlgen(REPO_ROOT, "migrate", "--dir", str(tmp_path), "up", database_url=empty_db)
    assert result.returncode == 1
    assert "000002_bad.up.sql:3: migration 000002 failed" in result.stderr
    assert 'relation "nope" does not exist' in result.stderr
    assert "Traceback" not in result.stderr
    assert (
        sqlgen(
            REPO_ROOT, "migrate", "--dir", str(tmp_path), "version", database_url=empty_db
        ).stdout
        == "1\n"
    )


def test_migrate_without_a_database_is_a_clean_error() -> None:
    result = sqlgen(REPO_ROOT, "migrate", "version")
    assert result.returncode == 1
    assert "no database: pass --database-url or set DATABASE_URL" in result.stderr


def test_create_and_renumber(tmp_path: Path) -> None:
    (tmp_path / "000001_init.up.sql").write_text("SELECT 1;\n")
    (tmp_path / "000001_init.down.sql").write_text("SELECT 1;\n")
    created = sqlgen(tmp_path, "migrate", "--dir", str(tmp_path), "create", "add_labels")
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "000002_add_labels.up.sql").exists()
    # The seed's story: main took 000002 too; the branch moves its migration after it.
    for direction in ("up", "down"):
        (tmp_path / f"000002_aibridge_cost.{direction}.sql").write_text("SELECT 1;\n")
    fixtures = tmp_path / "testdata" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "000002_add_labels.up.sql").write_text("SELECT 1;\n")
    moved = sqlgen(tmp_path, "migrate", "--dir", str(tmp_path), "renumber", "000002_add_labels")
    assert moved.returncode == 0, moved.stderr
    assert sorted(p.name for p in tmp_path.glob("*.up.sql")) == [
        "000001_init.up.sql",
        "000002_aibridge_cost.up.sql",
        "000003_add_labels.up.sql",
    ]
    assert (fixtures / "000003_add_labels.up.sql").exists()


def test_dump_from_db_equals_the_committed_static_dump(empty_db: str) -> None:
    assert sqlgen(REPO_ROOT, "migrate", "up", database_url=empty_db).returncode == 0
    result = sqlgen(REPO_ROOT, "dump", "--from-db", empty_db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO_ROOT / "generated" / "chatdb" / "dump.sql").read_text()


def test_verify_passes_on_the_example(pg_server_url: str) -> None:
    result = sqlgen(REPO_ROOT, "verify", "--db", pg_server_url)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "schema: the static catalog matches PostgreSQL's\n"
        "queries: PostgreSQL infers the same types for every query\n"
    )


def test_verify_schema_reports_what_the_static_catalog_cannot_see(
    pg_server_url: str, tmp_path: Path
) -> None:
    write_project(
        tmp_path,
        {
            "000001_init.up.sql": """
                CREATE TABLE a (x int);
                DO $$ BEGIN EXECUTE 'ALTER TABLE a ADD COLUMN hidden int'; END $$;
            """
        },
    )
    result = sqlgen(tmp_path, "verify", "--schema", database_url=pg_server_url)
    assert result.returncode == 1
    assert "+    hidden integer" in result.stderr


def test_verify_queries_reports_what_postgresql_rejects(pg_server_url: str, tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {"000001_init.up.sql": "CREATE TABLE a (id int PRIMARY KEY, name text NOT NULL);"},
        {
            "a.sql": """
                -- name: GetA :one
                SELECT id, name FROM a WHERE id = @id;

                -- name: Mismatch :many
                SELECT id FROM a WHERE id = 'x';
            """
        },
    )
    result = sqlgen(tmp_path, "verify", "--queries", "--db", pg_server_url)
    assert result.returncode == 1
    assert "queries/a.sql:4: Mismatch: PostgreSQL rejects the query:" in result.stderr
    # A literal's value is PostgreSQL's to check: the static analysis does not.
    assert 'invalid input syntax for type integer: "x"' in result.stderr
    assert "GetA" not in result.stderr
