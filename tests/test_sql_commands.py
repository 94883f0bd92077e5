"""Statements sqlglot keeps opaque, told apart by PostgreSQL's own list of SQL commands
(``sql/data/commands.json``, from psql's ``\\h``): a misspelt one is PostgreSQL's syntax
error at the word where it fails, a valid one this tool does not model never blocks a
run. Each case is checked against PostgreSQL 15 itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.config.load import load_config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg import extract
from pgsqlgen.pipeline import run
from pgsqlgen.sql.commands import (
    COMMANDS_FILE,
    READ_COMMANDS,
    SHAPING_COMMANDS,
    commands,
    read_command,
)

from sqlgen_helpers import write_project

BASE = "CREATE TABLE t (id int PRIMARY KEY, v text);\nCREATE MATERIALIZED VIEW mv AS SELECT id FROM t;\n"

# Misspelt commands: PostgreSQL's message, and the text it points at.
MISSPELT = {
    "create-tablee": ("CREATE TABLEE t2 (id int);", 'syntax error at or near "TABLEE"', "TABLEE"),
    "or-replace-vieww": (
        "CREATE OR REPLACE VIEWW v AS SELECT 1;",
        'syntax error at or near "VIEWW"',
        "VIEWW",
    ),
    "alter-tablee": ("ALTER TABLEE t ADD c int;", 'syntax error at or near "TABLEE"', "TABLEE"),
    "drop-tabel": ("DROP TABEL t;", 'syntax error at or near "TABEL"', "TABEL"),
    "grantt": ("GRANTT SELECT ON t TO PUBLIC;", 'syntax error at or near "GRANTT"', "GRANTT"),
    "crate": ("CRATE TABLE t2 (id int);", 'syntax error at or near "CRATE"', "CRATE"),
    "unique-indexx": (
        "CREATE UNIQUE INDEXX i ON t (id);",
        'syntax error at or near "INDEXX"',
        "INDEXX",
    ),
}

# Valid statements the catalog does not read, and whether a warning says the
# catalog may differ (the command can change what queries see).
VALID = {
    "policy": ("CREATE POLICY p1 ON t USING (true);", False),
    "statistics": ("CREATE STATISTICS s1 ON id, v FROM t;", False),
    "default-privileges": ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;", False),
    "refresh": ("REFRESH MATERIALIZED VIEW mv;", False),
    "cluster": ("CLUSTER t USING t_pkey;", False),
    "row-level-security": ("ALTER TABLE t ENABLE ROW LEVEL SECURITY;", False),
    "force-row-level-security": ("ALTER TABLE t FORCE ROW LEVEL SECURITY;", False),
    "cluster-on": ("ALTER TABLE t CLUSTER ON t_pkey;", False),
    "replica-identity": ("ALTER TABLE t REPLICA IDENTITY FULL;", False),
    "text-search": ("CREATE TEXT SEARCH CONFIGURATION myts (COPY = english);", False),
    "release": ("BEGIN; SAVEPOINT a; RELEASE a; COMMIT;", False),
    "aggregate": ("CREATE AGGREGATE myagg (int) (SFUNC = int4pl, STYPE = int);", True),
    "operator": ("CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);", True),
    "collation": ('CREATE COLLATION mycoll FROM "C";', True),
}


def _postgresql_error(url: str, sql: str) -> tuple[str, int] | None:
    """PostgreSQL's message for ``BASE`` then ``sql``, and the offset in ``sql`` it
    points at; None when it runs."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASE)
        try:
            conn.execute(sql)  # type: ignore[call-overload]
        except psycopg.Error as error:
            assert error.diag.message_primary is not None
            return error.diag.message_primary, int(error.diag.statement_position or 0) - 1
    return None


@pytest.mark.parametrize(("sql", "message", "near"), MISSPELT.values(), ids=MISSPELT.keys())
def test_a_misspelt_command_is_postgresqls_syntax_error(
    sql: str, message: str, near: str, empty_db: str, tmp_path: Path
) -> None:
    assert _postgresql_error(empty_db, sql) == (message, sql.index(near))
    write_project(tmp_path, {"000001_init.up.sql": BASE + sql})
    with pytest.raises(SqlgenError) as raised:
        run(load_config(tmp_path / "pyproject.toml"))
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.message, diagnostic.line, diagnostic.col) == (
        message,
        3,
        sql.index(near) + 1,
    )


@pytest.mark.parametrize(("sql", "shaping"), VALID.values(), ids=VALID.keys())
def test_a_valid_command_the_catalog_does_not_read_never_blocks_a_run(
    sql: str, shaping: bool, empty_db: str, tmp_path: Path
) -> None:
    assert _postgresql_error(empty_db, sql) is None
    write_project(tmp_path, {"000001_init.up.sql": BASE + sql})
    result = run(load_config(tmp_path / "pyproject.toml"))
    warned = [w.message for w in result.warnings if "not read here" in w.message]
    assert bool(warned) == shaping, warned


def test_words_name_the_longest_command_they_spell() -> None:
    assert read_command("CREATE OR REPLACE TRIGGER t").name == "CREATE TRIGGER"
    assert read_command("create unique index i").name == "CREATE INDEX"
    assert read_command("-- a comment\nALTER OPERATOR CLASS c").name == "ALTER OPERATOR CLASS"
    assert read_command("ROLLBACK TO a").name == "ROLLBACK TO SAVEPOINT"
    assert read_command("(SELECT 1)").rejected is False


def test_the_commands_the_grammar_must_read_are_postgresqls() -> None:
    assert commands().keys() >= READ_COMMANDS
    assert len(SHAPING_COMMANDS & commands().keys()) > 40


def test_the_committed_commands_are_what_psql_lists_now(pg_server_url: str) -> None:
    """``make pgcatalog`` would write the same ``commands.json``."""
    if subprocess.run(["psql", "--version"], capture_output=True).returncode != 0:
        pytest.skip("psql is not on PATH")
    import json

    committed = json.loads(COMMANDS_FILE.read_text(encoding="utf-8"))
    assert extract.sql_commands(pg_server_url) == committed
