"""Configuration that shapes the output: sqlgen.toml, sqlc.yaml, type overrides
with their adapters, renames and escaping, emitted flavours, unused models,
exact table names, and custom templates."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.config.load import load_configs
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.cluster import apply_migrations, scratch_database

from sqlgen_helpers import run_sqlgen, write_project

SCHEMA = {
    "000001_init.up.sql": """
        CREATE TYPE ticket_state AS ENUM ('open', 'in-progress', '=', '1st');
        CREATE TABLE tickets (
            id bigserial PRIMARY KEY,
            class text NOT NULL,
            "from" text,
            state ticket_state NOT NULL DEFAULT 'open',
            price money NOT NULL,
            meta jsonb NOT NULL DEFAULT '{}'
        );
        CREATE TABLE audit_entries (id bigserial PRIMARY KEY, note text NOT NULL);
    """
}
QUERIES = {
    "tickets.sql": """
        -- name: CreateTicket :one
        INSERT INTO tickets (class, state, price, meta) VALUES (@class, @state, @price, @meta)
        RETURNING *;

        -- name: GetTicketPrice :one
        SELECT price FROM tickets WHERE id = @id;

        -- name: TicketsInState :many
        SELECT id, class FROM tickets WHERE state = @state ORDER BY id;

        -- name: CopyTickets :copyfrom
        INSERT INTO tickets (class, state, price, meta) VALUES ($1, $2, $3, $4);
    """
}
# A user's own types module: a Decimal-backed money type with its psycopg
# adapters, and a TypedDict for a jsonb column.
MONEY_MODULE = '''
    from decimal import Decimal
    from typing import TypedDict

    from psycopg.adapt import Dumper, Loader


    class Money(Decimal):
        """An amount of money, loaded from PostgreSQL's money type."""


    class MoneyLoader(Loader):
        def load(self, data: bytes | bytearray | memoryview) -> Money:
            return Money(bytes(data).decode().replace("$", "").replace(",", ""))


    class MoneyDumper(Dumper):
        oid = 790  # money

        def dump(self, obj: Money) -> bytes:
            return str(obj).encode()


    class TicketMeta(TypedDict, total=False):
        source: str
'''
SHAPING = """
overrides = [
    {{ db_type = "money", python_type = "shop_types:Money", loader = "shop_types:MoneyLoader", dumper = "shop_types:MoneyDumper" }},
    {{ column = "tickets.meta", python_type = "shop_types:TicketMeta" }},
]
rename = {{ tickets = "Issue", "from" = "sender", "in-progress" = "WORKING" }}
{extra}
"""


def _project(root: Path, extra: str = "", package: str = "shop") -> Path:
    config = write_project(root, SCHEMA, QUERIES, package=package)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + SHAPING.format(extra=extra))
    (root / "shop_types.py").write_text(textwrap.dedent(MONEY_MODULE))
    return config.out


def _generate(root: Path) -> None:
    result = run_sqlgen(root, "generate")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def imported(tmp_path: Path) -> Iterator[Path]:
    """Makes the project's generated package and its types module importable."""
    sys.path[:0] = [str(tmp_path), str(tmp_path / "gen")]
    yield tmp_path
    sys.path[:] = [p for p in sys.path if p not in (str(tmp_path), str(tmp_path / "gen"))]
    for name in [n for n in sys.modules if n.split(".")[0] in ("shop", "shop_types", "only")]:
        del sys.modules[name]


def test_overrides_and_renames_reach_models_params_and_rows(
    imported: Path, pg_server_url: str
) -> None:
    out = _project(imported)
    _generate(imported)
    models = (out / "models.py").read_text()
    assert "class Issue:" in models  # renamed table (sqlc looks up the name and its singular)
    assert "class_: str" in models  # a keyword, escaped
    assert "sender: str | None" in models  # a renamed column
    assert "price: shop_types.Money" in models  # a db_type override
    assert "meta: shop_types.TicketMeta" in models  # a column override
    assert 'WORKING = "in-progress"' in models  # a renamed enum label
    assert 'VALUE_3D = "="' in models and '_1ST = "1st"' in models  # escaped labels
    assert "import shop_types" in models
    queries = (out / "tickets_sql.py").read_text()
    assert "price: shop_types.Money" in queries and "meta: shop_types.TicketMeta" in queries

    shop = importlib.import_module("shop")
    shop_models = importlib.import_module("shop.models")
    shop_types = importlib.import_module("shop_types")
    with scratch_database(pg_server_url) as url:
        apply_migrations(url, imported / "schema")
        with psycopg.connect(url, autocommit=True) as conn:
            queries_ = shop.Queries(conn)
            created = queries_.create_ticket(
                class_="bug",
                state=shop_models.TicketState.WORKING,
                price=shop_types.Money("12.50"),
                meta={"source": "mail"},
            )
            assert created is not None
            assert isinstance(created.price, shop_types.Money)
            assert created.price == Decimal("12.50")
            assert created.meta == {"source": "mail"}
            assert created.state is shop_models.TicketState.WORKING
            price = queries_.get_ticket_price(id=created.id)  # one column: the value
            assert price is not None and isinstance(price, shop_types.Money)
            # A type with only a text dumper: COPY falls back to text format.
            assert "FORMAT BINARY" not in queries
            params = importlib.import_module("shop.tickets_sql").CopyTicketsParams
            copied = queries_.copy_tickets(
                [
                    params(
                        class_="task",
                        state=shop_models.TicketState.OPEN,
                        price=shop_types.Money("7.25"),
                        meta={},
                    )
                ]
            )
            assert copied == 1
            prices = [
                r.class_ for r in queries_.tickets_in_state(state=shop_models.TicketState.OPEN)
            ]
            assert prices == ["task"]


def test_sqlgen_toml_and_one_flavour(imported: Path) -> None:
    write_project(imported, SCHEMA, QUERIES, package="only")
    (imported / "pyproject.toml").unlink()
    (imported / "sqlgen.toml").write_text(
        'schema = ["schema"]\nqueries = ["queries"]\nout = "gen/only"\nemit_sync = false\n'
        "exact_table_names = true\nomit_unused_models = true\n"
    )
    _generate(imported)
    only = importlib.import_module("only")
    assert only.__all__ == ["AsyncQuerier", "AsyncQueries", "NoRowError", "register_types_async"]
    queries = (imported / "gen" / "only" / "tickets_sql.py").read_text()
    assert "class AsyncTicketsQueries(AsyncQueriesBase)" in queries
    assert "class TicketsQueries(" not in queries
    models = (imported / "gen" / "only" / "models.py").read_text()
    assert "class Tickets:" in models  # exact table names
    assert "AuditEntries" not in models  # no query reaches it
    assert "class TicketState(enum.StrEnum)" in models  # a reached enum stays


def test_unknown_keys_are_reported_by_name(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA, QUERIES)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "emit_pydantic = true\nquery_limit = 3\n")
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 1
    assert "unknown keys: emit_pydantic, query_limit" in result.stderr
    assert not (tmp_path / "gen").exists()


def _sqlc_case(root: Path, case: str, query: str) -> Path:
    """sqlc's own configuration of a conformance case, as its sqlc.yaml, with the
    case's schema (and ``query``: these cases' ``SELECT 1`` is an error here)."""
    import conformance

    directory = conformance.corpus_dir()
    missing = conformance.corpus_missing_reason(directory)
    if missing:
        pytest.skip(missing)
    meta = json.loads((directory / case / "meta.json").read_text())
    document = meta["config"]
    for entry in document["sql"]:
        entry["schema"], entry["queries"] = "schema.sql", "query.sql"
    shutil.copy(directory / case / "schema.sql", root / "schema.sql")
    (root / "query.sql").write_text(query)
    import yaml

    path = root / "sqlc.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_sqlc_yaml_from_sqlc_itself_is_read(tmp_path: Path) -> None:
    path = _sqlc_case(
        tmp_path,
        "overrides_config__v2__yaml__global_and_queryset",
        "-- name: Test :one\nSELECT * FROM overrides WHERE two = @two;\n",
    )
    (config,) = load_configs(path)
    assert config.schema == (tmp_path / "schema.sql",)
    assert dict(config.renames) == {"one": "ONE"}
    assert [w.message for w in config.warnings] == [
        "overrides with no python_type (Go types), not applied: overrides.go.overrides[0] "
        "(text), overrides.go.overrides[1] (overrides.three), sql[0].gen.go.overrides[0] "
        "(overrides.three)"
    ]  # gen.go's out is used, so not reported as ignored
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning:") == 1
    # For want of gen.python: a directory named after the package in gen.go's out.
    models = (tmp_path / "db" / "db" / "models.py").read_text()
    assert "ONE: str" in models  # sqlc's rename, applied


def test_sqlc_yaml_with_several_packages_and_python_options(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA, QUERIES)
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "sqlc.yaml").write_text(
        textwrap.dedent(
            """
            version: "2"
            sql:
              - engine: postgresql
                schema: schema
                queries: queries
                gen:
                  python: {out: gen/first, emit_async_querier: false, query_parameter_limit: 1}
              - engine: postgresql
                schema: schema
                queries: queries
                codegen:
                  - plugin: py
                    out: gen/second
                    options: {package: second, emit_sync_querier: false}
            """
        )
    )
    first, second = load_configs(tmp_path / "sqlc.yaml")
    assert (first.package, first.emit_async, first.query_parameter_limit) == ("first", False, 1)
    assert (second.package, second.emit_sync) == ("second", False)
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    assert run_sqlgen(tmp_path, "check").returncode == 0
    assert "class TicketsQueries(" in (tmp_path / "gen/first/tickets_sql.py").read_text()
    assert "class AsyncTicketsQueries(" in (tmp_path / "gen/second/tickets_sql.py").read_text()


def test_sqlc_yaml_unknown_python_option_is_an_error(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA, QUERIES)
    (tmp_path / "sqlc.yaml").write_text(
        'version: "2"\nsql:\n  - engine: postgresql\n    schema: schema\n    queries: queries\n'
        "    gen:\n      python: {out: gen/x, emit_everything: true}\n"
    )
    with pytest.raises(SqlgenError, match="unknown key: emit_everything"):
        load_configs(tmp_path / "sqlc.yaml")


def test_custom_template_adds_a_method_to_every_model(imported: Path) -> None:
    write_project(imported, SCHEMA, QUERIES, package="shop")
    templates = imported / "templates"
    templates.mkdir()
    (templates / "models.py.j2").write_text(
        '{% extends "sqlgen/models.py.j2" %}\n'
        "{% block model_members %}\n"
        "\n"
        "    def table_name(self) -> str:\n"
        '        return "{{ m.pg_name }}"\n'
        "{% endblock %}\n"
    )
    pyproject = imported / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'templates = "templates"\n')
    _generate(imported)
    models = importlib.import_module("shop.models")
    ticket = models.Ticket(1, "bug", None, models.TicketState.OPEN, Decimal(1), {})
    assert ticket.table_name() == "tickets"
    assert models.AuditEntry(1, "x").table_name() == "audit_entries"
    # The override is part of what the drift check compares.
    (templates / "models.py.j2").write_text('{% extends "sqlgen/models.py.j2" %}\n')
    assert run_sqlgen(imported, "check").returncode == 1


def test_pydantic_models(imported: Path, pg_server_url: str) -> None:
    write_project(imported, SCHEMA, QUERIES, package="shop")
    (imported / "shop_types.py").write_text(textwrap.dedent(MONEY_MODULE))
    pyproject = imported / "pyproject.toml"
    # TicketMeta is a typing.TypedDict, which pydantic refuses before Python 3.12.
    pyproject.write_text(
        pyproject.read_text()
        + 'models = "pydantic"\n'
        + 'overrides = [{ db_type = "money", python_type = "shop_types:Money",'
        + ' loader = "shop_types:MoneyLoader", dumper = "shop_types:MoneyDumper" },'
        + ' { column = "tickets.meta", python_type = "shop_types:TicketMeta" }]\n'
    )
    _generate(imported)
    shop = importlib.import_module("shop")
    models = importlib.import_module("shop.models")
    shop_types = importlib.import_module("shop_types")
    assert issubclass(models.Ticket, models.RowModel)
    with scratch_database(pg_server_url) as url:
        apply_migrations(url, imported / "schema")
        with psycopg.connect(url, autocommit=True) as conn:
            queries = shop.Queries(conn)
            created = queries.create_ticket(
                class_="bug",
                state=models.TicketState.OPEN,
                price=shop_types.Money("3.00"),
                meta={"k": 1},
            )
            assert isinstance(created, models.Ticket)
            assert created.model_dump()["class_"] == "bug"
            with pytest.raises(Exception, match="frozen"):
                created.class_ = "feature"
            rows = queries.tickets_in_state(state=models.TicketState.OPEN)
            assert [row.class_ for row in rows] == ["bug"]
            assert type(rows[0]).__mro__[1] is models.RowModel
            assert created.meta == {"k": 1}  # the TypedDict override, passed through as is
            params = importlib.import_module("shop.tickets_sql").CopyTicketsParams
            assert params(
                class_="c", state=models.TicketState.OPEN, price=None, meta={"source": "x"}
            ).meta == {"source": "x"}


def test_sqlc_yaml_python_override_without_python_type_is_an_error(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA, QUERIES)
    (tmp_path / "sqlc.yaml").write_text(
        'version: "2"\noverrides:\n  python:\n    overrides: [{db_type: text, go_type: string}]\n'
        "sql:\n  - engine: postgresql\n    schema: schema\n    queries: queries\n"
    )
    with pytest.raises(SqlgenError, match=r"overrides.python entries without a python_type"):
        load_configs(tmp_path / "sqlc.yaml")
