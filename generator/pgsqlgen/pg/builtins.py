"""PostgreSQL's built-in functions, operators, casts, types and system relations, as
:mod:`pgsqlgen.pg.extract` read them from PostgreSQL into ``data/pg15.json.gz``.

The data is read on first use and kept (each accessor is cached): a run that
analyses no query, such as a cached ``sqlgen check``, never loads it.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pgsqlgen.pg.types import PgType

DATA_FILE = Path(__file__).parent / "data" / "pg15.json.gz"


@dataclass(frozen=True, slots=True)
class BuiltinFunction:
    """One ``pg_proc`` row: a function, aggregate, window function or procedure."""

    name: str
    # Input argument types (IN, INOUT and VARIADIC), by typname.
    args: tuple[str, ...]
    # The input arguments' names, "" where unnamed; empty when none is named.
    arg_names: tuple[str, ...]
    returns: str
    # OUT, INOUT and TABLE columns of a function returning rows of several columns.
    columns: tuple[tuple[str, str], ...]
    returns_set: bool
    # The element type of a VARIADIC last argument ("any" for concat and format).
    variadic: str | None
    strict: bool
    # prokind: f function, a aggregate, w window function, p procedure.
    kind: str
    # How many trailing input arguments have defaults.
    defaults: int
    # pg_aggregate.aggkind: n normal, o ordered-set, h hypothetical-set.
    aggkind: str | None

    @property
    def is_aggregate(self) -> bool:
        return self.kind == "a"


@dataclass(frozen=True, slots=True)
class Operator:
    """One ``pg_operator`` row; ``left`` is None for a prefix operator."""

    name: str
    left: str | None
    right: str
    result: str


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """One ``pg_type`` row: its category and whether it is the category's preferred type."""

    name: str
    category: str
    preferred: bool
    # The element typname of an array type, the array typname of an element type.
    element: str | None
    array: str | None
    # b base, c composite, d domain, e enum, p pseudo-type, r range, m multirange.
    typtype: str
    # A range's element type, a multirange's range type.
    subtype: str | None = None
    # A range's multirange type.
    multirange: str | None = None


@cache
def _data() -> dict[str, Any]:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


@cache
def functions() -> dict[str, tuple[BuiltinFunction, ...]]:
    """Every built-in function's overloads by name."""
    by_name: dict[str, list[BuiltinFunction]] = {}
    for record in _data()["functions"]:
        function = BuiltinFunction(
            name=record["name"],
            args=tuple(record["args"]),
            arg_names=tuple(record.get("arg_names", ())),
            returns=record["returns"],
            columns=tuple((name, typname) for name, typname in record.get("columns", ())),
            returns_set=record.get("set", False),
            variadic=record.get("variadic"),
            strict=record.get("strict", False),
            kind=record.get("kind", "f"),
            defaults=record.get("defaults", 0),
            aggkind=record.get("aggkind"),
        )
        by_name.setdefault(function.name, []).append(function)
    return {name: tuple(overloads) for name, overloads in by_name.items()}


def functions_named(name: str) -> tuple[BuiltinFunction, ...]:
    return functions().get(name, ())


@cache
def operators() -> dict[str, tuple[Operator, ...]]:
    """Every built-in operator's overloads by name (``=``, ``?``, ``->>``)."""
    by_name: dict[str, list[Operator]] = {}
    for name, left, right, result in _data()["operators"]:
        by_name.setdefault(name, []).append(Operator(name, left, right, result))
    return {name: tuple(overloads) for name, overloads in by_name.items()}


@cache
def casts() -> dict[tuple[str, str], str]:
    """(source, target) typname -> castcontext: i implicit, a assignment, e explicit."""
    return {(source, target): context for source, target, context, _ in _data()["casts"]}


@cache
def binary_casts() -> frozenset[tuple[str, str]]:
    """(source, target) typname pairs whose cast only relabels the value (castmethod b)."""
    return frozenset((s, t) for s, t, _, method in _data()["casts"] if method == "b")


@cache
def types() -> dict[str, TypeInfo]:
    """Every built-in type by typname."""
    return {
        record["name"]: TypeInfo(
            name=record["name"],
            category=record["category"],
            preferred=record.get("preferred", False),
            element=record.get("element"),
            array=record.get("array"),
            typtype=record["typtype"],
            subtype=record.get("subtype"),
            multirange=record.get("multirange"),
        )
        for record in _data()["types"]
    }


def to_pg_type(typname: str) -> PgType:
    """The analyser's type for a typname: ``_int4`` is an array of ``int4``."""
    info = types().get(typname)
    if info is not None and info.category == "A" and info.element is not None:
        return to_pg_type(info.element).array_of()
    return PgType(typname)


def typname(pg_type: PgType) -> str:
    """The typname of the analyser's type: an array is its element's array type."""
    if not pg_type.array_dims:
        return pg_type.name
    info = types().get(pg_type.name)
    return info.array if info is not None and info.array else f"_{pg_type.name}"


@cache
def relations() -> dict[str, tuple[tuple[str, PgType, bool], ...]]:
    """Columns (name, type, not null) of the tables and views of ``pg_catalog`` (by
    name) and ``information_schema`` (as ``information_schema.tables``)."""
    return {
        name: tuple(
            (column, to_pg_type(type_name), not_null) for column, type_name, not_null in cols
        )
        for name, cols in _data()["relations"].items()
    }


@cache
def system_columns() -> dict[str, PgType]:
    """The system columns every table has (``ctid``, ``xmin``, ``tableoid``...)."""
    return {name: to_pg_type(type_name) for name, type_name in _data()["system_columns"]}
