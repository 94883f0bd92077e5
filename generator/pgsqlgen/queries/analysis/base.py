"""The analyser's state and the questions every part of it asks: which column a name
resolves to in the scopes, and which parameter an expression is, typed from its context.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.pg import builtins
from pgsqlgen.pg.types import UNKNOWN, PgType
from pgsqlgen.queries.analysis.model import (
    EMBED_MARKER,
    STAR_MARKER,
    AnalysisError,
    Embed,
    Param,
    ResultColumn,
    Scope,
    Source,
    Typed,
)
from pgsqlgen.queries.analysis.syntax import ident, table_name, unparen


class AnalyserBase:
    """The state of one statement's analysis: the catalog, its parameters, and what
    the analysis records for code generation (``*`` expansions, embeds, the INSERT target)."""

    def __init__(self, catalog: Catalog, params: dict[int, Param]) -> None:
        self.catalog = catalog
        self.params = params
        self.star_expansions: dict[int, list[tuple[str, str]]] = {}
        self.insert_table: str | None = None
        self.embeds: dict[int, Embed] = {}

    def _resolve_column(self, node: exp.Column, scope: Scope) -> Typed:
        name = ident(node)
        if name.startswith((EMBED_MARKER, STAR_MARKER)):
            raise AnalysisError("sqlc.embed and * are only allowed in a select list", node)
        table = ident(node.args.get("table")) if node.args.get("table") else None
        current: Scope | None = scope
        while current is not None:
            matches = [
                (source, column)
                for source in current.sources
                if table is None or source.alias == table
                for column in source.columns
                if column.name == name
            ]
            if len(matches) > 1 and table is None:
                raise AnalysisError(f'column reference "{name}" is ambiguous', node)
            if matches:
                source, column = matches[0]
                return Typed(
                    column.type, column.nullable or source.nullable, column.table, column.column
                )
            system = self._system_column(name, table, current)
            if system is not None:
                return system
            if table is None:
                whole_row = next((s for s in current.sources if s.alias == name), None)
                if whole_row is not None:
                    return self._whole_row(whole_row)
            if table is not None and any(s.alias == table for s in current.sources):
                raise AnalysisError(f"column {table}.{name} does not exist", node)
            current = current.outer
        if table is not None:
            raise AnalysisError(f'missing FROM-clause entry for table "{table}"', node)
        raise AnalysisError(f'column "{name}" does not exist', node)

    @staticmethod
    def _whole_row(source: Source) -> Typed:
        """A FROM item's alias as a value: its relation's row type, the composite type
        of a function, or ``record`` (a subquery, a function returning TABLE)."""
        return Typed(source.row_type or PgType(source.relation or "record"), source.nullable)

    def _system_column(self, name: str, table: str | None, scope: Scope) -> Typed | None:
        """``xmin``, ``ctid``, ``tableoid``...: columns every table has and ``*`` never shows."""
        pg_type = builtins.system_columns().get(name)
        if pg_type is None:
            return None
        tables = [
            s
            for s in scope.sources
            if (table is None or s.alias == table)
            and s.relation is not None
            and s.relation in self.catalog.tables
        ]
        if len(tables) > 1:
            raise AnalysisError(f'column reference "{name}" is ambiguous', None)
        return Typed(pg_type, False) if tables else None

    def _param_of(self, node: exp.Expr | None) -> Param | None:
        if node is None:
            return None
        node = unparen(node)
        if isinstance(node, exp.Parameter) and node.this is not None and node.this.is_int:
            return self.params.get(int(node.this.name))
        return None

    def _bind_param(
        self,
        node: exp.Expr | None,
        pg_type: PgType | None,
        scope: Scope,
        hint: str | None = None,
    ) -> None:
        param = self._param_of(node)
        if param is None:
            return
        if param.type is None and pg_type is not None and pg_type != UNKNOWN:
            param.type = pg_type
        if param.hint is None and hint is not None:
            param.hint = hint

    def _bind_target(self, value: exp.Expr, target: ResultColumn, scope: Scope) -> None:
        param = self._param_of(value)
        if param is None:
            return
        self._bind_param(value, target.type, scope, hint=target.name)
        if param.origin is None and target.table is not None and target.column is not None:
            param.origin = (target.table, target.column)
        if target.nullable and not param.forced_nullable:
            param.nullable = True

    @staticmethod
    def _element(pg_type: PgType | None) -> PgType | None:
        return pg_type.element() if pg_type is not None and pg_type.array_dims else None

    @staticmethod
    def _local_source(column: exp.Column, scope: Scope) -> Source | None:
        """The FROM item of this query level a column belongs to, if any."""
        name = ident(column)
        table = ident(column.args.get("table")) if column.args.get("table") else None
        for source in scope.sources:
            if table is not None and source.alias != table:
                continue
            if any(c.name == name for c in source.columns):
                return source
        return None

    def _target(self, node: exp.Expr, scope: Scope) -> tuple[str, list[ResultColumn]]:
        table = node.this if isinstance(node, exp.Schema) else node
        if not isinstance(table, exp.Table):
            raise AnalysisError("expected a table", node)
        name = table_name(table)
        found = self.catalog.tables.get(name)
        if found is None:
            raise AnalysisError(f'relation "{name}" does not exist', table)
        columns = [
            ResultColumn(c.name, c.type, not c.not_null, name, c.name) for c in found.columns
        ]
        alias = table.args.get("alias")
        scope.sources.append(
            Source(ident(alias) if alias is not None else ident(table.this), columns, False, name)
        )
        return name, columns
