"""``sqlgen migrate`` on bad input and hostile environments, as a user meets them:
each case is one clear message (no traceback), exit 1 (130 on Ctrl-C), and the
database's recorded state unchanged or, where it cannot be, described."""

from __future__ import annotations

import os
import pty
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from conftest import REPO_ROOT
from psycopg import sql

from sqlgen_helpers import run_sqlgen, write_project


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        data = text.encode() if isinstance(text, str) else text
        (directory / name).write_bytes(data)
    return directory


def steps(stdout: str) -> str:
    """What ``migrate`` printed, each step's name and time left out (``applied 1``)."""
    return re.sub(r"^(\w+ \d+) \w+ \(\d+\.\d ms\)$", r"\1", stdout, flags=re.MULTILINE)


def migrate(
    directory: Path, url: str, *args: str, table: str | None = None
) -> subprocess.CompletedProcess[str]:
    option = ["--migrations-table", table] if table else []
    return run_sqlgen(
        REPO_ROOT, "migrate", "--dir", str(directory), "--database-url", url, *option, *args
    )


def state(url: str, table: str = "schema_migrations") -> list[tuple[object, ...]] | None:
    """The rows of the version table; None when there is none."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
            return None
        query = sql.SQL("SELECT version, dirty FROM {}").format(sql.Identifier(table))
        return conn.execute(query).fetchall()


def execute(url: str, text: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text.encode())


def one_clear_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single stderr line of a refused command, checked to be no traceback."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0].removeprefix("sqlgen: ")


ONE = {"000001_a.up.sql": "CREATE TABLE a (x int);\n", "000001_a.down.sql": "DROP TABLE a;\n"}


# -- the connection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl", 'error: invalid database URL: missing "=" after "notaurl"'),
        ("postgresql://h/x?nosuch=1", "error: invalid database URL: invalid URI query parameter"),
        ("postgresql://127.0.0.1:1/x?connect_timeout=2", "error: cannot connect to the database:"),
    ],
)
def test_a_bad_url_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    directory = write(tmp_path, ONE)
    for action in ("up", "version"):
        assert one_clear_line(migrate(directory, url, action)).startswith(message)


def test_a_role_that_may_not_create_the_table_is_told_how(tmp_path: Path, empty_db: str) -> None:
    role, password = f"nocreate_{secrets.token_hex(4)}", secrets.token_hex(8)
    execute(empty_db, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        execute(empty_db, f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}")
        url = psycopg.conninfo.make_conninfo(empty_db, user=role, password=password)
        line = one_clear_line(migrate(write(tmp_path, ONE), url, "up"))
        assert line.startswith(
            "error: cannot create public.schema_migrations, where the migration version is "
            "kept: permission denied for schema public; grant the role CREATE on schema public"
        )
        assert state(empty_db) is None
    finally:
        execute(empty_db, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_a_role_that_may_not_read_the_table_is_one_line(tmp_path: Path, empty_db: str) -> None:
    directory = write(tmp_path, ONE)
    assert migrate(directory, empty_db, "up").returncode == 0
    role, password = f"noread_{secrets.token_hex(4)}", secrets.token_hex(8)
    execute(empty_db, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        url = psycopg.conninfo.make_conninfo(empty_db, user=role, password=password)
        for action in ("version", "up"):
            assert one_clear_line(migrate(directory, url, action)) == (
                "error: cannot read public.schema_migrations: permission denied for table "
                "schema_migrations"
            )
    finally:
        execute(empty_db, f"DROP OWNED BY {role}; DROP ROLE {role}")
    assert state(empty_db) == [(1, False)]


# -- the version table -----------------------------------------------------------------


def test_a_view_of_that_name_is_not_a_version_table(tmp_path: Path, empty_db: str) -> None:
    execute(empty_db, "CREATE VIEW schema_migrations AS SELECT 1::bigint AS version")
    line = one_clear_line(migrate(write(tmp_path, ONE), empty_db, "up"))
    assert line.startswith(
        "error: public.schema_migrations is not a migrations table (it is not a table)"
    )


def test_a_foreign_schema_migrations_is_refused_and_another_name_works(
    tmp_path: Path, empty_db: str
) -> None:
    # crates.io's pre-diesel table of that name.
    execute(
        empty_db,
        "CREATE TABLE schema_migrations (id serial PRIMARY KEY, version int8);"
        " INSERT INTO schema_migrations (version) VALUES (20170101)",
    )
    directory = write(tmp_path, ONE)
    for action in ("up", "version", "force"):
        extra = ["3"] if action == "force" else []
        line = one_clear_line(migrate(directory, empty_db, action, *extra))
        assert line.startswith(
            "error: public.schema_migrations is not a migrations table (it has no boolean "
            "column dirty): it is another table of the same name. Keep sqlgen's version in "
            "another table: --migrations-table NAME"
        ), line
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(20170101,)]
    result = migrate(directory, empty_db, "up", table="sqlgen_migrations")
    assert (result.returncode, steps(result.stdout)) == (0, "applied 1\n")
    assert state(empty_db, "sqlgen_migrations") == [(1, False)]


def test_golang_migrates_table_with_extra_columns_is_continued(
    tmp_path: Path, empty_db: str
) -> None:
    # Harbor's history adds a column to golang-migrate's table (data_version int).
    execute(
        empty_db,
        "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL,"
        " data_version int)",
    )
    result = migrate(write(tmp_path, ONE), empty_db, "up")
    assert (result.returncode, result.stderr) == (0, "")
    assert state(empty_db) == [(1, False)]


def test_a_migration_that_drops_the_version_table_rolls_back_with_advice(
    tmp_path: Path, empty_db: str
) -> None:
    directory = write(
        tmp_path, {**ONE, "000002_drop.up.sql": "DROP TABLE IF EXISTS schema_migrations;\n"}
    )
    result = migrate(directory, empty_db, "up")
    assert steps(result.stdout) == "applied 1\n"
    line = one_clear_line(result)
    assert (
        "000002_drop.up.sql: migration 000002 failed: it dropped public.schema_migrations" in line
    )
    assert "nothing of it was applied; the database is still at version 1" in line
    assert "--migrations-table NAME" in line
    assert state(empty_db) == [(1, False)]


def test_a_history_creating_its_own_schema_migrations_gets_a_hint(
    tmp_path: Path, empty_db: str
) -> None:
    directory = write(tmp_path, {"000001_own.up.sql": "CREATE TABLE schema_migrations (id int);\n"})
    result = migrate(directory, empty_db, "up")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert 'relation "schema_migrations" already exists' in result.stderr
    assert "HINT: the history creates its own schema_migrations" in result.stderr
    assert migrate(directory, empty_db, "up", table="sqlgen_migrations").returncode == 0


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("up", "--", "-1"), "error: the number of migrations must not be negative, got -1"),
        (("down", "--", "-1"), "error: the number of migrations must not be negative, got -1"),
        (
            ("force", "--", "-2"),
            "error: cannot force version -2: give a migration version, or -1 for none",
        ),
        (
            ("force", "9223372036854775808"),
            "error: cannot force version 9223372036854775808: migration version "
            "9223372036854775808 is out of range",
        ),
        (("goto", "--", "-1"), "error: "),
        (("down", "1", "--all"), "error: down takes a count or --all, not both"),
        (
            ("down",),
            "error: migrate down without a count reverts every applied migration; "
            "pass --all to do that, or a count (down 1)",
        ),
    ],
)
def test_bad_numbers_change_nothing(
    tmp_path: Path, empty_db: str, args: tuple[str, ...], message: str
) -> None:
    directory = write(tmp_path, ONE)
    assert migrate(directory, empty_db, "up").returncode == 0
    assert one_clear_line(migrate(directory, empty_db, *args)).startswith(message)
    assert state(empty_db) == [(1, False)]


def test_a_version_beyond_bigint_is_refused_everywhere(tmp_path: Path, empty_db: str) -> None:
    directory = write(tmp_path / "m", {"9223372036854775808_far.up.sql": "SELECT 1;\n"})
    line = one_clear_line(migrate(directory, empty_db, "up"))
    assert "migration version 9223372036854775808 is out of range" in line
    assert state(empty_db) is None
    check = run_sqlgen(REPO_ROOT, "migrate", "--dir", str(directory), "check")
    assert "9223372036854775808_far.up.sql:1:1: error: migration version" in check.stderr
    assert check.returncode == 1


def test_down_all_and_the_terminal_question(tmp_path: Path, empty_db: str) -> None:
    directory = write(tmp_path, ONE)
    assert migrate(directory, empty_db, "up").returncode == 0
    for answer, code, version in ((b"n\n", 1, [(1, False)]), (b"y\n", 0, [])):
        main, terminal = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "pgsqlgen", "migrate", "--dir", str(directory), "down"],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": empty_db},
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(terminal)
        os.write(main, answer)
        _, err = process.communicate(timeout=60)
        os.close(main)
        assert process.returncode == code, err
        assert b"revert every applied migration of" in err
        assert state(empty_db) == version
    assert migrate(directory, empty_db, "up").returncode == 0
    result = migrate(directory, empty_db, "down", "--all")
    assert (result.returncode, steps(result.stdout)) == (0, "reverted 1\n")


# -- files -----------------------------------------------------------------------------------


def test_migration_files_decode_as_generation_does(tmp_path: Path, empty_db: str) -> None:
    directory = write(
        tmp_path,
        {
            "000001_bom.up.sql": b"\xef\xbb\xbfCREATE TABLE a (x int);\n",
            "000002_latin1.up.sql": b"CREATE TABLE b (x int);\nCOMMENT ON TABLE b IS 'caf\xe9';\n",
        },
    )
    result = migrate(directory, empty_db, "up")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{directory / '000002_latin1.up.sql'}:2:27: error: invalid UTF-8 (byte e9): "
        "invalid continuation byte"
    )
    # Every file is read before the first runs: the good one did not run either.
    assert state(empty_db) is None
    (directory / "000002_latin1.up.sql").write_text("SELECT 1;\n")
    assert steps(migrate(directory, empty_db, "up").stdout) == "applied 1\napplied 2\n"


def test_an_untokenizable_file_is_reported_by_postgresql(tmp_path: Path, empty_db: str) -> None:
    directory = write(tmp_path, {"000001_open.up.sql": "SELECT 1;\nSELECT 'unterminated;\n"})
    result = migrate(directory, empty_db, "up")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "000001_open.up.sql:2: migration 000001 failed: unterminated quoted string" in (
        result.stderr
    )
    assert state(empty_db) is None


def test_first_non_transactional_failure_says_dirty_what_ran_and_how_out(
    tmp_path: Path, empty_db: str
) -> None:
    directory = write(
        tmp_path,
        {
            **ONE,
            "000002_index.up.sql": "CREATE INDEX CONCURRENTLY a_x ON a (x);\n"
            "CREATE INDEX CONCURRENTLY a_y ON a (y);\n",
        },
    )
    result = migrate(directory, empty_db, "up")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert steps(result.stdout) == "applied 1\n"
    assert result.stderr.splitlines()[1:] == [
        "the database is now dirty at version 2: 000002_index.up.sql cannot run in a "
        "transaction (CREATE INDEX CONCURRENTLY), so what ran before the failure stays "
        "applied:",
        "  line 1: CREATE INDEX CONCURRENTLY a_x ON a (x);",
        "to recover: finish or undo 000002_index.up.sql by hand, then record the state with "
        "`sqlgen migrate force 2` (finished) or `sqlgen migrate force 1` (undone)",
        "before it, this run applied 1",
    ]
    assert state(empty_db) == [(2, True)]


# -- Ctrl-C ----------------------------------------------------------------------------------


def interrupt_while_sleeping(directory: Path, url: str) -> subprocess.CompletedProcess[str]:
    """Run ``migrate up`` and press Ctrl-C once the server runs ``pg_sleep``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pgsqlgen", "migrate", "--dir", str(directory), "up"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + 30
        while conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%%'"
        ).fetchone() != (1,):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_rolls_back_the_running_migration(tmp_path: Path, empty_db: str) -> None:
    directory = write(
        tmp_path, {**ONE, "000002_slow.up.sql": "CREATE TABLE b (x int);\nSELECT pg_sleep(60);\n"}
    )
    result = interrupt_while_sleeping(directory, empty_db)
    assert steps(result.stdout) == "applied 1\n"
    assert one_clear_line(result, 130) == "interrupted: the database is clean at version 1"
    assert state(empty_db) == [(1, False)]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)


def test_ctrl_c_in_a_non_transactional_migration_says_dirty(tmp_path: Path, empty_db: str) -> None:
    directory = write(
        tmp_path,
        {
            **ONE,
            "000002_slow.up.sql": "CREATE INDEX CONCURRENTLY a_x ON a (x);\nSELECT pg_sleep(60);\n",
        },
    )
    result = interrupt_while_sleeping(directory, empty_db)
    assert one_clear_line(result, 130) == (
        "interrupted: the database is dirty at version 2 (the migration running could not run "
        "in a transaction): fix it by hand, then `sqlgen migrate force 2`"
    )
    assert state(empty_db) == [(2, True)]


def test_the_configured_version_table_is_used(tmp_path: Path, empty_db: str) -> None:
    write_project(tmp_path, {"000001_a.up.sql": "CREATE TABLE a (x int);"})
    with (tmp_path / "pyproject.toml").open("a", encoding="utf-8") as file:
        file.write('migrations_table = "app_versions"\n')
    result = run_sqlgen(tmp_path, "migrate", "up", database_url=empty_db)
    assert (result.returncode, steps(result.stdout)) == (0, "applied 1\n"), result.stderr
    assert state(empty_db, "app_versions") == [(1, False)]
    assert state(empty_db) is None
    # The command line wins over the configuration.
    other = run_sqlgen(
        tmp_path, "migrate", "--migrations-table", "other", "version", database_url=empty_db
    )
    assert other.stdout == "nil\n"


def test_a_failed_goto_down_lists_what_it_reverted(tmp_path: Path, empty_db: str) -> None:
    directory = write(
        tmp_path,
        {
            **ONE,
            "000002_b.up.sql": "SELECT 2;\n",
            "000002_b.down.sql": "SELEC 2;\n",
            "000003_c.up.sql": "SELECT 3;\n",
            "000003_c.down.sql": "SELECT 3;\n",
        },
    )
    assert migrate(directory, empty_db, "up").returncode == 0
    result = migrate(directory, empty_db, "goto", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert steps(result.stdout) == "reverted 3\n"
    assert "000002_b.down.sql:1: migration 000002 failed: syntax error" in result.stderr
    assert state(empty_db) == [(2, False)]
