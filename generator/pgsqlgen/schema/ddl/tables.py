"""Tables and their columns: CREATE TABLE (LIKE, INHERITS, PARTITION OF), ALTER TABLE
actions on columns, column renames, DROP TABLE, and ATTACH/DETACH PARTITION.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Index,
    Sequence,
    Table,
    choose_name,
    qualify,
    render_sql,
    split_name,
    stored_default,
)
from pgsqlgen.pg import builtins
from pgsqlgen.pg.types import PgType, from_sqlglot, is_serial
from pgsqlgen.queries.analysis.statements import infer_relation_columns
from pgsqlgen.schema.ddl.common import (
    DDLError,
    RelationsIn,
    column_named,
    ident,
    name_node,
    parse_name,
    relation_name,
    renamed_name,
    require_schema,
    table_named,
    table_of,
    views_reading,
)
from pgsqlgen.schema.ddl.constraints import (
    add_constraint,
    add_primary_key,
    add_table_constraints,
    cascade_constraint,
    clone_constraint,
    column_constraint,
    drop_constraint,
    inherit_check,
    table_constraint_adder,
    validate_constraint,
)
from pgsqlgen.schema.ddl.dependencies import (
    Dependent,
    column_dependents,
    drop_with_dependents,
    forget_column,
    relation_dependents,
)
from pgsqlgen.schema.ddl.indexes import clone_index, rebuild_partition_indexes
from pgsqlgen.schema.ddl.renames import rename_relation
from pgsqlgen.schema.ddl.sequences import drop_owned_sequences, nextval_call
from pgsqlgen.schema.ddl.views import folded_name, qualifier_of, source_items
from pgsqlgen.sql.parse import Statement


def create_table(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
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
    require_schema(catalog, name, schema)
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
        parent = table_of(catalog, target.this if isinstance(target, exp.Schema) else target)
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
            pending.append(table_constraint_adder(catalog, table, element))
    for add in pending:
        add()
    for parent in parents:
        for check in parent.constraints:
            if check.kind == "check":
                inherit_check(table, check)
    if partition_of is not None:
        _clone_to_partition(catalog, parents[0], table)


def _parent(catalog: Catalog, node: exp.Expr) -> Table:
    """A table named in ``INHERITS``: neither partitioned nor a partition."""
    parent = table_of(catalog, node)
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
    return lambda: add_constraint(
        catalog, table, check.name, "check", check.columns, check=check.check
    )


def _key_copier(catalog: Catalog, table: Table, key: Constraint) -> Callable[[], object]:
    if key.kind == "primary_key":
        return lambda: add_primary_key(catalog, table, None, key.columns)
    return lambda: add_constraint(catalog, table, None, key.kind, key.columns)


def _index_copier(catalog: Catalog, table: Table, index: Index) -> Callable[[], object]:
    return lambda: clone_index(catalog, index, table, attach=False)


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
        adder = column_constraint(catalog, table, column, constraint)
        if adder is not None:
            adders.append(adder)
    return adders


def _new_column(catalog: Catalog, table: Table, name: str, data_type: exp.DataType) -> Column:
    """Append a column of ``data_type``; a serial one gets its sequence and default."""
    column = Column(name, from_sqlglot(data_type))
    require_type(catalog, column.type, data_type)
    if column.type.name in catalog.domains and not column.type.array_dims:
        column.not_null = catalog.domains[column.type.name].not_null
    if is_serial(data_type):
        schema, local = split_name(table.name)
        sequence = qualify(schema, choose_name(local, name, "seq", RelationsIn(catalog, schema)))
        catalog.sequences[sequence] = Sequence(
            sequence, column.type, owned_by=(table.name, column.name)
        )
        column.not_null = True
        column.default = nextval_call(sequence)
    table.columns.append(column)
    return column


def require_type(catalog: Catalog, pg_type: PgType, node: exp.Expr) -> None:
    """PostgreSQL's ``type "x" does not exist`` for a column of a type that is neither
    built in nor created by the history. Types an extension brings (citext, ltree, ...)
    are not in our catalog, so a history that creates an extension is taken at its word."""
    name = pg_type.name
    known = (
        name in builtins.types()
        or name in catalog.enums
        or name in catalog.composites
        or name in catalog.domains
        or catalog.relation_columns(name) is not None
        or ("range", name) in catalog.routines
    )
    if not known and not any(kind == "extension" for kind, _ in catalog.routines):
        raise DDLError(f'type "{name}" does not exist', node)


def _clone_to_partition(catalog: Catalog, parent: Table, partition: Table) -> None:
    """What a new or attached partition gets from its partitioned parent.

    Keys and foreign keys are cloned (or matched), and so are indexes; all
    of it reaches the partition's own partitions, if it is partitioned too.
    """
    for constraint in parent.constraints:
        if constraint.kind != "check":
            clone = clone_constraint(catalog, constraint, partition)
            cascade_constraint(catalog, partition, clone)
    for index in [i for i in catalog.indexes.values() if i.table == parent.name]:
        clone_index(catalog, index, partition, attach=True)


def _follow_column_rename(catalog: Catalog, table: str, old: str, new: str) -> None:
    """Views read a renamed column by its new name, and keep their own column names."""
    for view in views_reading(catalog, table):
        for select in view.query.find_all(exp.Select):
            qualifiers = {
                qualifier_of(item)
                for item in source_items(select)
                if isinstance(item, exp.Table) and relation_name(item) == table
            }
            for column in list(select.find_all(exp.Column)):
                if ident(column) != old or folded_name(column.args.get("table")) not in qualifiers:
                    continue
                column.set("this", name_node(new))
                if column.parent is select:
                    column.replace(exp.alias_(column.copy(), name_node(old)))


def alter_table_action(
    catalog: Catalog, table: Table, action: exp.Expr, recurse: bool, valid: bool = True
) -> None:
    if isinstance(action, exp.ColumnDef):
        if action.args.get("exists") and table.column(ident(action.this)) is not None:
            return  # ADD COLUMN IF NOT EXISTS: PostgreSQL skips it with a notice.
        before = len(table.constraints)
        for add in _add_column(catalog, table, action):
            add()
        column = column_named(table, ident(action.this))
        if catalog.children(table.name) and not recurse:
            raise DDLError("column must be added to child tables too", action)
        _add_inherited_column(catalog, table, column)
        for constraint in table.constraints[before:]:
            cascade_constraint(catalog, table, constraint)
    elif isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        if_exists = bool(action.args.get("exists"))
        for target in action.args.get("expressions") or action.args.get("tables") or []:
            if kind == "COLUMN":
                dropped = table.column(ident(target))
                if dropped is not None and dropped.inherited:
                    raise DDLError(f'cannot drop inherited column "{dropped.name}"', target)
                cascade = bool(action.args.get("cascade"))
                _drop_column(catalog, table, ident(target), if_exists, target, recurse, cascade)
            elif kind == "CONSTRAINT":
                found = table.constraint(ident(target))
                if found is not None and found.inherited:
                    raise DDLError(
                        f'cannot drop inherited constraint "{found.name}" '
                        f'of relation "{table.name}"',
                        target,
                    )
                drop_constraint(catalog, table, ident(target), if_exists, target, recurse)
            else:
                raise DDLError(f"unsupported ALTER TABLE DROP {kind}", action)
    elif isinstance(action, exp.AlterColumn):
        column = column_named(table, ident(action.this))
        if column.inherited and action.args.get("dtype") is not None:
            raise DDLError(f'cannot alter inherited column "{column.name}"', action)
        _alter_column(catalog, table, action, recurse)
        if action.args.get("dtype") is not None and table.partitioned:
            rebuild_partition_indexes(catalog, table, column.name)
    elif isinstance(action, exp.RenameColumn):
        old, new = ident(action.this), ident(action.args["to"])
        if column_named(table, old).inherited:
            raise DDLError(f'cannot rename inherited column "{old}"', action)
        if not recurse and any(c.column(old) for c in catalog.children(table.name)):
            raise DDLError(f'inherited column "{old}" must be renamed in child tables too', action)
        _rename_column(catalog, table, old, new, action)
    elif isinstance(action, exp.AlterRename):
        rename_relation(catalog, "TABLE", table.name, renamed_name(table.name, action.this), action)
    elif isinstance(action, exp.AddConstraint):
        add_table_constraints(catalog, table, list(action.expressions), recurse, valid)
    elif isinstance(action, exp.Command) and action.name == "VALIDATE CONSTRAINT":
        validate_constraint(catalog, table, ident(action.expression), action)
    elif not _storage_only(action):
        raise DDLError(f"unsupported ALTER TABLE action: {render_sql(action)}", action)


def _storage_only(action: exp.Expr) -> bool:
    """``SET``/``RESET (storage_parameter ...)``, ``SET [UN]LOGGED``, ``SET TABLESPACE``,
    ``SET WITHOUT CLUSTER``, ``SET ACCESS METHOD``: how rows are stored, not what they are."""
    if isinstance(action, exp.Anonymous):
        return action.name == "RESET"
    if not isinstance(action, exp.AlterSet):
        return False
    settings = action.expressions
    option = action.args.get("option")
    return (
        (bool(settings) and all(isinstance(e, exp.EQ) for e in settings))
        or (option is not None and option.name in _STORAGE_OPTIONS)
        or any(action.args.get(k) for k in ("tablespace", "access_method"))
    )


_STORAGE_OPTIONS = ("LOGGED", "UNLOGGED", "WITHOUT CLUSTER", "WITHOUT OIDS")


def _add_inherited_column(catalog: Catalog, table: Table, column: Column) -> None:
    """A column just added to ``table`` reaches its children, and theirs."""
    for child in catalog.children(table.name):
        _add_inherited_column(catalog, child, _inherit_column(child, column))


def _alter_column(catalog: Catalog, table: Table, action: exp.AlterColumn, recurse: bool) -> None:
    column = column_named(table, ident(action.this))
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
            if column_named(parent, column.name).not_null:
                raise DDLError(f'column "{column.name}" is marked NOT NULL in parent table', action)
    elif action.args.get("default") is not None:
        is_domain = column.type.element().name in catalog.domains
        column.default = stored_default(action.args["default"], column.type, is_domain)
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
    catalog: Catalog,
    table: Table,
    name: str,
    if_exists: bool,
    node: exp.Expr,
    recurse: bool,
    cascade: bool,
) -> None:
    """Drop a column, and the children's copies that came only from it.

    A child's column also defined by the child itself, or inherited from
    another parent too, stays (``attislocal``, ``attinhcount``); with
    ``ONLY`` every child keeps its copy as its own. Views that read the
    column and foreign keys to it go only with ``CASCADE``.
    """
    if table.column(name) is None:
        if if_exists:
            return
        raise DDLError(f'column "{name}" of relation "{table.name}" does not exist', node)
    found = column_dependents(catalog, table, name)
    drop_with_dependents(f"column {name} of table {table.name}", found, cascade, node)
    for child in catalog.children(table.name):
        copy_ = child.column(name)
        if copy_ is None:
            continue
        if recurse and copy_.inherited == 1 and not copy_.local:
            _drop_column(catalog, child, name, if_exists, node, recurse, cascade)
        else:
            copy_.inherited -= 1
            copy_.local = copy_.local or not recurse
    forget_column(catalog, table, name)


def _rename_column(catalog: Catalog, table: Table, old: str, new: str, node: exp.Expr) -> None:
    column = column_named(table, old)
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
        if constraint.exclusion is not None:
            for part in constraint.exclusion.parts():
                _rename_columns_in(part, rename)
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


def drop_table(
    catalog: Catalog,
    table: Table,
    cascade: bool,
    node: exp.Expr | None,
    dropping: frozenset[str] = frozenset(),
) -> None:
    """Drop a table with its partitions; its inheriting children, the views over it and
    the foreign keys to it only with CASCADE (or when the statement drops them too,
    ``dropping``)."""
    on = f"table {table.name}"
    children = [
        Dependent(f"table {child.name}", on, _child_dropper(catalog, child), owner=child.name)
        for child in catalog.children(table.name)
        if not table.partitioned
    ]
    found = [*children, *relation_dependents(catalog, table.name)]
    drop_with_dependents(on, found, cascade, node, dropping | {table.name})
    for child in catalog.children(table.name):
        drop_table(catalog, child, cascade, node, dropping | {table.name})
    del catalog.tables[table.name]
    _forget_table(catalog, table.name)


def _child_dropper(catalog: Catalog, child: Table) -> Callable[[], None]:
    """An inheriting child goes with its parent's ``DROP TABLE ... CASCADE``."""

    def drop() -> None:
        if child.name in catalog.tables:
            drop_table(catalog, child, True, None)

    return drop


def _forget_table(catalog: Catalog, name: str) -> None:
    drop_owned_sequences(catalog, lambda owner: owner[0] == name)
    for index_name in [n for n, i in catalog.indexes.items() if i.table == name]:
        del catalog.indexes[index_name]
    for key in [k for k, r in catalog.routines.items() if r.table == name]:
        del catalog.routines[key]
    for table in catalog.tables.values():
        table.constraints = [c for c in table.constraints if c.ref_table != name]


def attach_partition(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER TABLE p ATTACH PARTITION c FOR VALUES ...``: an existing table becomes a partition.

    As in PostgreSQL, it must have exactly its parent's columns, with the
    same types and NOT NULL where the parent has it, and the parent's CHECK
    constraints; it then gets the parent's keys, foreign keys and indexes
    (taking over equal ones it has).
    """
    node = statement.expression
    parent = catalog.tables.get(parse_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{parse_name(match["name"])}" does not exist', node)
    if not parent.partitioned:
        raise DDLError(f'table "{parent.name}" is not partitioned', node)
    child = table_named(catalog, parse_name(match["child"]), node)
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
        inherit_check(child, check)
    child.parents = [parent.name]
    for column in child.columns:
        column.inherited, column.local = 1, False
    _clone_to_partition(catalog, parent, child)


def detach_partition(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``DETACH PARTITION``: the partition becomes a table of its own, keeping all it has."""
    node = statement.expression
    parent = catalog.tables.get(parse_name(match["name"]))
    if parent is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{parse_name(match["name"])}" does not exist', node)
    child = table_named(catalog, parse_name(match["child"]), node)
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
