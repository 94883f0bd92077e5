"""Constraints: primary keys, unique, foreign keys and checks, named as PostgreSQL
names them, copied to children and partitions, renamed and dropped with what
depends on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Exclusion,
    Table,
    choose_name,
    qualify,
    render_sql,
    split_name,
    stored_default,
)
from pgsqlgen.schema.ddl.common import (
    DDLError,
    RelationsIn,
    column_named,
    column_typer,
    ident,
    parse_name,
    relation_name,
    table_probe,
    without_domain_casts,
)
from pgsqlgen.schema.ddl.renames import rename_relation
from pgsqlgen.sql.parse import Statement


def inherit_check(table: Table, check: Constraint) -> None:
    """A parent's CHECK constraint, under its own name; one of that name must say the same."""
    own = table.constraint(check.name)
    if own is None:
        table.constraints.append(
            Constraint(
                check.name,
                "check",
                check.columns,
                check=check.check,
                inherited=True,
                valid=check.valid,
            )
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


def column_constraint(
    catalog: Catalog, table: Table, column: Column, node: exp.ColumnConstraint
) -> Callable[[], object] | None:
    kind = node.args.get("kind")
    given = ident(node.this) if node.this else None
    if isinstance(kind, exp.NotNullColumnConstraint):
        column.not_null = not kind.args.get("allow_null")
    elif isinstance(kind, exp.DefaultColumnConstraint):
        is_domain = column.type.element().name in catalog.domains
        column.default = stored_default(kind.this, column.type, is_domain)
    elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
        column.identity = "ALWAYS" if kind.this else "BY DEFAULT"
        column.not_null = True
    elif isinstance(kind, exp.ComputedColumnConstraint):
        column.generated = kind.this
    elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
        column.not_null = True
        timing = deferral(kind)
        return lambda: add_constraint(
            catalog, table, given, "primary_key", (column.name,), **timing
        )
    elif isinstance(kind, exp.UniqueColumnConstraint):
        nulls = bool(kind.args.get("nulls"))
        timing = deferral(kind)
        return lambda: add_constraint(
            catalog, table, given, "unique", (column.name,), nulls_not_distinct=nulls, **timing
        )
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


def table_constraint_adder(catalog: Catalog, table: Table, node: exp.Expr) -> Callable[[], object]:
    given: str | None = None
    if isinstance(node, exp.Constraint):
        given = ident(node.this)
        node = node.expressions[0]
    timing = deferral(node)
    if isinstance(node, exp.PrimaryKey):
        columns = tuple(ident(c) for c in node.expressions)
        return lambda: add_primary_key(catalog, table, given, columns, **timing)
    index = _using_index(node)
    if index is not None:
        primary = isinstance(node, exp.PrimaryKeyColumnConstraint)
        return lambda: _key_using_index(catalog, table, given, primary, index, timing)
    if isinstance(node, exp.ExcludeColumnConstraint):
        params = node.this
        return lambda: _add_exclusion(catalog, table, given, params)
    if isinstance(node, exp.UniqueColumnConstraint):
        target = node.this
        columns = tuple(ident(c) for c in target.expressions) if target is not None else ()
        nulls = bool(node.args.get("nulls"))
        return lambda: add_constraint(
            catalog, table, given, "unique", columns, nulls_not_distinct=nulls, **timing
        )
    if isinstance(node, exp.CheckColumnConstraint):
        check = node.this
        return lambda: _add_check(catalog, table, given, check)
    if isinstance(node, exp.ForeignKey):
        columns = tuple(ident(c) for c in node.expressions)
        reference = node.args["reference"]
        return lambda: _add_foreign_key(catalog, table, given, columns, reference)
    raise DDLError(f"unsupported table constraint: {render_sql(node)}", node)


def deferral(node: exp.Expr) -> dict[str, bool]:
    """``DEFERRABLE`` / ``INITIALLY DEFERRED`` among a key's or reference's options.

    ``INITIALLY DEFERRED`` alone makes the constraint deferrable, as in PostgreSQL.
    """
    options = {str(o).upper() for o in node.args.get("options") or []}
    deferred = "INITIALLY DEFERRED" in options
    return {"deferrable": deferred or "DEFERRABLE" in options, "deferred": deferred}


def add_primary_key(
    catalog: Catalog,
    table: Table,
    given: str | None,
    columns: tuple[str, ...],
    **details: object,
) -> None:
    for name in columns:
        column = column_named(table, name)
        column.not_null = True
    add_constraint(catalog, table, given, "primary_key", columns, **details)


def add_constraint(
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
        column_named(table, name)
    if kind == "primary_key" and table.primary_key() is not None:
        raise DDLError(f'multiple primary keys for table "{table.name}" are not allowed')
    if given is None:
        schema, local = split_name(table.name)
        taken = RelationsIn(catalog, schema, constraints=True)
        label = {
            "primary_key": "pkey",
            "unique": "key",
            "foreign_key": "fkey",
            "check": "check",
            "exclude": "excl",
        }[kind]
        name2 = None if kind == "primary_key" else "_".join(columns) or None
        if kind == "check":
            name2 = columns[0] if len(columns) == 1 else None
        given = choose_name(local, name2, label, taken)
    elif given in {c.name for c in table.constraints}:
        raise DDLError(f'constraint "{given}" for relation "{table.name}" already exists')
    constraint = Constraint(given, kind, columns, **details)  # type: ignore[arg-type]
    table.constraints.append(constraint)
    return constraint


def _using_index(node: exp.Expr) -> exp.Identifier | None:
    """The index of ``PRIMARY KEY USING INDEX i`` / ``UNIQUE USING INDEX i``, if so written."""
    if not isinstance(node, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint):
        return None
    for option in node.args.get("options") or []:
        using = option.args.get("using") if isinstance(option, exp.IndexConstraintOption) else None
        if isinstance(using, exp.Index) and isinstance(using.this, exp.Identifier):
            return using.this
    return None


def _key_using_index(
    catalog: Catalog,
    table: Table,
    given: str | None,
    primary: bool,
    written: exp.Identifier,
    timing: dict[str, bool],
) -> None:
    """A key made of an existing unique index, which PostgreSQL renames to the key's name."""
    local = ident(written)
    index = catalog.indexes.get(qualify(split_name(table.name)[0], local))
    if index is None:
        raise DDLError(f'index "{local}" does not exist', written)
    if index.table != table.name:
        raise DDLError(f'index "{local}" does not belong to table "{table.name}"', written)
    if not index.unique:
        raise DDLError(f'"{local}" is not a unique index', written)
    if index.where is not None:
        raise DDLError(f'index "{local}" is a partial index', written)
    if not all(isinstance(e, exp.Column) for e in index.elements) or index.include:
        raise DDLError(f'index "{local}" contains expressions', written)
    columns = tuple(ident(e) for e in index.elements)
    del catalog.indexes[index.name]
    if primary:
        add_primary_key(catalog, table, given or local, columns, **timing)
    else:
        add_constraint(catalog, table, given or local, "unique", columns, **timing)


def _add_exclusion(
    catalog: Catalog, table: Table, given: str | None, params: exp.IndexParameters
) -> None:
    """``EXCLUDE [USING method] (element WITH operator, ...) [WHERE (predicate)]``."""
    typer = column_typer(table)
    pairs = [(w.this, w.args["op"].name) for w in params.args.get("columns") or []]
    elements = [
        without_domain_casts(
            catalog, e.this if isinstance(e, exp.Ordered) and not e.args.get("desc") else e, typer
        )
        for e, _ in pairs
    ]
    where = params.args.get("where")
    predicate = without_domain_casts(catalog, where.this.unnest(), typer) if where else None
    using = params.args.get("using")
    exclusion = Exclusion(
        using.name.lower() if using is not None else "btree",
        elements,
        tuple(op for _, op in pairs),
        predicate,
    )
    columns = tuple(ident(e) for e in elements if isinstance(e, exp.Column))
    add_constraint(catalog, table, given, "exclude", columns, exclusion=exclusion)


def cascade_constraint(catalog: Catalog, table: Table, constraint: Constraint) -> None:
    """Give a constraint just added to ``table`` to the tables below it.

    A CHECK goes to every child, under its name. A partitioned table's
    keys and foreign keys are cloned to each partition; those of a table
    with ordinary children are its own.
    """
    for child in catalog.children(table.name):
        if constraint.kind == "check":
            inherit_check(child, constraint)
            copy_ = child.constraint(constraint.name)
        elif table.partitioned:
            copy_ = clone_constraint(catalog, constraint, child)
        else:
            continue
        if copy_ is not None:
            cascade_constraint(catalog, child, copy_)


def clone_constraint(catalog: Catalog, constraint: Constraint, partition: Table) -> Constraint:
    """A partitioned table's key or foreign key on one of its partitions.

    An equal one the partition has already is taken over; otherwise a key
    gets a name chosen for the partition and a foreign key keeps its name.
    """
    for own in partition.constraints:
        same_key = own.kind == constraint.kind and own.columns == constraint.columns
        if same_key and (own.kind != "foreign_key" or own.definition() == constraint.definition()):
            own.inherited = True
            return own
    timing = {"deferrable": constraint.deferrable, "deferred": constraint.deferred}
    if constraint.kind == "primary_key":
        add_primary_key(catalog, partition, None, constraint.columns, **timing)
        clone = partition.constraints[-1]
    elif constraint.kind == "unique":
        clone = add_constraint(
            catalog,
            partition,
            None,
            "unique",
            constraint.columns,
            nulls_not_distinct=constraint.nulls_not_distinct,
            **timing,
        )
    else:
        clone = add_constraint(
            catalog,
            partition,
            constraint.name,
            constraint.kind,
            constraint.columns,
            ref_table=constraint.ref_table,
            ref_columns=constraint.ref_columns,
            on_delete=constraint.on_delete,
            on_update=constraint.on_update,
            **timing,
        )
    clone.inherited = True
    return clone


def _add_check(catalog: Catalog, table: Table, given: str | None, check: exp.Expr) -> None:
    check = without_domain_casts(catalog, check, column_typer(table))
    referenced: list[str] = []
    for column in check.find_all(exp.Column):
        if ident(column) not in referenced:
            referenced.append(ident(column))
    add_constraint(catalog, table, given, "check", tuple(referenced), check=check)


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
        column_named(referenced, name)
    _require_immediate_key(catalog, referenced, ref_columns, target)
    actions: dict[str, str] = {}
    for option in reference.args.get("options") or []:
        match = re.match(r"ON (DELETE|UPDATE) (.+)", str(option).upper())
        if match:
            actions["on_" + match[1].lower()] = match[2]
    add_constraint(
        catalog,
        table,
        given,
        "foreign_key",
        columns,
        ref_table=ref_table,
        ref_columns=ref_columns,
        **actions,
        **deferral(reference),
    )


def _require_immediate_key(
    catalog: Catalog, referenced: Table, columns: tuple[str, ...], node: exp.Expr
) -> None:
    """A foreign key needs a key checked at once: a deferrable one does not do.

    As ``transformFkeyCheckAttrs``: the referenced columns must be those of a
    primary key, unique constraint or unique index that is not deferrable; a
    deferrable constraint is PostgreSQL's error when it is the only match.
    """
    wanted = set(columns)
    keys = [
        c
        for c in referenced.constraints
        if c.kind in ("primary_key", "unique") and set(c.columns) == wanted
    ]
    if not keys or not all(c.deferrable for c in keys):
        return
    # Only then are the indexes looked through: each foreign key reading every index
    # of the schema made a long history quadratic.
    indexes = [
        i
        for i in catalog.indexes.values()
        if i.table == referenced.name and i.unique and i.where is None
        and {render_sql(e) for e in i.elements} == wanted
        and split_name(i.name)[1] not in {c.name for c in keys}
    ]  # fmt: skip
    if not indexes:
        kind = "primary key" if keys[0].kind == "primary_key" else "unique constraint"
        raise DDLError(
            f'cannot use a deferrable {kind} for referenced table "{referenced.name}"', node
        )


def add_table_constraints(
    catalog: Catalog, table: Table, nodes: list[exp.Expr], recurse: bool, valid: bool = True
) -> None:
    """``ADD CONSTRAINT``, reaching the table's children unless ``ONLY`` was given.

    A check or foreign key added ``NOT VALID`` says so until ``VALIDATE CONSTRAINT``.
    """
    before = len(table.constraints)
    for node in nodes:
        table_constraint_adder(catalog, table, node)()
    for constraint in table.constraints[before:]:
        if not valid and constraint.kind not in ("check", "foreign_key"):
            kind = {"primary_key": "PRIMARY KEY", "unique": "UNIQUE", "exclude": "EXCLUDE"}
            raise DDLError(f"{kind[constraint.kind]} constraints cannot be marked NOT VALID")
        constraint.valid = valid
    if recurse:
        for constraint in table.constraints[before:]:
            cascade_constraint(catalog, table, constraint)


def validate_constraint(catalog: Catalog, table: Table, name: str, node: exp.Expr) -> None:
    """``VALIDATE CONSTRAINT``: the constraint, and its copies in the children, are valid."""
    constraint = table.constraint(name)
    if constraint is None:
        raise DDLError(f'constraint "{name}" of relation "{table.name}" does not exist', node)
    constraint.valid = True
    for child in catalog.children(table.name):
        if child.constraint(name) is not None:
            validate_constraint(catalog, child, name, node)


def drop_constraint(
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
            drop_constraint(catalog, child, copy_.name, if_exists, node, recurse)
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


def rename_constraint(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``RENAME CONSTRAINT``; an inherited CHECK is renamed with its parent's, not alone."""
    node = statement.expression
    table = catalog.tables.get(parse_name(match["name"]))
    if table is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{parse_name(match["name"])}" does not exist', node)
    constraint = table.constraint(parse_name(match["old"]))
    if constraint is None:
        raise DDLError(
            f'constraint "{parse_name(match["old"])}" of relation "{table.name}" does not exist',
            node,
        )
    if constraint.inherited:
        raise DDLError(f'cannot rename inherited constraint "{constraint.name}"', node)
    _rename_constraint_in(catalog, table, constraint, parse_name(match["new"]), not match["only"])


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
        rename_relation(catalog, "INDEX", index, qualify(schema, new), None)
    constraint.name = new


def add_unnamed_check(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER TABLE t ADD CHECK (...)``, which sqlglot does not parse (the named form it does)."""
    name = parse_name(match["name"])
    table = catalog.tables.get(name)
    if table is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{name}" does not exist', statement.expression)
    check = table_probe(match["check"], statement)
    add_table_constraints(catalog, table, [check], recurse=not match["only"])
