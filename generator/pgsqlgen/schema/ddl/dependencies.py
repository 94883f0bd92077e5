"""What depends on what, as ``pg_depend`` records it: a ``DROP`` without ``CASCADE``
of something others still need is PostgreSQL's error, and with ``CASCADE`` takes
them along.

The dependencies followed: views on the relations, columns and functions their
query names; foreign keys on the table and columns they reference; columns (of
tables and composite types), domains and functions on the types they are of;
triggers, column defaults, checks and indexes on the functions they call. What an object
owns (a table's indexes, constraints, triggers and serial sequences) goes with it
without a word, and is not listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    Function,
    Table,
    View,
    split_name,
)
from pgsqlgen.pg.types import PgType
from pgsqlgen.schema.ddl.common import DDLError, ident, relation_name, views_reading
from pgsqlgen.schema.ddl.sequences import drop_owned_sequences
from pgsqlgen.schema.ddl.views import qualifier_of, source_items

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Dependent:
    """An object that needs another: named in PostgreSQL's words, with how it goes.

    ``what`` and ``on`` are ``getObjectDescription``'s (``view v``, ``constraint
    c on table t``, ``column x of table t``), the DETAIL line is ``what depends
    on on``; ``drop`` removes it from the catalog, for ``CASCADE``; ``needed_by``
    finds what needs it in turn (a view over a view, a column of a domain);
    ``owner`` is the relation it is part of, or is (a view, a constraint's table).
    """

    what: str
    on: str
    drop: Callable[[], None]
    needed_by: Callable[[], list[Dependent]] = lambda: []
    owner: str | None = None


def drop_with_dependents(
    target: str,
    found: list[Dependent],
    cascade: bool,
    node: exp.Expr | None,
    dropping: frozenset[str] = frozenset(),
) -> None:
    """Refuse to drop ``target`` while ``found`` need it, or drop them first (``CASCADE``).

    ``dropping`` are the relations the same statement drops (``DROP TABLE a, b``):
    what is part of them does not hold the drop back.
    """
    found = [d for d in found if d.owner not in dropping]
    if not found:
        return
    if not cascade:
        detail = "\n".join(f"{d.what} depends on {d.on}" for d in found)
        raise DDLError(
            f"cannot drop {target} because other objects depend on it\nDETAIL: {detail}"
            "\nHINT: Use DROP ... CASCADE to drop the dependent objects too.",
            node,
        )
    for dependent in found:
        dependent.drop()


def describe_relation(catalog: Catalog, name: str) -> str:
    view = catalog.views.get(name)
    if view is None:
        return f"table {name}"
    return f"{'materialized view' if view.materialized else 'view'} {name}"


def describe_function(function: Function) -> str:
    arguments = ", ".join(t.display() for t in function.arg_types)
    return f"{function.kind} {function.name}({arguments})"


def relation_dependents(catalog: Catalog, name: str) -> list[Dependent]:
    """What dropping the table or view ``name`` takes along: views over it, foreign keys."""
    on = describe_relation(catalog, name)
    found = [_view_dependent(catalog, view, on) for view in _views_reading(catalog, name)]
    if name not in catalog.tables:
        # A foreign key references a table, as PostgreSQL requires: for a view there
        # is none to look for among every table's constraints (a history drops and
        # makes its views again and again).
        return _with_their_dependents(found)
    for table in catalog.tables.values():
        if table.name == name:
            continue  # its own foreign keys go with it
        for constraint in table.constraints:
            if (
                constraint.kind == "foreign_key"
                and constraint.ref_table == name
                and not constraint.inherited  # a partition's copy goes with its parent's
            ):
                found.append(_constraint_dependent(table, constraint.name, on))
    return _with_their_dependents(found)


def column_dependents(catalog: Catalog, table: Table, column: str) -> list[Dependent]:
    """What dropping ``column`` takes along beyond its own indexes and constraints:
    the views that read it and the foreign keys that reference it."""
    on = f"column {column} of table {table.name}"
    found = [
        _view_dependent(catalog, view, on)
        for view in _views_reading(catalog, table.name)
        if _reads_column(view, table, column)
    ]
    for other in catalog.tables.values():
        for constraint in other.constraints:
            if (
                constraint.kind == "foreign_key"
                and constraint.ref_table == table.name
                and column in constraint.ref_columns
                and not (other is table and column in constraint.columns)
            ):
                found.append(_constraint_dependent(other, constraint.name, on))
    return _with_their_dependents(found)


def type_dependents(catalog: Catalog, name: str) -> list[Dependent]:
    """What dropping the type ``name`` (enum, composite, domain) takes along: columns of
    it or its arrays, domains over it, functions that take or return it."""
    found: list[Dependent] = []
    for table in catalog.tables.values():
        for column in table.columns:
            if column.type.name == name:
                on = _type_description(column.type)
                found.append(
                    Dependent(
                        f"column {column.name} of table {table.name}",
                        on,
                        _column_dropper(catalog, table, column.name),
                        _needers(_column_of, catalog, (table, column.name)),
                        owner=table.name,
                    )
                )
    for composite in catalog.composites.values():
        for column in composite.columns:
            if column.type.name == name and composite.name != name:
                found.append(
                    Dependent(
                        f"column {column.name} of composite type {composite.name}",
                        _type_description(column.type),
                        _remover(composite.columns, column),
                        owner=composite.name,
                    )
                )
    for domain in list(catalog.domains.values()):
        if domain.base.name == name and domain.name != name:
            found.append(
                Dependent(
                    f"type {domain.name}",
                    _type_description(domain.base),
                    _popper(catalog.domains, domain.name),
                    _needers(type_dependents, catalog, domain.name),
                )
            )
    for function in _functions(catalog):
        types = [*function.arg_types, *([function.returns] if function.returns else [])]
        used = next((t for t in types if t.name == name), None)
        if used is not None:
            found.append(
                Dependent(
                    describe_function(function),
                    _type_description(used),
                    _function_dropper(catalog, function),
                    _needers(function_dependents, catalog, function),
                )
            )
    return _with_their_dependents(found)


def function_dependents(catalog: Catalog, function: Function) -> list[Dependent]:
    """What dropping ``function`` takes along: views, triggers, defaults, checks and
    indexes calling it."""
    on = describe_function(function)
    calls = _calls_of(catalog, function)
    found = [
        _view_dependent(catalog, view, on) for view in catalog.views.values() if calls(view.query)
    ]
    for key, routine in catalog.routines.items():
        if routine.kind == "trigger" and routine.node is not None:
            execute = routine.node.find(exp.TriggerExecute)
            if execute is not None and calls(execute):
                found.append(
                    Dependent(
                        f"trigger {routine.name} on table {routine.table}",
                        on,
                        _popper(catalog.routines, key),
                        owner=routine.table,
                    )
                )
    for table in catalog.tables.values():
        for column in table.columns:
            if column.default is not None and calls(column.default):
                found.append(
                    Dependent(
                        f"default value for column {column.name} of table {table.name}",
                        on,
                        _default_dropper(column),
                        owner=table.name,
                    )
                )
        for constraint in table.constraints:
            if constraint.check is not None and calls(constraint.check):
                found.append(_constraint_dependent(table, constraint.name, on))
    for index in catalog.indexes.values():
        if any(calls(part) for part in [*index.elements, *filter(None, [index.where])]):
            what = f"index {split_name(index.name)[1]}"
            found.append(
                Dependent(what, on, _popper(catalog.indexes, index.name), owner=index.table)
            )
    return _with_their_dependents(found)


def _column_of(catalog: Catalog, column: tuple[Table, str]) -> list[Dependent]:
    return column_dependents(catalog, *column)


def forget_column(catalog: Catalog, table: Table, name: str) -> None:
    """Remove a column with what it owns: the constraints and indexes on it and the
    sequence of its ``serial`` (what PostgreSQL drops with it without asking)."""
    table.columns = [c for c in table.columns if c.name != name]
    drop_owned_sequences(catalog, lambda owner: owner == (table.name, name))
    table.constraints = [c for c in table.constraints if name not in c.columns]
    for index_name in [
        n for n, i in catalog.indexes.items() if i.table == table.name and name in i.columns
    ]:
        del catalog.indexes[index_name]


def drop_view(catalog: Catalog, name: str) -> None:
    """Remove a view, and the indexes of a materialized one."""
    catalog.views.pop(name, None)
    for index in [i for i in catalog.indexes.values() if i.table == name]:
        del catalog.indexes[index.name]


# --- finding them ------------------------------------------------------------------------


def _with_their_dependents(found: list[Dependent]) -> list[Dependent]:
    """``found`` and, after each, what needs it in turn (``view w depends on view v``),
    each once."""
    out: list[Dependent] = []
    seen: set[str] = set()

    def add(dependents: list[Dependent]) -> None:
        for dependent in dependents:
            if dependent.what in seen:
                continue
            seen.add(dependent.what)
            out.append(dependent)
            add(dependent.needed_by())

    add(found)
    return out


def _views_reading(catalog: Catalog, name: str) -> list[View]:
    return [view for view in views_reading(catalog, name) if view.name != name]


def _reads_column(view: View, table: Table, column: str) -> bool:
    """Whether ``view`` names ``column`` of ``table``: as ``alias.column``, unqualified
    in a SELECT that reads the table, or through ``*``."""
    aliases = {
        qualifier_of(t) for t in view.query.find_all(exp.Table) if relation_name(t) == table.name
    }
    for star in view.query.find_all(exp.Star):
        if isinstance(star.parent, exp.Column):  # t.*
            if ident(star.parent.args.get("table")) in aliases:
                return True
        elif isinstance(star.parent, exp.Select):  # *, not count(*)
            return True
    for node in view.query.find_all(exp.Column):
        if ident(node) != column:
            continue
        qualifier = node.args.get("table")
        if qualifier is not None:
            if ident(qualifier) in aliases:
                return True
            continue
        select = node.find_ancestor(exp.Select)
        items = source_items(select) if select is not None else []
        if any(isinstance(i, exp.Table) and relation_name(i) == table.name for i in items):
            return True
    return False


def _calls_of(catalog: Catalog, function: Function) -> Callable[[exp.Expr], bool]:
    """Whether an expression calls ``function`` (by name; by argument count among overloads)."""
    overloads = catalog.functions.get(function.name, [])

    def calls(node: exp.Expr) -> bool:
        for call in node.find_all(exp.Anonymous):
            name = str(call.this).lower()
            if isinstance(call.parent, exp.Dot):
                name = relation_name(exp.Table(this=call.parent.this, db=None)) + "." + name
                name = name.removeprefix("public.")
            if name != function.name:
                continue
            if len(overloads) == 1 or len(call.expressions) == len(function.arg_types):
                return True
        return False

    return calls


def _functions(catalog: Catalog) -> Iterator[Function]:
    for overloads in catalog.functions.values():
        yield from overloads


def _type_description(pg_type: PgType) -> str:
    return f"type {pg_type.name}{'[]' if pg_type.array_dims else ''}"


# --- dropping them -----------------------------------------------------------------------


def _view_dependent(catalog: Catalog, view: View, on: str) -> Dependent:
    name = view.name
    return Dependent(
        describe_relation(catalog, name),
        on,
        lambda: drop_view(catalog, name),
        _needers(relation_dependents, catalog, name),
        owner=name,
    )


def _needers(
    find: Callable[[Catalog, T], list[Dependent]], catalog: Catalog, target: T
) -> Callable[[], list[Dependent]]:
    return lambda: find(catalog, target)


def _popper(store: dict[K, Any], key: K) -> Callable[[], None]:
    def drop() -> None:
        store.pop(key, None)

    return drop


def _default_dropper(column: Column) -> Callable[[], None]:
    def drop() -> None:
        column.default = None

    return drop


def _constraint_dependent(table: Table, name: str, on: str) -> Dependent:
    def drop() -> None:
        table.constraints = [c for c in table.constraints if c.name != name]

    return Dependent(f"constraint {name} on table {table.name}", on, drop, owner=table.name)


def _column_dropper(catalog: Catalog, table: Table, name: str) -> Callable[[], None]:
    return lambda: forget_column(catalog, table, name)


def _remover(columns: list[Column], column: Column) -> Callable[[], None]:
    def drop() -> None:
        if column in columns:
            columns.remove(column)

    return drop


def _function_dropper(catalog: Catalog, function: Function) -> Callable[[], None]:
    def drop() -> None:
        routine = catalog.routines.get((function.kind, function.name))
        if routine is None or function not in routine.overloads:
            return
        routine.overloads.remove(function)
        if not routine.overloads:
            del catalog.routines[(function.kind, function.name)]

    return drop
