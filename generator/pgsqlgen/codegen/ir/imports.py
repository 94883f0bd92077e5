"""The import lines each generated module needs, worked out from the annotations its
queries and rows use.
"""

from __future__ import annotations

from pgsqlgen.codegen.ir.model import Query, QueryModule, RowClass
from pgsqlgen.codegen.ir.types import IDENTIFIER_PATTERN, TypeNamer


def module_annotations(queries: list[Query], rows: list[RowClass]) -> list[str]:
    annotations = [p.annotation for q in queries for p in q.params]
    annotations += [f.annotation for r in rows for f in r.fields]
    annotations += [q.row_class for q in queries if q.row_class is not None]
    for query in queries:
        for method in query.methods:
            annotations += [method.arguments, method.returns, method.async_returns]
    return annotations


def names_in(annotations: list[str], names: set[str]) -> tuple[str, ...]:
    return tuple(sorted({n for a in annotations for n in IDENTIFIER_PATTERN.findall(a)} & names))


_ABC = {"AsyncGenerator", "Generator", "Iterable"}


def module_import_blocks(
    namer: TypeNamer,
    annotations: list[str],
    *,
    dataclass: bool = False,
    typing_names: tuple[str, ...] = (),
    row_factories: tuple[str, ...] = (),
    jsonb: bool = False,
    local: dict[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], ...]:
    """Import lines in isort's order: standard library, psycopg, then the package."""
    modules = namer.imports(annotations)
    stdlib = [f"import {m}" for m in modules if m != "psycopg"]
    abc = names_in(annotations, _ABC)
    if abc:
        stdlib.append(f"from collections.abc import {', '.join(abc)}")
    if dataclass:
        stdlib.append("from dataclasses import dataclass")
    if typing_names:
        stdlib.append(f"from typing import {', '.join(typing_names)}")
    third = ["import psycopg"] if "psycopg" in modules else []
    rows = sorted({*row_factories, *names_in(annotations, {"TupleRow"})})
    if rows:
        third.append(f"from psycopg.rows import {', '.join(rows)}")
    if jsonb:
        third.append("from psycopg.types.json import Jsonb")
    own = [f"from {m} import {', '.join(names)}" for m, names in local.items() if names]
    return tuple(tuple(block) for block in (stdlib, third, own) if block)


def querier_imports(
    namer: TypeNamer,
    modules: tuple[QueryModule, ...],
    model_classes: set[str],
    flavours: tuple[bool, ...],
) -> tuple[tuple[str, ...], ...]:
    annotations = [
        text
        for module in modules
        for q in module.queries
        for m in q.methods
        for text in (m.arguments, m.returns, m.async_returns)
    ]
    local = {
        f".{module.module}": (
            *sorted(("", "Async")[flag] + module.mixin for flag in flavours),
            *sorted(
                {r.class_name for r in module.row_classes}
                | {p.class_name for p in module.params_classes}
            ),
        )
        for module in modules
    }
    local[".models"] = names_in(annotations, model_classes | {"Json", "JsonValue"})
    return module_import_blocks(namer, annotations, typing_names=("Protocol",), local=local)
