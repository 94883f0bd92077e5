"""Bringing a sqlc project as it is, and finding the configuration as ruff and git do.

A sqlc config (version 1 or 2) is read as sqlc reads it: its schema directory
is a plain directory of ``.sql`` files applied in name order with every tool's
down part left out, other engines are skipped, and what does not apply is
said once per kind. Our own ``sqlgen.toml`` keeps golang-migrate's meaning for
a directory. The configuration is found from a subdirectory, a misspelt key
gets a suggestion, and the pytest plugin finds the configuration the same way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pgsqlgen.config.load import find_config, load_configs
from pgsqlgen.errors import SqlgenError
from pgsqlgen.inputs import load_queries
from pgsqlgen.sql.sqlc_layout import sqlc_schema_files, up_part

from sqlgen_helpers import run_sqlgen

# An ondeck-like project: each migration tool's file, its down part after the marker.
# A down part that were applied would drop what the next file needs.
SCHEMA_FILES = {
    "0001_city.sql": """
        -- +goose Up
        CREATE TABLE city (slug text PRIMARY KEY, name text NOT NULL);
        -- +goose Down
        DROP TABLE city;
        """,
    "0002_venue.sql": """
        -- +migrate Up
        CREATE TABLE venue (id serial PRIMARY KEY, city text NOT NULL REFERENCES city);
        -- +migrate Down
        DROP TABLE venue;
        """,
    "0003_venue_name.sql": """
        ALTER TABLE venue ADD COLUMN name text NOT NULL;
        ---- create above / drop below ----
        ALTER TABLE venue DROP COLUMN name;
        """,
    "0004_venue_tags.sql": """
        -- migrate:up
        ALTER TABLE venue ADD COLUMN tags text[];
        -- MIGRATE:DOWN
        ALTER TABLE venue DROP COLUMN tags;
        """,
    "0004_venue_tags.down.sql": "DROP TABLE venue;\n",
    ".0005_hidden.sql": "DROP TABLE venue;\n",
    "README.md": "not SQL\n",
}
QUERIES = """
    -- name: GetCity :one
    SELECT slug, name FROM city WHERE slug = $1;

    -- name: VenuesIn :many
    SELECT id, name, tags FROM venue WHERE city = $1 AND name <> $2;
    """
SQLC_V1 = {
    "version": "1",
    "cloud": {"project": "x"},
    "packages": [
        {
            "path": "postgresql",
            "name": "ondeck",
            "schema": "postgresql/schema",
            "queries": "postgresql/query",
            "engine": "postgresql",
            "sql_package": "database/sql",
            "emit_json_tags": True,
            "emit_interface": True,
            "emit_methods_with_db_argument": True,
            "query_parameter_limit": 3,
            "inflection_exclude_table_names": ["city"],
        },
        {"path": "mysql", "name": "ondeck", "schema": "s", "queries": "q", "engine": "mysql"},
        {"path": "sqlite", "name": "ondeck", "schema": "s", "queries": "q", "engine": "sqlite"},
    ],
}


def _ondeck(root: Path, config: dict[str, object] | None = None) -> dict[Path, bytes]:
    """The project under ``root``, with its sqlc.json; every file and its bytes."""
    schema = root / "postgresql" / "schema"
    schema.mkdir(parents=True)
    for name, text in SCHEMA_FILES.items():
        (schema / name).write_text(textwrap.dedent(text).lstrip())
    (root / "postgresql" / "query").mkdir()
    (root / "postgresql" / "query" / "venue.sql").write_text(textwrap.dedent(QUERIES).lstrip())
    (root / "postgresql" / "venue.sql.go").write_text("package ondeck\n")  # sqlc's Go code
    (root / "sqlc.json").write_text(json.dumps(config or SQLC_V1, indent=2))
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "marker",
    [
        "-- +goose Down",
        "-- +migrate Down",
        "---- create above / drop below ----",
        "-- migrate:down",
    ],
)
def test_up_part_ends_at_each_tools_down_marker(marker: str) -> None:
    text = f"CREATE TABLE a (x int);\n\n{marker.upper()}\nDROP TABLE a;\n"
    assert up_part(text) == "CREATE TABLE a (x int);\n\n"
    assert up_part("CREATE TABLE a (x int);\n-- +goose Up\n") == (
        "CREATE TABLE a (x int);\n-- +goose Up\n"
    )


def test_schema_directory_is_listed_as_sqlc_lists_it(tmp_path: Path) -> None:
    _ondeck(tmp_path)
    schema = tmp_path / "postgresql" / "schema"
    assert [p.name for p in sqlc_schema_files((schema, tmp_path / "sqlc.json"))] == [
        "0001_city.sql",
        "0002_venue.sql",
        "0003_venue_name.sql",
        "0004_venue_tags.sql",
    ]
    # a folder named like a file is listed, and cannot be read: sqlc's "is a directory"
    (schema / "nested.sql").mkdir()
    assert "nested.sql" in [p.name for p in sqlc_schema_files((schema,))]
    result = run_sqlgen(tmp_path, "generate")
    assert "postgresql/schema/nested.sql:1:1: error: cannot read: is a folder" in result.stderr


def test_version_1_config_generates_beside_sqlcs_go_code_from_a_subdirectory(
    tmp_path: Path,
) -> None:
    before = _ondeck(tmp_path)
    config, *others = load_configs(tmp_path / "sqlc.json")
    assert not others  # mysql and sqlite are skipped
    assert (config.package, config.schema_layout) == ("ondeck", "sqlc")
    assert config.out == tmp_path / "postgresql" / "ondeck"
    assert config.emit_methods_with_db_argument
    assert (config.query_parameter_limit, config.inflection_exclude_table_names) == (3, ("city",))

    result = run_sqlgen(tmp_path / "postgresql" / "query", "generate")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert [w.split("warning: ")[1] for w in warnings] == [
        "sqlc settings with no effect here: cloud",
        "Go-only options, no effect on the Python code: "
        "emit_interface, emit_json_tags, sql_package",
        "entries for other engines skipped (only postgresql is generated): "
        "packages[1] (mysql), packages[2] (sqlite)",
    ]
    lines = (tmp_path / "sqlc.json").read_text().splitlines()
    go_only = next(n for n, text in enumerate(lines, start=1) if '"emit_interface"' in text)
    assert f"sqlc.json:{go_only}:7: warning: Go-only" in warnings[1]  # at its first item
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert {p: after[p] for p in before} == before  # every file of the project untouched
    models = (config.out / "models.py").read_text()
    assert (
        "def get_city(self, conn: psycopg.Connection[Any], /, *, slug: str)"
        in (config.out / "venue_sql.py").read_text()
    )  # emit_methods_with_db_argument applied
    assert "class City" in models
    assert "tags: list[str] | None" in models  # 0004's up part applied, its downs not


def test_version_1_schema_applies_on_postgresql_as_sqlc_applies_it(
    tmp_path: Path, pg_server_url: str
) -> None:
    _ondeck(tmp_path)
    result = run_sqlgen(tmp_path, "verify", "--db", pg_server_url)
    assert result.returncode == 0, result.stderr
    assert "the static catalog matches PostgreSQL's" in result.stdout


def test_version_2_config_skips_other_engines_and_keeps_python_out(tmp_path: Path) -> None:
    config = {
        "version": "2",
        "sql": [
            {"engine": "sqlite", "schema": "s", "queries": "q"},
            {
                "engine": "postgresql",
                "schema": "postgresql/schema",
                "queries": "postgresql/query",
                "gen": {
                    "go": {"out": "postgresql", "emit_json_tags": True},
                    "python": {"out": "app/db", "emit_methods_with_db_argument": True},
                },
            },
        ],
    }
    _ondeck(tmp_path, config)
    (loaded,) = load_configs(tmp_path / "sqlc.json")
    assert (loaded.out, loaded.package) == (tmp_path / "app" / "db", "db")
    assert loaded.emit_methods_with_db_argument
    assert [w.message for w in loaded.warnings] == [
        "entries for other engines skipped (only postgresql is generated): sql[0] (sqlite)",
        "Go-only options, no effect on the Python code: sql[1].gen.go.emit_json_tags, "
        "sql[1].gen.go.out",  # gen.python says where the package goes
    ]


def test_override_for_go_and_python_and_one_for_another_engine(tmp_path: Path) -> None:
    config = json.loads(json.dumps(SQLC_V1))
    config["overrides"] = [
        {"db_type": "text", "go_type": "string", "python_type": "str", "nullable": True},
        {"db_type": "text", "go_type": "string", "python_type": "bytes", "engine": "mysql"},
        {"column": "city.name", "go_type": "example.com/pkg.Name"},
    ]
    _ondeck(tmp_path, config)
    (loaded,) = load_configs(tmp_path / "sqlc.json")
    assert [(o.db_type, o.python_type) for o in loaded.overrides] == [("text", "str")]
    messages = [w.message for w in loaded.warnings]
    assert (
        "overrides with no python_type (Go types), not applied: "
        "overrides.go.overrides[2] (city.name)" in messages
    )
    assert (
        "entries for other engines skipped (only postgresql is generated): "
        "overrides.go.overrides for mysql, packages[1] (mysql), packages[2] (sqlite)" in messages
    )


def test_sqlgen_toml_directory_keeps_golang_migrates_meaning(tmp_path: Path) -> None:
    _ondeck(tmp_path)
    (tmp_path / "sqlgen.toml").write_text(
        'schema = "postgresql/schema"\nqueries = "postgresql/query"\nout = "gen/ondeck"\n'
    )
    (config,) = load_configs(tmp_path / "sqlgen.toml")
    assert config.schema_layout == "migrations"
    result = run_sqlgen(tmp_path, "generate")  # sqlgen.toml comes before sqlc.json
    assert result.returncode == 1
    assert "0001_city.sql" in result.stderr
    assert not (tmp_path / "gen").exists()


@pytest.mark.parametrize(
    ("version", "message"),
    [("3", 'version must be "1" or "2", not \'3\''), (None, "not None")],
)
def test_unknown_sqlc_version_is_an_error(tmp_path: Path, version: str, message: str) -> None:
    (tmp_path / "sqlc.yaml").write_text(json.dumps({"version": version, "sql": []}))
    with pytest.raises(SqlgenError, match=message):
        load_configs(tmp_path / "sqlc.yaml")


def test_misspelt_key_gets_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "sqlgen.toml").write_text(
        'schema = "s.sql"\nqueries = "q.sql"\nout = "gen/x"\nemit_sycn = false\n'
    )
    with pytest.raises(SqlgenError, match=r"unknown key: emit_sycn \(did you mean emit_sync\?\)"):
        load_configs(tmp_path / "sqlgen.toml")
    config = json.loads(json.dumps(SQLC_V1))
    config["packages"][0]["emit_json_tag"] = True
    (tmp_path / "sqlc.json").write_text(json.dumps(config))
    with pytest.raises(
        SqlgenError,
        match=r"packages\[0\]: unknown key: emit_json_tag \(did you mean emit_json_tags\?\)",
    ):
        load_configs(tmp_path / "sqlc.json")
    (tmp_path / "sqlgen.toml").write_text(
        'schema = "s.sql"\nqueries = "q.sql"\nout = "gen/x"\nzzz = 1\nemit_asyn = true\n'
    )
    with pytest.raises(
        SqlgenError,
        match=r"unknown keys: emit_asyn, zzz \(did you mean emit_async for emit_asyn\?\)",
    ):
        load_configs(tmp_path / "sqlgen.toml")


def test_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\n")  # configures another tool
    (tmp_path / "sqlgen.toml").write_text("")
    deep = tmp_path / "app" / "queries"
    deep.mkdir(parents=True)
    (tmp_path / "app" / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    assert find_config(deep) == tmp_path / "sqlgen.toml"
    (tmp_path / "app" / "sqlc.yaml").write_text("")
    assert find_config(deep) == tmp_path / "app" / "sqlc.yaml"  # the nearest wins


def test_config_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "sqlgen.toml").write_text("")
    repository = tmp_path / "checkout"
    (repository / ".git").mkdir(parents=True)
    (repository / "src").mkdir()
    with pytest.raises(SqlgenError, match="or in a parent directory"):
        find_config(repository / "src")
    result = run_sqlgen(repository / "src", "generate")
    assert result.returncode == 1
    assert "no configuration" in result.stderr


def test_out_holding_the_inputs_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "q.sql").write_text("-- name: GetT :many\nSELECT id FROM t;\n")
    (tmp_path / "sqlgen.toml").write_text(
        'schema = "db/schema.sql"\nqueries = "q.sql"\nout = "db"\n'
    )
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 1
    assert "error: out folder db holds the schema input db/schema.sql" in result.stderr


CONFTEST = 'pytest_plugins = ["pgsqlgen.migrations.pytest_plugin"]\n'
PLUGIN_TEST = """
from pathlib import Path


def test_found(sqlgen_config, sqlgen_migrations_dir):
    assert sqlgen_config.package == "shop"
    assert sqlgen_migrations_dir == Path({expected!r})
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("sqlgen.toml", 'schema = ["db/migrations"]\nqueries = "q"\nout = "shop"\n'),
        (
            "pyproject.toml",
            '[tool.sqlgen]\nschema = ["db/migrations"]\nqueries = "q"\nout = "shop"\n',
        ),
        (
            "sqlc.yaml",
            'version: "2"\nsql:\n  - engine: postgresql\n    schema: db/migrations\n'
            "    queries: q\n    gen: {python: {out: shop}}\n",
        ),
    ],
)
def test_pytest_plugin_finds_the_config_as_the_cli_does(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    tests = tmp_path / "tests"  # pytest's rootdir, below the config
    tests.mkdir()
    (tests / "pytest.ini").write_text("[pytest]\n")
    (tests / "conftest.py").write_text(CONFTEST)
    expected = str((tmp_path / "db" / "migrations").resolve())
    (tests / "test_plugin.py").write_text(PLUGIN_TEST.format(expected=expected))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        cwd=tests,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


#: sqlc's own examples, unmodified (``../shared/sqlc-examples`` beside a CI checkout).
SQLC_EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sqlc-examples"


@pytest.mark.parametrize("example", ["authors", "batch", "booktest", "jets", "ondeck"])
def test_sqlc_example_generates_from_its_own_config_and_verifies(
    tmp_path: Path, example: str, pg_server_url: str
) -> None:
    if not (SQLC_EXAMPLES / example).is_dir():
        pytest.skip(f"sqlc's examples not found at {SQLC_EXAMPLES}")
    project = tmp_path / example
    shutil.copytree(SQLC_EXAMPLES / example, project)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = run_sqlgen(project, "generate")
    assert result.returncode == 0, result.stderr
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert {p: after[p] for p in before} == before  # every file of the example untouched
    assert (project / "postgresql" / example / "models.py").is_file()
    # Query types against PostgreSQL (the schema dumps differ where batch and booktest
    # write DEFAULT 'NOW()', which PostgreSQL folds into the time of CREATE TABLE).
    result = run_sqlgen(project, "verify", "--queries", "--db", pg_server_url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_query_directory_and_patterns_are_listed_as_sqlc_lists_them(tmp_path: Path) -> None:
    """sqlc's ``sqlpath.Glob``: a pattern expanded; a directory listed in name order,
    not recursively; only ``.sql`` files (in that case), not hidden, not down files;
    a named file that sqlc would not read is left out too."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "0002_b.sql").write_text("CREATE TABLE b (id int);\n")
    (tmp_path / "schema" / "0001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "schema" / "0001_a.down.sql").write_text("DROP TABLE a;\n")
    queries = tmp_path / "queries"
    (queries / "sub").mkdir(parents=True)
    names = ("b.sql", "a.sql", ".hidden.sql", "c.down.sql", "notes.txt", "D.SQL", "sub/d.sql")
    for number, name in enumerate(names):
        (queries / name).write_text(f"-- name: Q{number} :one\nSELECT 1;\n")
    (tmp_path / "extra.txt").write_text("-- name: Extra :one\nSELECT 1;\n")
    (tmp_path / "sqlc.yaml").write_text(
        textwrap.dedent(
            """\
            version: "2"
            sql:
              - engine: postgresql
                schema: "schema/*.sql"
                queries: [queries, extra.txt]
                gen: {python: {out: app/db}}
            """
        )
    )
    (config,) = load_configs(tmp_path / "sqlc.yaml")
    assert [p.name for p in config.schema] == ["0001_a.down.sql", "0001_a.sql", "0002_b.sql"]
    assert config.queries == (queries,)
    assert [s.display for s in load_queries(config.queries, config.root)] == [
        "queries/a.sql",
        "queries/b.sql",
    ]
    result = run_sqlgen(tmp_path, "generate", "-q")
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(p.name for p in (tmp_path / "app" / "db").glob("*_sql.py")) == [
        "a_sql.py",
        "b_sql.py",
    ]
    assert "class B:" in (tmp_path / "app" / "db" / "models.py").read_text()
