"""FROM items: tables, views, CTEs, subqueries, set-returning functions and joins, each a
source whose columns outer joins make nullable.
"""

from __future__ import annotations

import sqlglot
import sqlglot.errors
from sqlglot import exp

from pgsqlgen.pg import builtins
from pgsqlgen.pg.types import BOOL, INT8, TEXT, PgType, from_sqlglot
from pgsqlgen.queries.analysis.expressions import ExpressionAnalyser
from pgsqlgen.queries.analysis.model import AnalysisError, ResultColumn, Scope, Source
from pgsqlgen.queries.analysis.syntax import (
    call_arguments,
    function_name,
    ident,
    is_join_tree,
    table_name,
)


class FromItemAnalyser(ExpressionAnalyser):
    def _from_item(self, node: exp.Expr, scope: Scope, nullable: bool) -> Source:
        alias_node = node.args.get("alias")
        alias = ident(alias_node) if alias_node is not None else ""
        relation_name: str | None = None
        row_type: PgType | None = None
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
            columns = self._function_columns(node.this, alias, scope)
            row_type = self._function_row_type(node.this, scope)
            alias = alias or function_name(node.this)
            if node.args.get("ordinality"):
                columns.append(ResultColumn("ordinality", INT8, False))
        elif isinstance(node, exp.Table):
            name = table_name(node)
            ctes = scope.all_ctes()
            if name in ctes:
                columns = [
                    ResultColumn(c.name, c.type, c.nullable, c.table, c.column) for c in ctes[name]
                ]
            elif (value := self._value_function(node)) is not None:
                columns = [ResultColumn(alias or name, value, False)]
            elif (relation := self.catalog.relation_columns(name)) is not None:
                relation_name = name
                columns = [
                    ResultColumn(c.name, c.type, not c.not_null, name, c.name) for c in relation
                ]
            elif (system := builtins.relations().get(name)) is not None:
                # pg_class, pg_timezone_names, information_schema.tables...
                columns = [ResultColumn(c, t, not not_null) for c, t, not_null in system]
            else:
                raise AnalysisError(f'relation "{name}" does not exist', node)
            alias = alias or ident(node.this)
        elif isinstance(node, exp.Subquery) and is_join_tree(node.this):
            # A parenthesised join tree, as pg_get_viewdef writes FROM clauses.
            start = len(scope.sources)
            source = self._from_item(node.this, scope, nullable)
            for join in node.args.get("joins") or []:
                self._join(join, scope, start)
            return source
        elif isinstance(node, exp.Subquery):
            # Not LATERAL: the subquery sees this level's WITH queries but not its FROM items.
            inner_scope = (
                Scope(outer=scope)
                if node.args.get("lateral")
                else Scope(outer=scope.outer, ctes=dict(scope.ctes))
            )
            inner = self.statement(node.this, inner_scope)
            columns = inner
            if not alias:
                raise AnalysisError("subquery in FROM must have an alias", node)
        elif isinstance(node, exp.Values):
            # A VALUES list sees the WITH queries and outer levels, not this level's items.
            if not alias:
                raise AnalysisError("VALUES in FROM must have an alias", node)
            columns = self.statement(node, Scope(outer=scope.outer, ctes=dict(scope.ctes)))
        elif isinstance(node, exp.Lateral) and isinstance(node.this, exp.Unnest):
            columns = self._unnest_columns(node.this, alias, scope)
            alias = alias or "unnest"
        elif isinstance(node, exp.Lateral) and isinstance(node.this, exp.Func):
            columns = self._function_columns(node.this, alias, scope)
            row_type = self._function_row_type(node.this, scope)
            alias = alias or function_name(node.this)
        elif isinstance(node, exp.Lateral):
            columns = self.statement(node.this, scope)
        elif isinstance(node, exp.Unnest):
            columns = self._unnest_columns(node, alias, scope)
            alias = alias or "unnest"
        else:
            raise AnalysisError(f"unsupported FROM item: {node.sql(dialect='postgres')}", node)
        if alias_node is not None and getattr(alias_node, "columns", None):
            names = [ident(c) for c in alias_node.columns]
            defined = [c.args.get("kind") for c in alias_node.columns]
            if all(isinstance(kind, exp.DataType) for kind in defined):
                # A column definition list: a function returning record, typed by the query.
                columns = [
                    ResultColumn(name, from_sqlglot(kind), True)
                    for name, kind in zip(names, defined, strict=True)
                    if isinstance(kind, exp.DataType)
                ]
            columns = [
                ResultColumn(
                    names[i] if i < len(names) else c.name, c.type, c.nullable, c.table, c.column
                )
                for i, c in enumerate(columns)
            ]
        source = Source(alias, columns, nullable, relation_name, row_type)
        start = len(scope.sources)
        scope.sources.append(source)
        for join in node.args.get("joins") or []:
            self._join(join, scope, start)
        return source

    def _value_function(self, node: exp.Table) -> PgType | None:
        """The type of ``FROM current_date`` and the like: a SQL value function written
        without parentheses, which sqlglot reads as a table name."""
        name = node.this
        if node.args.get("db") or not isinstance(name, exp.Identifier) or name.quoted:
            return None
        if self.catalog.relation_columns(name.name.lower()) is not None:
            return None
        try:
            value = sqlglot.parse_one(f"SELECT {name.name}", read="postgres").expressions[0]
        except sqlglot.errors.ParseError:
            return None
        if not isinstance(value, exp.Func):
            return None
        return self.type_of(value, Scope()).type

    def _unnest_columns(self, node: exp.Unnest, alias: str, scope: Scope) -> list[ResultColumn]:
        """``unnest(a, b, ...)``: one column per array, each named ``unnest`` as PostgreSQL
        names them, or by the alias when there is one array (as for any function
        returning a base type), then the ordinality column if asked for."""
        columns = []
        for value in node.expressions:
            self._infer(value, scope)
            typed = self.type_of(value, scope)
            element = typed.type.element() if typed.type is not None else TEXT
            columns.append(ResultColumn("unnest", element, True))
        if alias and len(columns) == 1:
            columns = [ResultColumn(alias, columns[0].type, True)]
        ordinality = node.args.get("offset")
        if ordinality:
            name = ident(ordinality) if isinstance(ordinality, exp.Expr) else "ordinality"
            columns.append(ResultColumn(name, INT8, False))
        return columns

    def _function_columns(self, call: exp.Func, alias: str, scope: Scope) -> list[ResultColumn]:
        """The columns of a function call in FROM.

        A function returning a table or OUT parameters gives those columns
        (``jsonb_each``: key, value); one returning a row type, that type's
        columns; any other gives one column, named by the alias as in
        PostgreSQL. Function results may be NULL.
        """
        self._infer(call, scope)
        typed = self.type_of(call, scope)
        name = function_name(call)
        resolved = self._resolve_call(call, call_arguments(call), scope)
        if resolved is not None and resolved[0].candidate is not None:
            return [
                ResultColumn(column, self._types.pg_type(typname), True)
                for column, typname in resolved[0].candidate.columns
            ] or self._row_columns(resolved[0].result, alias or name)
        if typed.type is not None:
            return self._row_columns(typed.type, alias or name)
        raise AnalysisError(f"cannot determine the columns of {call.sql(dialect='postgres')}", call)

    def _row_columns(self, pg_type: PgType, name: str) -> list[ResultColumn]:
        """The columns of a function result of ``pg_type``: a composite type's or row
        type's attributes, else one column called ``name``."""
        fields = self._composite_columns(pg_type)
        if fields is not None:
            return [ResultColumn(c.name, c.type, True) for c in fields]
        return [ResultColumn(name, pg_type, True)]

    def _function_row_type(self, call: exp.Func, scope: Scope) -> PgType | None:
        """The composite type (or table row type) a function in FROM returns, its
        alias's type as a whole-row value; None for a function of other results."""
        pg_type = self.type_of(call, scope).type
        composite = pg_type is not None and self._composite_columns(pg_type) is not None
        return pg_type if composite else None

    def _join(self, join: exp.Join, scope: Scope, start: int) -> None:
        """A join onto the tree whose FROM items begin at ``scope.sources[start]``."""
        side = str(join.args.get("side") or "").upper()
        if side in ("RIGHT", "FULL"):
            for source in scope.sources:
                source.nullable = True
        left = scope.sources[start:]
        right = self._from_item(join.this, scope, nullable=side in ("LEFT", "FULL"))
        for column in join.args.get("using") or []:
            name = ident(column)
            for where, sources in (("left", left), ("right", [right])):
                if not any(c.name == name for s in sources for c in s.columns):
                    raise AnalysisError(
                        f'column "{name}" specified in USING clause does not exist in {where} table',
                        column,
                    )
        if join.args.get("on") is not None:
            self._bind_param(join.args["on"], BOOL, scope)
            self._infer(join.args["on"], scope)
