"""The static catalog in the JSON shape PostgreSQL's own catalog is read into.

The shape is that of ``realworld/tools/pg_catalog_json.py`` (the corpus's
``expected/catalog.json``): objects grouped by kind and sorted by schema and
name, columns in position order with ``format_type``'s text, the element's
``typname`` and array-ness, ``pg_get_constraintdef``'s and
``pg_get_indexdef``'s text, sequences with their owning column, functions by
identity arguments, triggers by table and name. Writing our catalog in that
shape lets it be compared with PostgreSQL's key by key, and lets ``sqlgen
inspect`` show a catalog in terms a PostgreSQL user already reads.

What the static catalog does not model is left out rather than guessed: a
function's language and result text, a trigger's definition, collations.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    quote_ident,
    render_sql,
    split_name,
)
from pgsqlgen.pg.types import PgType

JsonObject = dict[str, Any]

# Our constraint kinds as pg_constraint.contype.
_CONTYPE = {"primary_key": "p", "unique": "u", "foreign_key": "f", "check": "c", "exclude": "x"}
_IDENTITY = {"ALWAYS": "a", "BY DEFAULT": "d"}


def _sorted(items: list[JsonObject], *keys: str) -> list[JsonObject]:
    return sorted(items, key=lambda item: tuple(item[k] for k in keys))


def type_fields(pg_type: PgType) -> JsonObject:
    """``format_type``, the element's ``typname`` and array-ness.

    (``type_schema`` is left out: a type named without a schema may be
    PostgreSQL's or an extension's, which the catalog does not tell apart.)
    """
    element = split_name(pg_type.name)[1]
    return {
        "type": pg_type.display(),
        "typname": f"_{element}" if pg_type.array_dims else element,
        "elem_typname": element,
        "is_array": pg_type.array_dims > 0,
    }


def column_json(column: Column, *, stored_dims: bool) -> JsonObject:
    """One column as ``pg_attribute`` and ``pg_attrdef`` hold it.

    ``stored_dims``: whether ``attndims`` records the declared array depth
    (tables do; views and composite types record 0).
    """
    generated = column.generated
    default = generated if generated is not None else column.default
    return {
        "name": column.name,
        **type_fields(column.type),
        "array_dims": column.type.array_dims if stored_dims else 0,
        "not_null": column.not_null,
        "default": render_sql(default) if default is not None else None,
        "generated": "s" if generated is not None else None,
        "identity": _IDENTITY.get(column.identity or ""),
    }


def _relation(name: str, kind: str, columns: list[Column]) -> JsonObject:
    schema, local = split_name(name)
    stored = kind in ("r", "p")
    return {
        "schema": schema,
        "name": local,
        "kind": kind,
        "columns": [column_json(c, stored_dims=stored) for c in columns],
    }


def _constraint(table: str, constraint: Constraint) -> JsonObject:
    schema, local = split_name(table)
    return {
        "schema": schema,
        "table": local,
        "name": constraint.name,
        "type": _CONTYPE[constraint.kind],
        "definition": constraint.definition(),
    }


def _qualified_table(table: str) -> str:
    """A table as ``pg_get_indexdef`` names it: always with its schema."""
    schema, local = split_name(table)
    return f"{quote_ident(schema)}.{quote_ident(local)}"


def indexdef(index: Index, *, only: bool = False) -> str:
    """``pg_get_indexdef``: the table always qualified, ``ON ONLY`` for a partitioned one."""
    local_def = index.definition()
    head, _, tail = local_def.partition(" USING ")
    prefix = head.rsplit(" ON ", 1)[0]
    target = ("ONLY " if only else "") + _qualified_table(index.table)
    return f"{prefix} ON {target} USING {tail}"


def _key_index(table: str, constraint: Constraint) -> Index:
    """The unique index behind a primary key or unique constraint, named as the constraint."""
    schema, _ = split_name(table)
    name = constraint.name if schema == "public" else f"{schema}.{constraint.name}"
    elements: list[exp.Expr] = [exp.column(c, quoted=True) for c in constraint.columns]
    nulls = constraint.nulls_not_distinct
    return Index(name, table, True, "btree", elements, nulls_not_distinct=nulls)


def _index(index: Index, partitioned: bool) -> JsonObject:
    schema, table = split_name(index.table)
    return {
        "schema": schema,
        "table": table,
        "name": split_name(index.name)[1],
        "definition": indexdef(index, only=partitioned),
    }


def _identity_arguments(catalog_function: Function) -> str:
    """``pg_get_function_identity_arguments``: input parameters with their mode and name."""
    parts = []
    for argument in catalog_function.arguments:
        if not argument.is_input:
            continue
        mode = {"inout": "INOUT ", "variadic": "VARIADIC "}.get(argument.mode, "")
        name = f"{quote_ident(argument.name)} " if argument.name else ""
        parts.append(f"{mode}{name}{argument.type.display()}")
    return ", ".join(parts)


def catalog_json(catalog: Catalog) -> JsonObject:
    """The catalog as ``expected/catalog.json`` holds PostgreSQL's (see the module docstring)."""
    relations = [
        _relation(t.name, "p" if t.partitioned else "r", t.columns) for t in catalog.tables.values()
    ]
    views = [
        _relation(v.name, "m" if v.materialized else "v", v.columns) for v in catalog.views.values()
    ]
    constraints = [_constraint(t.name, c) for t in catalog.tables.values() for c in t.constraints]
    indexes = [
        _index(index, catalog.tables[index.table].partitioned)
        if index.table in catalog.tables
        else _index(index, False)
        for index in catalog.indexes.values()
    ]
    indexes += [
        _index(_key_index(t.name, c), t.partitioned)
        for t in catalog.tables.values()
        for c in t.constraints
        if c.kind in ("primary_key", "unique")
    ]
    functions = [
        {
            "schema": split_name(name)[0],
            "name": split_name(name)[1],
            "kind": "p" if f.kind == "procedure" else "f",
            "arguments": _identity_arguments(f),
        }
        for name, overloads in catalog.functions.items()
        for f in overloads
    ]
    triggers = [
        {
            "schema": split_name(r.table)[0],
            "table": split_name(r.table)[1],
            "name": r.name,
            "definition": r.definition,
        }
        for (kind, _), r in catalog.routines.items()
        if kind == "trigger" and r.table is not None
    ]
    sequences = [
        {
            "schema": split_name(s.name)[0],
            "name": split_name(s.name)[1],
            "type": s.type.display(),
            "owned_by": (
                ".".join([*split_name(s.owned_by[0]), s.owned_by[1]])
                if s.owned_by is not None
                else None
            ),
        }
        for s in catalog.sequences.values()
    ]
    return {
        "extensions": sorted(
            ({"name": name} for kind, name in catalog.routines if kind == "extension"),
            key=lambda e: e["name"],
        ),
        "schemas": sorted(
            {"public", *(name for kind, name in catalog.routines if kind == "schema")}
        ),
        "tables": _sorted(relations, "schema", "name"),
        "views": _sorted(views, "schema", "name"),
        "enums": _sorted(
            [
                {"schema": split_name(e.name)[0], "name": split_name(e.name)[1], "labels": e.values}
                for e in catalog.enums.values()
            ],
            "schema",
            "name",
        ),
        "composites": _sorted(
            [
                {
                    "schema": split_name(c.name)[0],
                    "name": split_name(c.name)[1],
                    "attributes": [{"name": a.name, "type": a.type.display()} for a in c.columns],
                }
                for c in catalog.composites.values()
            ],
            "schema",
            "name",
        ),
        "domains": _sorted(
            [
                {
                    "schema": split_name(d.name)[0],
                    "name": split_name(d.name)[1],
                    "base_type": d.base.display(),
                    "not_null": d.not_null,
                    "default": render_sql(d.default) if d.default is not None else None,
                    "constraints": sorted(
                        ({"name": c.name, "definition": c.definition()} for c in d.checks),
                        key=lambda c: c["name"],
                    ),
                }
                for d in catalog.domains.values()
            ],
            "schema",
            "name",
        ),
        "constraints": _sorted(constraints, "schema", "table", "name"),
        "indexes": _sorted(indexes, "schema", "table", "name"),
        "sequences": _sorted(sequences, "schema", "name"),
        "functions": _sorted(functions, "schema", "name", "arguments"),
        "triggers": _sorted(triggers, "schema", "table", "name"),
    }
