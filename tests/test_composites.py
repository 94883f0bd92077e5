"""Composite types: one frozen dataclass each, loaded and dumped through psycopg.

The chat schema's ``chat_usage`` is exercised by ``test_example_queries``; here
a small generated project checks nested composites, enums and arrays inside a
composite, NULL and all-NULL values, and the registration on first use.
"""

from __future__ import annotations

import dataclasses
import decimal
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.rows import TupleRow

import chatdb
from chatdb.models import ChatUsage, ChatUsageReport
from pgsqlgen.codegen.ir.build import build_ir

from sqlgen_helpers import catalog_of, run_sqlgen, write_project

SCHEMA = """\
CREATE TYPE cx_shape AS ENUM ('circle', 'square');
CREATE TYPE cx_point AS (x double precision, y double precision);
CREATE TYPE cx_figure AS (
    shape cx_shape,
    center cx_point,
    corners cx_point[],
    label text
);
COMMENT ON TYPE cx_figure IS 'A shape placed on the plane.';
CREATE TABLE cx_drawings (
    id bigint PRIMARY KEY,
    figure cx_figure NOT NULL,
    extra cx_figure[],
    origin cx_point
);
"""

QUERIES = """\
-- name: InsertDrawing :one
INSERT INTO cx_drawings (id, figure, extra, origin) VALUES (@id, @figure, @extra, @origin)
RETURNING *;

-- name: EchoPoint :one
SELECT @point::cx_point AS point, sqlc.narg(maybe)::cx_point AS maybe;
"""


def test_composites_become_dataclasses_in_the_ir(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, SCHEMA)
    ir = build_ir(catalog, [], "demo")
    by_name = {c.pg_name: c for c in ir.composites}
    assert [c.class_name for c in ir.composites] == ["CxPoint", "CxFigure"]
    figure = by_name["cx_figure"]
    assert figure.comment == "A shape placed on the plane."
    assert [(f.attr, f.annotation) for f in figure.fields] == [
        ("shape", "CxShape | None"),
        ("center", "CxPoint | None"),
        ("corners", "list[CxPoint] | None"),
        ("label", "str | None"),
    ]
    drawing = next(m for m in ir.models if m.pg_name == "cx_drawings")
    assert [f.annotation for f in drawing.fields] == [
        "int",
        "CxFigure",
        "list[CxFigure] | None",
        "CxPoint | None",
    ]


def test_a_composite_named_like_an_enum_class_gets_another_name(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path, "CREATE TYPE cx_a AS ENUM ('x');\nCREATE TYPE \"Cx_A\" AS (v int);\n"
    )
    ir = build_ir(catalog, [], "demo")
    assert [e.class_name for e in ir.enums] == ["CxA"]
    assert [c.class_name for c in ir.composites] == ["CxAType"]


@pytest.fixture
def demo(tmp_path: Path, conn: psycopg.Connection[TupleRow]) -> Iterator[ModuleType]:
    """The demo project generated, imported, and its schema applied to ``conn``."""
    write_project(tmp_path, {"000001_init.up.sql": SCHEMA}, {"q.sql": QUERIES}, package="cxdemo")
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    conn.execute(SCHEMA.encode())
    sys.path.insert(0, str(tmp_path / "gen"))
    try:
        yield importlib.import_module("cxdemo")
    finally:
        sys.path.remove(str(tmp_path / "gen"))
        for name in [n for n in sys.modules if n == "cxdemo" or n.startswith("cxdemo.")]:
            del sys.modules[name]


def test_nested_composites_round_trip(demo: ModuleType, conn: psycopg.Connection[TupleRow]) -> None:
    models: Any = importlib.import_module("cxdemo.models")
    point, figure = models.CxPoint, models.CxFigure
    assert dataclasses.is_dataclass(figure)
    assert figure.__dataclass_params__.frozen and hasattr(figure, "__slots__")
    assert conn.adapters.types.get("cx_figure") is None
    q = demo.Queries(conn)
    square = figure(
        models.CxShape.SQUARE,
        point(0.5, -1.0),
        [point(0, 0), point(None, 1)],
        'a "quoted", (label)',
    )
    empty = figure(None, None, None, None)  # a row value with every attribute NULL
    row = q.insert_drawing(id=1, figure=square, extra=[empty, square], origin=None)
    assert row == models.CxDrawing(1, square, [empty, square], None)
    assert type(row.figure.center) is point and row.figure.shape is models.CxShape.SQUARE
    assert conn.adapters.types.get("cx_figure") is not None
    assert q.echo_point(point=point(1.5, 2.5), maybe=None) == demo.q_sql.EchoPointRow(
        point(1.5, 2.5), None
    )
    assert q.echo_point(point=point(None, None), maybe=point(3, 4)) == demo.q_sql.EchoPointRow(
        point(None, None), point(3.0, 4.0)
    )


async def test_nested_composites_round_trip_async(
    tmp_path: Path, aconn: psycopg.AsyncConnection[TupleRow]
) -> None:
    write_project(tmp_path, {"000001_init.up.sql": SCHEMA}, {"q.sql": QUERIES}, package="cxdemoa")
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    await aconn.execute(SCHEMA.encode())
    sys.path.insert(0, str(tmp_path / "gen"))
    try:
        demo: Any = importlib.import_module("cxdemoa")
        models: Any = importlib.import_module("cxdemoa.models")
        point, figure = models.CxPoint, models.CxFigure
        q = demo.AsyncQueries(aconn)
        circle = figure(models.CxShape.CIRCLE, point(1, 1), [], None)
        row = await q.insert_drawing(id=7, figure=circle, extra=None, origin=point(0, 0))
        assert row == models.CxDrawing(7, circle, None, point(0.0, 0.0))
        assert isinstance(row.figure, figure) and row.figure.corners == []
    finally:
        sys.path.remove(str(tmp_path / "gen"))
        for name in [n for n in sys.modules if n == "cxdemoa" or n.startswith("cxdemoa.")]:
            del sys.modules[name]


def test_chat_usage_loads_and_dumps_as_its_dataclass(conn: psycopg.Connection[TupleRow]) -> None:
    assert conn.adapters.types.get("chat_usage") is None
    chatdb.register_types(conn)
    usage = ChatUsage(10, 20, decimal.Decimal("0.000123"))
    cur = conn.execute("SELECT %s::text, pg_typeof(%s)::text", (usage, usage))
    assert cur.fetchone() == ("(10,20,0.000123)", "chat_usage")
    cur = conn.execute("SELECT ROW(1, NULL, 2.5)::chat_usage, NULL::chat_usage, '{}'::chat_usage[]")
    assert cur.fetchone() == (ChatUsage(1, None, decimal.Decimal("2.500000")), None, [])
    assert ChatUsageReport.__annotations__["turns"] == "list[ChatUsage]"


async def test_chat_usage_registered_async(aconn: psycopg.AsyncConnection[TupleRow]) -> None:
    assert aconn.adapters.types.get("chat_usage") is None
    await chatdb.register_types_async(aconn)
    cur = await aconn.execute("SELECT ARRAY[ROW(1, 2, 0.5)::chat_usage, NULL]")
    assert await cur.fetchone() == ([ChatUsage(1, 2, decimal.Decimal("0.500000")), None],)
    usage = ChatUsage(None, None, None)
    cur = await aconn.execute("SELECT %s IS NULL, %s::text", (usage, usage))
    assert await cur.fetchone() == (True, "(,,)")


def test_types_are_registered_in_one_round_trip(db_url: str) -> None:
    """Every enum and composite of the schema, with one query, whatever their number."""
    import tempfile

    from psycopg import pq

    from chatdb import register_types
    from chatdb._runtime import COMPOSITES, ENUMS

    assert len(ENUMS) + len(COMPOSITES) > 1
    with psycopg.connect(db_url, autocommit=True) as conn, tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        register_types(conn)
        conn.pgconn.untrace()
        trace.seek(0)
        sent = [line.split("\t")[2].strip() for line in trace if line.startswith("F\t")]
        assert sent.count("Sync") + sent.count("Query") == 1, sent
        assert all(conn.adapters.types.get(name) is not None for name, _ in ENUMS)
