"""The bad-input catalogue: what a careful tester throws at ``sqlgen``.

Each :class:`Case` starts from a small valid project (:data:`BASE_SCHEMA`,
:data:`BASE_QUERIES`, :data:`BASE_CONFIG`, generated once), changes it with
``setup``, runs one command and names what must come out: the exit code and
a piece of the one-line, located error. ``tests/test_attack.py`` runs every
case and also checks that no traceback is printed and that the project (the
output folder included) is byte-identical afterwards.

The table is data, so other suites add theirs: append to :data:`CASES` (or
build a list and pass it to ``test_attack.run_case``). A case whose argv holds
``{database_url}`` gets an empty database of the test server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_SCHEMA = {
    "000001_init.up.sql": (
        "CREATE TYPE note_kind AS ENUM ('plain', 'todo');\n"
        "CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE, name text);\n"
        "CREATE TABLE notes (\n"
        "    id bigserial PRIMARY KEY,\n"
        "    user_id uuid NOT NULL REFERENCES users (id),\n"
        "    kind note_kind NOT NULL DEFAULT 'plain',\n"
        "    body text\n"
        ");\n"
    ),
    "000001_init.down.sql": "DROP TABLE notes;\nDROP TABLE users;\nDROP TYPE note_kind;\n",
}
BASE_QUERIES = {
    "users.sql": (
        "-- name: GetUser :one\n"
        "SELECT * FROM users WHERE id = @id;\n\n"
        "-- name: ListUsers :many\n"
        "SELECT id, email FROM users ORDER BY email;\n"
    ),
    "notes.sql": (
        "-- name: ListNotes :many\n"
        "SELECT * FROM notes WHERE user_id = sqlc.arg(user_id) AND kind = ANY(@kinds::note_kind[]);\n\n"
        "-- name: DeleteNote :execrows\n"
        "DELETE FROM notes WHERE id = @id;\n"
    ),
}
BASE_CONFIG = '[tool.sqlgen]\nschema = ["schema"]\nqueries = ["queries"]\nout = "gen/demo"\npackage = "demo"\n'

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One attack: change the project, run ``argv``, expect ``exit_code`` and ``message``."""

    id: str
    area: str
    setup: Setup
    message: str
    argv: tuple[str, ...] = ("generate",)
    exit_code: int = 1
    located: bool = True
    """Whether stderr starts ``file:line:col: error:`` (else ``sqlgen: error:``)."""
    unreadable: bool = False
    """The setup takes read permission away: as root this runs as another user."""
    gap: str = ""
    """A known gap, said in words: the case is expected to fail until it is closed."""


def _write(relative: str, content: str | bytes) -> Setup:
    def setup(root: Path) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def query(content: str | bytes) -> Setup:
    """A query file ``queries/attack.sql`` with ``content``."""
    return _write("queries/attack.sql", content)


def migration(up: str | bytes, down: str | bytes = "SELECT 1;\n") -> Setup:
    """A second migration pair with ``up`` and ``down``."""
    first = _write("schema/000002_attack.up.sql", up)
    second = _write("schema/000002_attack.down.sql", down)
    return lambda root: (first(root), second(root), None)[-1]


def config(extra: str, base: str = BASE_CONFIG) -> Setup:
    """pyproject.toml with ``extra`` appended to the ``[tool.sqlgen]`` table."""
    return _write("pyproject.toml", base + extra)


def both(*setups: Setup) -> Setup:
    def setup(root: Path) -> None:
        for each in setups:
            each(root)

    return setup


def _remove(relative: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / relative
        if path.is_dir() and not path.is_symlink():
            for child in sorted(path.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            path.rmdir()
        else:
            path.unlink()

    return setup


def _mkdir(relative: str) -> Setup:
    return lambda root: (root / relative).mkdir(parents=True)


def _symlink(relative: str, target: str) -> Setup:
    return lambda root: (root / relative).symlink_to(target)


def _chmod(relative: str, mode: int) -> Setup:
    return lambda root: os.chmod(root / relative, mode)


def _nested(depth: int) -> str:
    return "(" * depth + "1" + ")" * depth


def _ors(count: int) -> str:
    return " OR ".join(f"email = '{i}'" for i in range(count))


LONG = "x" * 5000
INVALID = b"\xff\xfe"
Q = "-- name: Attack :one\n"

# fmt: off
QUERY_CASES = [
    Case("bytes-in-sql", "query files", query(b"-- name: A :one\nSELECT 1 AS \xff;\n"), "queries/attack.sql:2:13: error: invalid UTF-8"),
    Case("bytes-in-header", "query files", query(b"-- name: A\xc3 :one\nSELECT 1 AS a;\n"), "queries/attack.sql:1:11: error: invalid UTF-8"),
    Case("bytes-in-comment", "query files", query(b"-- a comment \xe2\x82\n-- name: A :one\nSELECT 1 AS a;\n"), "queries/attack.sql:1:14: error: invalid UTF-8"),
    Case("bytes-in-string", "query files", query(b"-- name: A :one\nSELECT 'caf\xe9' AS a;\n"), "queries/attack.sql:2:12: error: invalid UTF-8"),
    Case("bytes-at-end", "query files", query(b"-- name: A :one\nSELECT 1 AS a;\n\x80"), "queries/attack.sql:3:1: error: invalid UTF-8"),
    Case("utf16-file", "query files", query("-- name: A :one\nSELECT 1 AS a;\n".encode("utf-16")), "queries/attack.sql:1:1: error: invalid UTF-8"),
    Case("latin1-file", "query files", query("-- name: Café :one\nSELECT 1 AS a;\n".encode("latin-1")), "queries/attack.sql:1:13: error: invalid UTF-8"),
    Case("overlong-utf8", "query files", query(b"-- name: A :one\nSELECT '\xc0\xaf' AS a;\n"), "queries/attack.sql:2:9: error: invalid UTF-8"),
    Case("surrogate-utf8", "query files", query(b"-- name: A :one\nSELECT '\xed\xa0\x80' AS a;\n"), "queries/attack.sql:2:9: error: invalid UTF-8"),
    Case("bom-is-fine", "query files", query(b"\xef\xbb\xbf-- name: Bom :one\nSELECT 1 AS a;\n"), "", exit_code=0),
    Case("nul-byte", "query files", query("-- name: A :one\nSELECT 1 AS a\x00;\n"), "queries/attack.sql:2"),
    Case("no-header", "query files", query("SELECT 1;\n"), "queries/attack.sql:1:1: error: query must start with a '-- name: Name :command' header"),
    Case("header-without-command", "query files", query("-- name: A\nSELECT 1;\n"), "header must be '-- name: QueryName :command'"),
    Case("header-empty", "query files", query("-- name:\nSELECT 1;\n"), "header must be"),
    Case("header-three-words", "query files", query("-- name: A :one extra\nSELECT 1;\n"), "header must be"),
    Case("unknown-command", "query files", query("-- name: A :bogus\nSELECT 1;\n"), 'unknown annotation ":bogus"'),
    Case("execlastid", "query files", query("-- name: A :execlastid\nINSERT INTO users (id, email) VALUES (@id, @email);\n"), ":execlastid is not supported"),
    Case("name-starts-with-digit", "query files", query("-- name: 1A :one\nSELECT 1;\n"), 'invalid query name "1A"'),
    Case("name-with-dash", "query files", query("-- name: Get-User :one\nSELECT 1;\n"), 'invalid query name "Get-User"'),
    Case("name-unicode", "query files", query("-- name: Grüße :one\nSELECT 1;\n"), 'invalid query name "Grüße"'),
    Case("duplicate-in-file", "query files", query("-- name: A :one\nSELECT 1 AS a;\n-- name: A :one\nSELECT 2 AS a;\n"), 'duplicate query name "A"'),
    Case("duplicate-across-files", "query files", query("-- name: GetUser :one\nSELECT 1 AS a;\n"), 'duplicate query name "GetUser"'),
    Case("no-sql", "query files", query("-- name: A :one\n"), "query A has no SQL"),
    Case("two-statements", "query files", query("-- name: A :one\nSELECT 1 AS a; SELECT 2 AS b;\n"), "must contain exactly one statement"),
    Case("missing-semicolon", "query files", query("-- name: A :one\nSELECT 1 AS a\n"), "missing semicolon"),
    Case("unterminated-string", "query files", query("-- name: A :one\nSELECT 'abc AS a;\n"), "queries/attack.sql:2"),
    Case("unterminated-dollar", "query files", query("-- name: A :one\nSELECT $$abc AS a;\n"), "queries/attack.sql:2"),
    Case("unterminated-comment", "query files", query("-- name: A :one\nSELECT 1 /* AS a;\n"), "queries/attack.sql:2"),
    Case("unbalanced-open", "query files", query("-- name: A :one\nSELECT (1 AS a;\n"), "syntax error"),
    Case("unbalanced-close", "query files", query("-- name: A :one\nSELECT 1) AS a;\n"), "syntax error"),
    Case("garbage", "query files", query("-- name: A :one\n%%% !!! ;\n"), "queries/attack.sql:2"),
    Case("unknown-table", "query files", query("-- name: A :many\nSELECT * FROM nope;\n"), 'relation "nope" does not exist'),
    Case("unknown-column", "query files", query("-- name: A :many\nSELECT nope FROM users;\n"), 'column "nope" does not exist'),
    Case("ambiguous-column", "query files", query("-- name: A :many\nSELECT id FROM users, notes;\n"), "ambiguous"),
    Case("unknown-function", "query files", query("-- name: A :one\nSELECT no_such_fn(1) AS a;\n"), "no_such_fn"),
    Case("insert-unknown-column", "query files", query("-- name: A :exec\nINSERT INTO users (id, nope) VALUES (@id, @nope);\n"), "nope"),
    Case("arg-empty", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.arg();\n"), "queries/attack.sql:2:32: error: sqlc.arg() takes exactly one parameter name"),
    Case("arg-number", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.arg(1);\n"), "sqlc.arg(1): the parameter name must be an identifier"),
    Case("arg-two-names", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.arg(a, b);\n"), "takes exactly one parameter name"),
    Case("arg-unclosed", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.arg(a;\n"), "queries/attack.sql:2"),
    Case("arg-spaced-string", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.arg('a b');\n"), "must be an identifier"),
    Case("narg-empty", "query files", query("-- name: A :one\nSELECT * FROM users WHERE name = sqlc.narg();\n"), "sqlc.narg() takes exactly one"),
    Case("slice-number", "query files", query("-- name: A :many\nSELECT * FROM users WHERE id IN (sqlc.slice(2));\n"), "sqlc.slice(2)"),
    Case("embed-empty", "query files", query("-- name: A :many\nSELECT sqlc.embed() FROM users;\n"), "sqlc.embed() takes exactly one"),
    Case("unknown-macro", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = sqlc.argh(id);\n"), "unknown macro sqlc.argh"),
    Case("slice-and-single", "query files", query( "-- name: A :many\nSELECT * FROM users WHERE id IN (sqlc.slice(ids)) OR id = @ids;\n" ), "used both as sqlc.slice(ids)"),
    Case("positional-gap", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = $2;\n"), "parameter $1 is never used"),
    Case("nested-1001", "query files", query(f"{Q}SELECT {_nested(1001)} AS a;\n"), "queries/attack.sql:2:1008: error: too deeply nested"),
    Case("nested-5000", "query files", query(f"{Q}SELECT {_nested(5000)} AS a;\n"), "too deeply nested"),
    Case("nested-500-works", "query files", query(f"{Q}SELECT {_nested(500)} AS a;\n"), "", exit_code=0),
    Case("nested-1000-works", "query files", query(f"{Q}SELECT {_nested(1000)} AS a;\n"), "", exit_code=0),
    Case("ors-10000-work", "query files", query(f"-- name: Ors :many\nSELECT id FROM users WHERE {_ors(10_000)};\n"), "", exit_code=0),
    Case("ors-30000", "query files", query(f"-- name: Ors :many\nSELECT id FROM users WHERE {_ors(30_000)};\n"), "queries/attack.sql:2:1: error: too deeply nested"),
    Case("subqueries-300-work", "query files", query( f"-- name: Sub :many\nSELECT id FROM users WHERE id IN {'(SELECT id FROM users WHERE id IN ' * 300}(NULL){')' * 300};\n" ), "", exit_code=0),
    Case("long-identifier", "query files", query(f"-- name: A :many\nSELECT * FROM {LONG};\n"), "xxx...xxx"),
    Case("long-name", "query files", query(f"-- name: A{LONG} :bogus\nSELECT 1;\n"), "unknown annotation"),
    Case("long-line", "query files", query(f"-- name: A :one\nSELECT 1 AS a, {', '.join(['2'] * 20_000)} AS b FROM nope;\n"), "nope"),
    Case("name-metrics", "query files", query("-- name: Metrics :many\nSELECT id FROM users;\n"), "queries/attack.sql:1:1: error: query Metrics: method metrics() would replace"),
    Case("name-tuple", "query files", query("-- name: Tuple :one\nSELECT id, email FROM users;\n"), "its class TupleRow would replace"),
    Case("name-user-works", "query files", query("-- name: User :one\nSELECT id, email FROM users;\n"), "", exit_code=0),
    Case("method-clash-iter", "query files", query( "-- name: Users :many\nSELECT id FROM users;\n-- name: IterUsers :many\nSELECT id FROM users;\n" ), "method iter_users is also generated"),
    Case("method-clash-underscore", "query files", query("-- name: Get_User :one\nSELECT id FROM users;\n"), "method get_user is also generated"),
    Case("copyfrom-select", "query files", query("-- name: A :copyfrom\nSELECT 1;\n"), "queries/attack.sql:"),
    Case("crlf-works", "query files", query("-- name: Crlf :one\r\nSELECT 1 AS a;\r\n"), "", exit_code=0),
    Case("cr-only-works", "query files", query("-- name: A :one\rSELECT 1 AS a;\r"), "", exit_code=0),
    Case("control-characters", "query files", query("-- name: A :one\nSELECT \x01\x02 AS a;\n"), "queries/attack.sql:2"),
    Case("empty-file-works", "query files", query(""), "", exit_code=0),
    Case("comments-only-works", "query files", query("-- nothing here\n-- yet\n"), "", exit_code=0),
    Case("block-comment-header", "query files", query("/* name: A :one */\nSELECT nope;\n"), "nope"),
    Case("params-type-clash", "query files", query("-- name: A :one\nSELECT * FROM users WHERE id = @x AND email = @x;\n"), "operator does not exist: text = uuid"),
    Case("params-type-clash-in-values", "query files", query("-- name: A :exec\nINSERT INTO users (id, email) VALUES (@x, @x);\n"), "inconsistent types deduced for parameter $1"),
    Case("inspect-bad-query", "query files", query("-- name: A :many\nSELECT * FROM nope;\n"), 'relation "nope" does not exist', argv=("inspect",)),
    Case("check-bad-query", "query files", query("-- name: A :many\nSELECT * FROM nope;\n"), 'relation "nope" does not exist', argv=("check", "--no-cache")),
]
# fmt: on

# fmt: off
MIGRATION_CASES = [
    Case("up-bytes", "migrations", migration(b"CREATE TABLE t (id int, \xff text);\n"), "schema/000002_attack.up.sql:1:25: error: invalid UTF-8"),
    Case("down-bytes", "migrations", migration("SELECT 1;\n", b"DROP TABLE \xfe;\n"), "schema/000002_attack.down.sql:1:12: error: invalid UTF-8"),
    Case("up-bom-works", "migrations", migration(b"\xef\xbb\xbfCREATE TABLE t (id int);\n"), "", exit_code=0),
    Case("up-utf16", "migrations", migration("CREATE TABLE t (id int);\n".encode("utf-16")), "schema/000002_attack.up.sql:1:1: error: invalid UTF-8"),
    Case("up-syntax", "migrations", migration("CREATE TABLE (id int);\n"), "schema/000002_attack.up.sql:1"),
    Case("down-syntax", "migrations", migration("SELECT 1;\n", "DROP TABLE;\n"), "schema/000002_attack.down.sql:1:6: warning: syntax error at or near", exit_code=0),
    Case("unknown-relation", "migrations", migration("ALTER TABLE nope ADD COLUMN x int;\n"), 'relation "nope" does not exist'),
    Case("unknown-column", "migrations", migration("ALTER TABLE users DROP COLUMN nope;\n"), 'column "nope" of relation "users" does not exist'),
    Case("duplicate-table", "migrations", migration("CREATE TABLE users (id int);\n"), 'relation "users" already exists'),
    Case("unknown-type", "migrations", migration("CREATE TABLE t (x no_such_type);\n"), 'type "no_such_type" does not exist'),
    Case("bad-reference", "migrations", migration("CREATE TABLE t (x int REFERENCES missing (id));\n"), 'relation "missing" does not exist'),
    Case("unterminated-string", "migrations", migration("CREATE TABLE t (x text DEFAULT 'abc);\n"), "schema/000002_attack.up.sql:1"),
    Case("unterminated-dollar", "migrations", migration("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n"), "schema/000002_attack.up.sql:1"),
    Case("nested-1001", "migrations", migration(f"CREATE TABLE t (x int CHECK ({_nested(1001)} > 0));\n"), "too deeply nested"),
    Case("nested-500-works", "migrations", migration(f"CREATE TABLE t (x int CHECK (x > {_nested(500)}));\n"), "", exit_code=0),
    Case("long-identifier", "migrations", migration(f"ALTER TABLE {LONG} ADD COLUMN x int;\n"), 'relation "' + "x" * 63 + '" does not exist'),
    Case("garbage", "migrations", migration("@@@ ###;\n"), "schema/000002_attack.up.sql:1"),
    Case("empty-works", "migrations", migration(""), "", exit_code=0),
    Case("missing-down", "migrations", _write("schema/000002_attack.up.sql", "SELECT 1;\n"), "", exit_code=0),
    Case("missing-up", "migrations", _write("schema/000002_attack.down.sql", "SELECT 1;\n"), "missing up migration 000002_attack.up.sql"),
    Case("bad-name", "migrations", _write("schema/2_Attack.up.sql", "SELECT 1;\n"), "", exit_code=0),
    Case("name-with-dash", "migrations", _write("schema/000002_add-thing.up.sql", "SELECT 1;\n"), "", exit_code=0),
    Case("duplicate-version", "migrations", both( migration("SELECT 1;\n"), _write("schema/000002_other.up.sql", "SELECT 1;\n"), _write("schema/000002_other.down.sql", "SELECT 1;\n"), ), "migration number 000002 is used by"),
    Case("fixture-unknown", "migrations", _write("schema/testdata/fixtures/000009_ghost.up.sql", "SELECT 1;\n"), "does not belong to an existing migration"),
    Case("fixture-bad-name", "migrations", _write("schema/testdata/fixtures/ghost.sql", "SELECT 1;\n"), "fixture file name must match"),
    Case("check-missing-down", "migrations", _write("schema/000002_attack.up.sql", "SELECT 1;\n"), "missing down migration", argv=("migrate", "check", "--strict")),
    Case("check-bad-name", "migrations", _write("schema/x.sql", "SELECT 1;\n"), "migration file name must match", argv=("migrate", "check")),
    Case("check-dir-missing", "migrations", lambda root: None, "migrations directory does not exist", argv=("migrate", "--dir", "nowhere", "check")),
    Case("check-duplicate", "migrations", both( migration("SELECT 1;\n"), _write("schema/000002_other.up.sql", "SELECT 1;\n"), _write("schema/000002_other.down.sql", "SELECT 1;\n"), ), "is used by", argv=("migrate", "check")),
    Case("inspect-bad-schema", "migrations", migration("ALTER TABLE nope ADD COLUMN x int;\n"), 'relation "nope" does not exist', argv=("inspect",)),
    Case("check-bytes", "migrations", migration(b"SELECT \xff;\n"), "invalid UTF-8", argv=("check", "--no-cache")),
    Case("drop-then-use", "migrations", migration("DROP TABLE notes;\n"), 'relation "notes" does not exist'),
    Case("add-column-unknown-type", "migrations", migration("ALTER TABLE notes ADD COLUMN extra nope_kind;\n"), 'type "nope_kind" does not exist'),
]
# fmt: on

SQLC_YAML = (
    'version: "2"\nsql:\n  - engine: postgresql\n    schema: schema\n    queries: queries\n'
    "    gen:\n      go:\n        package: demo\n        out: gen/demo\n"
)
# fmt: off
CONFIG_CASES = [
    Case("toml-syntax", "config", _write("pyproject.toml", "[tool.sqlgen\nschema = 1\n"), "pyproject.toml:1:1: error: invalid TOML"),
    Case("toml-bytes", "config", _write("pyproject.toml", BASE_CONFIG.encode() + b"# \xff\n"), "pyproject.toml:6:3: error: invalid UTF-8"),
    Case("toml-bom-works", "config", _write("pyproject.toml", b"\xef\xbb\xbf" + BASE_CONFIG.encode()), "", exit_code=0),
    Case("no-table", "config", _write("pyproject.toml", "[project]\nname = 'x'\n"), "no configuration", argv=("generate",)),
    Case("explicit-no-table", "config", _write("pyproject.toml", "[project]\nname = 'x'\n"), "no [tool.sqlgen] table", argv=("--config", "pyproject.toml", "generate")),
    Case("unknown-key", "config", config("shema = ['x']\n"), "unknown key: shema (did you mean schema?)"),
    Case("schema-not-list", "config", config("", BASE_CONFIG.replace('schema = ["schema"]', "schema = 1")), "schema must be a path"),
    Case("queries-empty", "config", config("", BASE_CONFIG.replace('queries = ["queries"]', "queries = []")), "queries must be a path"),
    Case("queries-mixed", "config", config("", BASE_CONFIG.replace('queries = ["queries"]', 'queries = ["queries", 1]')), "queries must be a path"),
    Case("out-missing", "config", config("", BASE_CONFIG.replace('out = "gen/demo"\n', "")), "out must be a directory path"),
    Case("out-not-string", "config", config("", BASE_CONFIG.replace('out = "gen/demo"', "out = 3")), "out must be a string"),
    Case("package-keyword", "config", config("", BASE_CONFIG.replace('package = "demo"', 'package = "class"')), "package must be a Python identifier"),
    Case("package-dash", "config", config("", BASE_CONFIG.replace('package = "demo"', 'package = "my-demo"')), "package must be a Python identifier"),
    Case("package-long", "config", config("", BASE_CONFIG.replace('package = "demo"', f'package = "{LONG}-"')), "xxx...xxx"),
    Case("models-bad", "config", config('models = "attrs"\n'), 'models must be "dataclass" or "pydantic"'),
    Case("emit-none", "config", config("emit_sync = false\nemit_async = false\n"), "cannot both be false"),
    Case("emit-not-bool", "config", config('emit_sync = "yes"\n'), "emit_sync must be true or false"),
    Case("limit-negative", "config", config("query_parameter_limit = -1\n"), "must be a whole number >= 0"),
    Case("limit-bool", "config", config("query_parameter_limit = true\n"), "must be a whole number >= 0"),
    Case("rename-not-map", "config", config('rename = ["users"]\n'), "rename must map names to names"),
    Case("overrides-not-list", "config", config('overrides = "x"\n'), "overrides must be a list of tables"),
    Case("override-no-python-type", "config", config('overrides = [{ column = "users.name" }]\n'), "overrides without a python_type"),
    Case("override-both", "config", config('overrides = [{ column = "users.name", db_type = "text", python_type = "str" }]\n'), "give exactly one of db_type and column"),
    Case("override-column-no-dot", "config", config('overrides = [{ column = "name", python_type = "str" }]\n'), "column must be table.column"),
    Case("override-missing-column", "config", config('overrides = [{ column = "users.nmae", python_type = "str" }]\n'), 'overrides[0]: column users.nmae: column "nmae" of relation "users" does not exist'),
    Case("override-missing-table", "config", config('overrides = [{ column = "usres.name", python_type = "str" }]\n'), 'relation "usres" does not exist'),
    Case("override-bad-python-type", "config", config('overrides = [{ db_type = "text", python_type = "not a type" }]\n'), "python_type must look like module:Name"),
    Case("override-loader-on-column", "config", config('overrides = [{ column = "users.name", python_type = "m:T", loader = "m:L" }]\n'), "a loader adapts a type"),
    Case("override-unknown-key", "config", config('overrides = [{ db_type = "text", python_type = "str", nullable2 = true }]\n'), "unknown key: nullable2 (did you mean nullable?)"),
    Case("templates-missing", "config", config('templates = "tpl"\n'), "templates folder 'tpl' does not exist"),
    Case("templates-is-file", "config", both(config('templates = "tpl"\n'), _write("tpl", "x")), "templates folder 'tpl' does not exist"),
    Case("config-missing", "config", lambda root: None, "configuration file not found", argv=("--config", "elsewhere.toml", "generate")),
    Case("config-folder", "config", _mkdir("conf.toml"), "conf.toml:1:1: error: cannot read: is a folder", argv=("--config", "conf.toml", "generate")),
    Case("no-config-here", "config", _remove("pyproject.toml"), "no configuration"),
    Case("unknown-package", "config", lambda root: None, "no package 'nope'", argv=("--package", "nope", "inspect")),
    Case("sqlc-yaml-syntax", "config", _write("sqlc.yaml", 'version: "2"\nsql: [\n'), "invalid YAML", argv=("--config", "sqlc.yaml", "generate")),
    Case("sqlc-yaml-bytes", "config", _write("sqlc.yaml", SQLC_YAML.encode() + b"# \xff\n"), "sqlc.yaml:10:3: error: invalid UTF-8", argv=("--config", "sqlc.yaml", "generate")),
    Case("sqlc-json-syntax", "config", _write("sqlc.json", '{"version": "2", "sql": [}'), "invalid JSON", argv=("--config", "sqlc.json", "generate")),
    Case("sqlc-json-bytes", "config", _write("sqlc.json", b'{"version": "2\xff"}'), "invalid UTF-8", argv=("--config", "sqlc.json", "generate")),
    Case("sqlc-wrong-version", "config", _write("sqlc.yaml", SQLC_YAML.replace('"2"', '"1"')), "sqlc.yaml", argv=("--config", "sqlc.yaml", "generate")),
    Case("sqlc-not-mapping", "config", _write("sqlc.yaml", "- 1\n- 2\n"), "sqlc.yaml", argv=("--config", "sqlc.yaml", "generate")),
    Case("sqlc-empty", "config", _write("sqlc.yaml", ""), "sqlc.yaml", argv=("--config", "sqlc.yaml", "generate")),
    Case("sqlc-no-postgres", "config", _write("sqlc.yaml", SQLC_YAML.replace("postgresql", "mysql")), "sqlc.yaml", argv=("--config", "sqlc.yaml", "generate")),
    Case("database-url-not-url", "config", lambda root: None, "sqlgen: error:", argv=("migrate", "--database-url", "notaurl", "version"), located=False),
    Case("database-url-bad-scheme", "config", lambda root: None, "sqlgen: error:", argv=("migrate", "--database-url", "mysql://localhost/x", "version"), located=False),
    Case("no-database", "config", lambda root: None, "no database: pass --database-url", argv=("migrate", "version")),
]
# fmt: on

# fmt: off
TEMPLATE_CASES = [
    Case("template-syntax", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", "{{ header }}\n{% for x in %}\n"), ), "tpl/models.py.j2:2:1: error: template error rendering models.py"),
    Case("template-undefined", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", "{{ header }}\n\n{{ ir.nothing_here }}\n"), ), "tpl/models.py.j2:3:1: error: template error"),
    Case("template-raises", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", "{{ header }}\n{{ 1 // 0 }}\n"), ), "tpl/models.py.j2:2:1: error: template error rendering models.py: integer division"),
    Case("template-missing-include", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", '{% include "nope.j2" %}\n') ), "template 'nope.j2' not found"),
    Case("template-bad-extends", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", '{% extends "sqlgen/nope.j2" %}\n'), ), "not found"),
    Case("template-invalid-python", "generated code", both(config('templates = "tpl"\n'), _write("tpl/models.py.j2", "def broken(:\n")), "tpl/models.py.j2:1:1: error: the template rendered models.py, which is not valid Python"),
    Case("template-nul", "generated code", both(config('templates = "tpl"\n'), _write("tpl/models.py.j2", "x = 1\x00\n")), "tpl/models.py.j2"),
    Case("template-bytes", "generated code", both(config('templates = "tpl"\n'), _write("tpl/models.py.j2", b"x = '\xff'\n")), "tpl/models.py.j2"),
    Case("template-recursion", "generated code", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", '{% include "models.py.j2" %}\n'), ), "tpl/models.py.j2"),
    Case("template-indent-error", "generated code", both(config('templates = "tpl"\n'), _write("tpl/querier.py.j2", "x = 1\n  y = 2\n")), "which is not valid Python"),
    Case("template-folder-named-template-is-ignored", "generated code", both(config('templates = "tpl"\n'), _mkdir("tpl/models.py.j2")), "", exit_code=0),
    Case("template-ok", "generated code", both(config('templates = "tpl"\n'), _write("tpl/README", "not a template\n")), "", exit_code=0),
    Case("pydantic-name-metrics", "generated code", both( config('models = "pydantic"\n'), query("-- name: Metrics :one\nSELECT id FROM users;\n") ), "method metrics() would replace"),
    Case("async-only-name-tuple", "generated code", both( config("emit_sync = false\n"), query("-- name: Tuple :one\nSELECT id, email FROM users;\n"), ), "TupleRow"),
]
# fmt: on

# fmt: off
FILESYSTEM_CASES = [
    Case("queries-missing", "filesystem", _remove("queries"), "queries:1:1: error: queries path does not exist"),
    Case("schema-missing", "filesystem", _remove("schema"), "schema:1:1: error: schema path does not exist"),
    Case("query-folder-named-sql", "filesystem", _mkdir("queries/x.sql"), "queries/x.sql:1:1: error: cannot read: is a folder, not a file"),
    Case("migration-folder-named-sql", "filesystem", both( _mkdir("schema/000002_attack.up.sql"), _write("schema/000002_attack.down.sql", "SELECT 1;\n"), ), "schema/000002_attack.down.sql:1:1: error: missing up migration 000002_attack.up.sql"),
    Case("query-symlink-loop", "filesystem", _symlink("queries/loop.sql", "loop.sql"), "queries/loop.sql:1:1: error: cannot read: is a loop of symbolic links"),
    Case("queries-symlink-loop", "filesystem", both(_remove("queries"), _symlink("queries", "queries")), "queries:1:1: error: cannot read: is a loop of symbolic links"),
    Case("schema-symlink-loop", "filesystem", both(_remove("schema"), _symlink("schema", "schema")), "schema:1:1: error: cannot read: is a loop of symbolic links"),
    Case("query-dangling-symlink", "filesystem", _symlink("queries/gone.sql", "nowhere.sql"), "queries/gone.sql:1:1: error: cannot read: does not exist"),
    Case("queries-dangling-symlink", "filesystem", both(_remove("queries"), _symlink("queries", "nowhere")), "queries:1:1: error: queries path does not exist"),
    Case("queries-is-a-file-path", "filesystem", config( "", BASE_CONFIG.replace('queries = ["queries"]', 'queries = ["queries/users.sql/x"]') ), "queries/users.sql/x:1:1: error:"),
    Case("query-unreadable", "filesystem", _chmod("queries/users.sql", 0), "queries/users.sql:1:1: error: cannot read: permission denied", unreadable=True),
    Case("queries-unreadable", "filesystem", _chmod("queries", 0), "queries:1:1: error: cannot read: permission denied", unreadable=True),
    Case("queries-unlistable", "filesystem", _chmod("queries", 0o311), "queries:1:1: error: cannot read: permission denied", unreadable=True),
    Case("schema-unreadable", "filesystem", _chmod("schema", 0), "schema:1:1: error: cannot read: permission denied", unreadable=True),
    Case("migration-unreadable", "filesystem", _chmod("schema/000001_init.up.sql", 0), "schema/000001_init.up.sql:1:1: error: cannot read: permission denied", unreadable=True),
    Case("down-unreadable", "filesystem", _chmod("schema/000001_init.down.sql", 0), "schema/000001_init.down.sql:1:1: error: cannot read: permission denied", unreadable=True),
    Case("config-unreadable", "filesystem", _chmod("pyproject.toml", 0), "pyproject.toml", unreadable=True),
    Case("template-unreadable", "filesystem", both( config('templates = "tpl"\n'), _write("tpl/models.py.j2", "x = 1\n"), _chmod("tpl/models.py.j2", 0), ), "tpl", unreadable=True),
    Case("out-under-a-file", "filesystem", config("", BASE_CONFIG.replace('out = "gen/demo"', 'out = "pyproject.toml/demo"')), "sqlgen: error:", located=False),
    Case("out-is-a-file", "filesystem", both(_remove("gen/demo"), _write("gen/demo", "not a folder\n")), "sqlgen: error:", located=False),
    Case("out-read-only", "filesystem", both(query("-- name: New :one\nSELECT 1 AS a;\n"), _chmod("gen/demo", 0o555)), "cannot write: Permission denied", unreadable=True),
    Case("out-parent-read-only", "filesystem", both(_remove("gen/demo"), _chmod("gen", 0o555)), "cannot write: Permission denied", unreadable=True),
    Case("inspect-out-missing-dir", "filesystem", lambda root: None, "nowhere/ir.json:1:1: error: cannot write: does not exist", argv=("inspect", "-o", "nowhere/ir.json")),
    Case("inspect-out-folder", "filesystem", _mkdir("ir"), "ir:1:1: error: cannot write: is a folder, not a file", argv=("inspect", "-o", "ir")),
    Case("inspect-out-full", "filesystem", lambda root: None, "/dev/full:1:1: error: cannot write: no space left on the device", argv=("inspect", "-o", "/dev/full")),
    Case("inspect-out-under-file", "filesystem", lambda root: None, "pyproject.toml/ir.json:1:1: error: cannot write: is not a folder", argv=("inspect", "-o", "pyproject.toml/ir.json")),
    Case("inspect-out-long-name", "filesystem", lambda root: None, "cannot write: the name is too long", argv=("inspect", "-o", "y" * 300)),
    Case("dump-out-missing-dir", "filesystem", lambda root: None, "sqlgen: error:", argv=("dump", "--from-db", "notaurl", "-o", "nowhere/d.sql"), located=False),
    Case("init-onto-file", "filesystem", lambda root: None, "pyproject.toml", argv=("init", "--dir", "pyproject.toml")),
    Case("create-in-missing-dir-makes-it", "filesystem", lambda root: None, "", argv=("migrate", "--dir", "nowhere", "create", "add_x"), exit_code=0),
    Case("create-bad-name", "filesystem", lambda root: None, "Add-X", argv=("migrate", "--dir", "schema", "create", "Add-X"), located=False),
    Case("renumber-unknown", "filesystem", lambda root: None, "999999", argv=("migrate", "--dir", "schema", "renumber", "999999"), located=False),
]
# fmt: on

CASES: list[Case] = [
    *QUERY_CASES,
    *MIGRATION_CASES,
    *CONFIG_CASES,
    *TEMPLATE_CASES,
    *FILESYSTEM_CASES,
]
"""Every case of the catalogue; other suites append theirs (see the module docstring)."""
