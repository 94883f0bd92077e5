"""Output columns: the select list and RETURNING, with ``*`` and ``sqlc.embed`` expanded
to the columns they stand for.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.pg.types import TEXT, UNKNOWN
from pgsqlgen.queries.analysis.from_items import FromItemAnalyser
from pgsqlgen.queries.analysis.model import (
    EMBED_MARKER,
    STAR_MARKER,
    AnalysisError,
    Embed,
    ResultColumn,
    Scope,
    untyped_parameter,
)
from pgsqlgen.queries.analysis.syntax import column_name, ident


class OutputAnalyser(FromItemAnalyser):
    def _projection(
        self, items: list[exp.Expr], scope: Scope, untyped_params: bool = False
    ) -> list[ResultColumn]:
        """The output columns of a select list or RETURNING; with ``untyped_params`` (a
        side of a set operation), a parameter nothing has typed yet is an output of
        unknown type, for the set operation to type."""
        columns: list[ResultColumn] = []
        for item in items:
            star = self._star_of(item)
            if star is not None:
                marker, table, embed = star
                if embed:
                    assert marker is not None and table is not None
                    columns.extend(self._expand_embed(marker, table, item, scope))
                else:
                    columns.extend(self._expand_star(marker, table, item, scope))
                continue
            if isinstance(item, exp.Dot) and isinstance(item.expression, exp.Star):
                # (p).*: the fields of a composite value, named as PostgreSQL names them.
                columns.extend(self._row_fields(item.this, scope))
                continue
            self._infer(item, scope)
            value = item.this if isinstance(item, exp.Alias) else item
            name = (
                ident(item.args.get("alias")) if isinstance(item, exp.Alias) else column_name(value)
            )
            if isinstance(value, exp.Null):
                # An untyped NULL output is text, as in PostgreSQL; INSERT ... SELECT
                # coerces it to the target column's type.
                columns.append(ResultColumn(name, TEXT, True))
                continue
            typed = self.type_of(value, scope)
            param = self._param_of(value)
            if typed.type is None and param is not None and untyped_params:
                columns.append(ResultColumn(name, UNKNOWN, typed.nullable))
                continue
            if typed.type is None and param is not None:
                raise untyped_parameter(param)
            if typed.type is None:
                raise AnalysisError(
                    f'cannot determine the type of "{value.sql(dialect="postgres")}"; add a cast',
                    value,
                )
            columns.append(
                ResultColumn(name, typed.type, typed.nullable, typed.table, typed.column)
            )
        return columns

    @staticmethod
    def _star_of(item: exp.Expr) -> tuple[int | None, str | None, bool] | None:
        """(marker, table, is an embed) of a select-list ``*``, ``t.*`` or ``sqlc.embed(t)``."""
        if isinstance(item, exp.Star):
            return None, None, False
        if isinstance(item, exp.Column):
            table = ident(item.args.get("table")) or None
            if isinstance(item.this, exp.Star):
                return None, table, False
            for prefix, embed in ((STAR_MARKER, False), (EMBED_MARKER, True)):
                if item.name.startswith(prefix):
                    return int(item.name[len(prefix) :]), table, embed
        return None

    def _expand_embed(
        self, marker: int, alias: str, node: exp.Expr, scope: Scope
    ) -> list[ResultColumn]:
        source = next((s for s in scope.sources if s.alias == alias), None)
        if source is None:
            raise AnalysisError(f'sqlc.embed({alias}): no table "{alias}" in FROM', node)
        if source.relation is None:
            raise AnalysisError(
                f"sqlc.embed({alias}): embed a table or view, not a subquery or CTE", node
            )
        self.embeds[marker] = Embed(alias, source.relation, source.nullable)
        self.star_expansions[marker] = [(source.alias, c.name) for c in source.columns]
        return [
            ResultColumn(c.name, c.type, c.nullable or source.nullable, c.table, c.column, marker)
            for c in source.columns
        ]

    def _expand_star(
        self, marker: int | None, table: str | None, node: exp.Expr, scope: Scope
    ) -> list[ResultColumn]:
        sources = scope.sources
        if table is not None:
            sources = [s for s in scope.sources if s.alias == table]
            if not sources:
                raise AnalysisError(f'missing FROM-clause entry for table "{table}"', node)
        if not sources:
            raise AnalysisError("SELECT * with no tables specified is not valid", node)
        expanded = [
            ResultColumn(c.name, c.type, c.nullable or s.nullable, c.table, c.column)
            for s in sources
            for c in s.columns
        ]
        named = [(s.alias, c.name) for s in sources for c in s.columns]
        # A column list naming one column twice would be ambiguous: such a * stays as written.
        if marker is not None and len(set(named)) == len(named):
            self.star_expansions[marker] = named
        return expanded

    def _returning(self, node: exp.Expr, scope: Scope) -> list[ResultColumn]:
        returning = node.args.get("returning")
        if returning is None:
            return []
        return self._projection(returning.expressions, scope)
