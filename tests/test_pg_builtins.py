"""The built-in catalog extracted from PostgreSQL (``pgsqlgen.pg.extract``) and its
loader: the functions, operators, casts and relations the analyser relies on are there,
and a sample matches what a live PostgreSQL reports."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pgsqlgen.pg import builtins, extract
from pgsqlgen.pg.types import PgType


def test_aggregates_sqlglot_parses_into_its_own_nodes_are_there() -> None:
    (bool_and,) = builtins.functions_named("bool_and")
    assert (bool_and.args, bool_and.returns, bool_and.kind) == (("bool",), "bool", "a")
    assert [(f.args, f.returns) for f in builtins.functions_named("jsonb_object_agg")] == [
        (("any", "any"), "jsonb")
    ]
    assert {f.returns for f in builtins.functions_named("array_agg")} == {"anyarray"}


def test_ordered_set_aggregates_are_marked() -> None:
    overloads = builtins.functions_named("percentile_disc")
    assert {(f.args, f.returns, f.aggkind) for f in overloads} == {
        (("float8", "anyelement"), "anyelement", "o"),
        (("_float8", "anyelement"), "anyarray", "o"),
    }


def test_set_returning_functions_and_their_columns() -> None:
    series = builtins.functions_named("generate_series")
    assert all(f.returns_set for f in series)
    assert ("int4", "int4") in {f.args for f in series}
    assert ("timestamptz", "timestamptz", "interval") in {f.args for f in series}
    unnest = {f.args: f for f in builtins.functions_named("unnest")}
    assert unnest[("anyarray",)].returns == "anyelement"
    (jsonb_each,) = builtins.functions_named("jsonb_each")
    assert jsonb_each.columns == (("key", "text"), ("value", "jsonb"))
    assert jsonb_each.arg_names == ("from_json",) and jsonb_each.strict


def test_defaults_and_variadic_arguments() -> None:
    (make_interval,) = builtins.functions_named("make_interval")
    assert make_interval.defaults == 7 and make_interval.arg_names[0] == "years"
    (concat,) = builtins.functions_named("concat")
    assert concat.variadic == "any" and not concat.strict


def test_operators_casts_and_types() -> None:
    exists = {(o.left, o.right, o.result) for o in builtins.operators()["?"]}
    assert ("jsonb", "text", "bool") in exists
    assert builtins.casts()[("int4", "int8")] == "i"
    assert builtins.casts()[("int8", "int4")] == "a"
    assert builtins.casts()[("int4", "bool")] == "e"
    assert builtins.types()["text"].preferred and builtins.types()["text"].category == "S"
    assert builtins.to_pg_type("_int4") == PgType("int4", (), 1)
    assert builtins.typname(PgType("text", (), 1)) == "_text"


def test_system_relations() -> None:
    relations = builtins.relations()
    pg_class = {name: (pg_type, not_null) for name, pg_type, not_null in relations["pg_class"]}
    assert pg_class["relname"] == (PgType("name"), True)
    assert [c[0] for c in relations["pg_timezone_names"]] == [
        "name",
        "abbrev",
        "utc_offset",
        "is_dst",
    ]
    # information_schema's domains are described by their base types.
    tables = {name: pg_type for name, pg_type, _ in relations["information_schema.tables"]}
    assert tables["table_name"] == PgType("name")
    assert builtins.system_columns()["xmin"] == PgType("xid")


def test_loading_is_lazy() -> None:
    """A cached ``sqlgen check`` imports cli and cache; neither may load the data."""
    code = "import sys, pgsqlgen.cli, pgsqlgen.cache;print('pgsqlgen.pg.builtins' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_sample_matches_a_live_postgresql(pg_server_url: str) -> None:
    with psycopg.connect(pg_server_url) as conn:
        live_functions = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE oid < 16384"
            " AND pronamespace = 'pg_catalog'::regnamespace"
        ).fetchone()
        live_operators = conn.execute(
            "SELECT count(*) FROM pg_operator WHERE oid < 16384"
        ).fetchone()
        returns = dict(
            conn.execute(
                "SELECT p.proname, t.typname FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype"
                " WHERE p.proname IN ('now', 'md5', 'bool_and', 'jsonb_typeof') AND p.pronargs <= 1"
            ).fetchall()
        )
        columns = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'pg_class'::regclass AND attnum > 0"
            " ORDER BY attnum"
        ).fetchall()
    assert live_functions is not None and live_operators is not None
    assert sum(len(f) for f in builtins.functions().values()) == live_functions[0]
    assert sum(len(o) for o in builtins.operators().values()) == live_operators[0]
    for name, typname in returns.items():
        assert {f.returns for f in builtins.functions_named(name) if len(f.args) <= 1} == {typname}
    assert [c[0] for c in builtins.relations()["pg_class"]] == [c[0] for c in columns]


@pytest.mark.parametrize("name", ["pg_class", "pg_tables", "pg_stat_activity"])
def test_catalog_views_are_relations(name: str) -> None:
    assert builtins.relations()[name]


def test_the_committed_data_is_what_extract_reads_now(pg_server_url: str, tmp_path: Path) -> None:
    """``make pgcatalog`` against this server would change nothing but the minor version
    (for a PostgreSQL 15 server; the committed data is that major's)."""
    data = extract.extract(pg_server_url)
    if data["server_version_num"] // 10000 != 15:
        pytest.skip("the committed data is PostgreSQL 15's; this server is another major")
    extract.write(data, tmp_path / "pg15.json.gz")
    written = json.loads(gzip.decompress((tmp_path / "pg15.json.gz").read_bytes()))
    committed = json.loads(gzip.decompress(builtins.DATA_FILE.read_bytes()))
    for loaded in (written, committed):
        del loaded["server_version_num"]
    assert written == committed
