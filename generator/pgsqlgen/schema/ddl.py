"""Catalog stage: apply DDL statements, in order, to build the catalog.

Each statement kind has one handler. Statements that sqlglot keeps as an
opaque ``Command`` (functions, ``DO`` blocks, domains, ``ALTER TYPE``,
``ALTER DOMAIN``, ``ALTER SEQUENCE``, ``RENAME CONSTRAINT``, ``SET SCHEMA``,
``OWNER TO``, ``ATTACH``/``DETACH PARTITION``, extensions) are matched here
deliberately: modelled when they change the catalog, recorded verbatim
otherwise, never dropped. Their parts that share a grammar with table
elements (a domain's type and constraints, an attribute's type, an unnamed
``ADD CHECK``) are parsed through a probe ``CREATE TABLE``.

Objects are kept as PostgreSQL keeps them, not as they were written: views
bound to their sources, triggers and constraints by column, sequences with
their owner, child tables and partitions with their parents, so that
renames and drops reach everything that depends on what they change.
Objects outside ``public`` are keyed ``schema.name``; what PostgreSQL puts in
a table's schema (its indexes, sequences, constraint names) goes there too.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, overload

import sqlglot
from sqlglot import exp

from pgsqlgen.catalog.canonical import (
    FunctionArgument,
    FunctionHeader,
    read_function,
    split_argument,
    split_top_level,
)
from pgsqlgen.catalog.model import (
    BUILTIN_SCHEMAS,
    DEFAULT_SCHEMAS,
    Argument,
    ArgumentMode,
    Catalog,
    Column,
    CompositeType,
    Constraint,
    Domain,
    Enum,
    Function,
    Index,
    Routine,
    Sequence,
    Table,
    View,
    choose_name,
    qualify,
    quote_ident,
    quote_name,
    render_sql,
    split_name,
)
from pgsqlgen.errors import Diagnostic, DiagnosticSink
from pgsqlgen.pg.types import PgType, from_sqlglot, is_serial, parse_type
from pgsqlgen.queries.analyse import AnalysisError, column_name, infer_relation_columns
from pgsqlgen.sql.parse import Statement, parse_chunk, tokenize


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


def name_node(name: str) -> exp.Identifier:
    """An identifier for a name as stored, quoted when it would not read back the same."""
    return exp.to_identifier(name, quoted=quote_ident(name) != name)


def table_node(name: str) -> exp.Table:
    """A table reference for a catalog key, with its schema outside ``public``."""
    schema, local = split_name(name)
    return exp.Table(this=name_node(local), db=None if schema == "public" else name_node(schema))


def relation_name(node: exp.Expr) -> str:
    """A table's name, qualified only outside the ``public`` schema."""
    if isinstance(node, exp.Schema | exp.UserDefinedFunction):
        node = node.this
    if isinstance(node, exp.Table):
        schema = ident(node.args.get("db")) if node.args.get("db") else ""
        name = ident(node.this)
        return name if schema in ("", "public", "pg_catalog") else f"{schema}.{name}"
    return ident(node)


@overload
def build_catalog(
    statements: Iterable[Statement], *, keep_going: Literal[False] = False
) -> Catalog: ...
@overload
def build_catalog(
    statements: Iterable[Statement], *, keep_going: Literal[True]
) -> tuple[Catalog, list[Diagnostic]]: ...
@overload
def build_catalog(
    statements: Iterable[Statement], *, keep_going: bool
) -> Catalog | tuple[Catalog, list[Diagnostic]]: ...
def build_catalog(
    statements: Iterable[Statement], *, keep_going: bool = False
) -> Catalog | tuple[Catalog, list[Diagnostic]]:
    """Apply statements in order.

    By default every problem is collected and raised together as a
    SqlgenError: a schema that does not apply whole is an error.

    With ``keep_going`` a failing statement is left out whole and the rest
    still applies, as ``psql -v ON_ERROR_STOP=0`` loads a file (PostgreSQL
    rolls a failed statement back). The catalog and the problems are
    returned. Each statement is tried on a copy of the catalog that replaces
    it only on success: a handler may fail after a partial change, and
    checking everything before changing anything would duplicate every
    handler.
    """
    catalog = Catalog()
    sink = DiagnosticSink()
    for statement in statements:
        trial = copy.deepcopy(catalog) if keep_going else catalog
        try:
            _apply(trial, statement)
        except (DDLError, AnalysisError) as error:
            sink.add(statement.diagnostic(str(error), error.node))
            continue
        catalog = trial
    if keep_going:
        return catalog, sink.diagnostics
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
        # Stored as PostgreSQL keeps it, without the OR REPLACE that made it.
        stored = _without_domain_casts(catalog, node, _column_type(catalog.tables.get(table or "")))
        stored.set("replace", False)
        catalog.routines[("trigger", f"{table}.{name}")] = Routine(
            "trigger", name, table=table, node=stored
        )
    elif kind == "SEQUENCE":
        _create_sequence(catalog, node, exists)
    elif kind == "SCHEMA":
        _create_schema(catalog, ident(node.this.args.get("db")), exists, node)
    elif kind == "EXTENSION":
        name = relation_name(node.this)
        catalog.routines[(kind.lower(), name)] = Routine(kind.lower(), name, statement.text)
    elif kind in ("FUNCTION", "PROCEDURE"):
        _define_function(catalog, statement)
    else:
        raise DDLError(f"unsupported CREATE {kind or 'statement'}", node)


def _require_schema(catalog: Catalog, name: str, node: exp.Expr | None) -> None:
    """An object named ``name`` can be created: its schema exists."""
    schema = split_name(name)[0]
    if schema not in catalog.schemas():
        raise DDLError(f'schema "{schema}" does not exist', node)


def _create_schema(catalog: Catalog, name: str, exists: bool, node: exp.Expr) -> None:
    """``CREATE SCHEMA``, kept in the spelling the live schema's dump gives it."""
    if name in catalog.schemas():
        if exists:
            return
        raise DDLError(f'schema "{name}" already exists', node)
    catalog.routines[("schema", name)] = Routine(
        "schema", name, f"CREATE SCHEMA {quote_ident(name)}"
    )


def _create_table(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    """``CREATE TABLE``: columns, ``AS query``, ``LIKE``, ``INHERITS``, ``PARTITION OF``.

    As in PostgreSQL, a table inherits its parents' columns first (in the
    order of ``INHERITS``, one column per name) and merges a column it
    defines itself with the inherited one of the same name, which must have
    the same type; NOT NULL and defaults are inherited, and so are CHECK
    constraints, by name. A partition takes its parent's columns and gets
    its keys, foreign keys and indexes cloned too.
    """
    schema = node.this
    name = relation_name(schema)
    if catalog.has_relation(name):
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', schema)
    _require_schema(catalog, name, schema)
    query = node.args.get("expression")
    if isinstance(query, exp.Query):
        columns = infer_relation_columns(catalog, query)
        catalog.tables[name] = Table(name, [_copy_column(c, keep_not_null=False) for c in columns])
        return
    properties = node.args.get("properties")
    partition_of = properties.find(exp.PartitionedOfProperty) if properties is not None else None
    inherits = properties.find(exp.InheritsProperty) if properties is not None else None
    table = Table(name, partitioned=bool(properties and properties.find(exp.PartitionedByProperty)))
    if partition_of is not None:
        target = partition_of.this
        parent = _table(catalog, target.this if isinstance(target, exp.Schema) else target)
        if not parent.partitioned:
            raise DDLError(f'table "{parent.name}" is not partitioned', target)
        parents = [parent]
        elements = target.expressions if isinstance(target, exp.Schema) else []
    elif isinstance(schema, exp.Schema):
        parents = [_parent(catalog, p) for p in (inherits.expressions if inherits else [])]
        elements = schema.expressions
    else:
        raise DDLError("CREATE TABLE needs a column list, AS, or PARTITION OF", node)
    table.parents = [parent.name for parent in parents]
    for parent in parents:
        for column in parent.columns:
            _inherit_column(table, column)
    catalog.tables[name] = table
    pending: list[Callable[[], object]] = []
    for element in elements:
        if isinstance(element, exp.ColumnDef):
            pending.extend(_add_column(catalog, table, element, in_create=True))
        elif isinstance(element, exp.LikeProperty):
            pending.extend(_like(catalog, table, element))
        else:
            pending.append(_table_constraint_adder(catalog, table, element))
    for add in pending:
        add()
    for parent in parents:
        for check in parent.constraints:
            if check.kind == "check":
                _inherit_check(table, check)
    if partition_of is not None:
        _clone_to_partition(catalog, parents[0], table)


def _parent(catalog: Catalog, node: exp.Expr) -> Table:
    """A table named in ``INHERITS``: neither partitioned nor a partition."""
    parent = _table(catalog, node)
    if parent.partitioned:
        raise DDLError(f'cannot inherit from partitioned table "{parent.name}"', node)
    if catalog.is_partition(parent):
        raise DDLError(f'cannot inherit from partition "{parent.name}"', node)
    return parent


def _inherit_column(table: Table, column: Column) -> Column:
    """Take a parent's column, or merge it into the one of that name the table has.

    A merged column keeps its place and must have the same type; it is NOT
    NULL when either is, and keeps its own default if it has one.
    """
    own = table.column(column.name)
    if own is None:
        own = Column(
            column.name,
            column.type,
            column.not_null,
            column.default,
            generated=column.generated,
            local=False,
        )
        table.columns.append(own)
    elif own.type != column.type:
        raise DDLError(
            f'column "{column.name}" has a type conflict '
            f"({own.type.display()} versus {column.type.display()})"
        )
    else:
        own.not_null = own.not_null or column.not_null
        own.default = own.default if own.default is not None else column.default
    own.inherited += 1
    return own


def _inherit_check(table: Table, check: Constraint) -> None:
    """A parent's CHECK constraint, under its own name; one of that name must say the same."""
    own = table.constraint(check.name)
    if own is None:
        table.constraints.append(
            Constraint(check.name, "check", check.columns, check=check.check, inherited=True)
        )
    elif own.kind != "check" or render_sql(own.check or exp.null()) != render_sql(
        check.check or exp.null()
    ):
        raise DDLError(
            f'constraint "{check.name}" conflicts with inherited constraint '
            f'"{check.name}" on relation "{table.name}"'
        )
    else:
        own.inherited = True


# What each ``LIKE`` option copies; ALL is every one of them.
_LIKE_OPTIONS = ("COMMENTS", "CONSTRAINTS", "DEFAULTS", "GENERATED", "IDENTITY", "INDEXES")


def _like(catalog: Catalog, table: Table, node: exp.LikeProperty) -> list[Callable[[], object]]:
    """``LIKE source [INCLUDING | EXCLUDING option ...]``: copy another relation's columns.

    As in PostgreSQL: names, types and NOT NULL always; defaults, identity,
    generation expressions, CHECK constraints (by name), indexes and keys
    (named for the new table) and comments only when included. Foreign
    keys never are. The source may be a table, a view or a composite type.
    """
    source = relation_name(node.this)
    relation = catalog.tables.get(source)
    columns = catalog.relation_columns(source)
    if columns is None and source in catalog.composites:
        columns = catalog.composites[source].columns
    if columns is None:
        raise DDLError(f'relation "{source}" does not exist', node.this)
    included: set[str] = set()
    for option in node.expressions:
        value = str(option.args.get("value") or "").upper()
        chosen = set(_LIKE_OPTIONS) if value == "ALL" else {value}
        including = option.name.upper() == "INCLUDING"
        included = included | chosen if including else included - chosen
    for column in columns:
        if table.column(column.name) is not None:
            raise DDLError(f'column "{column.name}" specified more than once', node)
        table.columns.append(
            Column(
                column.name,
                column.type,
                column.not_null,
                column.default if "DEFAULTS" in included else None,
                column.identity if "IDENTITY" in included else None,
                column.generated if "GENERATED" in included else None,
                column.comment if "COMMENTS" in included else None,
            )
        )
    if relation is None:
        return []
    adders: list[Callable[[], object]] = []
    if "CONSTRAINTS" in included:
        checks = [c for c in relation.constraints if c.kind == "check"]
        adders += [_check_copier(catalog, table, check) for check in checks]
    if "INDEXES" in included:
        for key in relation.constraints:
            if key.kind in ("primary_key", "unique"):
                adders.append(_key_copier(catalog, table, key))
        for index in [i for i in catalog.indexes.values() if i.table == relation.name]:
            adders.append(_index_copier(catalog, table, index))
    return adders


def _check_copier(catalog: Catalog, table: Table, check: Constraint) -> Callable[[], object]:
    return lambda: _add_constraint(
        catalog, table, check.name, "check", check.columns, check=check.check
    )


def _key_copier(catalog: Catalog, table: Table, key: Constraint) -> Callable[[], object]:
    if key.kind == "primary_key":
        return lambda: _add_primary_key(catalog, table, None, key.columns)
    return lambda: _add_constraint(catalog, table, None, key.kind, key.columns)


def _index_copier(catalog: Catalog, table: Table, index: Index) -> Callable[[], object]:
    return lambda: _clone_index(catalog, index, table, attach=False)


def _copy_column(column: Column, keep_not_null: bool) -> Column:
    return Column(column.name, column.type, column.not_null and keep_not_null)


def _add_column(
    catalog: Catalog, table: Table, node: exp.ColumnDef, in_create: bool = False
) -> list[Callable[[], object]]:
    """Add a column; return the adders for its inline constraints, run after all columns.

    In ``CREATE TABLE`` a column an inherited one already has merges with
    it (a partition's column needs no type, only options).
    """
    name = ident(node.this)
    data_type = node.args.get("kind")
    column = table.column(name)
    if column is not None and in_create and column.inherited and not column.local:
        if isinstance(data_type, exp.DataType) and from_sqlglot(data_type) != column.type:
            raise DDLError(
                f'column "{name}" has a type conflict ({column.type.display()} versus '
                f"{from_sqlglot(data_type).display()})",
                node,
            )
        # A partition's columns stay its parent's, whatever options it gives them.
        column.local = not catalog.is_partition(table)
    elif column is not None:
        if in_create:
            raise DDLError(f'column "{name}" specified more than once', node)
        raise DDLError(f'column "{name}" of relation "{table.name}" already exists', node)
    else:
        if not isinstance(data_type, exp.DataType):
            raise DDLError(f'column "{name}" does not exist', node)
        column = _new_column(catalog, table, name, data_type)
    adders: list[Callable[[], object]] = []
    for constraint in node.args.get("constraints") or []:
        adder = _column_constraint(catalog, table, column, constraint)
        if adder is not None:
            adders.append(adder)
    return adders


def _new_column(catalog: Catalog, table: Table, name: str, data_type: exp.DataType) -> Column:
    """Append a column of ``data_type``; a serial one gets its sequence and default."""
    column = Column(name, from_sqlglot(data_type))
    if column.type.name in catalog.domains and not column.type.array_dims:
        column.not_null = catalog.domains[column.type.name].not_null
    if is_serial(data_type):
        schema, local = split_name(table.name)
        sequence = qualify(schema, choose_name(local, name, "seq", _RelationsIn(catalog, schema)))
        catalog.sequences[sequence] = Sequence(
            sequence, column.type, owned_by=(table.name, column.name)
        )
        column.not_null = True
        column.default = _nextval(sequence)
    table.columns.append(column)
    return column


class _RelationsIn:
    """The names taken in ``schema``'s relation namespace (and, when asked, among
    its constraint names), without the schema.

    Membership is looked up per name: building the set of every relation for
    each new index or constraint made a long history quadratic.
    """

    def __init__(self, catalog: Catalog, schema: str, constraints: bool = False) -> None:
        self._catalog = catalog
        self._schema = schema
        self._constraints: set[str] | None = None if constraints else set()

    def __contains__(self, local: object) -> bool:
        if self._catalog.has_relation(qualify(self._schema, str(local))):
            return True
        if self._constraints is None:
            self._constraints = self._catalog.constraint_names(self._schema)
        return local in self._constraints


def _views_reading(catalog: Catalog, relation: str) -> list[View]:
    """The views whose query names ``relation`` (a rename need not walk the others)."""
    found = []
    for view in catalog.views.values():
        if view.relations is None:
            view.relations = frozenset(relation_name(t) for t in view.query.find_all(exp.Table))
        if relation in view.relations:
            found.append(view)
    return found


def _column_constraint(
    catalog: Catalog, table: Table, column: Column, node: exp.ColumnConstraint
) -> Callable[[], object] | None:
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


def _table_constraint_adder(catalog: Catalog, table: Table, node: exp.Expr) -> Callable[[], object]:
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
) -> Constraint:
    """Add a constraint, named as PostgreSQL would when no name is given.

    Chosen names are unique among the constraints and relations of the
    table's schema, and carry the table's name without its schema.
    """
    for name in columns:
        _column(table, name)
    if kind == "primary_key" and table.primary_key() is not None:
        raise DDLError(f'multiple primary keys for table "{table.name}" are not allowed')
    if given is None:
        schema, local = split_name(table.name)
        taken = _RelationsIn(catalog, schema, constraints=True)
        label = {"primary_key": "pkey", "unique": "key", "foreign_key": "fkey", "check": "check"}[
            kind
        ]
        name2 = None if kind == "primary_key" else "_".join(columns) or None
        if kind == "check":
            name2 = columns[0] if len(columns) == 1 else None
        given = choose_name(local, name2, label, taken)
    elif given in {c.name for c in table.constraints}:
        raise DDLError(f'constraint "{given}" for relation "{table.name}" already exists')
    constraint = Constraint(given, kind, columns, **details)  # type: ignore[arg-type]
    table.constraints.append(constraint)
    return constraint


def _cascade_constraint(catalog: Catalog, table: Table, constraint: Constraint) -> None:
    """Give a constraint just added to ``table`` to the tables below it.

    A CHECK goes to every child, under its name. A partitioned table's
    keys and foreign keys are cloned to each partition; those of a table
    with ordinary children are its own.
    """
    for child in catalog.children(table.name):
        if constraint.kind == "check":
            _inherit_check(child, constraint)
            copy_ = child.constraint(constraint.name)
        elif table.partitioned:
            copy_ = _clone_constraint(catalog, constraint, child)
        else:
            continue
        if copy_ is not None:
            _cascade_constraint(catalog, child, copy_)


def _clone_constraint(catalog: Catalog, constraint: Constraint, partition: Table) -> Constraint:
    """A partitioned table's key or foreign key on one of its partitions.

    An equal one the partition has already is taken over; otherwise a key
    gets a name chosen for the partition and a foreign key keeps its name.
    """
    for own in partition.constraints:
        same_key = own.kind == constraint.kind and own.columns == constraint.columns
        if same_key and (own.kind != "foreign_key" or own.definition() == constraint.definition()):
            own.inherited = True
            return own
    if constraint.kind == "primary_key":
        _add_primary_key(catalog, partition, None, constraint.columns)
        clone = partition.constraints[-1]
    elif constraint.kind == "unique":
        clone = _add_constraint(catalog, partition, None, "unique", constraint.columns)
    else:
        clone = _add_constraint(
            catalog,
            partition,
            constraint.name,
            constraint.kind,
            constraint.columns,
            ref_table=constraint.ref_table,
            ref_columns=constraint.ref_columns,
            on_delete=constraint.on_delete,
            on_update=constraint.on_update,
        )
    clone.inherited = True
    return clone


def _clone_to_partition(catalog: Catalog, parent: Table, partition: Table) -> None:
    """What a new or attached partition gets from its partitioned parent.

    Keys and foreign keys are cloned (or matched), and so are indexes; all
    of it reaches the partition's own partitions, if it is partitioned too.
    """
    for constraint in parent.constraints:
        if constraint.kind != "check":
            clone = _clone_constraint(catalog, constraint, partition)
            _cascade_constraint(catalog, partition, clone)
    for index in [i for i in catalog.indexes.values() if i.table == parent.name]:
        _clone_index(catalog, index, partition, attach=True)


def _clone_index(catalog: Catalog, index: Index, table: Table, attach: bool) -> None:
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
        clone.name = qualify(
            schema, choose_name(local, names, "idx", _RelationsIn(catalog, schema))
        )
        catalog.indexes[clone.name] = clone
    if table.partitioned:
        for partition in catalog.children(table.name):
            _clone_index(catalog, clone, partition, attach=True)


def _add_check(catalog: Catalog, table: Table, given: str | None, check: exp.Expr) -> None:
    check = _without_domain_casts(catalog, check, _column_type(table))
    referenced: list[str] = []
    for column in check.find_all(exp.Column):
        if ident(column) not in referenced:
            referenced.append(ident(column))
    _add_constraint(catalog, table, given, "check", tuple(referenced), check=check)


def _column_type(table: Table | None) -> Callable[[exp.Column], PgType | None]:
    """The type of a column of ``table`` named in one of its expressions (NEW.x, OLD.x too)."""

    def type_of(node: exp.Column) -> PgType | None:
        column = table.column(ident(node)) if table is not None else None
        return column.type if column is not None else None

    return type_of


def _without_domain_casts(
    catalog: Catalog, node: exp.Expr, type_of: Callable[[exp.Column], PgType | None]
) -> exp.Expr:
    """``node`` with ``(col)::base`` read as ``col`` where ``col`` is of a domain over ``base``.

    PostgreSQL coerces a domain-typed value to the domain's base type before
    an operator or function takes it, and prints that coercion as a cast:
    ``CHECK (budget > 0)`` reads back as ``CHECK ((budget)::numeric > 0)``.
    Such a cast says nothing the column's type does not, so it is dropped.
    """

    def strip(cast: exp.Expr) -> exp.Expr:
        if not isinstance(cast, exp.Cast):
            return cast
        inner = cast.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        column_type = type_of(inner) if isinstance(inner, exp.Column) else None
        if column_type is None or column_type.name not in catalog.domains:
            return cast
        base, seen = column_type, set()
        while base.name in catalog.domains and not base.array_dims and base.name not in seen:
            seen.add(base.name)
            base = catalog.domains[base.name].base
        return inner if base.name == from_sqlglot(cast.to).name else cast

    if node.find(exp.Cast) is None:
        return node  # nothing to strip, and copying the tree is most of the cost
    return node.transform(strip)


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
        name, _bind(catalog, query), columns, materialized, comment=old.comment if old else None
    )


# --- Views, bound to their sources ---------------------------------------------------
#
# PostgreSQL binds a view when it is created: every column reference points
# at a column of one source, by number, and ``*`` is expanded then. So a
# later rename of a table or column reaches the view (and prints in its
# definition), while a column added later does not join a ``*``. The catalog
# does the same: it stores a view's query with each column qualified by its
# source and each star expanded, and renames rewrite the qualified references.

# A source of a SELECT: the name it is referred to by, and its columns.
Source = tuple[str, list[Column]]
# The sources of each SELECT of a query (by id), None where one is unknown.
Scopes = dict[int, list[Source] | None]


def _folded(node: exp.Expr | None) -> str | None:
    """An identifier's name as PostgreSQL stores it, or None for no identifier."""
    return ident(node) if isinstance(node, exp.Identifier) else None


def _source_items(select: exp.Select) -> list[exp.Expr]:
    from_ = select.args.get("from_")
    items = [from_.this] if from_ is not None else []
    return items + [join.this for join in select.args.get("joins") or []]


def _qualifier(item: exp.Expr) -> str | None:
    """The name a source is referred to by in its query: its alias, else its name."""
    alias = item.args.get("alias")
    if alias is not None and alias.this is not None:
        return _folded(alias.this)
    return ident(item.this) if isinstance(item, exp.Table) else None


def _source(catalog: Catalog, item: exp.Expr, ctes: set[str]) -> Source | None:
    """A source with its columns, or None when the catalog cannot tell them."""
    qualifier = _qualifier(item)
    alias = item.args.get("alias")
    if qualifier is None or (alias is not None and alias.args.get("columns")):
        return None
    if isinstance(item, exp.Table) and relation_name(item) not in ctes:
        columns = catalog.relation_columns(relation_name(item))
        return (qualifier, columns) if columns is not None else None
    if isinstance(item, exp.Subquery):
        try:
            return qualifier, infer_relation_columns(catalog, item.this)
        except AnalysisError:
            return None
    return None


def _sources(catalog: Catalog, select: exp.Select, ctes: set[str]) -> list[Source] | None:
    """Every source of a SELECT, or None when one of them is unknown."""
    if any(join.args.get("using") for join in select.args.get("joins") or []):
        return None  # USING merges columns; which source one belongs to is not stored.
    sources = [_source(catalog, item, ctes) for item in _source_items(select)]
    known = [source for source in sources if source is not None]
    return known if len(known) == len(sources) else None


def _bind(catalog: Catalog, query: exp.Expr) -> exp.Expr:
    """A copy of a view's query as PostgreSQL keeps it.

    Stars are expanded, every output has a name, ORDER BY and GROUP BY
    references to outputs are replaced by the output's expression, every
    column is qualified by its source, and the casts PostgreSQL prints for
    domain-typed columns are read back as the columns.
    """
    query = query.copy()
    ctes = {ident(cte.args["alias"].this) for cte in query.find_all(exp.CTE)}
    selects = list(query.find_all(exp.Select))
    scopes = {id(select): _sources(catalog, select, ctes) for select in selects}
    for select in selects:
        _expand_stars(select, scopes[id(select)])
        _name_outputs(select)
        _resolve_output_references(select, scopes[id(select)])
    for operation in query.find_all(exp.SetOperation):
        _name_branch_outputs(operation)
    for column in list(query.find_all(exp.Column)):
        if column.args.get("table") is None and not isinstance(column.this, exp.Star):
            _qualify(column, scopes)
    return _without_domain_casts(catalog, query, lambda column: _scope_type(column, scopes))


def _name_outputs(select: exp.Select) -> None:
    """Name each unnamed output but a plain column, as PostgreSQL's stored target list does."""
    for item in select.expressions:
        if not isinstance(item, exp.Alias | exp.Column | exp.Star):
            item.replace(exp.alias_(item.copy(), name_node(column_name(item))))


def _leftmost(query: exp.Expr) -> exp.Expr:
    while isinstance(query, exp.SetOperation | exp.Subquery | exp.Paren):
        query = query.this
    return query


def _name_branch_outputs(operation: exp.SetOperation) -> None:
    """The right branch of UNION and the like names its outputs as the left one does.

    The left branch names the outputs of the whole; PostgreSQL prints those
    names in every branch.
    """
    names = [item.alias_or_name for item in _leftmost(operation).expressions]
    right = _leftmost(operation.expression)
    if not isinstance(right, exp.Select):
        return
    for item, name in zip(right.expressions, names, strict=False):
        if item.alias_or_name != name:
            item.replace(exp.alias_(item.unalias().copy(), name_node(name)))


def _resolve_output_references(select: exp.Select, sources: list[Source] | None) -> None:
    """ORDER BY and GROUP BY by output name or position hold the output's expression.

    An ORDER BY name means the output before an input column; a GROUP BY
    name the input column before the output. A name that matches nothing
    is left alone (it may be an outer query's column).
    """
    outputs = {item.alias_or_name: item.unalias() for item in reversed(select.expressions)}
    positions = [item.unalias() for item in select.expressions]
    inputs = {column.name for _, columns in sources or [] for column in columns}

    def target(node: exp.Expr, output_first: bool) -> exp.Expr | None:
        if isinstance(node, exp.Literal) and node.is_int:
            position = int(node.name)
            return positions[position - 1] if 0 < position <= len(positions) else None
        if not isinstance(node, exp.Column) or node.args.get("table") is not None:
            return None
        name = ident(node)
        if not output_first and (sources is None or name in inputs):
            return None
        return outputs.get(name)

    order = select.args.get("order")
    for ordered in order.expressions if order is not None else []:
        found = target(ordered.this, output_first=True)
        if found is not None:
            ordered.set("this", found.copy())
    group = select.args.get("group")
    for item in list(group.expressions) if group is not None else []:
        found = target(item, output_first=False)
        if found is not None:
            item.replace(found.copy())


def _qualify(column: exp.Column, scopes: Scopes) -> None:
    """Qualify a column by the one source of the innermost enclosing SELECT that has it."""
    name = ident(column)
    select = column.find_ancestor(exp.Select)
    while select is not None:
        sources = scopes.get(id(select))
        if sources is None:
            return
        owners = [q for q, columns in sources if any(c.name == name for c in columns)]
        if len(owners) == 1:
            column.set("table", name_node(owners[0]))
            return
        if owners:
            return
        select = select.find_ancestor(exp.Select)


def _scope_type(column: exp.Column, scopes: Scopes) -> PgType | None:
    """The type of a qualified column, from the sources of the SELECTs around it."""
    qualifier, name = _folded(column.args.get("table")), ident(column)
    select = column.find_ancestor(exp.Select)
    while select is not None:
        for source, columns in scopes.get(id(select)) or []:
            if source == qualifier:
                return next((c.type for c in columns if c.name == name), None)
        select = select.find_ancestor(exp.Select)
    return None


def _expand_stars(select: exp.Select, sources: list[Source] | None) -> None:
    if sources is None:
        return
    expanded: list[exp.Expr] = []
    for item in select.expressions:
        if isinstance(item, exp.Star):
            chosen = sources
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            chosen = [s for s in sources if s[0] == _folded(item.args.get("table"))]
        else:
            expanded.append(item)
            continue
        expanded += [
            exp.Column(this=name_node(c.name), table=name_node(q))
            for q, columns in chosen
            for c in columns
        ]
    select.set("expressions", expanded)


def _follow_relation_rename(catalog: Catalog, old: str, new: str) -> None:
    """Views name a renamed (or moved) table or view by its new name, as PostgreSQL prints them.

    Columns are qualified by the relation's name without its schema, so a
    move to another schema leaves them as they are.
    """
    old_local, new_local = split_name(old)[1], split_name(new)[1]
    for view in _views_reading(catalog, old):
        view.relations = None
        ctes = {ident(cte.args["alias"].this) for cte in view.query.find_all(exp.CTE)}
        for table in view.query.find_all(exp.Table):
            if relation_name(table) != old or old in ctes:
                continue
            if _qualifier(table) == _folded(table.this):
                for column in view.query.find_all(exp.Column):
                    if _folded(column.args.get("table")) == old_local:
                        column.set("table", name_node(new_local))
            replacement = table_node(new)
            table.set("this", replacement.this)
            table.set("db", replacement.args.get("db"))


def _follow_column_rename(catalog: Catalog, table: str, old: str, new: str) -> None:
    """Views read a renamed column by its new name, and keep their own column names."""
    for view in _views_reading(catalog, table):
        for select in view.query.find_all(exp.Select):
            qualifiers = {
                _qualifier(item)
                for item in _source_items(select)
                if isinstance(item, exp.Table) and relation_name(item) == table
            }
            for column in list(select.find_all(exp.Column)):
                if ident(column) != old or _folded(column.args.get("table")) not in qualifiers:
                    continue
                column.set("this", name_node(new))
                if column.parent is select:
                    column.replace(exp.alias_(column.copy(), name_node(old)))


def _create_index(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    """``CREATE INDEX``, in its table's schema.

    On a partitioned table the index reaches every partition (each gets an
    equal index of its own, or has one attached), unless ``ON ONLY`` names
    the table.
    """
    index = node.this
    table = _table(catalog, index.args["table"])
    params = index.args.get("params")
    type_of = _column_type(table)
    elements = [
        _without_domain_casts(catalog, e, type_of)
        for e in (params.args.get("columns") or [] if params is not None else [])
    ]
    elements = [
        e.this if isinstance(e, exp.Ordered) and not e.args.get("desc") else e for e in elements
    ]
    include = tuple(ident(c) for c in (params.args.get("include") or [] if params else []))
    for element in elements:
        for column in element.find_all(exp.Column):
            _column(table, ident(column))
    for included in include:
        _column(table, included)
    schema, local = split_name(table.name)
    name = qualify(schema, ident(index.this)) if index.this else None
    if name is not None and catalog.has_relation(name):
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', index.this)
    if name is None:
        names = "_".join(_index_column_names([*elements, *map(exp.to_identifier, include)]))
        name = qualify(schema, choose_name(local, names, "idx", _RelationsIn(catalog, schema)))
    using = params.args.get("using") if params is not None else None
    created = catalog.indexes[name] = Index(
        name=name,
        table=table.name,
        unique=bool(node.args.get("unique")),
        using=using.name.lower() if using is not None else "btree",
        elements=elements,
        where=_without_domain_casts(catalog, params.args["where"].this, type_of)
        if params is not None and params.args.get("where")
        else None,
        include=include,
    )
    if table.partitioned and not index.args["table"].args.get("only"):
        for partition in catalog.children(table.name):
            _clone_index(catalog, created, partition, attach=True)


def _nextval(sequence: str) -> exp.Expr:
    """``nextval('name'::regclass)``, the default of a column a sequence numbers."""
    literal = quote_name(sequence).replace("'", "''")
    return sqlglot.parse_one(f"nextval('{literal}'::regclass)", dialect="postgres")


def _nextval_of(default: exp.Expr) -> str | None:
    """The sequence a ``nextval('name')`` default draws from, if it is one."""
    while isinstance(default, exp.Paren | exp.Cast) and not isinstance(default, exp.Anonymous):
        default = default.this
    if not isinstance(default, exp.Anonymous) or default.name.lower() != "nextval":
        return None
    argument = default.expressions[0] if len(default.expressions) == 1 else None
    while isinstance(argument, exp.Cast | exp.Paren):
        argument = argument.this
    return _name(argument.name) if isinstance(argument, exp.Literal) else None


def _create_sequence(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    name = relation_name(node.this)
    if catalog.has_relation(name):
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', node.this)
    sequence = Sequence(name)
    _set_sequence_options(catalog, sequence, node)
    catalog.sequences[name] = sequence


def _set_sequence_options(catalog: Catalog, sequence: Sequence, node: exp.Expr) -> None:
    """Apply the options of a parsed ``CREATE SEQUENCE`` (``AS``, bounds, ``OWNED BY``)."""
    data_type = node.args.get("expression")
    if isinstance(data_type, exp.DataType):
        sequence.type = from_sqlglot(data_type)
        if sequence.type.name not in ("int2", "int4", "int8"):
            raise DDLError("sequence type must be smallint, integer, or bigint", data_type)
    properties = node.find(exp.SequenceProperties)
    if properties is None:
        return
    numbers = {
        key: int(value.sql(dialect="postgres"))
        for key in ("increment", "minvalue", "maxvalue", "start", "cache")
        if isinstance(value := properties.args.get(key), exp.Expr)
    }
    sequence.increment = numbers.get("increment", sequence.increment)
    sequence.minvalue = numbers.get("minvalue", sequence.minvalue)
    sequence.maxvalue = numbers.get("maxvalue", sequence.maxvalue)
    sequence.start = numbers.get("start", sequence.start)
    sequence.cache = numbers.get("cache", sequence.cache)
    for option in properties.args.get("options") or []:
        word = " ".join(option.name.upper().split())
        if word in ("CYCLE", "NO CYCLE"):
            sequence.cycle = word == "CYCLE"
        elif word in ("NO MINVALUE", "NO MAXVALUE"):
            setattr(sequence, word.split()[1].lower(), None)
        else:
            raise DDLError(f"unsupported sequence option {word}", option)
    owner = properties.args.get("owned")
    if isinstance(owner, exp.Column):
        table = exp.Table(this=owner.args.get("table"), db=owner.args.get("db"))
        _own_sequence(catalog, sequence, relation_name(table), ident(owner))


def _own_sequence(catalog: Catalog, sequence: Sequence, table_name: str, column: str) -> None:
    table = catalog.tables.get(table_name)
    if table is None:
        raise DDLError(f'relation "{table_name}" does not exist')
    _column(table, column)
    sequence.owned_by = (table.name, column)


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


# --- ALTER ---------------------------------------------------------------------------
#
# ``ALTER TABLE`` reaches a table's children (its partitions and the tables
# that inherit from it) unless ``ONLY`` names it: their inherited columns
# are added, dropped, renamed and changed with the parent's, CHECK
# constraints go to them too, and a partitioned table's keys reach its
# partitions. An inherited column or constraint cannot be changed through
# the child alone, as in PostgreSQL.


def _alter(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    name = relation_name(node.this)
    if kind in ("VIEW", "INDEX", "SEQUENCE"):
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                _rename_relation(catalog, kind, name, _renamed(name, action.this), node)
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
        _alter_table_action(catalog, table, action, recurse=not node.args.get("only"))


def _renamed(old: str, target: exp.Expr) -> str:
    """The new key of ``RENAME TO``: a renamed object stays in its schema."""
    return qualify(split_name(old)[0], ident(target))


def _alter_table_action(catalog: Catalog, table: Table, action: exp.Expr, recurse: bool) -> None:
    if isinstance(action, exp.ColumnDef):
        if action.args.get("exists") and table.column(ident(action.this)) is not None:
            return  # ADD COLUMN IF NOT EXISTS: PostgreSQL skips it with a notice.
        before = len(table.constraints)
        for add in _add_column(catalog, table, action):
            add()
        column = _column(table, ident(action.this))
        if catalog.children(table.name) and not recurse:
            raise DDLError("column must be added to child tables too", action)
        _add_inherited_column(catalog, table, column)
        for constraint in table.constraints[before:]:
            _cascade_constraint(catalog, table, constraint)
    elif isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        if_exists = bool(action.args.get("exists"))
        for target in action.args.get("expressions") or action.args.get("tables") or []:
            if kind == "COLUMN":
                dropped = table.column(ident(target))
                if dropped is not None and dropped.inherited:
                    raise DDLError(f'cannot drop inherited column "{dropped.name}"', target)
                _drop_column(catalog, table, ident(target), if_exists, target, recurse)
            elif kind == "CONSTRAINT":
                found = table.constraint(ident(target))
                if found is not None and found.inherited:
                    raise DDLError(
                        f'cannot drop inherited constraint "{found.name}" '
                        f'of relation "{table.name}"',
                        target,
                    )
                _drop_constraint(catalog, table, ident(target), if_exists, target, recurse)
            else:
                raise DDLError(f"unsupported ALTER TABLE DROP {kind}", action)
    elif isinstance(action, exp.AlterColumn):
        column = _column(table, ident(action.this))
        if column.inherited and action.args.get("dtype") is not None:
            raise DDLError(f'cannot alter inherited column "{column.name}"', action)
        _alter_column(catalog, table, action, recurse)
        if action.args.get("dtype") is not None and table.partitioned:
            _rebuild_partition_indexes(catalog, table, column.name)
    elif isinstance(action, exp.RenameColumn):
        old, new = ident(action.this), ident(action.args["to"])
        if _column(table, old).inherited:
            raise DDLError(f'cannot rename inherited column "{old}"', action)
        if not recurse and any(c.column(old) for c in catalog.children(table.name)):
            raise DDLError(f'inherited column "{old}" must be renamed in child tables too', action)
        _rename_column(catalog, table, old, new, action)
    elif isinstance(action, exp.AlterRename):
        _rename_relation(catalog, "TABLE", table.name, _renamed(table.name, action.this), action)
    elif isinstance(action, exp.AddConstraint):
        _add_table_constraints(catalog, table, list(action.expressions), recurse)
    else:
        raise DDLError(f"unsupported ALTER TABLE action: {render_sql(action)}", action)


def _rebuild_partition_indexes(catalog: Catalog, table: Table, column: str) -> None:
    """A new type for a partitioned table's column rebuilds the indexes on it.

    PostgreSQL makes each such index anew, and with it the partitions'
    indexes, whose names it then chooses again (from the columns' current
    names); an index a partition had attached goes too.
    """
    for index in [i for i in catalog.indexes.values() if i.table == table.name]:
        if column in index.columns:
            _drop_partition_indexes(catalog, index.name)
            for partition in catalog.children(table.name):
                _clone_index(catalog, index, partition, attach=True)


def _drop_partition_indexes(catalog: Catalog, name: str) -> None:
    """Drop the indexes attached to index ``name``, and theirs."""
    for child in [i for i in catalog.indexes.values() if i.parent == name]:
        _drop_partition_indexes(catalog, child.name)
        del catalog.indexes[child.name]


def _add_table_constraints(
    catalog: Catalog, table: Table, nodes: list[exp.Expr], recurse: bool
) -> None:
    """``ADD CONSTRAINT``, reaching the table's children unless ``ONLY`` was given."""
    before = len(table.constraints)
    for node in nodes:
        _table_constraint_adder(catalog, table, node)()
    if recurse:
        for constraint in table.constraints[before:]:
            _cascade_constraint(catalog, table, constraint)


def _add_inherited_column(catalog: Catalog, table: Table, column: Column) -> None:
    """A column just added to ``table`` reaches its children, and theirs."""
    for child in catalog.children(table.name):
        _add_inherited_column(catalog, child, _inherit_column(child, column))


def _alter_column(catalog: Catalog, table: Table, action: exp.AlterColumn, recurse: bool) -> None:
    column = _column(table, ident(action.this))
    if action.args.get("dtype") is not None:
        column.type = from_sqlglot(action.args["dtype"])
    elif action.args.get("allow_null") is not None:
        # Checked before ``drop``: sqlglot marks DROP NOT NULL with both.
        column.not_null = not action.args["allow_null"]
        if column.not_null is False and any(
            c.kind == "primary_key" and column.name in c.columns for c in table.constraints
        ):
            raise DDLError(f'column "{column.name}" is in a primary key', action)
        if column.not_null is False and catalog.is_partition(table):
            parent = catalog.tables[table.parents[0]]
            if _column(parent, column.name).not_null:
                raise DDLError(f'column "{column.name}" is marked NOT NULL in parent table', action)
    elif action.args.get("default") is not None:
        column.default = action.args["default"]
    elif action.args.get("drop"):
        column.default = None
    else:
        raise DDLError(f"unsupported ALTER COLUMN form: {render_sql(action)}", action)
    children = [c for c in catalog.children(table.name) if c.column(column.name) is not None]
    if children and not recurse and action.args.get("dtype") is not None:
        raise DDLError(
            f'type of inherited column "{column.name}" must be changed in child tables too',
            action,
        )
    for child in children if recurse else []:
        _alter_column(catalog, child, action, recurse)


def _drop_column(
    catalog: Catalog, table: Table, name: str, if_exists: bool, node: exp.Expr, recurse: bool
) -> None:
    """Drop a column, and the children's copies that came only from it.

    A child's column also defined by the child itself, or inherited from
    another parent too, stays (``attislocal``, ``attinhcount``); with
    ``ONLY`` every child keeps its copy as its own.
    """
    if table.column(name) is None:
        if if_exists:
            return
        raise DDLError(f'column "{name}" of relation "{table.name}" does not exist', node)
    for child in catalog.children(table.name):
        copy_ = child.column(name)
        if copy_ is None:
            continue
        if recurse and copy_.inherited == 1 and not copy_.local:
            _drop_column(catalog, child, name, if_exists, node, recurse)
        else:
            copy_.inherited -= 1
            copy_.local = copy_.local or not recurse
    table.columns = [c for c in table.columns if c.name != name]
    # PostgreSQL drops the constraints, indexes and sequences that depend on the column.
    _drop_owned_sequences(catalog, lambda owner: owner == (table.name, name))
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


def _drop_owned_sequences(catalog: Catalog, owned: Callable[[tuple[str, str]], bool]) -> None:
    for sequence in list(catalog.sequences.values()):
        if sequence.owned_by is not None and owned(sequence.owned_by):
            del catalog.sequences[sequence.name]


def _drop_constraint(
    catalog: Catalog, table: Table, name: str, if_exists: bool, node: exp.Expr, recurse: bool
) -> None:
    """Drop a constraint and, unless ``ONLY``, the copies it gave the table's children."""
    constraint = table.constraint(name)
    if constraint is None:
        if if_exists:
            return
        raise DDLError(f'constraint "{name}" of relation "{table.name}" does not exist', node)
    table.constraints = [c for c in table.constraints if c is not constraint]
    for child in catalog.children(table.name):
        copy_ = next(
            (c for c in child.constraints if c.inherited and _copy_of(c, constraint)), None
        )
        if copy_ is None:
            continue
        if recurse:
            _drop_constraint(catalog, child, copy_.name, if_exists, node, recurse)
        else:
            copy_.inherited = False


def _copy_of(copy_: Constraint, constraint: Constraint) -> bool:
    """Whether a child's inherited constraint is the copy of ``constraint``.

    Checks and foreign keys keep their name; a key cloned to a partition
    has its own, and is known by its columns.
    """
    if constraint.kind in ("primary_key", "unique"):
        return (copy_.kind, copy_.columns) == (constraint.kind, constraint.columns)
    return copy_.name == constraint.name


def _rename_column(catalog: Catalog, table: Table, old: str, new: str, node: exp.Expr) -> None:
    column = _column(table, old)
    if table.column(new) is not None:
        raise DDLError(f'column "{new}" of relation "{table.name}" already exists', node)
    column.name = new
    rename = {old: new}
    for sequence in catalog.sequences.values():
        if sequence.owned_by == (table.name, old):
            sequence.owned_by = (table.name, new)
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
            index.include = tuple(rename.get(c, c) for c in index.include)
            for element in index.elements:
                _rename_columns_in(element, rename)
            if index.where is not None:
                _rename_columns_in(index.where, rename)
    for routine in catalog.routines.values():
        if routine.table == table.name and routine.node is not None:
            # The columns of UPDATE OF and those of OLD and NEW in WHEN.
            _rename_columns_in(routine.node, rename)
    _follow_column_rename(catalog, table.name, old, new)
    for child in catalog.children(table.name):
        if child.column(old) is not None:
            _rename_column(catalog, child, old, new, node)


def _rename_columns_in(node: exp.Expr, rename: dict[str, str]) -> None:
    for column in node.find_all(exp.Column):
        if ident(column) in rename:
            column.set("this", name_node(rename[ident(column)]))


def _rename_relation(
    catalog: Catalog, kind: str, old: str, new: str, node: exp.Expr | None
) -> None:
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
        _follow_relation_rename(catalog, old, new)
    elif kind == "VIEW":
        if old not in catalog.views:
            raise DDLError(f'relation "{old}" does not exist', node)
        # In place: views keep their creation order, as their oids do.
        catalog.views = {(new if name == old else name): v for name, v in catalog.views.items()}
        catalog.views[new].name = new
        _follow_relation_rename(catalog, old, new)
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
                if column.default is not None and _nextval_of(column.default) == old:
                    column.default = _nextval(new)


def _set_schema(catalog: Catalog, kind: str, old: str, schema: str, node: exp.Expr) -> None:
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
        _rename_type(catalog, old, new, node)
        return
    _rename_relation(catalog, kind, old, new, node)
    if kind == "TABLE":
        for index in [i for i in catalog.indexes.values() if i.table == new]:
            _rename_relation(
                catalog, "INDEX", index.name, qualify(schema, split_name(index.name)[1]), node
            )
        for sequence in [
            s for s in catalog.sequences.values() if s.owned_by and s.owned_by[0] == new
        ]:
            moved = qualify(schema, split_name(sequence.name)[1])
            _rename_relation(catalog, "SEQUENCE", sequence.name, moved, node)


# --- DROP and COMMENT ----------------------------------------------------------------


def _drop(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    if_exists = bool(node.args.get("exists"))
    cascade = bool(node.args.get("cascade"))
    if kind in ("FUNCTION", "PROCEDURE"):
        _drop_functions(catalog, statement)
        return
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
        if kind == "SCHEMA":
            _drop_schema(catalog, ident(target.args.get("db") or target.this), if_exists, cascade)
            continue
        if kind in ("TRIGGER", "EXTENSION"):
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
        if kind == "TABLE":
            _drop_table(catalog, catalog.tables[name], cascade, target)
        elif kind == "INDEX":
            _drop_index(catalog, catalog.indexes[name], target)
        else:
            del store[name]


def _drop_table(catalog: Catalog, table: Table, cascade: bool, node: exp.Expr | None) -> None:
    """Drop a table with its partitions; its inheriting children only with CASCADE."""
    for child in catalog.children(table.name):
        if not (table.partitioned or cascade):
            raise DDLError(
                f'cannot drop table "{table.name}" because other objects depend on it '
                f'(table "{child.name}" inherits from it)',
                node,
            )
        _drop_table(catalog, child, cascade, node)
    del catalog.tables[table.name]
    _forget_table(catalog, table.name)


def _forget_table(catalog: Catalog, name: str) -> None:
    _drop_owned_sequences(catalog, lambda owner: owner[0] == name)
    for index_name in [n for n, i in catalog.indexes.items() if i.table == name]:
        del catalog.indexes[index_name]
    for key in [k for k, r in catalog.routines.items() if r.table == name]:
        del catalog.routines[key]
    for table in catalog.tables.values():
        table.constraints = [c for c in table.constraints if c.ref_table != name]


def _drop_index(catalog: Catalog, index: Index, node: exp.Expr) -> None:
    """Drop an index with the partitions' indexes attached to it; not one attached itself."""
    if index.parent is not None and index.parent in catalog.indexes:
        raise DDLError(
            f'cannot drop index "{index.name}" because index "{index.parent}" requires it', node
        )
    _drop_partition_indexes(catalog, index.name)
    del catalog.indexes[index.name]


def _drop_schema(catalog: Catalog, name: str, if_exists: bool, cascade: bool) -> None:
    """``DROP SCHEMA``: an empty one, or with CASCADE one and everything in it."""
    if name in BUILTIN_SCHEMAS:
        raise DDLError(f'dropping schema "{name}" is not supported')
    if ("schema", name) not in catalog.routines:
        if if_exists:
            return
        raise DDLError(f'schema "{name}" does not exist')
    stores: tuple[dict[str, Any], ...] = (
        catalog.views,
        catalog.indexes,
        catalog.sequences,
        catalog.enums,
        catalog.composites,
        catalog.domains,
    )
    inside = [
        key for store in (catalog.tables, *stores) for key in store if split_name(key)[0] == name
    ]
    inside += [n for n in catalog.functions if split_name(n)[0] == name]
    if inside and not cascade:
        raise DDLError(
            f'cannot drop schema "{name}" because other objects depend on it ({inside[0]})'
        )
    for table in [t for t in catalog.tables.values() if split_name(t.name)[0] == name]:
        if table.name in catalog.tables:
            _drop_table(catalog, table, cascade=True, node=None)
    for store in stores:
        for key in [key for key in store if split_name(key)[0] == name]:
            del store[key]
    for kind, function in list(catalog.routines):
        if kind in ("function", "procedure") and split_name(function)[0] == name:
            del catalog.routines[(kind, function)]
    del catalog.routines[("schema", name)]


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
        found = catalog.enums.get(name) or catalog.composites.get(name) or catalog.domains.get(name)
        if found is None:
            raise DDLError(f'type "{name}" does not exist', target)
        found.comment = text


# --- Opaque commands -----------------------------------------------------------------

# Patterns run on the statement as written (``\s+`` between words), so string
# literals inside it keep their spacing.
_PART = r'(?:"(?:[^"]|"")+"|[\w$]+)'
# A possibly qualified name: ``name``, ``"Name"``, ``public.name``, ``t."Col"``.
_NAME = rf"({_PART}(?:\s*\.\s*{_PART})*)"
_STRING = r"'((?:[^']|'')*)'"
_TAIL = r"(?:\s+(?:CASCADE|RESTRICT))?"

CommandHandler = Callable[[Catalog, "re.Match[str]", Statement], None]


def _name_parts(text: str) -> list[str]:
    """The parts of a possibly qualified name as PostgreSQL stores them: unquoted or folded."""
    return [
        part[1:-1].replace('""', '"') if part.startswith('"') else part.lower()
        for part in re.findall(_PART, text)
    ]


def _name(text: str) -> str:
    """An object's name as the catalog keys it: qualified only outside ``public``."""
    return _key(_name_parts(text))


def _key(parts: list[str]) -> str:
    """The catalog key of a name's parts."""
    if len(parts) > 1 and parts[0] in DEFAULT_SCHEMAS:
        parts = parts[1:]
    return ".".join(parts)


def _unquote(literal: str) -> str:
    return literal.replace("''", "'")


def _rename_constraint(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``RENAME CONSTRAINT``; an inherited CHECK is renamed with its parent's, not alone."""
    node = statement.expression
    table = catalog.tables.get(_name(match["name"]))
    if table is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{_name(match["name"])}" does not exist', node)
    constraint = table.constraint(_name(match["old"]))
    if constraint is None:
        raise DDLError(
            f'constraint "{_name(match["old"])}" of relation "{table.name}" does not exist', node
        )
    if constraint.inherited:
        raise DDLError(f'cannot rename inherited constraint "{constraint.name}"', node)
    _rename_constraint_in(catalog, table, constraint, _name(match["new"]), not match["only"])


def _rename_constraint_in(
    catalog: Catalog, table: Table, constraint: Constraint, new: str, recurse: bool
) -> None:
    if table.constraint(new) is not None:
        raise DDLError(f'constraint "{new}" for relation "{table.name}" already exists')
    for child in catalog.children(table.name) if recurse and constraint.kind == "check" else []:
        copy_ = child.constraint(constraint.name)
        if copy_ is not None and copy_.inherited:
            _rename_constraint_in(catalog, child, copy_, new, recurse)
    schema = split_name(table.name)[0]
    index = qualify(schema, constraint.name)
    if constraint.kind in ("primary_key", "unique") and index in catalog.indexes:
        _rename_relation(catalog, "INDEX", index, qualify(schema, new), None)
    constraint.name = new


def _create_routine(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``CREATE FUNCTION`` or ``PROCEDURE`` that sqlglot keeps as a command."""
    _define_function(catalog, statement)


# --- Functions -----------------------------------------------------------------------
#
# Functions are read from their text at token level, whether sqlglot parsed
# the statement or kept it as a command: the signature is what PostgreSQL
# stores in ``pg_proc`` (see :class:`pgsqlgen.catalog.model.Function`), and the
# text is what the dump renders.


def _define_function(catalog: Catalog, statement: Statement) -> None:
    """Create a function, or replace the overload with the same input types.

    As in PostgreSQL, replacing needs ``OR REPLACE`` and may change neither
    the return type nor the names of the input parameters.
    """
    node = statement.expression
    header = read_function(statement.text)
    if header is None:
        raise DDLError("cannot read the function definition", node)
    function = _function(header, statement)
    _require_schema(catalog, function.name, node)
    key = (function.kind, function.name)
    routine = catalog.routines.get(key) or Routine(function.kind, function.name)
    for index, old in enumerate(routine.overloads):
        if old.arg_types != function.arg_types:
            continue
        if not header.replace:
            raise DDLError(
                f'{function.kind} "{function.name}" already exists with same argument types', node
            )
        if (old.returns, old.returns_set) != (function.returns, function.returns_set):
            raise DDLError("cannot change return type of existing function", node)
        for before, after in zip(old.arguments, function.arguments, strict=False):
            if before.is_input and before.name and after.name != before.name:
                raise DDLError(f'cannot change name of input parameter "{before.name}"', node)
        routine.overloads[index] = function
        return
    routine.overloads.append(function)
    catalog.routines[key] = routine


def _function(header: FunctionHeader, statement: Statement) -> Function:
    """The signature of a function definition, as ``pg_proc`` records it."""
    kind: Literal["function", "procedure"] = (
        "procedure" if header.kind == "PROCEDURE" else "function"
    )
    arguments = tuple(_argument(a, statement) for a in header.arguments)
    returns: PgType | None = None
    returns_set = False
    table: list[Column] | None = None
    written = (header.returns or "").strip()
    setof = re.match(r"^SETOF\s+(.*)$", written, re.I | re.S)
    declared = re.match(r"^TABLE\s*\((.*)\)$", written, re.I | re.S)
    if declared is not None:
        columns = [_argument(split_argument(c), statement) for c in split_top_level(declared[1])]
        table = [Column(c.name or f"column{i}", c.type) for i, c in enumerate(columns, 1)]
        returns_set = True
    elif written:
        returns_set = setof is not None
        returns = _type(setof[1] if setof else written, statement)
    outputs = [a for a in arguments if a.mode in ("out", "inout")]
    if table is None and outputs:
        table = [Column(a.name or f"column{i}", a.type) for i, a in enumerate(outputs, 1)]
    if table is not None and (declared is not None or returns is None or returns.name == "record"):
        single = len(table) == 1 and kind == "function"
        returns = table[0].type if single else PgType("record")
    strict = "STRICT" in header.options
    return Function(
        kind, _name(header.name), arguments, returns, returns_set, table, strict, statement.text
    )


_MODES: dict[str, ArgumentMode] = {
    "IN": "in",
    "OUT": "out",
    "INOUT": "inout",
    "VARIADIC": "variadic",
}


def _argument(written: FunctionArgument, statement: Statement) -> Argument:
    return Argument(
        _name(written.name) if written.name else None,
        _type(written.type, statement),
        _MODES[written.mode],
        has_default=written.default is not None,
    )


def _type(text: str, statement: Statement) -> PgType:
    """A type written in a function's signature: ``pg_proc`` keeps it without modifiers."""
    parsed = parse_type(text)
    if parsed is None:
        raise DDLError(f"cannot read the type {text.strip()[:60]!r}", statement.expression)
    return parsed.without_modifiers()


def _drop_functions(catalog: Catalog, statement: Statement) -> None:
    """``DROP FUNCTION`` (or ``PROCEDURE``) of one or more, each by name or signature.

    Read from the text, where ``f`` (the one function of that name) and
    ``f()`` (the one without arguments) differ, whether sqlglot parsed it
    or it came as a command (named parameters, modes and lists, which
    sqlglot does not parse). OUT parameters in the signature do not count,
    as in PostgreSQL.
    """
    node = statement.expression
    match = _DROP_FUNCTIONS.match(statement.text.strip())
    if match is None:
        raise DDLError("cannot read DROP FUNCTION", node)
    kind, if_exists = match[1].lower(), bool(match[2])
    for target in split_top_level(match[3]):
        call = re.match(rf"^{_NAME}\s*(?:\((.*)\))?$", target.strip(), re.S)
        if call is None:
            raise DDLError(f"cannot read {target.strip()[:60]!r}", node)
        name = _name(call[1])
        routine = catalog.routines.get((kind, name))
        overloads = routine.overloads if routine is not None else []
        if call[2] is not None:
            written = [split_argument(a) for a in split_top_level(call[2])]
            wanted = [_argument(a, statement).type for a in written if a.mode != "OUT"]
            overloads = [f for f in overloads if f.arg_types == wanted]
            described = f"{name}({', '.join(t.display() for t in wanted)})"
        else:
            described = name
            if len(overloads) > 1:
                raise DDLError(f'{kind} name "{name}" is not unique', node)
        if not overloads:
            if if_exists:
                continue
            raise DDLError(f"{kind} {described} does not exist", node)
        assert routine is not None
        routine.overloads.remove(overloads[0])
        if not routine.overloads:
            del catalog.routines[(kind, name)]


def _create_extension(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = _name(match[1])
    catalog.routines[("extension", name)] = Routine(
        "extension", name, f"CREATE EXTENSION IF NOT EXISTS {name}"
    )


def _table_probe(text: str, statement: Statement) -> exp.Expr:
    """Parse ``text`` as the one element of a ``CREATE TABLE`` column list.

    Domains, attributes and table constraints that sqlglot only keeps as an
    opaque command share their grammar with a table's elements, which
    sqlglot parses: a probe table lets them reuse it.
    """
    probe = f"CREATE TABLE probe ({text})"
    parsed = parse_chunk(tokenize(probe), probe)
    schema = parsed.this if isinstance(parsed, exp.Create) else None
    if not isinstance(schema, exp.Schema) or len(schema.expressions) != 1:
        raise DDLError(f"cannot read {text[:60]!r}", statement.expression)
    element: exp.Expr = schema.expressions[0]
    return element


def _column_probe(text: str, statement: Statement) -> exp.ColumnDef:
    """Parse ``text`` as a column's type followed by column constraints."""
    column = _table_probe(f"c {text}", statement)
    if not isinstance(column, exp.ColumnDef) or not isinstance(
        column.args.get("kind"), exp.DataType
    ):
        raise DDLError(f"cannot read {text[:60]!r}", statement.expression)
    return column


def _add_unnamed_check(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER TABLE t ADD CHECK (...)``, which sqlglot does not parse (the named form it does)."""
    name = _name(match["name"])
    table = catalog.tables.get(name)
    if table is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{name}" does not exist', statement.expression)
    check = _table_probe(match["check"], statement)
    _add_table_constraints(catalog, table, [check], recurse=not match["only"])


def _attach_partition(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER TABLE p ATTACH PARTITION c FOR VALUES ...``: an existing table becomes a partition.

    As in PostgreSQL, it must have exactly its parent's columns, with the
    same types and NOT NULL where the parent has it, and the parent's CHECK
    constraints; it then gets the parent's keys, foreign keys and indexes
    (taking over equal ones it has).
    """
    node = statement.expression
    parent = catalog.tables.get(_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{_name(match["name"])}" does not exist', node)
    if not parent.partitioned:
        raise DDLError(f'table "{parent.name}" is not partitioned', node)
    child = _table_named(catalog, _name(match["child"]), node)
    if child.parents:
        raise DDLError(f'"{child.name}" is already a partition or an inheritance child', node)
    for column in child.columns:
        if parent.column(column.name) is None:
            raise DDLError(
                f'table "{child.name}" contains column "{column.name}" '
                f'not found in parent "{parent.name}"',
                node,
            )
    for column in parent.columns:
        own = child.column(column.name)
        if own is None:
            raise DDLError(f'child table is missing column "{column.name}"', node)
        if own.type != column.type:
            raise DDLError(
                f'child table "{child.name}" has different type for column "{column.name}"', node
            )
        if column.not_null and not own.not_null:
            raise DDLError(f'column "{column.name}" in child table must be marked NOT NULL', node)
    for check in [c for c in parent.constraints if c.kind == "check"]:
        if child.constraint(check.name) is None:
            raise DDLError(f'child table is missing constraint "{check.name}"', node)
        _inherit_check(child, check)
    child.parents = [parent.name]
    for column in child.columns:
        column.inherited, column.local = 1, False
    _clone_to_partition(catalog, parent, child)


def _detach_partition(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``DETACH PARTITION``: the partition becomes a table of its own, keeping all it has."""
    node = statement.expression
    parent = catalog.tables.get(_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{_name(match["name"])}" does not exist', node)
    child = _table_named(catalog, _name(match["child"]), node)
    if not parent.partitioned or child.parents != [parent.name]:
        raise DDLError(
            f'relation "{child.name}" is not a partition of relation "{parent.name}"', node
        )
    child.parents = []
    for column in child.columns:
        column.inherited, column.local = 0, True
    for constraint in child.constraints:
        constraint.inherited = False
    for index in catalog.indexes.values():
        if index.table == child.name and index.parent is not None:
            index.parent = None


def _attach_index(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER INDEX parent ATTACH PARTITION child``: an equal index of a partition joins."""
    node = statement.expression
    parent = catalog.indexes.get(_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{_name(match["name"])}" does not exist', node)
    schema = split_name(parent.name)[0]
    child = catalog.indexes.get(qualify(schema, _name(match["child"])))
    if child is None:
        raise DDLError(f'relation "{_name(match["child"])}" does not exist', node)
    on_partition = catalog.tables[child.table].parents == [parent.table]
    if not on_partition or not child.same_as(parent) or child.parent not in (None, parent.name):
        raise DDLError(
            f'cannot attach index "{child.name}" as a partition of index "{parent.name}"', node
        )
    child.parent = parent.name


def _table_named(catalog: Catalog, name: str, node: exp.Expr) -> Table:
    table = catalog.tables.get(name)
    if table is None:
        raise DDLError(f'relation "{name}" does not exist', node)
    return table


def _alter_relation(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``SET SCHEMA`` of a table, view or sequence, and ``RENAME TO`` of a materialized view.

    As in PostgreSQL, ``ALTER TABLE`` takes any of them (it is how
    ``pg_dump`` alters a sequence).
    """
    node = statement.expression
    name = _name(match["name"])
    stores: dict[str, dict[str, Any]] = {
        "TABLE": catalog.tables,
        "VIEW": catalog.views,
        "SEQUENCE": catalog.sequences,
    }
    kind = next((k for k, store in stores.items() if name in store), None)
    if kind is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{name}" does not exist', node)
    if match["schema"]:
        _set_schema(catalog, kind, name, _name(match["schema"]), node)
    else:
        _rename_relation(
            catalog, kind, name, qualify(split_name(name)[0], _name(match["new"])), node
        )


def _change_owner(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``OWNER TO``: privileges, not shape; recorded once the object is known to exist."""
    kind = " ".join(match["kind"].upper().split())
    name = _name(match["name"])
    if kind in ("TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE"):
        known, label = catalog.has_relation(name), "relation"
    elif kind in ("TYPE", "DOMAIN"):
        known, label = name in catalog.type_names(), "type"
    elif kind == "SCHEMA":
        known, label = name in catalog.schemas(), "schema"
    else:
        known, label = name in catalog.functions, kind.lower()
    if not known:
        if match["exists"]:
            return
        raise DDLError(f'{label} "{name}" does not exist', statement.expression)
    _record(catalog, statement)


def _create_schema_command(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``CREATE SCHEMA ... AUTHORIZATION role``: named for the role when it has no name."""
    name = _name(match["name"] or match["role"])
    _create_schema(catalog, name, bool(match["exists"]), statement.expression)


def _rename_schema(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER SCHEMA s RENAME TO t``: every object in it moves along."""
    node = statement.expression
    old, new = _name(match["name"]), _name(match["new"])
    if old in BUILTIN_SCHEMAS or old not in catalog.schemas():
        raise DDLError(f'schema "{old}" does not exist', node)
    _create_schema(catalog, new, False, node)

    def inside(store: dict[str, Any]) -> list[str]:
        return [key for key in store if split_name(key)[0] == old]

    for table in inside(catalog.tables):
        _set_schema(catalog, "TABLE", table, new, node)
    for kind, store in (("VIEW", catalog.views), ("SEQUENCE", catalog.sequences)):
        for name in inside(store):
            _set_schema(catalog, kind, name, new, node)
    for name in inside(catalog.enums) + inside(catalog.composites) + inside(catalog.domains):
        _set_schema(catalog, "TYPE", name, new, node)
    for (kind, name), routine in list(catalog.routines.items()):
        if kind in ("function", "procedure") and split_name(name)[0] == old:
            moved = qualify(new, split_name(name)[1])
            del catalog.routines[(kind, name)]
            catalog.routines[(kind, moved)] = routine
            routine.name = moved
            for function in routine.overloads:
                function.name = moved
    del catalog.routines[("schema", old)]


def _add_domain_constraints(
    catalog: Catalog, domain: Domain, constraints: list[exp.Expr], statement: Statement
) -> None:
    def value_type(node: exp.Column) -> PgType | None:
        return domain.base if ident(node) == "value" else None

    for constraint in constraints:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            domain.not_null = not kind.args.get("allow_null")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            domain.default = kind.this
        elif isinstance(kind, exp.CheckColumnConstraint):
            given = ident(constraint.this) if constraint.this else None
            if given is None:
                schema, local = split_name(domain.name)
                given = choose_name(local, None, "check", catalog.constraint_names(schema))
            elif domain.check(given) is not None:
                raise DDLError(
                    f'constraint "{given}" for domain "{domain.name}" already exists',
                    statement.expression,
                )
            check = _without_domain_casts(catalog, kind.this, value_type)
            domain.checks.append(Constraint(given, "check", (), check=check))
        else:
            raise DDLError(
                f"unsupported domain constraint: {render_sql(constraint)}", statement.expression
            )


def _create_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = _name(match[1])
    if name in catalog.enums or name in catalog.composites or name in catalog.domains:
        raise DDLError(f'type "{name}" already exists', statement.expression)
    column = _column_probe(match[2], statement)
    domain = Domain(name, from_sqlglot(column.args["kind"]))
    catalog.domains[name] = domain
    _add_domain_constraints(catalog, domain, column.args.get("constraints") or [], statement)


def _drop_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = _name(match[2])
    if catalog.domains.pop(name, None) is None and not match[1]:
        raise DDLError(f'type "{name}" does not exist', statement.expression)


def _comment_on_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    domain = catalog.domains.get(_name(match[1]))
    if domain is None:
        raise DDLError(f'type "{_name(match[1])}" does not exist', statement.expression)
    domain.comment = None if match[2] is None else _unquote(match[2])


_DOMAIN_ADD = re.compile(r"^ADD\s+(.*)$", re.I | re.S)
_DOMAIN_DROP_CONSTRAINT = re.compile(
    rf"^DROP\s+CONSTRAINT\s+(IF\s+EXISTS\s+)?{_NAME}{_TAIL}$", re.I | re.S
)
_DOMAIN_RENAME_CONSTRAINT = re.compile(
    rf"^RENAME\s+CONSTRAINT\s+{_NAME}\s+TO\s+{_NAME}$", re.I | re.S
)
_SET_DEFAULT = re.compile(r"^SET\s+DEFAULT\s+(.*)$", re.I | re.S)
_DROP_DEFAULT = re.compile(r"^DROP\s+DEFAULT$", re.I)
_SET_NOT_NULL = re.compile(r"^SET\s+NOT\s+NULL$", re.I)
_RENAME_TO = re.compile(rf"^RENAME\s+TO\s+{_NAME}$", re.I | re.S)
_SET_SCHEMA = re.compile(rf"^SET\s+SCHEMA\s+{_NAME}$", re.I | re.S)


def _renamed_type(old: str, new: str) -> str:
    """The new key of a type's ``RENAME TO``: it stays in its schema."""
    return qualify(split_name(old)[0], _name(new))


def _alter_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    node = statement.expression
    name, action = _name(match[1]), match[2].strip()
    domain = catalog.domains.get(name)
    if domain is None:
        raise DDLError(f'type "{name}" does not exist', node)
    if rename := _RENAME_TO.match(action):
        _rename_type(catalog, name, _renamed_type(name, rename[1]), node)
    elif move := _SET_SCHEMA.match(action):
        _set_schema(catalog, "DOMAIN", name, _name(move[1]), node)
    elif add := _DOMAIN_ADD.match(action):
        constraints = _column_probe(f"int {add[1]}", statement).args.get("constraints") or []
        if not all(isinstance(c.args.get("kind"), exp.CheckColumnConstraint) for c in constraints):
            raise DDLError("ALTER DOMAIN ... ADD takes a CHECK constraint", node)
        _add_domain_constraints(catalog, domain, constraints, statement)
    elif drop := _DOMAIN_DROP_CONSTRAINT.match(action):
        check = domain.check(_name(drop[2]))
        if check is None and not drop[1]:
            raise DDLError(f'constraint "{_name(drop[2])}" of domain "{name}" does not exist', node)
        domain.checks = [c for c in domain.checks if c is not check]
    elif rename := _DOMAIN_RENAME_CONSTRAINT.match(action):
        check = domain.check(_name(rename[1]))
        if check is None:
            raise DDLError(
                f'constraint "{_name(rename[1])}" for domain "{name}" does not exist', node
            )
        check.name = _name(rename[2])
    elif default := _SET_DEFAULT.match(action):
        probe = _column_probe(f"int DEFAULT {default[1]}", statement)
        _add_domain_constraints(catalog, domain, probe.args.get("constraints") or [], statement)
    elif _DROP_DEFAULT.match(action):
        domain.default = None
    elif _SET_NOT_NULL.match(action):
        domain.not_null = True
        for column in _columns_of_type(catalog, name):
            column.not_null = column.not_null or not column.type.array_dims
    else:
        # DROP NOT NULL cannot be modelled: a column's not_null records the
        # domain's NOT NULL too, so whether the column had its own is lost.
        raise DDLError(f"unsupported ALTER DOMAIN action: {action[:60]}", node)


_ADD_VALUE = re.compile(
    rf"^ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?{_STRING}(?:\s+(BEFORE|AFTER)\s+{_STRING})?$",
    re.I | re.S,
)
_RENAME_VALUE = re.compile(rf"^RENAME\s+VALUE\s+{_STRING}\s+TO\s+{_STRING}$", re.I | re.S)
_ADD_ATTRIBUTE = re.compile(rf"^ADD\s+ATTRIBUTE\s+{_NAME}\s+(.+?){_TAIL}$", re.I | re.S)
_DROP_ATTRIBUTE = re.compile(rf"^DROP\s+ATTRIBUTE\s+(IF\s+EXISTS\s+)?{_NAME}{_TAIL}$", re.I | re.S)
_ALTER_ATTRIBUTE = re.compile(
    rf"^ALTER\s+ATTRIBUTE\s+{_NAME}\s+(?:SET\s+DATA\s+)?TYPE\s+(.+?){_TAIL}$", re.I | re.S
)
_RENAME_ATTRIBUTE = re.compile(
    rf"^RENAME\s+ATTRIBUTE\s+{_NAME}\s+TO\s+{_NAME}{_TAIL}$", re.I | re.S
)


def _alter_type(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    node = statement.expression
    name, action = _name(match[1]), match[2].strip()
    if rename := _RENAME_TO.match(action):
        _rename_type(catalog, name, _renamed_type(name, rename[1]), node)
    elif move := _SET_SCHEMA.match(action):
        if name not in catalog.type_names():
            raise DDLError(f'type "{name}" does not exist', node)
        _set_schema(catalog, "TYPE", name, _name(move[1]), node)
    elif name in catalog.enums:
        _alter_enum(catalog.enums[name], action, node)
    elif name in catalog.composites:
        # Attribute actions may come as a comma-separated list.
        for part in split_top_level(action):
            _alter_composite(catalog.composites[name], part, statement)
    else:
        raise DDLError(f'type "{name}" does not exist or is not an enum or composite', node)


def _alter_enum(enum: Enum, action: str, node: exp.Expr) -> None:
    if add := _ADD_VALUE.match(action):
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
    elif rename := _RENAME_VALUE.match(action):
        old, new = _unquote(rename[1]), _unquote(rename[2])
        if old not in enum.values:
            raise DDLError(f'"{old}" is not an existing enum label', node)
        if new in enum.values:
            raise DDLError(f'enum label "{new}" already exists', node)
        enum.values[enum.values.index(old)] = new
    else:
        raise DDLError(f"unsupported ALTER TYPE action: {action[:60]}", node)


def _alter_composite(composite: CompositeType, action: str, statement: Statement) -> None:
    node = statement.expression
    by_name = {c.name: c for c in composite.columns}
    if add := _ADD_ATTRIBUTE.match(action):
        name = _name(add[1])
        if name in by_name:
            raise DDLError(f'column "{name}" of relation "{composite.name}" already exists', node)
        column_type = from_sqlglot(_column_probe(add[2], statement).args["kind"])
        composite.columns.append(Column(name, column_type))
    elif drop := _DROP_ATTRIBUTE.match(action):
        name = _name(drop[2])
        if name not in by_name and not drop[1]:
            raise DDLError(f'column "{name}" of relation "{composite.name}" does not exist', node)
        composite.columns = [c for c in composite.columns if c.name != name]
    elif alter := _ALTER_ATTRIBUTE.match(action):
        column = _attribute(composite, _name(alter[1]), node)
        column.type = from_sqlglot(_column_probe(alter[2], statement).args["kind"])
    elif rename := _RENAME_ATTRIBUTE.match(action):
        new = _name(rename[2])
        if new in by_name:
            raise DDLError(f'column "{new}" of relation "{composite.name}" already exists', node)
        _attribute(composite, _name(rename[1]), node).name = new
    else:
        raise DDLError(f"unsupported ALTER TYPE action: {action[:60]}", node)


def _attribute(composite: CompositeType, name: str, node: exp.Expr) -> Column:
    column = next((c for c in composite.columns if c.name == name), None)
    if column is None:
        raise DDLError(f'column "{name}" of relation "{composite.name}" does not exist', node)
    return column


def _rename_type(catalog: Catalog, old: str, new: str, node: exp.Expr) -> None:
    stores: tuple[dict[str, Any], ...] = (catalog.enums, catalog.composites, catalog.domains)
    if any(new in store for store in stores):
        raise DDLError(f'type "{new}" already exists', node)
    for store in stores:
        if old in store:
            store[new] = store.pop(old)
            store[new].name = new
            # Columns refer to their type by oid in PostgreSQL, so they follow.
            for column in _columns_of_type(catalog, old):
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


def _columns_of_type(catalog: Catalog, name: str) -> list[Column]:
    """The columns of tables, views and composite types whose type (or element) is ``name``."""
    columns = [c for t in catalog.tables.values() for c in t.columns]
    columns += [c for v in catalog.views.values() for c in v.columns]
    columns += [c for t in catalog.composites.values() for c in t.columns]
    return [c for c in columns if c.type.name == name]


_OWNED_BY = re.compile(rf"\bOWNED\s+BY\s+(?:(NONE)|{_NAME})", re.I)
_RESTART = re.compile(r"\bRESTART(?:\s+(?:WITH\s+)?-?\d+)?", re.I)


def _alter_sequence(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = _name(match[2])
    sequence = catalog.sequences.get(name)
    if sequence is None:
        if match[1]:
            return
        raise DDLError(f'relation "{name}" does not exist', statement.expression)
    options = match[3].strip()
    if owner := _OWNED_BY.search(options):
        if owner[1]:
            sequence.owned_by = None
        else:
            *table, column = _name_parts(owner[2])
            _own_sequence(catalog, sequence, _key(table), column)
        options = options[: owner.start()] + options[owner.end() :]
    # RESTART sets the next value, which is data, not definition.
    options = _RESTART.sub("", options).strip()
    if options:
        probe = f"CREATE SEQUENCE probe {options}"
        parsed = parse_chunk(tokenize(probe), probe)
        if not isinstance(parsed, exp.Create):
            raise DDLError(f"cannot read sequence options {options[:60]!r}", statement.expression)
        _set_sequence_options(catalog, sequence, parsed)


# ``ALTER TABLE [IF EXISTS] [ONLY] name``, the head of the table commands below.
_ALTER_TABLE = (
    rf"^ALTER\s+TABLE\s+(?P<exists>IF\s+EXISTS\s+)?(?P<only>ONLY\s+)?(?P<name>{_NAME})\s+"
)

_DROP_FUNCTIONS = re.compile(
    rf"^DROP\s+(FUNCTION|PROCEDURE)\s+(IF\s+EXISTS\s+)?(.*?){_TAIL}$", re.I | re.S
)

_COMMANDS: tuple[tuple[re.Pattern[str], CommandHandler], ...] = (
    (
        re.compile(
            r"^ALTER\s+(?P<kind>TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|TYPE|DOMAIN|SCHEMA"
            rf"|FUNCTION|PROCEDURE)\s+(?P<exists>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{_NAME})"
            r"(?:\s*\(.*\))?\s+OWNER\s+TO\s+\S+$",
            re.I | re.S,
        ),
        _change_owner,
    ),
    (
        re.compile(
            r"^ALTER\s+(?P<kind>TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE)\s+"
            rf"(?P<exists>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{_NAME})\s+"
            rf"(?:SET\s+SCHEMA\s+(?P<schema>{_NAME})|RENAME\s+TO\s+(?P<new>{_NAME}))$",
            re.I | re.S,
        ),
        _alter_relation,
    ),
    (re.compile(rf"^ALTER\s+TYPE\s+{_NAME}\s+(.*)$", re.I | re.S), _alter_type),
    (re.compile(rf"{_ALTER_TABLE}ADD\s+(?P<check>CHECK\b.*)$", re.I | re.S), _add_unnamed_check),
    (
        re.compile(
            rf"{_ALTER_TABLE}RENAME\s+CONSTRAINT\s+(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})$",
            re.I | re.S,
        ),
        _rename_constraint,
    ),
    (
        re.compile(
            rf"{_ALTER_TABLE}ATTACH\s+PARTITION\s+(?P<child>{_NAME})\s+(?:FOR\s+VALUES\b.*|DEFAULT)$",
            re.I | re.S,
        ),
        _attach_partition,
    ),
    (
        re.compile(
            rf"{_ALTER_TABLE}DETACH\s+PARTITION\s+(?P<child>{_NAME})"
            r"(?:\s+(?:CONCURRENTLY|FINALIZE))?$",
            re.I | re.S,
        ),
        _detach_partition,
    ),
    (
        re.compile(
            rf"^ALTER\s+INDEX\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{_NAME})\s+"
            rf"ATTACH\s+PARTITION\s+(?P<child>{_NAME})$",
            re.I | re.S,
        ),
        _attach_index,
    ),
    (
        re.compile(
            rf"^CREATE\s+SCHEMA\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?:(?P<name>{_NAME})"
            rf"(?:\s+AUTHORIZATION\s+\S+)?|AUTHORIZATION\s+(?P<role>{_NAME}))$",
            re.I | re.S,
        ),
        _create_schema_command,
    ),
    (
        re.compile(
            rf"^ALTER\s+SCHEMA\s+(?P<name>{_NAME})\s+RENAME\s+TO\s+(?P<new>{_NAME})$", re.I | re.S
        ),
        _rename_schema,
    ),
    (
        re.compile(
            rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\s+{_NAME}\s*\(", re.I | re.S
        ),
        _create_routine,
    ),
    (_DROP_FUNCTIONS, lambda catalog, _, statement: _drop_functions(catalog, statement)),
    (re.compile(rf"^CREATE\s+DOMAIN\s+{_NAME}\s+(?:AS\s+)?(.*)$", re.I | re.S), _create_domain),
    (re.compile(rf"^ALTER\s+DOMAIN\s+{_NAME}\s+(.*)$", re.I | re.S), _alter_domain),
    (re.compile(rf"^DROP\s+DOMAIN\s+(IF\s+EXISTS\s+)?{_NAME}{_TAIL}$", re.I | re.S), _drop_domain),
    (
        re.compile(rf"^COMMENT\s+ON\s+DOMAIN\s+{_NAME}\s+IS\s+(?:NULL|{_STRING})$", re.I | re.S),
        _comment_on_domain,
    ),
    (
        re.compile(rf"^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.I | re.S),
        _create_extension,
    ),
    (
        re.compile(rf"^ALTER\s+SEQUENCE\s+(IF\s+EXISTS\s+)?{_NAME}\s+(.*)$", re.I | re.S),
        _alter_sequence,
    ),
)

# Statements recorded verbatim: they run code or change privileges or
# settings, not the shape of the catalog.
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


def _command_handler(text: str) -> tuple[CommandHandler, re.Match[str]] | None:
    for pattern, handler in _COMMANDS:
        match = pattern.match(text)
        if match:
            return handler, match
    return None


def _record(catalog: Catalog, statement: Statement) -> None:
    """Keep a statement that changes no shape, as written, where it stands."""
    catalog.routines[("recorded", f"{statement.source.display}:{statement.start}")] = Routine(
        "recorded", _keyword(statement.text.strip()).lower(), statement.text
    )


def _keyword(text: str) -> str:
    return text.split(None, 1)[0].upper() if text else ""


def check_command(statement: Statement) -> Diagnostic | None:
    """For files that are parsed but not applied (down migrations): is this opaque
    statement one the catalog stage would accept?"""
    if not isinstance(statement.expression, exp.Command):
        return None
    text = statement.text.strip()
    if _command_handler(text) is not None or _keyword(text) in _RECORDED:
        return None
    return statement.diagnostic(f"unsupported or invalid statement: {' '.join(text.split())[:60]}")


def _command(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    text = statement.text.strip()
    found = _command_handler(text)
    if found is not None:
        handler, match = found
        handler(catalog, match, statement)
    elif _keyword(text) in _RECORDED:
        _record(catalog, statement)
    else:
        raise DDLError(f"unsupported or invalid statement: {' '.join(text.split())[:60]}", node)


_HANDLERS: dict[type[exp.Expr], Callable[[Catalog, exp.Expr, Statement], None]] = {
    exp.Create: _create,
    exp.Alter: _alter,
    exp.Drop: _drop,
    exp.Comment: _comment,
    exp.Command: _command,
}
