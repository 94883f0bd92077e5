"""COMMENT ON: kept on the object it names, or checked and dropped when the catalog
does not model comments for that kind.

A comment never changes the catalog's shape, so a kind the catalog does not
hold at all (functions, schemas, policies, rules, roles, ...) is accepted as
it is; one naming an object the catalog holds must name one that exists, as
PostgreSQL requires.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.schema.ddl.common import DDLError, ident, relation_name, table_of
from pgsqlgen.sql.parse import Statement


def comment_on(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    literal = node.args.get("expression")
    text = None if isinstance(literal, exp.Null) or literal is None else literal.name
    target = node.this
    if kind == "TABLE":
        table_of(catalog, target).comment = text
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
    elif kind == "VIEW":
        view = catalog.views.get(relation_name(target))
        if view is None:
            raise DDLError(f'relation "{relation_name(target)}" does not exist', target)
        view.comment = text
    elif kind in ("TYPE", "DOMAIN"):
        _comment_on_type(catalog, kind, target, text)
    elif kind in ("CONSTRAINT", "TRIGGER"):
        _check_member(catalog, kind, node)
    elif kind in ("INDEX", "SEQUENCE"):
        name = relation_name(target)
        if name not in (catalog.indexes if kind == "INDEX" else catalog.sequences):
            raise DDLError(f'relation "{name}" does not exist', target)
    elif kind == "EXTENSION" and ("extension", relation_name(target)) not in catalog.routines:
        raise DDLError(f'extension "{relation_name(target)}" does not exist', target)


def _comment_on_type(catalog: Catalog, kind: str, target: exp.Expr, text: str | None) -> None:
    """A type's comment; that of a table's or view's row type is PostgreSQL's alone."""
    name = relation_name(target)
    found = (
        catalog.domains.get(name)
        if kind == "DOMAIN"
        else catalog.enums.get(name) or catalog.composites.get(name) or catalog.domains.get(name)
    )
    if found is not None:
        found.comment = text
    elif kind == "DOMAIN" or catalog.relation_columns(name) is None:
        raise DDLError(f'type "{name}" does not exist', target)


def _check_member(catalog: Catalog, kind: str, node: exp.Expr) -> None:
    """``CONSTRAINT c ON t`` / ``TRIGGER t ON r``: both must exist (a domain's constraints
    are not modelled, only the domain)."""
    on = node.args["on"]
    name = ident(node.this)
    if node.args.get("on_domain"):
        if relation_name(on) not in catalog.domains:
            raise DDLError(f'type "{relation_name(on)}" does not exist', on)
        return
    table = table_of(catalog, on)
    if kind == "CONSTRAINT" and table.constraint(name) is None:
        raise DDLError(f'constraint "{name}" for table "{table.name}" does not exist', node.this)
    if kind == "TRIGGER" and ("trigger", f"{table.name}.{name}") not in catalog.routines:
        raise DDLError(f'trigger "{name}" for table "{table.name}" does not exist', node.this)
