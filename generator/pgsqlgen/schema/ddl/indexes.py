"""Indexes: CREATE INDEX with PostgreSQL's automatic names, partition indexes, ATTACH
PARTITION of an index, and DROP INDEX.
"""

from __future__ import annotations

import re

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Index,
    Table,
    choose_name,
    qualify,
    render_sql,
    split_name,
)
from pgsqlgen.queries.analysis.syntax import column_name
from pgsqlgen.schema.ddl.common import (
    DDLError,
    RelationsIn,
    column_named,
    column_typer,
    ident,
    parse_name,
    relation_name,
    table_of,
    without_domain_casts,
)
from pgsqlgen.sql.parse import Statement


def clone_index(catalog: Catalog, index: Index, table: Table, attach: bool) -> None:
    """Index ``table`` as ``index`` does its own table, and do the same to its partitions.

    With ``attach`` (a partitioned table's index reaching a partition) an
    equal index the table has is attached rather than made again, and a
    new one is a partition of ``index``; ``LIKE ... INCLUDING INDEXES``
    copies without attaching. A new index is named for ``table``.
    """
    clone = Index(
        "",
        table.name,
        index.unique,
        index.using,
        [e.copy() for e in index.elements],
        index.where.copy() if index.where is not None else None,
        index.include,
        index.name if attach else None,
    )
    existing = next(
        (
            i
            for i in catalog.indexes.values()
            if attach and i.table == table.name and i.parent is None and i.same_as(clone)
        ),
        None,
    )
    if existing is not None:
        existing.parent = index.name
        clone = existing
    else:
        schema, local = split_name(table.name)
        names = "_".join(
            _index_column_names([*clone.elements, *map(exp.to_identifier, clone.include)])
        )
        clone.name = qualify(schema, choose_name(local, names, "idx", RelationsIn(catalog, schema)))
        catalog.indexes[clone.name] = clone
    if table.partitioned:
        for partition in catalog.children(table.name):
            clone_index(catalog, clone, partition, attach=True)


def create_index(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    """``CREATE INDEX``, in its table's schema.

    On a partitioned table the index reaches every partition (each gets an
    equal index of its own, or has one attached), unless ``ON ONLY`` names
    the table.
    """
    index = node.this
    table = _indexed_relation(catalog, index.args["table"])
    params = index.args.get("params")
    type_of = column_typer(table)
    elements = [
        without_domain_casts(catalog, e, type_of)
        for e in (params.args.get("columns") or [] if params is not None else [])
    ]
    elements = [
        e.this if isinstance(e, exp.Ordered) and not e.args.get("desc") else e for e in elements
    ]
    include = tuple(ident(c) for c in (params.args.get("include") or [] if params else []))
    for element in elements:
        for column in element.find_all(exp.Column):
            column_named(table, ident(column))
    for included in include:
        column_named(table, included)
    schema, local = split_name(table.name)
    name = qualify(schema, ident(index.this)) if index.this else None
    if name is not None and catalog.has_relation(name):
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', index.this)
    if name is None:
        names = "_".join(_index_column_names([*elements, *map(exp.to_identifier, include)]))
        name = qualify(schema, choose_name(local, names, "idx", RelationsIn(catalog, schema)))
    using = params.args.get("using") if params is not None else None
    created = catalog.indexes[name] = Index(
        name=name,
        table=table.name,
        unique=bool(node.args.get("unique")),
        using=using.name.lower() if using is not None else "btree",
        elements=elements,
        where=without_domain_casts(catalog, params.args["where"].this, type_of)
        if params is not None and params.args.get("where")
        else None,
        include=include,
        storage=storage_parameters(params.args.get("with_storage") if params else None),
    )
    if table.partitioned and not index.args["table"].args.get("only"):
        for partition in catalog.children(table.name):
            clone_index(catalog, created, partition, attach=True)


def storage_parameters(written: list[exp.Expr] | None) -> tuple[tuple[str, str], ...]:
    """``WITH (name = value, ...)`` as ``reloptions`` keeps it: names folded, values as text.

    A number or keyword keeps its spelling, a string its contents; PostgreSQL
    checks each against the access method, which is left to ``verify``.
    """
    options = []
    for option in written or []:
        if not isinstance(option, exp.Property):
            raise DDLError(f"cannot read storage parameter {render_sql(option)}", option)
        value = option.args.get("value")
        if isinstance(value, exp.Literal) and value.is_string:
            text = value.name
        elif isinstance(value, exp.Boolean):
            text = "true" if value.this else "false"
        elif isinstance(value, exp.Var | exp.Column | exp.Identifier):
            text = value.name.lower()
        else:
            text = render_sql(value) if value is not None else "true"
        options.append((option.name.lower(), text))
    return tuple(options)


def _indexed_relation(catalog: Catalog, node: exp.Expr) -> Table:
    """The table an index is on; a materialized view's rows are indexed as a table's."""
    view = catalog.views.get(relation_name(node))
    if view is None:
        return table_of(catalog, node)
    if not view.materialized:
        raise DDLError(f'cannot create index on relation "{view.name}"', node)
    return Table(view.name, view.columns)


def _index_column_names(elements: list[exp.Expr]) -> list[str]:
    """PostgreSQL's ``ChooseIndexColumnNames``: a name per column, unique in the index.

    An expression is named as in a select list (``FigureColname``), with
    ``expr`` where a select list would say ``?column?``.
    """
    names: list[str] = []
    for element in elements:
        while isinstance(element, exp.Ordered | exp.Opclass):
            element = element.this  # DESC, NULLS FIRST and operator classes name nothing.
        base = ident(element) if isinstance(element, exp.Identifier) else column_name(element)
        base = "expr" if base == "?column?" else base
        name, suffix = base, 0
        while name in names:
            suffix += 1
            name = f"{base}{suffix}"
        names.append(name)
    return names


def rebuild_partition_indexes(catalog: Catalog, table: Table, column: str) -> None:
    """A new type for a partitioned table's column rebuilds the indexes on it.

    PostgreSQL makes each such index anew, and with it the partitions'
    indexes, whose names it then chooses again (from the columns' current
    names); an index a partition had attached goes too.
    """
    for index in [i for i in catalog.indexes.values() if i.table == table.name]:
        if column in index.columns:
            _drop_partition_indexes(catalog, index.name)
            for partition in catalog.children(table.name):
                clone_index(catalog, index, partition, attach=True)


def _drop_partition_indexes(catalog: Catalog, name: str) -> None:
    """Drop the indexes attached to index ``name``, and theirs."""
    for child in [i for i in catalog.indexes.values() if i.parent == name]:
        _drop_partition_indexes(catalog, child.name)
        del catalog.indexes[child.name]


def drop_index(catalog: Catalog, index: Index, node: exp.Expr) -> None:
    """Drop an index with the partitions' indexes attached to it; not one attached itself."""
    if index.parent is not None and index.parent in catalog.indexes:
        raise DDLError(
            f'cannot drop index "{index.name}" because index "{index.parent}" requires it', node
        )
    _drop_partition_indexes(catalog, index.name)
    del catalog.indexes[index.name]


def attach_index(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER INDEX parent ATTACH PARTITION child``: an equal index of a partition joins."""
    node = statement.expression
    parent = catalog.indexes.get(parse_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{parse_name(match["name"])}" does not exist', node)
    schema = split_name(parent.name)[0]
    child = catalog.indexes.get(qualify(schema, parse_name(match["child"])))
    if child is None:
        raise DDLError(f'relation "{parse_name(match["child"])}" does not exist', node)
    on_partition = catalog.tables[child.table].parents == [parent.table]
    if not on_partition or not child.same_as(parent) or child.parent not in (None, parent.name):
        raise DDLError(
            f'cannot attach index "{child.name}" as a partition of index "{parent.name}"', node
        )
    child.parent = parent.name
