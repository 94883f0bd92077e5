"""Types: enums (ADD/RENAME VALUE), composite types (attributes), and domains (their
constraints, defaults and NOT NULL), created, altered and dropped.
"""

from __future__ import annotations

import re

from sqlglot import exp

from pgsqlgen.catalog.canonical import (
    split_top_level,
)
from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    CompositeType,
    Constraint,
    Domain,
    Enum,
    Routine,
    choose_name,
    render_sql,
    split_name,
)
from pgsqlgen.pg.types import PgType, from_sqlglot
from pgsqlgen.schema.ddl.common import (
    DROP_BEHAVIOUR_PATTERN,
    NAME_PATTERN,
    STRING_PATTERN,
    DDLError,
    column_probe,
    ident,
    parse_name,
    relation_name,
    unquote_literal,
    without_domain_casts,
)
from pgsqlgen.schema.ddl.dependencies import drop_with_dependents, type_dependents
from pgsqlgen.schema.ddl.renames import columns_of_type, rename_type, renamed_type, set_schema
from pgsqlgen.sql.parse import Statement


def create_type(catalog: Catalog, node: exp.Expr) -> None:
    name = relation_name(node.this)
    taken = (catalog.enums, catalog.composites, catalog.domains)
    if any(name in store for store in taken) or ("range", name) in catalog.routines:
        raise DDLError(f'type "{name}" already exists', node.this)
    body = node.args.get("expression")
    if isinstance(body, exp.Anonymous) and body.name == "RANGE":
        # A range type: kept as written; columns of it are of a named type like any other.
        catalog.routines[("range", name)] = Routine("range", name, render_sql(node))
    elif isinstance(body, exp.DataType) and body.this == exp.DataType.Type.ENUM:
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
            check = without_domain_casts(catalog, kind.this, value_type)
            domain.checks.append(Constraint(given, "check", (), check=check))
        else:
            raise DDLError(
                f"unsupported domain constraint: {render_sql(constraint)}", statement.expression
            )


def create_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = parse_name(match[1])
    if name in catalog.enums or name in catalog.composites or name in catalog.domains:
        raise DDLError(f'type "{name}" already exists', statement.expression)
    column = column_probe(match[2], statement)
    domain = Domain(name, from_sqlglot(column.args["kind"]))
    catalog.domains[name] = domain
    _add_domain_constraints(catalog, domain, column.args.get("constraints") or [], statement)


def drop_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``DROP DOMAIN``: with ``CASCADE`` the columns of it go too, as with ``DROP TYPE``."""
    name = parse_name(match[2])
    if name not in catalog.domains:
        if match[1]:
            return
        raise DDLError(f'type "{name}" does not exist', statement.expression)
    found = type_dependents(catalog, name)
    drop_with_dependents(f"type {name}", found, bool(match["cascade"]), statement.expression)
    del catalog.domains[name]


_DOMAIN_ADD = re.compile(r"^ADD\s+(.*)$", re.I | re.S)


_DOMAIN_DROP_CONSTRAINT = re.compile(
    rf"^DROP\s+CONSTRAINT\s+(IF\s+EXISTS\s+)?{NAME_PATTERN}{DROP_BEHAVIOUR_PATTERN}$", re.I | re.S
)


_DOMAIN_RENAME_CONSTRAINT = re.compile(
    rf"^RENAME\s+CONSTRAINT\s+{NAME_PATTERN}\s+TO\s+{NAME_PATTERN}$", re.I | re.S
)


_SET_DEFAULT = re.compile(r"^SET\s+DEFAULT\s+(.*)$", re.I | re.S)


_DROP_DEFAULT = re.compile(r"^DROP\s+DEFAULT$", re.I)


_SET_NOT_NULL = re.compile(r"^SET\s+NOT\s+NULL$", re.I)


_RENAME_TO = re.compile(rf"^RENAME\s+TO\s+{NAME_PATTERN}$", re.I | re.S)


_SET_SCHEMA = re.compile(rf"^SET\s+SCHEMA\s+{NAME_PATTERN}$", re.I | re.S)


def alter_domain(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    node = statement.expression
    name, action = parse_name(match[1]), match[2].strip()
    domain = catalog.domains.get(name)
    if domain is None:
        raise DDLError(f'type "{name}" does not exist', node)
    if rename := _RENAME_TO.match(action):
        rename_type(catalog, name, renamed_type(name, rename[1]), node)
    elif move := _SET_SCHEMA.match(action):
        set_schema(catalog, "DOMAIN", name, parse_name(move[1]), node)
    elif add := _DOMAIN_ADD.match(action):
        constraints = column_probe(f"int {add[1]}", statement).args.get("constraints") or []
        if not all(isinstance(c.args.get("kind"), exp.CheckColumnConstraint) for c in constraints):
            raise DDLError("ALTER DOMAIN ... ADD takes a CHECK constraint", node)
        _add_domain_constraints(catalog, domain, constraints, statement)
    elif drop := _DOMAIN_DROP_CONSTRAINT.match(action):
        check = domain.check(parse_name(drop[2]))
        if check is None and not drop[1]:
            raise DDLError(
                f'constraint "{parse_name(drop[2])}" of domain "{name}" does not exist', node
            )
        domain.checks = [c for c in domain.checks if c is not check]
    elif rename := _DOMAIN_RENAME_CONSTRAINT.match(action):
        check = domain.check(parse_name(rename[1]))
        if check is None:
            raise DDLError(
                f'constraint "{parse_name(rename[1])}" for domain "{name}" does not exist', node
            )
        check.name = parse_name(rename[2])
    elif default := _SET_DEFAULT.match(action):
        probe = column_probe(f"int DEFAULT {default[1]}", statement)
        _add_domain_constraints(catalog, domain, probe.args.get("constraints") or [], statement)
    elif _DROP_DEFAULT.match(action):
        domain.default = None
    elif _SET_NOT_NULL.match(action):
        domain.not_null = True
        for column in columns_of_type(catalog, name):
            column.not_null = column.not_null or not column.type.array_dims
    else:
        # DROP NOT NULL cannot be modelled: a column's not_null records the
        # domain's NOT NULL too, so whether the column had its own is lost.
        raise DDLError(f"unsupported ALTER DOMAIN action: {action[:60]}", node)


_ADD_VALUE = re.compile(
    rf"^ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?{STRING_PATTERN}(?:\s+(BEFORE|AFTER)\s+{STRING_PATTERN})?$",
    re.I | re.S,
)


_RENAME_VALUE = re.compile(
    rf"^RENAME\s+VALUE\s+{STRING_PATTERN}\s+TO\s+{STRING_PATTERN}$", re.I | re.S
)


_ADD_ATTRIBUTE = re.compile(
    rf"^ADD\s+ATTRIBUTE\s+{NAME_PATTERN}\s+(.+?){DROP_BEHAVIOUR_PATTERN}$", re.I | re.S
)


_DROP_ATTRIBUTE = re.compile(
    rf"^DROP\s+ATTRIBUTE\s+(IF\s+EXISTS\s+)?{NAME_PATTERN}{DROP_BEHAVIOUR_PATTERN}$", re.I | re.S
)


_ALTER_ATTRIBUTE = re.compile(
    rf"^ALTER\s+ATTRIBUTE\s+{NAME_PATTERN}\s+(?:SET\s+DATA\s+)?TYPE\s+(.+?){DROP_BEHAVIOUR_PATTERN}$",
    re.I | re.S,
)


_RENAME_ATTRIBUTE = re.compile(
    rf"^RENAME\s+ATTRIBUTE\s+{NAME_PATTERN}\s+TO\s+{NAME_PATTERN}{DROP_BEHAVIOUR_PATTERN}$",
    re.I | re.S,
)


def alter_type(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    node = statement.expression
    name, action = parse_name(match[1]), match[2].strip()
    if rename := _RENAME_TO.match(action):
        rename_type(catalog, name, renamed_type(name, rename[1]), node)
    elif move := _SET_SCHEMA.match(action):
        if name not in catalog.type_names():
            raise DDLError(f'type "{name}" does not exist', node)
        set_schema(catalog, "TYPE", name, parse_name(move[1]), node)
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
        value = unquote_literal(add[2])
        if value in enum.values:
            if add[1]:
                return
            raise DDLError(f'enum label "{value}" already exists', node)
        if add[3]:
            anchor = unquote_literal(add[4])
            if anchor not in enum.values:
                raise DDLError(f'"{anchor}" is not an existing enum label', node)
            position = enum.values.index(anchor) + (1 if add[3].upper() == "AFTER" else 0)
            enum.values.insert(position, value)
        else:
            enum.values.append(value)
    elif rename := _RENAME_VALUE.match(action):
        old, new = unquote_literal(rename[1]), unquote_literal(rename[2])
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
        name = parse_name(add[1])
        if name in by_name:
            raise DDLError(f'column "{name}" of relation "{composite.name}" already exists', node)
        column_type = from_sqlglot(column_probe(add[2], statement).args["kind"])
        composite.columns.append(Column(name, column_type))
    elif drop := _DROP_ATTRIBUTE.match(action):
        name = parse_name(drop[2])
        if name not in by_name and not drop[1]:
            raise DDLError(f'column "{name}" of relation "{composite.name}" does not exist', node)
        composite.columns = [c for c in composite.columns if c.name != name]
    elif alter := _ALTER_ATTRIBUTE.match(action):
        column = _attribute(composite, parse_name(alter[1]), node)
        column.type = from_sqlglot(column_probe(alter[2], statement).args["kind"])
    elif rename := _RENAME_ATTRIBUTE.match(action):
        new = parse_name(rename[2])
        if new in by_name:
            raise DDLError(f'column "{new}" of relation "{composite.name}" already exists', node)
        _attribute(composite, parse_name(rename[1]), node).name = new
    else:
        raise DDLError(f"unsupported ALTER TYPE action: {action[:60]}", node)


def _attribute(composite: CompositeType, name: str, node: exp.Expr) -> Column:
    column = next((c for c in composite.columns if c.name == name), None)
    if column is None:
        raise DDLError(f'column "{name}" of relation "{composite.name}" does not exist', node)
    return column
