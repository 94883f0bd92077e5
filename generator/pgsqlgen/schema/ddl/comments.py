"""COMMENT ON: kept on the object it names, or checked and dropped when the catalog
does not model comments for that kind.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
)
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
