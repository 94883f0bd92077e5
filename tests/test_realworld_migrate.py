"""``sqlgen migrate up`` on the real migration histories of ``../shared/realworld``:
the scanner accepts every directory as golang-migrate would, and the runner applies
every history to a real database, ending with the relations and indexes PostgreSQL
itself built from it (``expected/catalog.json``, made with psql)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from conftest import REPO_ROOT

from pgsqlgen.migrations.files import scan

from sqlgen_helpers import run_sqlgen

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
PROJECTS = (
    sorted(p.name for p in REALWORLD.iterdir() if (p / "migrations").is_dir())
    if REALWORLD.is_dir()
    else []
)
pytestmark = pytest.mark.skipif(
    not PROJECTS, reason=f"the real-world corpus is absent ({REALWORLD} has no histories)"
)

#: A table name no history uses, so every history applies (crates.io drops a
#: ``schema_migrations`` of its own; see the tests below).
OURS = "sqlgen_migrations"

_RELATIONS = """
    SELECT n.nspname || '.' || c.relname, c.relkind = 'i', pg_get_indexdef(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
      AND c.relname::text NOT IN (%(table)s::text, %(table)s::text || '_pkey')
"""


def built(url: str, table: str) -> tuple[set[str], set[str]]:
    """The relations (schema.name) and index definitions of a database, without the
    version table sqlgen added."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(_RELATIONS, {"table": table}).fetchall()
    return {name for name, index, _ in rows if not index}, {d for _, index, d in rows if index}


def expected(project: str) -> tuple[set[str], set[str]]:
    catalog = json.loads((REALWORLD / project / "expected" / "catalog.json").read_text())
    relations = {f"{r['schema']}.{r['name']}" for r in catalog["tables"] + catalog["views"]}
    return relations, {i["definition"] for i in catalog["indexes"]}


def up(project: str, url: str, *args: str) -> tuple[int, list[str], str]:
    directory = REALWORLD / project / "migrations"
    result = run_sqlgen(
        REPO_ROOT, "migrate", "--dir", str(directory), "--database-url", url, *args, "up"
    )
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout.splitlines(), result.stderr


def ups(project: str) -> int:
    return len(list((REALWORLD / project / "migrations").glob("*.up.sql")))


@pytest.mark.parametrize("project", PROJECTS)
def test_the_scanner_accepts_every_history(project: str) -> None:
    directory = REALWORLD / project / "migrations"
    files, problems = scan(directory, directory)
    assert problems == []
    assert sum(f.direction == "up" for f in files) == ups(project)


@pytest.mark.parametrize("project", PROJECTS)
def test_migrate_up_applies_every_history(project: str, empty_db: str) -> None:
    code, applied, stderr = up(project, empty_db, "--migrations-table", OURS)
    assert code == 0, stderr
    assert len(applied) == ups(project)
    assert built(empty_db, OURS) == expected(project)


@pytest.mark.skipif("harbor" not in PROJECTS, reason="harbor's history is absent")
def test_harbor_shares_golang_migrates_own_table(empty_db: str) -> None:
    # Harbor's first migration creates golang-migrate's schema_migrations (IF NOT
    # EXISTS) and a later one adds, then drops, a column of its own to it: as
    # under golang-migrate, the history and the runner share the table.
    code, applied, stderr = up("harbor", empty_db)
    assert (code, stderr) == (0, "")
    assert len(applied) == ups("harbor")
    relations, indexes = expected("harbor")
    assert built(empty_db, "schema_migrations") == (
        relations - {"public.schema_migrations"},
        {i for i in indexes if " schema_migrations_pkey " not in i},
    )


@pytest.mark.skipif("crates-io" not in PROJECTS, reason="crates.io's history is absent")
def test_crates_io_drops_a_schema_migrations_of_its_own(empty_db: str) -> None:
    # Migration 136 drops the pre-diesel table of that name: with the default
    # name it would drop the runner's. Refused, rolled back, the way out named.
    code, applied, stderr = up("crates-io", empty_db)
    assert code == 1
    assert len(applied) == 135
    assert "migration 000136 failed: it dropped public.schema_migrations" in stderr
    assert "nothing of it was applied; the database is still at version 135" in stderr
    # The way out: record the version under another name, carry on.
    moved = run_sqlgen(
        REPO_ROOT,
        "migrate",
        "--dir",
        str(REALWORLD / "crates-io" / "migrations"),
        "--database-url",
        empty_db,
        "--migrations-table",
        OURS,
        "force",
        "135",
    )
    assert moved.returncode == 0, moved.stderr
    code, applied, stderr = up("crates-io", empty_db, "--migrations-table", OURS)
    assert code == 0, stderr
    assert len(applied) == ups("crates-io") - 135
