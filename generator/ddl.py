"""Catalog stage: apply DDL statements, in order, to build the catalog.

Each statement kind has one handler. Statements that sqlglot keeps as an
opaque ``Command`` (functions, ``DO`` blocks, domains, ``ALTER TYPE``,
``RENAME CONSTRAINT``, extensions) are matched here deliberately: modelled
when they change the catalog, recorded verbatim otherwise, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import sqlglot
from sqlglot import exp

from generator.analyse import AnalysisError, infer_relation_columns
from generator.catalog import (
    Catalog,
    Column,
    CompositeType,
    Constraint,
    Domain,
    Enum,
    Index,
    Routine,
    Table,
    View,
    choose_name,
    render_sql,
)
from generator.errors import Diagnostic, DiagnosticSink
from generator.parse import Statement, parse_chunk, tokenize
from generator.pgtypes import PgType, from_sqlglot, is_serial


class DDLError(Exception):
    """A statement that cannot apply to the catalog as it stands."""

    def __init__(self, message: str, node: exp.Expr | None = None) -> None:
        super().__init__(message)
        self.node = node


def ident(node: exp.Expr | str | None) -> str:
    """An identifier as PostgreSQL stores it: folded to lower case unless quoted."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.lower()
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    if isinstance(node, exp.Table | exp.Column):
        return ident(node.this)
    return node.name.lower()


def relation_name(node: exp.Expr) -> str:
    """A table's name, qualified only outside the ``public`` schema."""
    if isinstance(node, exp.Schema):
        node = node.this
    if isinstance(node, exp.Table):
        schema = ident(node.args.get("db")) if node.args.get("db") else ""
        name = ident(node.this)
        return name if schema in ("", "public", "pg_catalog") else f"{schema}.{name}"
    return ident(node)


def build_catalog(statements: Iterable[Statement]) -> Catalog:
    """Apply statements in order; raises SqlgenError with every problem found."""
    catalog = Catalog()
    sink = DiagnosticSink()
    for statement in statements:
        try:
            _apply(catalog, statement)
        except DDLError as error:
            sink.add(statement.diagnostic(str(error), error.node))
        except AnalysisError as error:
            sink.add(statement.diagnostic(str(error), error.node))
    sink.raise_if_any()
    return catalog


def _apply(catalog: Catalog, statement: Statement) -> None:
    node = statement.expression
    handler = _HANDLERS.get(type(node))
    if handler is None:
        # Data changes, SET, GRANT and the like leave the catalog as it is.
        return
    handler(catalog, node, statement)


# --- CREATE --------------------------------------------------------------------------


def _create(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    exists = bool(node.args.get("exists"))
    if kind == "TABLE":
        _create_table(catalog, node, exists)
    elif kind == "TYPE":
        _create_type(catalog, node)
    elif kind == "VIEW":
        _create_view(catalog, node)
    elif kind == "INDEX":
        _create_index(catalog, node, exists)
    elif kind == "TRIGGER":
        props = node.find(exp.TriggerProperties)
        table = relation_name(props.args["table"]) if props is not None else None
        name = ident(node.this)
        catalog.routines[("trigger", f"{table}.{name}")] = Routine(
            "trigger", name, render_sql(node), table
        )
    elif kind == "SEQUENCE":
        catalog.sequences.add(relation_name(node.this))
    elif kind in ("SCHEMA", "EXTENSION", "FUNCTION", "PROCEDURE"):
        name = relation_name(node.this)
        catalog.routines[(kind.lower(), name)] = Routine(kind.lower(), name, statement.text)
    else:
        raise DDLError(f"unsupported CREATE {kind or 'statement'}", node)


def _create_table(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    schema = node.this
    name = relation_name(schema)
    if name in catalog.relation_names():
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', schema)
    query = node.args.get("expression")
    if isinstance(query, exp.Query):
        columns = infer_relation_columns(catalog, query)
        catalog.tables[name] = Table(name, [_copy_column(c, keep_not_null=False) for c in columns])
        return
    if not isinstance(schema, exp.Schema):
        raise DDLError("CREATE TABLE without a column list is not supported", node)
    table = Table(name)
    catalog.tables[name] = table
    pending: list[Callable[[], None]] = []
    for element in schema.expressions:
        if isinstance(element, exp.ColumnDef):
            pending.extend(_add_column(catalog, table, element))
        elif isinstance(element, exp.LikeProperty):
            raise DDLError("CREATE TABLE ... LIKE is not supported", element)
        else:
            pending.append(_table_constraint_adder(catalog, table, element))
    for add in pending:
        add()


def _copy_column(column: Column, keep_not_null: bool) -> Column:
    return Column(column.name, column.type, column.not_null and keep_not_null)


def _add_column(catalog: Catalog, table: Table, node: exp.ColumnDef) -> list[Callable[[], None]]:
    """Add a column; return the adders for its inline constraints, run after all columns."""
    name = ident(node.this)
    if table.column(name) is not None:
        raise DDLError(f'column "{name}" of relation "{table.name}" already exists', node)
    data_type = node.args.get("kind")
    if not isinstance(data_type, exp.DataType):
        raise DDLError(f'column "{name}" needs a type', node)
    column = Column(name, from_sqlglot(data_type))
    if column.type.name in catalog.domains and not column.type.array_dims:
        column.not_null = catalog.domains[column.type.name].not_null
    if is_serial(data_type):
        sequence = choose_name(table.name, name, "seq", catalog.relation_names())
        catalog.sequences.add(sequence)
        column.not_null = True
        column.default = sqlglot.parse_one(f"nextval('{sequence}'::regclass)", dialect="postgres")
    table.columns.append(column)
    adders: list[Callable[[], None]] = []
    for constraint in node.args.get("constraints") or []:
        adder = _column_constraint(catalog, table, column, constraint)
        if adder is not None:
            adders.append(adder)
    return adders


def _column_constraint(
    catalog: Catalog, table: Table, column: Column, node: exp.ColumnConstraint
) -> Callable[[], None] | None:
    kind = node.args.get("kind")
    given = ident(node.this) if node.this else None
    if isinstance(kind, exp.NotNullColumnConstraint):
        column.not_null = not kind.args.get("allow_null")
    elif isinstance(kind, exp.DefaultColumnConstraint):
        column.default = kind.this
    elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
        column.identity = "ALWAYS" if kind.this else "BY DEFAULT"
        column.not_null = True
    elif isinstance(kind, exp.ComputedColumnConstraint):
        column.generated = kind.this
    elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
        column.not_null = True
        return lambda: _add_constraint(catalog, table, given, "primary_key", (column.name,))
    elif isinstance(kind, exp.UniqueColumnConstraint):
        return lambda: _add_constraint(catalog, table, given, "unique", (column.name,))
    elif isinstance(kind, exp.CheckColumnConstraint):
        return lambda: _add_check(catalog, table, given, kind.this)
    elif isinstance(kind, exp.Reference):
        return lambda: _add_foreign_key(catalog, table, given, (column.name,), kind)
    elif isinstance(kind, exp.CollateColumnConstraint | exp.CommentColumnConstraint):
        if isinstance(kind, exp.CommentColumnConstraint):
            column.comment = kind.this.name
    else:
        raise DDLError(f"unsupported column constraint: {render_sql(node)}", node)
    return None


def _table_constraint_adder(catalog: Catalog, table: Table, node: exp.Expr) -> Callable[[], None]:
    given: str | None = None
    if isinstance(node, exp.Constraint):
        given = ident(node.this)
        node = node.expressions[0]
    if isinstance(node, exp.PrimaryKey):
        columns = tuple(ident(c) for c in node.expressions)
        return lambda: _add_primary_key(catalog, table, given, columns)
    if isinstance(node, exp.UniqueColumnConstraint):
        target = node.this
        columns = tuple(ident(c) for c in target.expressions) if target is not None else ()
        return lambda: _add_constraint(catalog, table, given, "unique", columns)
    if isinstance(node, exp.CheckColumnConstraint):
        check = node.this
        return lambda: _add_check(catalog, table, given, check)
    if isinstance(node, exp.ForeignKey):
        columns = tuple(ident(c) for c in node.expressions)
        reference = node.args["reference"]
        return lambda: _add_foreign_key(catalog, table, given, columns, reference)
    raise DDLError(f"unsupported table constraint: {render_sql(node)}", node)


def _add_primary_key(
    catalog: Catalog, table: Table, given: str | None, columns: tuple[str, ...]
) -> None:
    for name in columns:
        column = _column(table, name)
        column.not_null = True
    _add_constraint(catalog, table, given, "primary_key", columns)


def _add_constraint(
    catalog: Catalog,
    table: Table,
    given: str | None,
    kind: str,
    columns: tuple[str, ...],
    **details: object,
) -> None:
    for name in columns:
        _column(table, name)
    if kind == "primary_key" and table.primary_key() is not None:
        raise DDLError(f'multiple primary keys for table "{table.name}" are not allowed')
    taken = catalog.constraint_names() | catalog.relation_names()
    if given is None:
        label = {"primary_key": "pkey", "unique": "key", "foreign_key": "fkey", "check": "check"}[
            kind
        ]
        name2 = None if kind == "primary_key" else "_".join(columns) or None
        if kind == "check":
            name2 = columns[0] if len(columns) == 1 else None
        given = choose_name(table.name, name2, label, taken)
    elif given in {c.name for c in table.constraints}:
        raise DDLError(f'constraint "{given}" for relation "{table.name}" already exists')
    table.constraints.append(Constraint(given, kind, columns, **details))  # type: ignore[arg-type]


def _add_check(catalog: Catalog, table: Table, given: str | None, check: exp.Expr) -> None:
    referenced: list[str] = []
    for column in check.find_all(exp.Column):
        if ident(column) not in referenced:
            referenced.append(ident(column))
    _add_constraint(catalog, table, given, "check", tuple(referenced), check=check)


def _add_foreign_key(
    catalog: Catalog,
    table: Table,
    given: str | None,
    columns: tuple[str, ...],
    reference: exp.Reference,
) -> None:
    target = reference.this
    ref_table = relation_name(target)
    referenced = catalog.tables.get(ref_table)
    if referenced is None:
        raise DDLError(f'relation "{ref_table}" does not exist', target)
    if isinstance(target, exp.Schema) and target.expressions:
        ref_columns = tuple(ident(c) for c in target.expressions)
    else:
        primary_key = referenced.primary_key()
        if primary_key is None:
            raise DDLError(f'there is no primary key for referenced table "{ref_table}"', target)
        ref_columns = primary_key.columns
    for name in ref_columns:
        _column(referenced, name)
    actions: dict[str, str] = {}
    for option in reference.args.get("options") or []:
        match = re.match(r"ON (DELETE|UPDATE) (.+)", str(option).upper())
        if match:
            actions["on_" + match[1].lower()] = match[2]
    _add_constraint(
        catalog,
        table,
        given,
        "foreign_key",
        columns,
        ref_table=ref_table,
        ref_columns=ref_columns,
        **actions,
    )


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise DDLError(f'column "{name}" of relation "{table.name}" does not exist')
    return column


def _table(catalog: Catalog, node: exp.Expr) -> Table:
    name = relation_name(node)
    table = catalog.tables.get(name)
    if table is None:
        raise DDLError(f'relation "{name}" does not exist', node)
    return table


def _create_type(catalog: Catalog, node: exp.Expr) -> None:
    name = relation_name(node.this)
    if name in catalog.enums or name in catalog.composites or name in catalog.domains:
        raise DDLError(f'type "{name}" already exists', node.this)
    body = node.args.get("expression")
    if isinstance(body, exp.DataType) and body.this == exp.DataType.Type.ENUM:
        catalog.enums[name] = Enum(name, [literal.name for literal in body.expressions])
    elif isinstance(body, exp.Schema):
        columns = [
            Column(ident(c.this), from_sqlglot(c.args["kind"]))
            for c in body.expressions
            if isinstance(c, exp.ColumnDef)
        ]
        catalog.composites[name] = CompositeType(name, columns)
    else:
        raise DDLError("unsupported CREATE TYPE form", node)


def _create_view(catalog: Catalog, node: exp.Expr) -> None:
    name = relation_name(node.this)
    query = node.args.get("expression")
    if not isinstance(query, exp.Query):
        raise DDLError("CREATE VIEW needs a query", node)
    replace = bool(node.args.get("replace"))
    if name in catalog.tables or (name in catalog.views and not replace):
        raise DDLError(f'relation "{name}" already exists', node.this)
    properties = node.args.get("properties")
    materialized = bool(properties and properties.find(exp.MaterializedProperty))
    columns = infer_relation_columns(catalog, query)
    old = catalog.views.get(name)
    catalog.views[name] = View(
        name, query, columns, materialized, comment=old.comment if old else None
    )


def _create_index(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    index = node.this
    table = _table(catalog, index.args["table"])
    params = index.args.get("params")
    elements = [
        e.this if isinstance(e, exp.Ordered) and not e.args.get("desc") else e
        for e in (params.args.get("columns") or [] if params is not None else [])
    ]
    for element in elements:
        for column in element.find_all(exp.Column):
            _column(table, ident(column))
    name = ident(index.this) if index.this else None
    if name is not None and name in catalog.relation_names():
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', index.this)
    if name is None:
        names = [ident(e) if isinstance(e, exp.Column) else "expr" for e in elements]
        name = choose_name(table.name, "_".join(names), "idx", catalog.relation_names())
    using = params.args.get("using") if params is not None else None
    catalog.indexes[name] = Index(
        name=name,
        table=table.name,
        unique=bool(node.args.get("unique")),
        using=using.name.lower() if using is not None else "btree",
        elements=elements,
        where=params.args.get("where").this
        if params is not None and params.args.get("where")
        else None,
    )


# --- ALTER ---------------------------------------------------------------------------


def _alter(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    name = relation_name(node.this)
    if kind in ("VIEW", "INDEX", "SEQUENCE"):
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                _rename_relation(catalog, kind, name, relation_name(action.this), node)
            else:
                raise DDLError(f"unsupported ALTER {kind} action", action)
        return
    if kind != "TABLE":
        raise DDLError(f"unsupported ALTER {kind}", node)
    if name not in catalog.tables:
        if node.args.get("exists"):
            return
        raise DDLError(f'relation "{name}" does not exist', node.this)
    table = catalog.tables[name]
    for action in node.args.get("actions") or []:
        _alter_table_action(catalog, table, action)


def _alter_table_action(catalog: Catalog, table: Table, action: exp.Expr) -> None:
    if isinstance(action, exp.ColumnDef):
        for add in _add_column(catalog, table, action):
            add()
    elif isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        for target in action.args.get("expressions") or action.args.get("tables") or []:
            if kind == "COLUMN":
                _drop_column(catalog, table, ident(target), bool(action.args.get("exists")), target)
            elif kind == "CONSTRAINT":
                _drop_constraint(
                    catalog, table, ident(target), bool(action.args.get("exists")), target
                )
            else:
                raise DDLError(f"unsupported ALTER TABLE DROP {kind}", action)
    elif isinstance(action, exp.AlterColumn):
        _alter_column(catalog, table, action)
    elif isinstance(action, exp.RenameColumn):
        _rename_column(catalog, table, ident(action.this), ident(action.args["to"]), action)
    elif isinstance(action, exp.AlterRename):
        _rename_relation(catalog, "TABLE", table.name, relation_name(action.this), action)
    elif isinstance(action, exp.AddConstraint):
        for constraint in action.expressions:
            _table_constraint_adder(catalog, table, constraint)()
    else:
        raise DDLError(f"unsupported ALTER TABLE action: {render_sql(action)}", action)


def _alter_column(catalog: Catalog, table: Table, action: exp.AlterColumn) -> None:
    column = table.column(ident(action.this))
    if column is None:
        raise DDLError(
            f'column "{ident(action.this)}" of relation "{table.name}" does not exist', action.this
        )
    if action.args.get("dtype") is not None:
        column.type = from_sqlglot(action.args["dtype"])
    elif action.args.get("allow_null") is not None:
        # Checked before ``drop``: sqlglot marks DROP NOT NULL with both.
        column.not_null = not action.args["allow_null"]
        if column.not_null is False and any(
            c.kind == "primary_key" and column.name in c.columns for c in table.constraints
        ):
            raise DDLError(f'column "{column.name}" is in a primary key', action)
    elif action.args.get("default") is not None:
        column.default = action.args["default"]
    elif action.args.get("drop"):
        column.default = None
    else:
        raise DDLError(f"unsupported ALTER COLUMN form: {render_sql(action)}", action)


def _drop_column(
    catalog: Catalog, table: Table, name: str, if_exists: bool, node: exp.Expr
) -> None:
    if table.column(name) is None:
        if if_exists:
            return
        raise DDLError(f'column "{name}" of relation "{table.name}" does not exist', node)
    table.columns = [c for c in table.columns if c.name != name]
    # PostgreSQL drops the constraints and indexes that depend on the column.
    table.constraints = [c for c in table.constraints if name not in c.columns]
    for other in catalog.tables.values():
        other.constraints = [
            c
            for c in other.constraints
            if not (c.ref_table == table.name and name in c.ref_columns)
        ]
    for index_name in [
        n for n, i in catalog.indexes.items() if i.table == table.name and name in i.columns
    ]:
        del catalog.indexes[index_name]


def _drop_constraint(
    catalog: Catalog, table: Table, name: str, if_exists: bool, node: exp.Expr
) -> None:
    if table.constraint(name) is None:
        if if_exists:
            return
        raise DDLError(f'constraint "{name}" of relation "{table.name}" does not exist', node)
    table.constraints = [c for c in table.constraints if c.name != name]


def _rename_column(catalog: Catalog, table: Table, old: str, new: str, node: exp.Expr) -> None:
    column = _column(table, old)
    if table.column(new) is not None:
        raise DDLError(f'column "{new}" of relation "{table.name}" already exists', node)
    column.name = new
    rename = {old: new}
    for constraint in table.constraints:
        constraint.columns = tuple(rename.get(c, c) for c in constraint.columns)
        if constraint.check is not None:
            _rename_columns_in(constraint.check, rename)
    for other in catalog.tables.values():
        for constraint in other.constraints:
            if constraint.ref_table == table.name:
                constraint.ref_columns = tuple(rename.get(c, c) for c in constraint.ref_columns)
    for index in catalog.indexes.values():
        if index.table == table.name:
            for element in index.elements:
                _rename_columns_in(element, rename)
            if index.where is not None:
                _rename_columns_in(index.where, rename)


def _rename_columns_in(node: exp.Expr, rename: dict[str, str]) -> None:
    for column in node.find_all(exp.Column):
        if ident(column) in rename:
            column.set("this", exp.to_identifier(rename[ident(column)]))


def _rename_relation(catalog: Catalog, kind: str, old: str, new: str, node: exp.Expr) -> None:
    if new in catalog.relation_names():
        raise DDLError(f'relation "{new}" already exists', node)
    if kind == "TABLE":
        table = catalog.tables.pop(old)
        table.name = new
        catalog.tables[new] = table
        for other in catalog.tables.values():
            for constraint in other.constraints:
                if constraint.ref_table == old:
                    constraint.ref_table = new
        for index in catalog.indexes.values():
            if index.table == old:
                index.table = new
        for routine in catalog.routines.values():
            if routine.table == old:
                routine.table = new
    elif kind == "VIEW":
        if old not in catalog.views:
            raise DDLError(f'relation "{old}" does not exist', node)
        view = catalog.views.pop(old)
        view.name = new
        catalog.views[new] = view
    elif kind == "INDEX":
        if old not in catalog.indexes:
            raise DDLError(f'relation "{old}" does not exist', node)
        index = catalog.indexes.pop(old)
        index.name = new
        catalog.indexes[new] = index
        for table in catalog.tables.values():
            for constraint in table.constraints:
                if constraint.name == old and constraint.kind in ("primary_key", "unique"):
                    constraint.name = new
    else:
        catalog.sequences.discard(old)
        catalog.sequences.add(new)


# --- DROP and COMMENT ----------------------------------------------------------------


def _drop(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    if_exists = bool(node.args.get("exists"))
    for target in node.args.get("tables") or node.expressions or []:
        name = relation_name(target)
        store: Any = {
            "TABLE": catalog.tables,
            "VIEW": catalog.views,
            "MATERIALIZED VIEW": catalog.views,
            "INDEX": catalog.indexes,
            "TYPE": catalog.enums if name in catalog.enums else catalog.composites,
            "DOMAIN": catalog.domains,
            "SEQUENCE": catalog.sequences,
        }.get(kind)
        if kind in ("FUNCTION", "PROCEDURE", "TRIGGER", "EXTENSION", "SCHEMA"):
            key = name
            if kind == "TRIGGER":
                on = node.args.get("cluster")
                key = f"{relation_name(on.this) if on is not None else ''}.{name}"
            removed = catalog.routines.pop((kind.lower(), key), None)
            if removed is None and not if_exists:
                raise DDLError(f'{kind.lower()} "{name}" does not exist', target)
            continue
        if store is None:
            raise DDLError(f"unsupported DROP {kind}", node)
        if name not in store:
            if if_exists:
                continue
            raise DDLError(f'{kind.lower()} "{name}" does not exist', target)
        if isinstance(store, set):
            store.discard(name)
        else:
            del store[name]
        if kind == "TABLE":
            _forget_table(catalog, name)


def _forget_table(catalog: Catalog, name: str) -> None:
    for index_name in [n for n, i in catalog.indexes.items() if i.table == name]:
        del catalog.indexes[index_name]
    for key in [k for k, r in catalog.routines.items() if r.table == name]:
        del catalog.routines[key]
    for table in catalog.tables.values():
        table.constraints = [c for c in table.constraints if c.ref_table != name]


def _comment(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    literal = node.args.get("expression")
    text = None if isinstance(literal, exp.Null) or literal is None else literal.name
    target = node.this
    if kind == "TABLE":
        _table(catalog, target).comment = text
    elif kind == "COLUMN":
        table_node = exp.Table(this=target.args.get("table"), db=target.args.get("db"))
        name = relation_name(table_node)
        columns = catalog.relation_columns(name)
        if columns is None:
            raise DDLError(f'relation "{name}" does not exist', target)
        column = next((c for c in columns if c.name == ident(target)), None)
        if column is None:
            raise DDLError(f'column "{ident(target)}" of relation "{name}" does not exist', target)
        column.comment = text
    elif kind in ("VIEW", "MATERIALIZED VIEW"):
        view = catalog.views.get(relation_name(target))
        if view is None:
            raise DDLError(f'relation "{relation_name(target)}" does not exist', target)
        view.comment = text
    elif kind == "TYPE":
        name = relation_name(target)
        found = catalog.enums.get(name) or catalog.composites.get(name)
        if found is None:
            raise DDLError(f'type "{name}" does not exist', target)
        found.comment = text


# --- Opaque commands -----------------------------------------------------------------

_NAME = r'("(?:[^"]|"")+"|[\w$.]+)'
_ALTER_TYPE = re.compile(rf"^ALTER\s+TYPE\s+{_NAME}\s+(.*)$", re.I | re.S)
_ADD_VALUE = re.compile(
    r"^ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'(?:\s+(BEFORE|AFTER)\s+'((?:[^']|'')*)')?$",
    re.I | re.S,
)
_RENAME_VALUE = re.compile(
    r"^RENAME\s+VALUE\s+'((?:[^']|'')*)'\s+TO\s+'((?:[^']|'')*)'$", re.I | re.S
)
_RENAME_TO = re.compile(rf"^RENAME\s+TO\s+{_NAME}$", re.I | re.S)
_RENAME_CONSTRAINT = re.compile(
    rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s+RENAME\s+CONSTRAINT\s+{_NAME}\s+TO\s+{_NAME}$",
    re.I | re.S,
)
_CREATE_ROUTINE = re.compile(
    rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\s+{_NAME}\s*\(", re.I | re.S
)
_CREATE_DOMAIN = re.compile(rf"^CREATE\s+DOMAIN\s+{_NAME}\s+(?:AS\s+)?(.*)$", re.I | re.S)
_CREATE_EXTENSION = re.compile(
    rf"^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.I | re.S
)
_DROP_DOMAIN = re.compile(rf"^DROP\s+DOMAIN\s+(IF\s+EXISTS\s+)?{_NAME}", re.I | re.S)


def _name(text: str) -> str:
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    name = text.lower()
    return name[len("public.") :] if name.startswith("public.") else name


def _unquote(literal: str) -> str:
    return literal.replace("''", "'")


_RECORDED = (
    "DO",
    "GRANT",
    "REVOKE",
    "SET",
    "RESET",
    "SELECT",
    "ANALYZE",
    "VACUUM",
    "NOTIFY",
    "LOCK",
)
_MODELLED = (
    _ALTER_TYPE,
    _RENAME_CONSTRAINT,
    _CREATE_ROUTINE,
    _CREATE_DOMAIN,
    _DROP_DOMAIN,
    _CREATE_EXTENSION,
)


def check_command(statement: Statement) -> Diagnostic | None:
    """For files that are parsed but not applied (down migrations): is this opaque
    statement one the catalog stage would accept?"""
    if not isinstance(statement.expression, exp.Command):
        return None
    text = " ".join(statement.text.split())
    if any(p.match(text) for p in _MODELLED) or text.split(None, 1)[0].upper() in _RECORDED:
        return None
    return statement.diagnostic(f"unsupported or invalid statement: {text[:60]}")


def _command(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    text = (
        " ".join(statement.text.split())
        if not _CREATE_ROUTINE.match(statement.text)
        else statement.text
    )
    alter_type = _ALTER_TYPE.match(text)
    if alter_type:
        _alter_type(catalog, _name(alter_type[1]), alter_type[2].strip(), node)
        return
    rename = _RENAME_CONSTRAINT.match(text)
    if rename:
        table = catalog.tables.get(_name(rename[1]))
        if table is None:
            raise DDLError(f'relation "{_name(rename[1])}" does not exist', node)
        constraint = table.constraint(_name(rename[2]))
        if constraint is None:
            raise DDLError(
                f'constraint "{_name(rename[2])}" of relation "{table.name}" does not exist'
            )
        if constraint.kind in ("primary_key", "unique") and constraint.name in catalog.indexes:
            catalog.indexes[_name(rename[3])] = catalog.indexes.pop(constraint.name)
        constraint.name = _name(rename[3])
        return
    routine = _CREATE_ROUTINE.match(text)
    if routine:
        name = _name(routine[2])
        catalog.routines[(routine[1].lower(), name)] = Routine(
            routine[1].lower(), name, statement.text
        )
        return
    domain = _CREATE_DOMAIN.match(text)
    if domain:
        _create_domain(catalog, _name(domain[1]), domain[2], statement)
        return
    drop_domain = _DROP_DOMAIN.match(text)
    if drop_domain:
        name = _name(drop_domain[2])
        if catalog.domains.pop(name, None) is None and not drop_domain[1]:
            raise DDLError(f'type "{name}" does not exist', node)
        return
    extension = _CREATE_EXTENSION.match(text)
    if extension:
        name = _name(extension[1])
        catalog.routines[("extension", name)] = Routine(
            "extension", name, f"CREATE EXTENSION IF NOT EXISTS {name}"
        )
        return
    keyword = text.split(None, 1)[0].upper() if text else ""
    if keyword in _RECORDED:
        # Recorded: these run code or change privileges/settings, not the catalog shape.
        catalog.routines[("recorded", f"{statement.source.display}:{statement.start}")] = Routine(
            "recorded", keyword.lower(), statement.text
        )
        return
    raise DDLError(f"unsupported or invalid statement: {text[:60]}", node)


def _alter_type(catalog: Catalog, name: str, action: str, node: exp.Expr) -> None:
    enum = catalog.enums.get(name)
    rename_to = _RENAME_TO.match(action)
    if rename_to:
        new = _name(rename_to[1])
        stores: tuple[dict[str, Any], ...] = (catalog.enums, catalog.composites, catalog.domains)
        for store in stores:
            if name in store:
                store[new] = store.pop(name)
                store[new].name = new
                _retype_columns(catalog, name, new)
                return
        raise DDLError(f'type "{name}" does not exist', node)
    if enum is None:
        raise DDLError(f'type "{name}" does not exist or is not an enum', node)
    add = _ADD_VALUE.match(action)
    if add:
        value = _unquote(add[2])
        if value in enum.values:
            if add[1]:
                return
            raise DDLError(f'enum label "{value}" already exists', node)
        if add[3]:
            anchor = _unquote(add[4])
            if anchor not in enum.values:
                raise DDLError(f'"{anchor}" is not an existing enum label', node)
            position = enum.values.index(anchor) + (1 if add[3].upper() == "AFTER" else 0)
            enum.values.insert(position, value)
        else:
            enum.values.append(value)
        return
    rename_value = _RENAME_VALUE.match(action)
    if rename_value:
        old, new = _unquote(rename_value[1]), _unquote(rename_value[2])
        if old not in enum.values:
            raise DDLError(f'"{old}" is not an existing enum label', node)
        enum.values[enum.values.index(old)] = new
        return
    raise DDLError(f"unsupported ALTER TYPE action: {action[:60]}", node)


def _retype_columns(catalog: Catalog, old: str, new: str) -> None:
    for table in catalog.tables.values():
        for column in table.columns:
            if column.type.name == old:
                column.type = PgType(new, column.type.modifiers, column.type.array_dims)


def _create_domain(catalog: Catalog, name: str, rest: str, statement: Statement) -> None:
    probe = f"CREATE TABLE probe (c {rest})"
    parsed = parse_chunk(tokenize(probe), probe)
    column_def = parsed.find(exp.ColumnDef) if isinstance(parsed, exp.Expr) else None
    if column_def is None or not isinstance(column_def.args.get("kind"), exp.DataType):
        raise DDLError(f'cannot read the definition of domain "{name}"', statement.expression)
    not_null = any(
        isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
        and not c.args["kind"].args.get("allow_null")
        for c in column_def.args.get("constraints") or []
    )
    catalog.domains[name] = Domain(
        name, from_sqlglot(column_def.args["kind"]), not_null, statement.text
    )


_HANDLERS: dict[type[exp.Expr], Callable[[Catalog, exp.Expr, Statement], None]] = {
    exp.Create: _create,
    exp.Alter: _alter,
    exp.Drop: _drop,
    exp.Comment: _comment,
    exp.Command: _command,
}
