"""Renames that reach everything depending on the renamed object: relations (views,
sequences' nextval defaults, triggers), types (columns, functions, domains), and
moves to another schema.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Argument,
    Catalog,
    Column,
    Function,
    qualify,
    split_name,
)
from pgsqlgen.pg.types import PgType
from pgsqlgen.schema.ddl.common import DDLError, parse_name, table_node
from pgsqlgen.schema.ddl.sequences import nextval_call, nextval_sequence
from pgsqlgen.schema.ddl.views import follow_relation_rename


def rename_relation(catalog: Catalog, kind: str, old: str, new: str, node: exp.Expr | None) -> None:
    """Rename a relation (or move it to another schema: its key changes all the same).

    Whatever refers to it by oid in PostgreSQL follows: foreign keys,
    indexes, triggers, owned sequences, child tables, views, defaults.
    """
    if catalog.has_relation(new):
        raise DDLError(f'relation "{new}" already exists', node)
    if kind == "TABLE":
        table = catalog.tables.pop(old)
        table.name = new
        catalog.tables[new] = table
        for other in catalog.tables.values():
            other.parents = [new if p == old else p for p in other.parents]
            for constraint in other.constraints:
                if constraint.ref_table == old:
                    constraint.ref_table = new
        for index in catalog.indexes.values():
            if index.table == old:
                index.table = new
        for key, routine in list(catalog.routines.items()):
            properties = routine.node.find(exp.TriggerProperties) if routine.node else None
            if routine.table == old and properties is not None:
                routine.table = new
                properties.set("table", table_node(new))
                del catalog.routines[key]
                catalog.routines[("trigger", f"{new}.{routine.name}")] = routine
        for sequence in catalog.sequences.values():
            if sequence.owned_by is not None and sequence.owned_by[0] == old:
                sequence.owned_by = (new, sequence.owned_by[1])
        follow_relation_rename(catalog, old, new)
    elif kind == "VIEW":
        if old not in catalog.views:
            raise DDLError(f'relation "{old}" does not exist', node)
        # In place: views keep their creation order, as their oids do.
        catalog.views = {(new if name == old else name): v for name, v in catalog.views.items()}
        catalog.views[new].name = new
        follow_relation_rename(catalog, old, new)
    elif kind == "INDEX":
        if old not in catalog.indexes:
            raise DDLError(f'relation "{old}" does not exist', node)
        index = catalog.indexes.pop(old)
        index.name = new
        catalog.indexes[new] = index
        for partition_index in catalog.indexes.values():
            partition_index.parent = (
                new if partition_index.parent == old else partition_index.parent
            )
        for owner in catalog.tables.values():
            for constraint in owner.constraints:
                if constraint.name == old and constraint.kind in ("primary_key", "unique"):
                    constraint.name = new
    else:
        if old not in catalog.sequences:
            raise DDLError(f'relation "{old}" does not exist', node)
        sequence = catalog.sequences.pop(old)
        sequence.name = new
        catalog.sequences[new] = sequence
        # A default names its sequence by oid (a regclass constant), so it follows.
        for table in catalog.tables.values():
            for column in table.columns:
                if column.default is not None and nextval_sequence(column.default) == old:
                    column.default = nextval_call(new)


def set_schema(catalog: Catalog, kind: str, old: str, schema: str, node: exp.Expr) -> None:
    """``ALTER ... SET SCHEMA``: the object keeps its name in another schema.

    A table takes its indexes and the sequences its columns own along, as
    in PostgreSQL; its constraints are named within it and do not change.
    """
    if schema not in catalog.schemas():
        raise DDLError(f'schema "{schema}" does not exist', node)
    new = qualify(schema, split_name(old)[1])
    if new == old:
        return
    if kind in ("TYPE", "DOMAIN"):
        rename_type(catalog, old, new, node)
        return
    rename_relation(catalog, kind, old, new, node)
    if kind == "TABLE":
        for index in [i for i in catalog.indexes.values() if i.table == new]:
            rename_relation(
                catalog, "INDEX", index.name, qualify(schema, split_name(index.name)[1]), node
            )
        for sequence in [
            s for s in catalog.sequences.values() if s.owned_by and s.owned_by[0] == new
        ]:
            moved = qualify(schema, split_name(sequence.name)[1])
            rename_relation(catalog, "SEQUENCE", sequence.name, moved, node)


def renamed_type(old: str, new: str) -> str:
    """The new key of a type's ``RENAME TO``: it stays in its schema."""
    return qualify(split_name(old)[0], parse_name(new))


def rename_type(catalog: Catalog, old: str, new: str, node: exp.Expr) -> None:
    stores: tuple[dict[str, Any], ...] = (catalog.enums, catalog.composites, catalog.domains)
    if any(new in store for store in stores):
        raise DDLError(f'type "{new}" already exists', node)
    for store in stores:
        if old in store:
            store[new] = store.pop(old)
            store[new].name = new
            # Columns refer to their type by oid in PostgreSQL, so they follow.
            for column in columns_of_type(catalog, old):
                column.type = PgType(new, column.type.modifiers, column.type.array_dims)
            for domain in catalog.domains.values():
                if domain.base.name == old:
                    domain.base = PgType(new, domain.base.modifiers, domain.base.array_dims)
            for overloads in catalog.functions.values():
                for function in overloads:
                    _retype_function(function, old, new)
            return
    raise DDLError(f'type "{old}" does not exist', node)


def _retype_function(function: Function, old: str, new: str) -> None:
    """A function's signature names a renamed type by its new name (``pg_proc`` holds oids)."""

    def renamed(pg_type: PgType) -> PgType:
        return (
            PgType(new, pg_type.modifiers, pg_type.array_dims) if pg_type.name == old else pg_type
        )

    function.arguments = tuple(
        Argument(a.name, renamed(a.type), a.mode, a.has_default) for a in function.arguments
    )
    function.returns = renamed(function.returns) if function.returns is not None else None
    for column in function.returns_table or []:
        column.type = renamed(column.type)


def columns_of_type(catalog: Catalog, name: str) -> list[Column]:
    """The columns of tables, views and composite types whose type (or element) is ``name``."""
    columns = [c for t in catalog.tables.values() for c in t.columns]
    columns += [c for v in catalog.views.values() for c in v.columns]
    columns += [c for t in catalog.composites.values() for c in t.columns]
    return [c for c in columns if c.type.name == name]
