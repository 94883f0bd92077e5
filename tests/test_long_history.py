"""The catalog holds up on a long history: its dump equals the live database's.

:mod:`long_history` writes some 400 migrations of the kinds that pile up in
real projects. The static catalog built from them must dump exactly as the
catalog read back from a database they were applied to, and the downs,
applied in reverse, must take the database back to empty.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from long_history import write_history

from pgsqlgen.config.model import Config
from pgsqlgen.pg.cluster import apply_migrations, create_database, drop_database
from pgsqlgen.pipeline import load_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import catalog_from_database

# What each form the history must exercise looks like in its up files.
_FORMS = {
    "enum value added": r"ADD VALUE '",
    "enum value added before another": r"ADD VALUE '\w+' BEFORE '",
    "enum value renamed": r"RENAME VALUE",
    "view replaced with more columns": r"CREATE OR REPLACE VIEW",
    "view dropped around a column change": r"DROP VIEW \w+;\nALTER TABLE",
    "plpgsql function replaced": r"CREATE OR REPLACE FUNCTION \w+\(value",
    "trigger dropped and recreated": r"DROP TRIGGER [^;]*;\nCREATE TRIGGER",
    "DO block": r"DO \$\$",
    "domain with NOT NULL and CHECK": r"CREATE DOMAIN [^;]* NOT NULL[^;]* CHECK",
    "domain constraint added": r"ALTER DOMAIN \w+ ADD CONSTRAINT",
    "composite type": r"CREATE TYPE \w+ AS \(",
    "composite type attribute added": r"ADD ATTRIBUTE",
    "constraint renamed": r"RENAME CONSTRAINT",
    "unnamed check added": r"ADD CHECK",
    "unnamed unique added": r"ADD UNIQUE",
    "unnamed foreign key added": r"ADD FOREIGN KEY",
    "foreign key actions": r"ON UPDATE CASCADE ON DELETE SET NULL",
    "column type changed with USING": r"TYPE [^;]* USING ",
    "default set and dropped": r"SET DEFAULT[\s\S]*DROP DEFAULT",
    "NOT NULL set and dropped": r"SET NOT NULL[\s\S]*DROP NOT NULL",
    "column renamed": r"RENAME COLUMN",
    "table renamed": r"ALTER TABLE \w+ RENAME TO",
    "partial index": r"CREATE (UNIQUE )?INDEX [^;]* WHERE",
    "expression index": r"CREATE INDEX [^;]*\(lower\(",
    "index dropped": r"DROP INDEX",
    "sequence owned by a column": r"OWNED BY",
    "identity column": r"GENERATED ALWAYS AS IDENTITY",
    "serial column": r" serial ",
    "array, jsonb, varchar(n), numeric(p,s), timestamptz(3)": (
        r"text\[\][\s\S]*jsonb[\s\S]*varchar\(\d+\)[\s\S]*numeric\(\d+, \d+\)"
        r"[\s\S]*timestamptz\(3\)"
    ),
    "comment removed": r"IS NULL;",
}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("long_history") / "migrations"
    write_history(directory)
    return directory


@pytest.fixture
def database(pg_server_url: str) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test."""
    name = f"sqlgen_history_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_server_url, name)
    try:
        yield url
    finally:
        drop_database(pg_server_url, name)


def test_history_is_long_deterministic_and_complete(history: Path, tmp_path: Path) -> None:
    count = write_history(tmp_path)
    assert count >= 300
    ups = sorted(history.glob("*.up.sql"))
    assert len(ups) == count
    assert {p.name for p in history.iterdir()} == {p.name for p in tmp_path.iterdir()}
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (history / path.name).read_bytes(), path.name
    for up in ups:
        assert up.with_name(up.name.replace(".up.", ".down.")).is_file()
    text = "".join(p.read_text() for p in ups)
    missing = [form for form, pattern in _FORMS.items() if not re.search(pattern, text)]
    assert not missing


def test_static_dump_equals_live_dump(history: Path, database: str, tmp_path: Path) -> None:
    config = Config(
        root=tmp_path, schema=(history,), queries=(), out=tmp_path / "out", package="history"
    )
    static = render_dump(load_catalog(config))
    apply_migrations(database, history)
    with psycopg.connect(database, autocommit=True) as conn:
        live = render_dump(catalog_from_database(conn))
    diff = "\n".join(
        difflib.unified_diff(
            static.splitlines(), live.splitlines(), "static", "live", lineterm="", n=2
        )
    )
    assert static == live, diff


# Everything the history could leave behind in ``public``.
_LEFTOVERS = """
SELECT 'relation ' || c.relname FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t
WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('c', 'd', 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
ORDER BY 1
"""


def test_downs_undo_the_whole_history(history: Path, database: str) -> None:
    apply_migrations(database, history)
    with psycopg.connect(database, autocommit=True) as conn:
        assert conn.execute(_LEFTOVERS).fetchall()
        for down in sorted(history.glob("*.down.sql"), reverse=True):
            try:
                with conn.transaction():
                    conn.execute(down.read_bytes())
            except psycopg.Error as error:
                pytest.fail(f"{down.name}: {error}")
        assert conn.execute(_LEFTOVERS).fetchall() == []
