"""Analyse stage: parameter and result types of a statement, from the catalog.

A statement is resolved scope by scope, the way PostgreSQL's parser does it: FROM items
first (tables, views, CTEs, subqueries, with outer joins making their side nullable),
then parameters from the context they appear in (comparisons, INSERT column lists, SET
targets, LIMIT, casts), then the result columns. Types are PostgreSQL ``typname``
values; nullability follows PostgreSQL (``count`` is never null, ``sum``/``max`` over no
rows are, a scalar subquery may be). The analyser is one class built in layers, one
module per question: ``base`` (scopes and parameters) < ``expressions`` < ``from_items``
< ``outputs`` < ``statements``.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from pgsqlgen.catalog.model import Catalog, Column
from pgsqlgen.pg.common_type import CommonTypeError, can_coerce, select_common_type
from pgsqlgen.pg.types import INT8, TEXT, PgType
from pgsqlgen.queries.analysis.cardinality import returns_exactly_one_row
from pgsqlgen.queries.analysis.model import (
    EMBED_MARKER,
    STAR_MARKER,
    Analysis,
    AnalysisError,
    Param,
    ResultColumn,
    Scope,
    Source,
    untyped_parameter,
)
from pgsqlgen.queries.analysis.outputs import OutputAnalyser
from pgsqlgen.queries.analysis.syntax import (
    grouping_key,
    ident,
    own_columns,
    renamed_columns,
    table_name,
    unalias,
    unparen,
)

_GROUP_EXEMPT = (
    exp.AggFunc, exp.Window, exp.WithinGroup, exp.Filter, exp.Anonymous, exp.Subquery, exp.Query,
)  # fmt: skip


def infer_relation_columns(catalog: Catalog, query: exp.Expr) -> list[Column]:
    """Columns of a view or ``CREATE TABLE AS``: names, types, and nullability."""
    analysis = analyse_statement(catalog, query, {})
    unknown = next((p for p in analysis.params.values()), None)
    if unknown is not None:
        raise AnalysisError("a view cannot have parameters", unknown.node)
    return [Column(c.name, c.type, not c.nullable) for c in analysis.columns]


def analyse_statement(catalog: Catalog, statement: exp.Expr, params: dict[int, Param]) -> Analysis:
    """Resolve a query; raises AnalysisError at the first problem."""
    analyser = Analyser(catalog, params)
    columns = analyser.statement(statement, Scope())
    for param in params.values():
        if param.type is None:
            raise untyped_parameter(param)
    return Analysis(
        columns,
        params,
        analyser.star_expansions,
        analyser.insert_table,
        analyser.embeds,
        returns_exactly_one_row(statement),
    )


class Analyser(OutputAnalyser):
    """The analyser: a statement's scopes, outputs and parameters, from the catalog."""

    def __init__(self, catalog: Catalog, params: dict[int, Param]) -> None:
        super().__init__(catalog, params)
        self.untyped_outputs: set[int] = set()
        """The SELECTs (by id) whose select list may hold an untyped parameter: the sides
        of set operations, typed by the operation."""

    def statement(self, node: exp.Expr, outer: Scope) -> list[ResultColumn]:
        node = unparen(node)
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
        if isinstance(node, exp.Analyze | exp.TruncateTable):
            return self._maintenance(node)
        if isinstance(node, exp.Create | exp.Drop | exp.Alter | exp.Comment | exp.Grant):
            return self._ddl(node)
        raise AnalysisError(f"unsupported statement: {node.key.upper()}", node)

    def _utility(self, node: exp.Command, scope: Scope) -> list[ResultColumn]:
        """A utility statement (see queryfile._UTILITY): no result columns.

        Only CALL takes parameters, typed from the procedure's signature.
        """
        call = node.expression
        if str(node.this).upper() == "CALL" and isinstance(call, exp.Expr):
            self._infer(call, scope)
            self.type_of(call, scope)
        return []

    def _maintenance(self, node: exp.Analyze | exp.TruncateTable) -> list[ResultColumn]:
        """``ANALYZE t`` and ``TRUNCATE t``: no result, but every table must exist."""
        for table in node.find_all(exp.Table):
            name = table_name(table)
            if self.catalog.relation_columns(name) is None:
                raise AnalysisError(f'relation "{name}" does not exist', table)
        return []

    def _ddl(self, node: exp.Expr) -> list[ResultColumn]:
        """A DDL statement run as an ``:exec`` query: no result, and no parameters, which
        PostgreSQL never binds into a utility statement."""
        param = next(iter(node.find_all(exp.Parameter)), None)
        if param is not None:
            raise AnalysisError(f"there is no parameter ${param.name}", param)
        return []

    def _ctes(self, node: exp.Expr, scope: Scope) -> None:
        with_ = node.args.get("with_") or node.args.get("with")
        if not isinstance(with_, exp.With):
            return
        for cte in with_.expressions:
            alias = cte.args.get("alias")
            names = [ident(c) for c in alias.columns] if alias is not None else []
            body = unparen(cte.this)
            if with_.args.get("recursive") and isinstance(body, exp.Union):
                # The recursive term reads the CTE itself: PostgreSQL types the
                # CTE from the non-recursive term first, and so do we.
                initial = renamed_columns(self._recursion_start(body.this, scope), names)
                scope.ctes[ident(alias)] = initial
                overall = renamed_columns(self.statement(cte.this, scope), names)
                self._check_recursive_types(ident(alias), initial, overall, body.this)
                scope.ctes[ident(alias)] = overall
                continue
            scope.ctes[ident(alias)] = renamed_columns(self.statement(cte.this, scope), names)

    def _recursion_start(self, term: exp.Expr, scope: Scope) -> list[ResultColumn]:
        """The columns of a recursive query's non-recursive term, as the recursive term
        sees them: an untyped literal or parameter there is text (the parameter itself
        is typed by the UNION, as in PostgreSQL)."""
        return [
            replace(column, type=TEXT) if pg_type is None else column
            for column, pg_type, _ in self._set_operand(term, scope)
        ]

    @staticmethod
    def _check_recursive_types(
        name: str, initial: list[ResultColumn], overall: list[ResultColumn], term: exp.Expr
    ) -> None:
        """A recursive query's columns keep the non-recursive term's types, as
        PostgreSQL requires (``SELECT NULL UNION ALL SELECT 1 ...`` is text, then integer)."""
        for position, (first, final) in enumerate(zip(initial, overall, strict=False), 1):
            if first.type.without_modifiers() != final.type.without_modifiers():
                raise AnalysisError(
                    f'recursive query "{name}" column {position} has type '
                    f"{first.type.display()} in non-recursive term but type "
                    f"{final.type.display()} overall\nHINT:  Cast the output of the "
                    "non-recursive term to the correct type.",
                    term,
                )

    def _select(self, node: exp.Select, scope: Scope) -> list[ResultColumn]:
        from_ = node.args.get("from_") or node.args.get("from")
        start = len(scope.sources)
        if from_ is not None:
            self._from_item(from_.this, scope, nullable=False)
        for join in node.args.get("joins") or []:
            self._join(join, scope, start)
        for key in ("where", "group", "having", "qualify"):
            if node.args.get(key) is not None:
                self._infer(node.args[key], scope)
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is not None:
                self._bind_param(clause.args.get("expression"), INT8, scope, hint=key)
                self._infer(clause, scope)
        columns = self._projection(node.expressions, scope, id(node) in self.untyped_outputs)
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
        for column in own_columns(clause):
            if column.args.get("table") is None and ident(column) in outputs:
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
        items = [unalias(item) for item in node.expressions]
        aliases = {
            ident(item.args.get("alias")): item.this
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
                and ident(item) in aliases
                and self._local_source(item, scope) is None
            ):
                item = aliases[ident(item)]
            grouped.append(item)
        keys = {grouping_key(item) for item in grouped}
        columns: set[tuple[int, str]] = set()
        for item in grouped:
            if isinstance(item, exp.Column):
                source = self._local_source(item, scope)
                if source is not None:
                    columns.add((id(source), ident(item)))

        def allowed(column: exp.Column, source: Source) -> bool:
            if (id(source), ident(column)) in columns:
                return True
            table = self.catalog.tables.get(source.relation) if source.relation else None
            key = table.primary_key() if table is not None else None
            return key is not None and all((id(source), c) in columns for c in key.columns)

        def check(expr: exp.Expr) -> None:
            if isinstance(expr, _GROUP_EXEMPT) or grouping_key(expr) in keys:
                return
            if isinstance(expr, exp.Column):
                name = ident(expr)
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

    def _set_operation(self, node: exp.SetOperation, scope: Scope) -> list[ResultColumn]:
        """UNION, INTERSECT, EXCEPT: each column of the common type of its two sides
        (section 10.5), nested operations resolved first, left to right as PostgreSQL
        does; an untyped literal or parameter of a side's select list takes it."""
        left = self._set_operand(node.this, scope)
        right = self._set_operand(node.expression, scope)
        if len(left) != len(right):
            raise AnalysisError(
                "each side of a set operation must have the same number of columns", node
            )
        context = {exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT"}
        merged = []
        for (a, a_type, a_node), (b, b_type, b_node) in zip(left, right, strict=True):
            try:
                common = select_common_type(
                    [a_type, b_type], context[type(node)], self._base_type, self._type_category
                )
            except CommonTypeError as error:
                at = (a_node or node.this, b_node or node.expression)[error.position]
                raise AnalysisError(error.message, at) from None
            for value in (a_node, b_node):
                self._bind_param(value, common, scope)
            merged.append(ResultColumn(a.name, common, a.nullable or b.nullable))
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is not None:
                self._bind_param(clause.args.get("expression"), INT8, scope, hint=key)
                self._infer(clause, scope)
        return merged

    def _set_operand(
        self, node: exp.Expr, scope: Scope
    ) -> list[tuple[ResultColumn, PgType | None, exp.Expr | None]]:
        """A side of a set operation (or the query of an INSERT): its columns, each with
        its type as the common type sees it and, for a plain SELECT, its select-list
        expression. An untyped literal, NULL or parameter there is of unknown type,
        for the set operation (or the target column) to decide."""
        leaf = unparen(node)
        while isinstance(leaf, exp.Subquery):
            leaf = unparen(leaf.this)
        if not isinstance(leaf, exp.Select):
            return [(c, c.type, None) for c in self.statement(node, scope)]
        self.untyped_outputs.add(id(leaf))
        columns = self.statement(node, scope)
        items = [unparen(unalias(item)) for item in leaf.expressions]
        if len(items) != len(columns) or any(self._star_of(item) for item in items):
            return [(c, c.type, None) for c in columns]
        operands: list[tuple[ResultColumn, PgType | None, exp.Expr | None]] = []
        for item, column in zip(items, columns, strict=True):
            param = self._param_of(item)
            unknown = (
                (isinstance(item, exp.Literal) and item.is_string)
                or isinstance(item, exp.Null)
                or (param is not None and param.type is None)
            )
            operands.append((column, None if unknown else column.type, item))
        return operands

    def _values(self, node: exp.Values, scope: Scope) -> list[ResultColumn]:
        """A VALUES list: each column of the common type of its rows' values (section
        10.5; a column of untyped literals is text), NULL if any row's value may be."""
        rows = [row.expressions for row in node.expressions]
        if not rows:
            return []
        if any(len(row) != len(rows[0]) for row in rows):
            raise AnalysisError("VALUES lists must all be the same length", node)
        columns = []
        for index in range(len(rows[0])):
            values = [row[index] for row in rows]
            for value in values:
                self._infer(value, scope)
            typed = [self.type_of(value, scope) for value in values]
            common = self._common_type(values, "VALUES", scope)
            known = next((t.type for t in typed if t.type is not None), None)
            columns.append(
                ResultColumn(
                    f"column{index + 1}", common or known or TEXT, any(t.nullable for t in typed)
                )
            )
        return columns

    def _insert(self, node: exp.Insert, scope: Scope) -> list[ResultColumn]:
        name, columns = self._target(node.this, scope)
        self.insert_table = name
        by_name = {c.name: c for c in columns}
        explicit = isinstance(node.this, exp.Schema) and bool(node.this.expressions)
        if explicit:
            targets = []
            for identifier in node.this.expressions:
                column = by_name.get(ident(identifier))
                if column is None:
                    raise AnalysisError(
                        f'column "{ident(identifier)}" of relation "{name}" does not exist',
                        identifier,
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
                self._check_row_parameters(values, targets)
                for value, target in zip(values, targets, strict=False):
                    self._bind_target(value, target, scope)
                    self._infer(value, scope)
                    self._check_stored(self._input_type(value, scope)[0], target, value)
        elif isinstance(source, exp.Query):
            select = source
            if isinstance(select, exp.Select):
                for value, target in zip(select.expressions, targets, strict=False):
                    self._bind_target(value.unalias(), target, scope)
            operands = self._set_operand(source, scope)
            for (_, pg_type, value), target in zip(operands, targets, strict=False):
                self._check_stored(pg_type, target, value or source)
            produced = [column for column, _, _ in operands]
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
                for reference in own_columns(part):
                    self._resolve_column(reference, Scope(list(scope.sources)))
            for assignment in conflict.expressions or []:
                self._assignment(assignment, by_name, conflict_scope)
                if isinstance(assignment, exp.EQ):
                    for reference in own_columns(assignment.expression):
                        self._resolve_column(reference, conflict_scope)
            for key in ("where", "conflict_keys"):
                value = conflict.args.get(key)
                for part in value if isinstance(value, list) else [value]:
                    if isinstance(part, exp.Expr):
                        self._infer(part, conflict_scope)
        return self._returning(node, scope)

    def _check_row_parameters(self, values: list[exp.Expr], targets: list[ResultColumn]) -> None:
        """One untyped parameter stored into columns of two types in one VALUES row is
        PostgreSQL's error: the row's values are read before any is coerced."""
        deduced: dict[int, PgType] = {}
        for value, target in zip(values, targets, strict=False):
            param = self._param_of(value)
            if param is None or param.type is not None:
                continue
            wanted = target.type.without_modifiers()
            if deduced.setdefault(param.number, wanted) != wanted:
                raise AnalysisError(
                    f"inconsistent types deduced for parameter ${param.number}", value
                )

    def _check_stored(self, pg_type: PgType | None, target: ResultColumn, value: exp.Expr) -> None:
        """A value stored into a column must convert to its type by an assignment cast
        (section 10.4: ``bigint`` into ``integer``, any type into ``text``), or
        PostgreSQL rejects the statement; a value of unknown type takes the column's."""
        if pg_type is not None and not can_coerce(
            pg_type, target.type, "a", self._base_type, self._type_category
        ):
            raise AnalysisError(
                f'column "{target.name}" is of type {target.type.display()} but expression '
                f"is of type {pg_type.display()}\nHINT:  You will need to rewrite or cast "
                "the expression.",
                value,
            )

    def _assignment(self, node: exp.Expr, columns: dict[str, ResultColumn], scope: Scope) -> None:
        if not isinstance(node, exp.EQ):
            raise AnalysisError("expected column = value", node)
        targets, values = unparen(node.this), unparen(node.expression)
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
        column = columns.get(ident(target))
        if column is None:
            raise AnalysisError(f'column "{ident(target)}" does not exist', target)
        self._bind_target(value, column, scope)
        self._infer(value, scope)
        self._check_stored(self._input_type(value, scope)[0], column, value)

    def _update(self, node: exp.Update, scope: Scope) -> list[ResultColumn]:
        _, columns = self._target(node.this, scope)
        from_ = node.args.get("from_") or node.args.get("from")
        start = len(scope.sources)
        if from_ is not None:
            self._from_item(from_.this, scope, nullable=False)
        for join in node.args.get("joins") or []:
            self._join(join, scope, start)
        # PostgreSQL's order: WHERE, then RETURNING, then SET (a parameter in both WHERE
        # and SET takes the WHERE's type; SET then casts it as an assignment).
        if node.args.get("where") is not None:
            self._infer(node.args["where"], scope)
        returned = self._returning(node, scope)
        by_name = {c.name: c for c in columns}
        for assignment in node.expressions:
            self._assignment(assignment, by_name, scope)
        return returned

    def _delete(self, node: exp.Delete, scope: Scope) -> list[ResultColumn]:
        self._target(node.this, scope)
        for item in node.args.get("using") or []:
            self._from_item(item, scope, nullable=False)
        if node.args.get("where") is not None:
            self._infer(node.args["where"], scope)
        return self._returning(node, scope)
