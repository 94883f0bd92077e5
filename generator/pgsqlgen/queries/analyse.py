"""Analyse stage: parameter and result types of a statement, from the catalog.

A statement is resolved scope by scope, the way PostgreSQL's parser does it:
FROM items first (tables, views, CTEs, subqueries, with outer joins making
their side nullable), then parameters from the context they appear in
(comparisons, INSERT column lists, SET targets, LIMIT, casts), then the
result columns. Types are PostgreSQL ``typname`` values; nullability follows
PostgreSQL (``count`` is never null, ``sum``/``max`` over no rows are, a
scalar subquery may be).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from pgsqlgen.catalog.model import Catalog, Column, Function
from pgsqlgen.pg.types import PgType, from_sqlglot

STAR_MARKER = "__sqlgen_star_"
EMBED_MARKER = "__sqlgen_embed_"

BOOL = PgType("bool")
TEXT = PgType("text")
INT4 = PgType("int4")
INT8 = PgType("int8")
NUMERIC = PgType("numeric")
FLOAT8 = PgType("float8")
TIMESTAMPTZ = PgType("timestamptz")
UNKNOWN = PgType("unknown")


class AnalysisError(Exception):
    """A statement that does not type-check against the catalog."""

    def __init__(self, message: str, node: exp.Expr | None = None) -> None:
        super().__init__(message)
        self.node = node


@dataclass(frozen=True)
class Typed:
    """An expression's type (None when not known), nullability and origin."""

    type: PgType | None
    nullable: bool
    table: str | None = None
    column: str | None = None


@dataclass(frozen=True)
class ResultColumn:
    """A result column; ``embed`` is the ``sqlc.embed`` it belongs to, if any."""

    name: str
    type: PgType
    nullable: bool
    table: str | None = None
    column: str | None = None
    embed: int | None = None


@dataclass(frozen=True)
class Embed:
    """A ``sqlc.embed(alias)``: the table or view it names, and whether it is outer-joined."""

    alias: str
    relation: str
    nullable: bool


@dataclass
class Param:
    """A statement parameter; ``type`` is filled in by the analysis."""

    number: int
    name: str
    nullable: bool = False
    type: PgType | None = None
    node: exp.Expr | None = None
    forced_nullable: bool = False
    hint: str | None = None
    is_slice: bool = False
    origin: tuple[str, str] | None = None
    """The (table, column) the parameter is compared with or stored into, when one is."""


@dataclass
class Source:
    """A FROM item as a query sees it: an alias, columns, and outer-join nullability."""

    alias: str
    columns: list[ResultColumn]
    nullable: bool = False
    relation: str | None = None


@dataclass
class Scope:
    sources: list[Source] = field(default_factory=list)
    outer: Scope | None = None
    ctes: dict[str, list[ResultColumn]] = field(default_factory=dict)

    def all_ctes(self) -> dict[str, list[ResultColumn]]:
        inherited = self.outer.all_ctes() if self.outer is not None else {}
        return {**inherited, **self.ctes}


@dataclass
class Analysis:
    """What :func:`analyse_statement` learns about one statement."""

    columns: list[ResultColumn]
    params: dict[int, Param]
    star_expansions: dict[int, list[tuple[str, str]]]
    insert_table: str | None = None
    embeds: dict[int, Embed] = field(default_factory=dict)


def _ident(node: exp.Expr | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    if isinstance(node, exp.Column | exp.Table | exp.TableAlias):
        return _ident(node.this)
    return node.name.lower()


def _table_name(node: exp.Table) -> str:
    schema = _ident(node.args.get("db")) if node.args.get("db") else ""
    name = _ident(node.this)
    return name if schema in ("", "public", "pg_catalog") else f"{schema}.{name}"


def _unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def infer_relation_columns(catalog: Catalog, query: exp.Expr) -> list[Column]:
    """Columns of a view or ``CREATE TABLE AS``: names, types, and nullability."""
    analysis = analyse_statement(catalog, query, {})
    unknown = next((p for p in analysis.params.values()), None)
    if unknown is not None:
        raise AnalysisError("a view cannot have parameters", unknown.node)
    return [Column(c.name, c.type, not c.nullable) for c in analysis.columns]


def analyse_statement(catalog: Catalog, statement: exp.Expr, params: dict[int, Param]) -> Analysis:
    """Resolve a query; raises AnalysisError at the first problem."""
    analyser = _Analyser(catalog, params)
    columns = analyser.statement(statement, Scope())
    for param in params.values():
        if param.type is None:
            raise AnalysisError(
                f"could not determine the type of parameter {param.name}; add a cast, "
                f"for example {param.name}::text",
                param.node,
            )
    return Analysis(
        columns, params, analyser.star_expansions, analyser.insert_table, analyser.embeds
    )


class _Analyser:
    def __init__(self, catalog: Catalog, params: dict[int, Param]) -> None:
        self.catalog = catalog
        self.params = params
        self.star_expansions: dict[int, list[tuple[str, str]]] = {}
        self.insert_table: str | None = None
        self.embeds: dict[int, Embed] = {}

    # --- statements ------------------------------------------------------------------

    def statement(self, node: exp.Expr, outer: Scope) -> list[ResultColumn]:
        node = _unparen(node)
        if isinstance(node, exp.Subquery):
            return self.statement(node.this, outer)
        scope = Scope(outer=outer)
        self._ctes(node, scope)
        if isinstance(node, exp.Select):
            return self._select(node, scope)
        if isinstance(node, exp.SetOperation):
            return self._set_operation(node, scope)
        if isinstance(node, exp.Insert):
            return self._insert(node, scope)
        if isinstance(node, exp.Update):
            return self._update(node, scope)
        if isinstance(node, exp.Delete):
            return self._delete(node, scope)
        if isinstance(node, exp.Values):
            return self._values(node, scope)
        if isinstance(node, exp.Command):
            return self._utility(node, scope)
        raise AnalysisError(f"unsupported statement: {node.key.upper()}", node)

    def _utility(self, node: exp.Command, scope: Scope) -> list[ResultColumn]:
        """A utility statement (see queryfile._UTILITY): no result columns.

        Only CALL takes parameters, typed from the procedure's signature.
        """
        call = node.expression
        if str(node.this).upper() == "CALL" and isinstance(call, exp.Expr):
            self.type_of(call, scope)
        return []

    def _ctes(self, node: exp.Expr, scope: Scope) -> None:
        with_ = node.args.get("with_") or node.args.get("with")
        if not isinstance(with_, exp.With):
            return
        for cte in with_.expressions:
            alias = cte.args.get("alias")
            names = [_ident(c) for c in alias.columns] if alias is not None else []
            body = _unparen(cte.this)
            if with_.args.get("recursive") and isinstance(body, exp.Union):
                # The recursive term reads the CTE itself: PostgreSQL types the
                # CTE from the non-recursive term first, and so do we.
                scope.ctes[_ident(alias)] = _renamed(self.statement(body.this, scope), names)
            scope.ctes[_ident(alias)] = _renamed(self.statement(cte.this, scope), names)

    def _select(self, node: exp.Select, scope: Scope) -> list[ResultColumn]:
        from_ = node.args.get("from_") or node.args.get("from")
        if from_ is not None:
            self._from_item(from_.this, scope, nullable=False)
        for join in node.args.get("joins") or []:
            self._join(join, scope)
        for key in ("where", "group", "having", "qualify"):
            if node.args.get(key) is not None:
                self._infer(node.args[key], scope)
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is not None:
                self._bind_param(clause.args.get("expression"), INT8, scope, hint=key)
                self._infer(clause, scope)
        columns = self._projection(node.expressions, scope)
        outputs = {column.name for column in columns}
        for key in ("group", "order"):
            if node.args.get(key) is not None:
                self._check_references(node.args[key], scope, outputs)
        self._check_grouping(node, scope)
        order = node.args.get("order")
        if order is not None:
            self._infer(order, scope)
        distinct = node.args.get("distinct")
        if distinct is not None:
            self._infer(distinct, scope)
        return columns

    def _check_references(self, clause: exp.Expr, scope: Scope, outputs: set[str]) -> None:
        """Every column GROUP BY or ORDER BY names must exist, as PostgreSQL requires.

        Both clauses may also name an output column of the select list.
        """
        for column in _own_columns(clause):
            if column.args.get("table") is None and _ident(column) in outputs:
                continue
            self._resolve_column(column, scope)

    def _check_grouping(self, node: exp.Select, scope: Scope) -> None:
        """With GROUP BY, a select-list column must be grouped or inside an aggregate.

        As PostgreSQL: a GROUP BY item may be a position or an output name, an
        expression equal to a grouped one is allowed, and grouping by a table's
        primary key allows its other columns. Anything this does not model
        (grouping sets, functions it cannot tell from aggregates, subqueries)
        is accepted.
        """
        group = node.args.get("group")
        if group is None or not group.expressions:
            return
        items = [_unalias(item) for item in node.expressions]
        aliases = {
            _ident(item.args.get("alias")): item.this
            for item in node.expressions
            if isinstance(item, exp.Alias)
        }
        grouped: list[exp.Expr] = []
        for item in group.expressions:
            if isinstance(item, exp.Rollup | exp.Cube | exp.GroupingSets) or len(group.args) > 1:
                return
            if isinstance(item, exp.Literal) and item.is_int:
                position = int(item.name)
                if not 1 <= position <= len(items):
                    return
                item = items[position - 1]
            elif (
                isinstance(item, exp.Column)
                and item.args.get("table") is None
                and _ident(item) in aliases
                and self._local_source(item, scope) is None
            ):
                item = aliases[_ident(item)]
            grouped.append(item)
        keys = {_grouping_key(item) for item in grouped}
        columns: set[tuple[int, str]] = set()
        for item in grouped:
            if isinstance(item, exp.Column):
                source = self._local_source(item, scope)
                if source is not None:
                    columns.add((id(source), _ident(item)))

        def allowed(column: exp.Column, source: Source) -> bool:
            if (id(source), _ident(column)) in columns:
                return True
            table = self.catalog.tables.get(source.relation) if source.relation else None
            key = table.primary_key() if table is not None else None
            return key is not None and all((id(source), c) in columns for c in key.columns)

        def check(expr: exp.Expr) -> None:
            if isinstance(expr, _GROUP_EXEMPT) or _grouping_key(expr) in keys:
                return
            if isinstance(expr, exp.Column):
                name = _ident(expr)
                if not isinstance(expr.this, exp.Identifier) or name.startswith(
                    (EMBED_MARKER, STAR_MARKER)
                ):
                    return
                source = self._local_source(expr, scope)
                if source is None or allowed(expr, source):
                    return
                shown = f"{source.alias}.{name}" if source.alias else name
                raise AnalysisError(
                    f'column "{shown}" must appear in the GROUP BY clause'
                    " or be used in an aggregate function",
                    expr,
                )
            for child in expr.iter_expressions():
                check(child)

        for item in items:
            check(item)

    @staticmethod
    def _local_source(column: exp.Column, scope: Scope) -> Source | None:
        """The FROM item of this query level a column belongs to, if any."""
        name = _ident(column)
        table = _ident(column.args.get("table")) if column.args.get("table") else None
        for source in scope.sources:
            if table is not None and source.alias != table:
                continue
            if any(c.name == name for c in source.columns):
                return source
        return None

    def _set_operation(self, node: exp.SetOperation, scope: Scope) -> list[ResultColumn]:
        left = self.statement(node.this, scope)
        right = self.statement(node.expression, scope)
        if len(left) != len(right):
            raise AnalysisError(
                "each side of a set operation must have the same number of columns", node
            )
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is not None:
                self._bind_param(clause.args.get("expression"), INT8, scope, hint=key)
                self._infer(clause, scope)
        merged = []
        for a, b in zip(left, right, strict=True):
            chosen = a.type if a.type != UNKNOWN else b.type
            merged.append(ResultColumn(a.name, chosen, a.nullable or b.nullable))
        return merged

    def _values(self, node: exp.Values, scope: Scope) -> list[ResultColumn]:
        rows = [row.expressions for row in node.expressions]
        if not rows:
            return []
        columns = []
        for index, value in enumerate(rows[0]):
            typed = self.type_of(value, scope)
            columns.append(ResultColumn(f"column{index + 1}", typed.type or TEXT, typed.nullable))
        return columns

    def _target(self, node: exp.Expr, scope: Scope) -> tuple[str, list[ResultColumn]]:
        table = node.this if isinstance(node, exp.Schema) else node
        if not isinstance(table, exp.Table):
            raise AnalysisError("expected a table", node)
        name = _table_name(table)
        found = self.catalog.tables.get(name)
        if found is None:
            raise AnalysisError(f'relation "{name}" does not exist', table)
        columns = [
            ResultColumn(c.name, c.type, not c.not_null, name, c.name) for c in found.columns
        ]
        alias = table.args.get("alias")
        scope.sources.append(
            Source(_ident(alias) if alias is not None else _ident(table.this), columns)
        )
        return name, columns

    def _insert(self, node: exp.Insert, scope: Scope) -> list[ResultColumn]:
        name, columns = self._target(node.this, scope)
        self.insert_table = name
        by_name = {c.name: c for c in columns}
        explicit = isinstance(node.this, exp.Schema) and bool(node.this.expressions)
        if explicit:
            targets = []
            for ident in node.this.expressions:
                column = by_name.get(_ident(ident))
                if column is None:
                    raise AnalysisError(
                        f'column "{_ident(ident)}" of relation "{name}" does not exist', ident
                    )
                targets.append(column)
        else:
            targets = columns
        source = node.args.get("expression")
        if isinstance(source, exp.Values):
            for row in source.expressions:
                values = row.expressions if isinstance(row, exp.Tuple) else [row]
                if len(values) > len(targets):
                    raise AnalysisError("INSERT has more expressions than target columns", row)
                if explicit and len(values) < len(targets):
                    raise AnalysisError("INSERT has more target columns than expressions", row)
                for value, target in zip(values, targets, strict=False):
                    self._bind_target(value, target, scope)
                    self._infer(value, scope)
        elif isinstance(source, exp.Query):
            select = source
            if isinstance(select, exp.Select):
                for value, target in zip(select.expressions, targets, strict=False):
                    self._bind_target(value.unalias(), target, scope)
            produced = self.statement(source, scope)
            if len(produced) > len(targets):
                raise AnalysisError("INSERT has more expressions than target columns", source)
            if explicit and len(produced) < len(targets):
                raise AnalysisError("INSERT has more target columns than expressions", source)
        conflict = node.args.get("conflict")
        if conflict is not None:
            excluded = Source(
                "excluded",
                [ResultColumn(c.name, c.type, c.nullable, name, c.name) for c in columns],
            )
            conflict_scope = Scope([*scope.sources, excluded], scope.outer, scope.ctes)
            action = conflict.args.get("action")
            if (
                isinstance(action, exp.Expr)
                and action.name.upper() == "DO UPDATE"
                and not conflict.args.get("conflict_keys")
                and conflict.args.get("constraint") is None
            ):
                raise AnalysisError(
                    "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    conflict,
                )
            for part in conflict.args.get("conflict_keys") or []:
                for reference in _own_columns(part):
                    self._resolve_column(reference, Scope(list(scope.sources)))
            for assignment in conflict.expressions or []:
                self._assignment(assignment, by_name, conflict_scope)
                if isinstance(assignment, exp.EQ):
                    for reference in _own_columns(assignment.expression):
                        self._resolve_column(reference, conflict_scope)
            for key in ("where", "conflict_keys"):
                value = conflict.args.get(key)
                for part in value if isinstance(value, list) else [value]:
                    if isinstance(part, exp.Expr):
                        self._infer(part, conflict_scope)
        return self._returning(node, scope)

    def _assignment(self, node: exp.Expr, columns: dict[str, ResultColumn], scope: Scope) -> None:
        if not isinstance(node, exp.EQ):
            raise AnalysisError("expected column = value", node)
        targets, values = _unparen(node.this), _unparen(node.expression)
        if isinstance(targets, exp.Tuple) and isinstance(values, exp.Tuple):
            # SET (a, b) = (x, y) assigns element by element.
            if len(targets.expressions) != len(values.expressions):
                raise AnalysisError("SET (...) = (...) needs as many values as columns", node)
            for target, value in zip(targets.expressions, values.expressions, strict=True):
                self._assign(target, value, columns, scope)
            return
        self._assign(node.this, node.expression, columns, scope)

    def _assign(
        self, target: exp.Expr, value: exp.Expr, columns: dict[str, ResultColumn], scope: Scope
    ) -> None:
        column = columns.get(_ident(target))
        if column is None:
            raise AnalysisError(f'column "{_ident(target)}" does not exist', target)
        self._bind_target(value, column, scope)
        self._infer(value, scope)

    def _update(self, node: exp.Update, scope: Scope) -> list[ResultColumn]:
        _, columns = self._target(node.this, scope)
        from_ = node.args.get("from_") or node.args.get("from")
        if from_ is not None:
            self._from_item(from_.this, scope, nullable=False)
        for join in node.args.get("joins") or []:
            self._join(join, scope)
        by_name = {c.name: c for c in columns}
        for assignment in node.expressions:
            self._assignment(assignment, by_name, scope)
        if node.args.get("where") is not None:
            self._infer(node.args["where"], scope)
        return self._returning(node, scope)

    def _delete(self, node: exp.Delete, scope: Scope) -> list[ResultColumn]:
        self._target(node.this, scope)
        for item in node.args.get("using") or []:
            self._from_item(item, scope, nullable=False)
        if node.args.get("where") is not None:
            self._infer(node.args["where"], scope)
        return self._returning(node, scope)

    def _returning(self, node: exp.Expr, scope: Scope) -> list[ResultColumn]:
        returning = node.args.get("returning")
        if returning is None:
            return []
        return self._projection(returning.expressions, scope)

    # --- FROM ------------------------------------------------------------------------

    def _from_item(self, node: exp.Expr, scope: Scope, nullable: bool) -> Source:
        alias_node = node.args.get("alias")
        alias = _ident(alias_node) if alias_node is not None else ""
        relation_name: str | None = None
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
            columns = self._function_columns(node.this, alias, scope)
            alias = alias or _function_name(node.this)
            if node.args.get("ordinality"):
                columns.append(ResultColumn("ordinality", INT8, False))
        elif isinstance(node, exp.Table):
            name = _table_name(node)
            ctes = scope.all_ctes()
            if name in ctes:
                columns = [
                    ResultColumn(c.name, c.type, c.nullable, c.table, c.column) for c in ctes[name]
                ]
            else:
                relation = self.catalog.relation_columns(name)
                if relation is None:
                    raise AnalysisError(f'relation "{name}" does not exist', node)
                relation_name = name
                columns = [
                    ResultColumn(c.name, c.type, not c.not_null, name, c.name) for c in relation
                ]
            alias = alias or _ident(node.this)
        elif isinstance(node, exp.Subquery) and _is_join_tree(node.this):
            # A parenthesised join tree, as pg_get_viewdef writes FROM clauses.
            source = self._from_item(node.this, scope, nullable)
            for join in node.args.get("joins") or []:
                self._join(join, scope)
            return source
        elif isinstance(node, exp.Subquery):
            inner = self.statement(
                node.this, Scope(outer=scope if node.args.get("lateral") else scope.outer)
            )
            columns = inner
            if not alias:
                raise AnalysisError("subquery in FROM must have an alias", node)
        elif isinstance(node, exp.Lateral):
            columns = self.statement(node.this, scope)
        elif isinstance(node, exp.Unnest):
            columns = []
            for index, value in enumerate(node.expressions):
                self._infer(value, scope)
                typed = self.type_of(value, scope)
                element = typed.type.element() if typed.type is not None else TEXT
                columns.append(ResultColumn(f"unnest{index}" if index else "unnest", element, True))
            ordinality = node.args.get("offset")
            if ordinality:
                name = _ident(ordinality) if isinstance(ordinality, exp.Expr) else "ordinality"
                columns.append(ResultColumn(name, INT8, False))
        else:
            raise AnalysisError(f"unsupported FROM item: {node.sql(dialect='postgres')}", node)
        if alias_node is not None and getattr(alias_node, "columns", None):
            names = [_ident(c) for c in alias_node.columns]
            columns = [
                ResultColumn(
                    names[i] if i < len(names) else c.name, c.type, c.nullable, c.table, c.column
                )
                for i, c in enumerate(columns)
            ]
        source = Source(alias, columns, nullable, relation_name)
        scope.sources.append(source)
        for join in node.args.get("joins") or []:
            self._join(join, scope)
        return source

    def _function_columns(self, call: exp.Func, alias: str, scope: Scope) -> list[ResultColumn]:
        """The columns of a function call in FROM.

        A user function returning a table or OUT parameters gives those
        columns; one returning a table's row type, that table's columns;
        any other gives one column, named by the alias as in PostgreSQL.
        Function results may be NULL.
        """
        self._infer(call, scope)
        typed = self.type_of(call, scope)
        name = _function_name(call)
        args = [a for a in call.iter_expressions() if not isinstance(a, exp.Star)]
        types = [self.type_of(a, scope).type for a in args]
        builtin = _TABLE_FUNCTIONS.get(name)
        if builtin is not None:
            return [ResultColumn(column, pg_type, True) for column, pg_type in builtin]
        function = self._user_function(name, args, types, scope)
        if function is not None and function.returns_table is not None:
            return [ResultColumn(c.name, c.type, True) for c in function.returns_table]
        if typed.type is not None:
            relation = self.catalog.relation_columns(typed.type.name)
            if relation is not None and not typed.type.array_dims:
                return [ResultColumn(c.name, c.type, True) for c in relation]
            return [ResultColumn(alias or name, typed.type, True)]
        raise AnalysisError(f"cannot determine the columns of {call.sql(dialect='postgres')}", call)

    def _join(self, join: exp.Join, scope: Scope) -> None:
        side = str(join.args.get("side") or "").upper()
        if side in ("RIGHT", "FULL"):
            for source in scope.sources:
                source.nullable = True
        self._from_item(join.this, scope, nullable=side in ("LEFT", "FULL"))
        if join.args.get("on") is not None:
            self._infer(join.args["on"], scope)

    # --- projection ------------------------------------------------------------------

    def _projection(self, items: list[exp.Expr], scope: Scope) -> list[ResultColumn]:
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
            self._infer(item, scope)
            value = item.this if isinstance(item, exp.Alias) else item
            name = (
                _ident(item.args.get("alias"))
                if isinstance(item, exp.Alias)
                else column_name(value)
            )
            typed = self.type_of(value, scope)
            param = self._param_of(value)
            if typed.type is None and param is not None:
                raise AnalysisError(
                    f"could not determine the type of parameter {param.name}; add a cast, "
                    f"for example {param.name}::text",
                    param.node,
                )
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
            table = _ident(item.args.get("table")) or None
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
        if marker is not None:
            self.star_expansions[marker] = [(s.alias, c.name) for s in sources for c in s.columns]
        return expanded

    # --- columns ---------------------------------------------------------------------

    def _resolve_column(self, node: exp.Column, scope: Scope) -> Typed:
        name = _ident(node)
        if name.startswith((EMBED_MARKER, STAR_MARKER)):
            raise AnalysisError("sqlc.embed and * are only allowed in a select list", node)
        table = _ident(node.args.get("table")) if node.args.get("table") else None
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
            if table is not None and any(s.alias == table for s in current.sources):
                raise AnalysisError(f"column {table}.{name} does not exist", node)
            current = current.outer
        if table is not None:
            raise AnalysisError(f'missing FROM-clause entry for table "{table}"', node)
        raise AnalysisError(f'column "{name}" does not exist', node)

    # --- parameters ------------------------------------------------------------------

    def _param_of(self, node: exp.Expr | None) -> Param | None:
        if node is None:
            return None
        node = _unparen(node)
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

    def _note_origin(self, node: exp.Expr, other: exp.Expr, scope: Scope) -> None:
        """A parameter compared for equality with a column takes that column's origin."""
        param = self._param_of(node)
        if param is None or param.origin is not None:
            return
        typed = self.type_of(other, scope)
        if typed.table is not None and typed.column is not None:
            param.origin = (typed.table, typed.column)

    def _bind_target(self, value: exp.Expr, target: ResultColumn, scope: Scope) -> None:
        param = self._param_of(value)
        if param is None:
            return
        self._bind_param(value, target.type, scope, hint=target.name)
        if param.origin is None and target.table is not None and target.column is not None:
            param.origin = (target.table, target.column)
        if target.nullable and not param.forced_nullable:
            param.nullable = True

    def _infer(self, node: exp.Expr, scope: Scope) -> None:
        """Bind parameter types from the context each one appears in."""
        if isinstance(node, exp.Subquery | exp.Query):
            self.statement(node, scope)
            return
        self._infer_here(node, scope)
        for child in node.iter_expressions():
            self._infer(child, scope)

    def _infer_here(self, node: exp.Expr, scope: Scope) -> None:
        if isinstance(node, exp.Cast):
            self._bind_param(node.this, from_sqlglot(node.to), scope)
        elif isinstance(node, exp.Binary) and not isinstance(node, exp.Connector):
            left, right = node.this, node.expression
            if isinstance(node, exp.Like | exp.ILike):
                self._bind_param(left, TEXT, scope, _hint(right))
                self._bind_param(right, TEXT, scope, _hint(left))
                return
            array = _quantified(right)
            if array is not None:
                left_type = self._operand_type(left, scope)
                self._bind_param(
                    array, left_type.array_of() if left_type else None, scope, _hint(left)
                )
                self._bind_param(left, self._element(self.type_of(array, scope).type), scope)
                return
            self._bind_param(left, self._operand_type(right, scope), scope, _hint(right))
            self._bind_param(right, self._operand_type(left, scope), scope, _hint(left))
            if isinstance(node, exp.EQ | exp.NEQ):
                self._note_origin(left, right, scope)
                self._note_origin(right, left, scope)
        elif isinstance(node, exp.In):
            this_type = self._operand_type(node.this, scope)
            for value in node.expressions:
                self._bind_param(value, this_type, scope, _hint(node.this))
            query = node.args.get("query")
            if query is not None and this_type is None:
                inner = self.statement(query, scope)
                if inner:
                    self._bind_param(node.this, inner[0].type, scope)
            elif this_type is None and node.expressions:
                self._bind_param(node.this, self.type_of(node.expressions[0], scope).type, scope)
        elif isinstance(node, exp.Between):
            this_type = self._operand_type(node.this, scope)
            self._bind_param(node.args.get("low"), this_type, scope, _hint(node.this))
            self._bind_param(node.args.get("high"), this_type, scope, _hint(node.this))
        elif isinstance(node, exp.Coalesce | exp.Greatest | exp.Least | exp.Nullif):
            args = [node.this, *node.expressions]
            if isinstance(node, exp.Nullif):
                args = [node.this, node.expression]
            known = next((t for t in (self.type_of(a, scope).type for a in args) if t), None)
            for arg in args:
                self._bind_param(arg, known, scope)

        elif isinstance(node, exp.Func):
            self._bind_arguments(node, scope)

    def _bind_arguments(self, node: exp.Func, scope: Scope) -> None:
        """Type parameters passed to a built-in function from its signature.

        A parameter gets the argument type of the one signature with as many
        arguments as the call has (PostgreSQL would report a call matching
        none); with several candidates of that arity it stays untyped.
        """
        name = _function_name(node)
        signatures = _SIGNATURES.get(name)
        if signatures is None:
            return
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        named = [a for a in args if isinstance(a, exp.Kwarg)]
        if named:
            keywords = _KEYWORD_ARGUMENTS.get(name, {})
            for keyword in named:
                self._bind_param(keyword.expression, keywords.get(keyword.name.lower()), scope)
            return
        candidates = [s for s in signatures if len(s) == len(args)]
        if not candidates:
            raise AnalysisError(f"function {name} does not take {len(args)} arguments", node)
        if len(candidates) == 1:
            for arg, pg_type in zip(args, candidates[0], strict=True):
                self._bind_param(arg, pg_type, scope)

    def _operand_type(self, node: exp.Expr, scope: Scope) -> PgType | None:
        """The type an operator gives a parameter compared with ``node``.

        varchar has no operators of its own: PostgreSQL compares it as text,
        so ``username = $1`` makes ``$1`` text (an INSERT or SET target keeps
        varchar).
        """
        pg_type = self.type_of(node, scope).type
        if pg_type is not None and pg_type.name == "varchar":
            return PgType("text", (), pg_type.array_dims)
        return pg_type

    @staticmethod
    def _element(pg_type: PgType | None) -> PgType | None:
        return pg_type.element() if pg_type is not None and pg_type.array_dims else None

    # --- expression types ------------------------------------------------------------

    def type_of(self, node: exp.Expr, scope: Scope) -> Typed:
        node = _unparen(node)
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                raise AnalysisError("* is not allowed here", node)
            return self._resolve_column(node, scope)
        if isinstance(node, exp.Parameter):
            param = self._param_of(node)
            if param is None:
                raise AnalysisError("unknown parameter", node)
            return Typed(param.type, param.nullable)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return Typed(TEXT, False)
            text = node.name
            if text.isdigit():
                return Typed(INT4 if int(text) < 2**31 else INT8, False)
            return Typed(NUMERIC, False)
        if isinstance(node, exp.Boolean):
            return Typed(BOOL, False)
        if isinstance(node, exp.Null):
            return Typed(None, True)
        if isinstance(node, exp.Cast):
            inner = self.type_of(node.this, scope)
            return Typed(from_sqlglot(node.to), inner.nullable)
        if isinstance(node, exp.Alias):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.Subquery | exp.Query):
            columns = self.statement(node, scope)
            if len(columns) != 1:
                raise AnalysisError("subquery must return only one column", node)
            return Typed(columns[0].type, True)
        if isinstance(node, exp.Exists):
            self.statement(node.this, scope)
            return Typed(BOOL, False)
        if isinstance(node, exp.Is):
            self.type_of(node.this, scope)
            return Typed(BOOL, False)
        if isinstance(node, exp.Predicate | exp.Connector | exp.Not):
            return Typed(BOOL, self._any_nullable(node, scope))
        if isinstance(node, exp.Window):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.JSONExtractScalar):
            self.type_of(node.this, scope)
            return Typed(TEXT, True)
        if isinstance(node, exp.JSONExtract):
            source = self.type_of(node.this, scope)
            return Typed(
                source.type
                if source.type in (PgType("json"), PgType("jsonb"))
                else PgType("jsonb"),
                True,
            )
        if isinstance(node, exp.DPipe):
            left = self.type_of(node.this, scope)
            right = self.type_of(node.expression, scope)
            result = left.type if left.type is not None and left.type.array_dims else TEXT
            return Typed(result, left.nullable or right.nullable)
        if isinstance(node, exp.Var):
            # A keyword in argument position, such as extract's field: never null.
            return Typed(None, False)
        if isinstance(node, exp.Kwarg):
            return self.type_of(node.expression, scope)
        if isinstance(node, exp.Pow):
            # power() and ``^`` are defined for float8 and numeric only, not per input type.
            return self._function(node, scope)
        if isinstance(node, exp.Binary):
            return self._arithmetic(node, scope)
        if isinstance(node, exp.Neg | exp.BitwiseNot):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.Case):
            return self._case(node, scope)
        if isinstance(node, exp.Array):
            elements = [self.type_of(e, scope) for e in node.expressions]
            element = next((e.type for e in elements if e.type is not None), None)
            return Typed(element.array_of() if element is not None else None, False)
        if isinstance(node, exp.Func):
            return self._function(node, scope)
        return Typed(None, True)

    def _any_nullable(self, node: exp.Expr, scope: Scope) -> bool:
        nullable = False
        for child in node.iter_expressions():
            if isinstance(child, exp.Subquery | exp.Query):
                self.statement(child, scope)
                continue
            nullable = self.type_of(child, scope).nullable or nullable
        return nullable

    def _arithmetic(self, node: exp.Binary, scope: Scope) -> Typed:
        left = self.type_of(node.this, scope)
        right = self.type_of(node.expression, scope)
        nullable = left.nullable or right.nullable
        a, b = left.type, right.type
        if a is None or b is None:
            return Typed(a or b, nullable)
        names = {a.name, b.name}
        if names <= {"timestamptz", "timestamp", "date"} and isinstance(node, exp.Sub):
            return Typed(PgType("interval") if a.name != "date" else INT4, nullable)
        for temporal in ("timestamptz", "timestamp", "date", "time"):
            if temporal in names:
                return Typed(
                    PgType("timestamp") if {"date", "interval"} == names else PgType(temporal),
                    nullable,
                )
        return Typed(_wider_numeric(a, b), nullable)

    def _case(self, node: exp.Case, scope: Scope) -> Typed:
        branches = [i.args["true"] for i in node.args.get("ifs") or []]
        default = node.args.get("default")
        for condition in node.args.get("ifs") or []:
            self._infer(condition.this, scope)
        if default is not None:
            branches.append(default)
        typed = [self.type_of(b, scope) for b in branches]
        chosen = next((t.type for t in typed if t.type is not None), None)
        return Typed(chosen, default is None or any(t.nullable for t in typed))

    def _function(self, node: exp.Func, scope: Scope) -> Typed:
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        if isinstance(node, exp.Count):
            for arg in args:
                self._infer(arg, scope)
            return Typed(INT8, False)
        if isinstance(node, exp.Coalesce):
            typed = [self.type_of(a, scope) for a in args]
            chosen = next((t.type for t in typed if t.type is not None), None)
            return Typed(chosen, all(t.nullable for t in typed))
        typed = [self.type_of(a, scope) for a in args]
        first = typed[0].type if typed else None
        strict_nullable = any(t.nullable for t in typed)
        if isinstance(node, exp.Sum):
            return Typed(_sum_type(first), True)
        if isinstance(node, exp.Avg):
            return Typed(
                FLOAT8 if first is not None and first.name in ("float4", "float8") else NUMERIC,
                True,
            )
        if isinstance(node, exp.Max | exp.Min):
            return Typed(first, True)
        if isinstance(node, exp.ArrayAgg):
            return Typed(first.array_of() if first is not None else None, True)
        if isinstance(node, exp.Nullif):
            return Typed(first, True)
        if isinstance(node, exp.Greatest | exp.Least):
            chosen = next((t.type for t in typed if t.type is not None), None)
            return Typed(chosen, all(t.nullable for t in typed))
        name = _function_name(node)
        known = _FUNCTIONS.get(name)
        if known is not None:
            result, nullable = known
            if nullable is None:
                nullable = strict_nullable
            if result == _ARG:
                return Typed(first, nullable)
            if result == _ELEMENT:
                return Typed(self._element(first), True)
            if result == _FLOAT_OR_NUMERIC:
                return Typed(_float_or_numeric([t.type for t in typed]), nullable)
            assert isinstance(result, PgType)
            return Typed(result, nullable)
        function = self._user_function(name, args, [t.type for t in typed], scope)
        if function is not None:
            # The body may return NULL whatever the arguments, STRICT or not.
            return Typed(function.returns, True)
        return Typed(None, True)

    def _user_function(
        self, name: str, args: Sequence[exp.Expr], types: list[PgType | None], scope: Scope
    ) -> Function | None:
        """The overload of a user-defined function a call resolves to; binds its parameters.

        Candidates are the overloads the call's arity (or argument names)
        fits, narrowed by the argument types already known; a call that
        still fits several stays unresolved, as PostgreSQL would need casts
        to choose.
        """
        overloads = self.catalog.functions.get(name, [])
        keywords = [a for a in args if isinstance(a, exp.Kwarg)]

        def fits(function: Function) -> bool:
            inputs = [a for a in function.arguments if a.is_input]
            if not function.required_args <= len(args) <= len(inputs):
                return False
            names = {a.name for a in inputs[len(args) - len(keywords) :]}
            return all(k.name.lower() in names for k in keywords)

        candidates = [f for f in overloads if fits(f)]
        if len(candidates) > 1:
            candidates = [
                f
                for f in candidates
                if all(t is None or t == a for t, a in zip(types, f.arg_types, strict=False))
            ]
        if len(candidates) != 1:
            return None
        function = candidates[0]
        inputs = [a for a in function.arguments if a.is_input]
        by_name = {a.name: a.type for a in inputs}
        for position, arg in enumerate(args):
            if isinstance(arg, exp.Kwarg):
                self._bind_param(arg.expression, by_name.get(arg.name.lower()), scope)
            else:
                self._bind_param(arg, inputs[position].type, scope, inputs[position].name)
        return function


_GROUP_EXEMPT = (
    exp.AggFunc, exp.Window, exp.WithinGroup, exp.Filter, exp.Anonymous, exp.Subquery, exp.Query,
)  # fmt: skip


def _unalias(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Alias) else node


def _grouping_key(node: exp.Expr) -> str:
    """An expression's text with column qualifiers dropped, to compare with GROUP BY items.

    The qualifiers are taken off in place and put back, rather than on a copy:
    copying every grouped expression of every view cost more than the rest of
    the GROUP BY check.
    """
    parts = ("table", "db", "catalog")
    removed = [
        (column, [column.args.get(part) for part in parts])
        for column in node.find_all(exp.Column)
        if isinstance(column.this, exp.Identifier) and column.args.get("table") is not None
    ]
    for column, _ in removed:
        for part in parts:
            column.set(part, None)
    try:
        return node.sql(dialect="postgres", copy=False).lower()
    finally:
        for column, values in removed:
            for part, value in zip(parts, values, strict=True):
                column.set(part, value)


def _own_columns(node: exp.Expr) -> list[exp.Column]:
    """The column references of an expression, those inside subqueries excluded."""
    if isinstance(node, exp.Subquery | exp.Query):
        return []
    if isinstance(node, exp.Column):
        return [node] if isinstance(node.this, exp.Identifier) else []
    return [column for child in node.iter_expressions() for column in _own_columns(child)]


def _renamed(columns: list[ResultColumn], names: list[str]) -> list[ResultColumn]:
    """Columns renamed by an alias's column list, which may name only the first few."""
    return [
        ResultColumn(names[i] if i < len(names) else c.name, c.type, c.nullable, c.table, c.column)
        for i, c in enumerate(columns)
    ]


def _is_join_tree(node: exp.Expr) -> bool:
    """Whether a parenthesised FROM item holds tables and joins rather than a query."""
    while isinstance(node, exp.Subquery) and not node.args.get("alias"):
        if node.args.get("joins"):
            return True
        node = node.this
    return isinstance(node, exp.Table)


def _quantified(node: exp.Expr) -> exp.Expr | None:
    """The array of ``ANY(array)``, ``SOME(array)`` or ``ALL(array)``, else None."""
    node = _unparen(node)
    if isinstance(node, exp.Any | exp.All):
        array = node.this
        return array if isinstance(array, exp.Expr) else None
    if (
        isinstance(node, exp.Anonymous)
        and str(node.this).lower() in ("any", "some", "all")
        and len(node.expressions) == 1
    ):
        array = node.expressions[0]
        return array if isinstance(array, exp.Expr) else None
    return None


def _hint(node: exp.Expr) -> str | None:
    node = _unparen(node)
    return _ident(node) if isinstance(node, exp.Column) else None


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return _SQLGLOT_NAMES.get(type(node), node.sql_name().lower())


_SQLGLOT_NAMES: dict[type[exp.Expr], str] = {
    exp.CurrentTimestamp: "now",
    exp.Uuid: "gen_random_uuid",
    exp.CurrentDate: "current_date",
    exp.RowNumber: "row_number",
    exp.ArraySize: "array_length",
    exp.Length: "length",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "btrim",
    exp.Concat: "concat",
    exp.Substring: "substring",
    exp.DateTrunc: "date_trunc",
    exp.TimestampTrunc: "date_trunc",
    exp.Round: "round",
    exp.Abs: "abs",
    exp.ArrayToString: "array_to_string",
    exp.StringToArray: "string_to_array",
    exp.GroupConcat: "string_agg",
    exp.TimeToStr: "to_char",
    exp.JSONArrayAgg: "json_agg",
    exp.Rand: "random",
    exp.ExplodingGenerateSeries: "generate_series",
    exp.GenerateSeries: "generate_series",
    exp.Explode: "unnest",
}

_BYTEA = PgType("bytea")
_JSON = PgType("json")
_JSONB = PgType("jsonb")
_INTERVAL = PgType("interval")
_VOID = PgType("void")
_UUID = PgType("uuid")
_FLOAT4 = PgType("float4")
# The result is the first argument's type.
_ARG = "arg"
# The result is the first argument's element type (unnest of a set-returning call).
_ELEMENT = "element"
# Math functions defined for float8 and numeric (ceil, round, sqrt, ...): PostgreSQL
# picks numeric for a numeric argument and float8 otherwise, integers included,
# because float8 is the preferred type of the numeric category.
_FLOAT_OR_NUMERIC = "float_or_numeric"

# name -> (result type, nullability: None means null exactly when an argument is)
_FUNCTIONS: dict[str, tuple[PgType | str, bool | None]] = {
    "now": (TIMESTAMPTZ, False),
    "statement_timestamp": (TIMESTAMPTZ, False),
    "clock_timestamp": (TIMESTAMPTZ, False),
    "transaction_timestamp": (TIMESTAMPTZ, False),
    "current_date": (PgType("date"), False),
    "gen_random_uuid": (PgType("uuid"), False),
    "row_number": (INT8, False),
    "rank": (INT8, False),
    "dense_rank": (INT8, False),
    "length": (INT4, None),
    "char_length": (INT4, None),
    "octet_length": (INT4, None),
    "array_length": (INT4, True),
    "cardinality": (INT4, None),
    "lower": (TEXT, None),
    "upper": (TEXT, None),
    "btrim": (TEXT, None),
    "ltrim": (TEXT, None),
    "rtrim": (TEXT, None),
    "substring": (TEXT, None),
    "replace": (TEXT, None),
    "concat": (TEXT, False),
    "concat_ws": (TEXT, None),
    "md5": (TEXT, None),
    "encode": (TEXT, None),
    "decode": (_BYTEA, None),
    "sha256": (_BYTEA, None),
    "string_agg": (TEXT, True),
    "array_to_string": (TEXT, None),
    "to_jsonb": (_JSONB, None),
    "jsonb_build_object": (_JSONB, False),
    "jsonb_build_array": (_JSONB, False),
    "jsonb_agg": (_JSONB, True),
    "jsonb_object_agg": (_JSONB, True),
    "jsonb_typeof": (TEXT, None),
    "date_trunc": (_ARG, None),
    "abs": (_ARG, None),
    "generate_series": (_ARG, None),
    "unnest": (_ELEMENT, True),
    "bool_and": (BOOL, True),
    "bool_or": (BOOL, True),
    "every": (BOOL, True),
    # Math (checked with pg_typeof on PostgreSQL 15).
    "round": (_FLOAT_OR_NUMERIC, None),
    "ceil": (_FLOAT_OR_NUMERIC, None),
    "ceiling": (_FLOAT_OR_NUMERIC, None),
    "floor": (_FLOAT_OR_NUMERIC, None),
    "trunc": (_FLOAT_OR_NUMERIC, None),
    "sign": (_FLOAT_OR_NUMERIC, None),
    "sqrt": (_FLOAT_OR_NUMERIC, None),
    "exp": (_FLOAT_OR_NUMERIC, None),
    "ln": (_FLOAT_OR_NUMERIC, None),
    "log": (_FLOAT_OR_NUMERIC, None),
    "power": (_FLOAT_OR_NUMERIC, None),
    "cbrt": (FLOAT8, None),
    "degrees": (FLOAT8, None),
    "radians": (FLOAT8, None),
    "pi": (FLOAT8, False),
    "random": (FLOAT8, False),
    "scale": (INT4, None),
    "width_bucket": (INT4, None),
    "div": (NUMERIC, None),
    "factorial": (NUMERIC, None),
    "stddev": (NUMERIC, True),
    "variance": (NUMERIC, True),
    # Dates and times. extract() is numeric since PostgreSQL 14.
    "extract": (NUMERIC, None),
    "age": (_INTERVAL, None),
    "make_interval": (_INTERVAL, None),
    "justify_interval": (_INTERVAL, None),
    "to_char": (TEXT, None),
    "to_date": (PgType("date"), None),
    "to_timestamp": (TIMESTAMPTZ, None),
    "to_number": (NUMERIC, None),
    "date_bin": (TIMESTAMPTZ, None),
    # Strings.
    "initcap": (TEXT, None),
    "left": (TEXT, None),
    "right": (TEXT, None),
    "repeat": (TEXT, None),
    "reverse": (TEXT, None),
    "split_part": (TEXT, None),
    "lpad": (TEXT, None),
    "rpad": (TEXT, None),
    "regexp_replace": (TEXT, None),
    "translate": (TEXT, None),
    "format": (TEXT, False),
    "chr": (TEXT, None),
    "ascii": (INT4, None),
    "strpos": (INT4, None),
    "starts_with": (BOOL, None),
    "quote_ident": (TEXT, None),
    "quote_literal": (TEXT, None),
    "version": (TEXT, False),
    # JSON.
    "to_json": (_JSON, None),
    "row_to_json": (_JSON, None),
    "json_build_object": (_JSON, False),
    "json_build_array": (_JSON, False),
    "json_agg": (_JSON, True),
    "json_object_agg": (_JSON, True),
    "json_array_length": (INT4, None),
    "jsonb_array_length": (INT4, None),
    "jsonb_set": (_JSONB, None),
    "jsonb_extract_path": (_JSONB, True),
    "json_extract_path": (_JSON, True),
    "jsonb_extract_path_text": (TEXT, True),
    "json_extract_path_text": (TEXT, True),
    "jsonb_strip_nulls": (_JSONB, None),
    # Arrays.
    "array_append": (_ARG, False),
    "array_cat": (_ARG, False),
    "array_remove": (_ARG, None),
    "array_position": (INT4, True),
    # Window functions.
    "ntile": (INT4, True),
    "percent_rank": (FLOAT8, False),
    "cume_dist": (FLOAT8, False),
    # Sequences, locks and extensions.
    "nextval": (INT8, False),
    "currval": (INT8, False),
    "txid_current": (INT8, False),
    "pg_sleep": (_VOID, False),
    "pg_advisory_lock": (_VOID, False),
    "pg_advisory_xact_lock": (_VOID, False),
    "pg_advisory_lock_shared": (_VOID, False),
    "pg_advisory_xact_lock_shared": (_VOID, False),
    "pg_advisory_unlock_all": (_VOID, False),
    "pg_advisory_unlock": (BOOL, False),
    "pg_advisory_unlock_shared": (BOOL, False),
    "pg_try_advisory_lock": (BOOL, False),
    "pg_try_advisory_xact_lock": (BOOL, False),
    "uuid_generate_v4": (_UUID, False),
    "uuid_generate_v1": (_UUID, False),
    "uuid_generate_v5": (_UUID, None),
    "word_similarity": (_FLOAT4, None),
    "similarity": (_FLOAT4, None),
    "digest": (_BYTEA, None),
}

# Built-in functions returning rows of several columns, by the columns' names and types.
_TABLE_FUNCTIONS: dict[str, list[tuple[str, PgType]]] = {
    "jsonb_each": [("key", TEXT), ("value", _JSONB)],
    "json_each": [("key", TEXT), ("value", _JSON)],
    "jsonb_each_text": [("key", TEXT), ("value", TEXT)],
    "json_each_text": [("key", TEXT), ("value", TEXT)],
}

# name -> every signature (argument types) of a built-in whose parameters we type
# from its arguments. digest(text, text) stands for its text and bytea overloads:
# PostgreSQL resolves an untyped argument to the string category's text.
_SIGNATURES: dict[str, list[tuple[PgType, ...]]] = {
    "random": [()],
    "pi": [()],
    "now": [()],
    "lower": [(TEXT,)],
    "upper": [(TEXT,)],
    "md5": [(TEXT,)],
    "initcap": [(TEXT,)],
    "digest": [(TEXT, TEXT)],
    "uuid_generate_v5": [(_UUID, TEXT)],
    "pg_advisory_lock": [(INT8,), (INT4, INT4)],
    "pg_advisory_xact_lock": [(INT8,), (INT4, INT4)],
    "pg_advisory_unlock": [(INT8,), (INT4, INT4)],
    "pg_try_advisory_lock": [(INT8,), (INT4, INT4)],
    "pg_try_advisory_xact_lock": [(INT8,), (INT4, INT4)],
    # Every argument has a default, so each prefix of the full list is a signature.
    "make_interval": [(*(INT4,) * 6, FLOAT8)[:n] for n in range(8)],
}

# name -> argument name -> type, for calls with ``name => value`` arguments.
_KEYWORD_ARGUMENTS: dict[str, dict[str, PgType]] = {
    "make_interval": {
        "years": INT4,
        "months": INT4,
        "weeks": INT4,
        "days": INT4,
        "hours": INT4,
        "mins": INT4,
        "secs": FLOAT8,
    },
}

_NUMERIC_RANK = ["int2", "int4", "int8", "numeric", "float4", "float8"]


def _wider_numeric(a: PgType, b: PgType) -> PgType:
    if a.name in _NUMERIC_RANK and b.name in _NUMERIC_RANK:
        return a if _NUMERIC_RANK.index(a.name) >= _NUMERIC_RANK.index(b.name) else b
    return a


def _float_or_numeric(args: list[PgType | None]) -> PgType:
    """float8 unless an argument is numeric and none is a float (see _FLOAT_OR_NUMERIC)."""
    names = {a.name for a in args if a is not None}
    return NUMERIC if "numeric" in names and not names & {"float4", "float8"} else FLOAT8


def _sum_type(arg: PgType | None) -> PgType | None:
    if arg is None:
        return None
    return {"int2": INT8, "int4": INT8, "int8": NUMERIC, "float4": PgType("float4")}.get(
        arg.name, arg
    )


def column_name(node: exp.Expr) -> str:
    """The output name PostgreSQL gives an unaliased select-list expression."""
    node = _unparen(node)
    if isinstance(node, exp.Column):
        return _ident(node)
    if isinstance(node, exp.Cast):
        inner = column_name(node.this)
        if inner != "?column?":
            return inner
        return from_sqlglot(node.to).name
    if isinstance(node, exp.Window):
        return column_name(node.this)
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Coalesce):
        return "coalesce"
    if isinstance(node, exp.Nullif):
        return "nullif"
    if isinstance(node, exp.Exists):
        return "exists"
    if isinstance(node, exp.Array):
        return "array"
    if isinstance(node, exp.Func):
        return _function_name(node)
    return "?column?"
