"""Reading sqlglot's tree the way PostgreSQL reads the statement: identifiers as it folds
them, the name it gives an unaliased output column, grouping keys, quantified arrays.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.pg.types import from_sqlglot
from pgsqlgen.queries.analysis.model import ResultColumn


def ident(node: exp.Expr | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    if isinstance(node, exp.Column | exp.Table | exp.TableAlias):
        return ident(node.this)
    return node.name.lower()


def table_name(node: exp.Table) -> str:
    schema = ident(node.args.get("db")) if node.args.get("db") else ""
    name = ident(node.this)
    return name if schema in ("", "public", "pg_catalog") else f"{schema}.{name}"


def unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def unalias(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Alias) else node


def grouping_key(node: exp.Expr) -> str:
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


def own_columns(node: exp.Expr) -> list[exp.Column]:
    """The column references of an expression, those inside subqueries excluded."""
    if isinstance(node, exp.Subquery | exp.Query):
        return []
    if isinstance(node, exp.Column):
        return [node] if isinstance(node.this, exp.Identifier) else []
    return [column for child in node.iter_expressions() for column in own_columns(child)]


def renamed_columns(columns: list[ResultColumn], names: list[str]) -> list[ResultColumn]:
    """Columns renamed by an alias's column list, which may name only the first few."""
    return [
        ResultColumn(names[i] if i < len(names) else c.name, c.type, c.nullable, c.table, c.column)
        for i, c in enumerate(columns)
    ]


def is_join_tree(node: exp.Expr) -> bool:
    """Whether a parenthesised FROM item holds tables and joins rather than a query."""
    while isinstance(node, exp.Subquery) and not node.args.get("alias"):
        if node.args.get("joins"):
            return True
        node = node.this
    return isinstance(node, exp.Table)


def quantified_array(node: exp.Expr) -> exp.Expr | None:
    """The array of ``ANY(array)``, ``SOME(array)`` or ``ALL(array)``, else None."""
    node = unparen(node)
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


def name_hint(node: exp.Expr) -> str | None:
    node = unparen(node)
    return ident(node) if isinstance(node, exp.Column) else None


def function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Pad):
        return "lpad" if node.args.get("is_left") else "rpad"
    return SQLGLOT_NAMES.get(type(node), node.sql_name().lower())


SQLGLOT_NAMES: dict[type[exp.Expr], str] = {
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
    exp.StrPosition: "strpos",
    exp.LogicalAnd: "bool_and",
    exp.LogicalOr: "bool_or",
    exp.JSONBObjectAgg: "jsonb_object_agg",
    exp.JSONObjectAgg: "json_object_agg",
    exp.ArrayAgg: "array_agg",
    exp.PercentileDisc: "percentile_disc",
    exp.PercentileCont: "percentile_cont",
    exp.ArrayConcat: "array_cat",
    exp.ArrayPosition: "array_position",
    exp.ArrayPrepend: "array_prepend",
    exp.BitwiseAndAgg: "bit_and",
    exp.BitwiseOrAgg: "bit_or",
    exp.BitwiseXorAgg: "bit_xor",
    exp.UnixToTime: "to_timestamp",
    exp.StrToTime: "to_timestamp",
    exp.StrToDate: "to_date",
}


# sqlglot's node for each binary operator whose candidates ``pg_operator`` lists.
SQLGLOT_OPERATORS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
    exp.JSONBContainsTopKey: "?",
    exp.ArrayContainsAll: "@>",
    exp.ArrayContainedBy: "<@",
    exp.ArrayOverlaps: "&&",
    exp.DPipe: "||",
    exp.BitwiseAnd: "&",
    exp.BitwiseOr: "|",
    exp.BitwiseXor: "#",
    exp.BitwiseLeftShift: "<<",
    exp.BitwiseRightShift: ">>",
    exp.RegexpLike: "~",
    exp.RegexpILike: "~*",
    exp.JSONExtract: "->",
    exp.JSONExtractScalar: "->>",
    exp.JSONBExtract: "#>",
    exp.JSONBExtractScalar: "#>>",
}

# sqlglot's node for each prefix operator.
SQLGLOT_PREFIX_OPERATORS: dict[type[exp.Expr], str] = {
    exp.Neg: "-",
    exp.BitwiseNot: "~",
}


def binary_operator(node: exp.Expr) -> str | None:
    """The ``pg_operator`` name of a binary operator node, else None.

    sqlglot's node for the operator, or its ``Operator`` for one written
    ``OPERATOR(name)`` (as the dialect reads ``>>=`` and ``<<=``, which sqlglot
    has no node for).
    """
    if isinstance(node, exp.Operator):
        return _operator_symbol(node) if node.this is not None else None
    return SQLGLOT_OPERATORS.get(type(node)) if isinstance(node, exp.Binary) else None


def prefix_operator(node: exp.Expr) -> tuple[str, exp.Expr] | None:
    """The ``pg_operator`` name and operand of a prefix operator node, else None.

    An ``Operator`` without a left operand is one (the dialect's reading of ``@ x``).
    """
    if isinstance(node, exp.Operator) and node.this is None:
        return _operator_symbol(node), node.expression
    name = SQLGLOT_PREFIX_OPERATORS.get(type(node))
    return (name, node.this) if name is not None else None


def _operator_symbol(node: exp.Operator) -> str:
    """``OPERATOR(pg_catalog.>>=)`` is the built-in ``>>=``, as ``OPERATOR(>>=)`` is."""
    return str(node.args.get("operator") or "").removeprefix("pg_catalog.")


def call_arguments(node: exp.Func) -> list[exp.Expr]:
    """A call's arguments in PostgreSQL's order, as its function takes them.

    sqlglot keeps some as named parts of its own nodes (``date_trunc``'s
    field is its ``unit``, ``string_agg``'s separator its ``separator``) and
    wraps others in what they are part of (``DISTINCT x``, ``x ORDER BY y``):
    this undoes both, so a call looks up ``pg_proc`` as PostgreSQL does.
    """
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
        unit = node.args.get("unit")
        field = exp.Literal.string(unit.name.lower()) if isinstance(unit, exp.Var) else unit
        parts = [field, node.this, node.args.get("zone")]
    elif isinstance(node, exp.GroupConcat):
        parts = [node.this, node.args.get("separator")]
    elif isinstance(node, exp.ArrayPrepend):
        parts = [node.expression, node.this]
    elif isinstance(node, exp.Initcap):
        # sqlglot adds the word delimiters of other dialects' initcap.
        parts = [node.this]
    elif isinstance(node, exp.Pad):
        parts = [node.this, node.expression, node.args.get("fill_pattern")]
    elif isinstance(node, exp.StrToTime | exp.StrToDate):
        parts = [node.this, node.args.get("format")]
    else:
        parts = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
    arguments: list[exp.Expr] = []
    for part in parts:
        if isinstance(part, exp.Distinct):
            arguments.extend(part.expressions)
        elif isinstance(part, exp.Order) and part.this is not None:
            arguments.append(part.this)
        elif isinstance(part, exp.Expr):
            arguments.append(part)
    return arguments


def column_name(node: exp.Expr) -> str:
    """The output name PostgreSQL gives an unaliased select-list expression."""
    node = unparen(node)
    if isinstance(node, exp.Column):
        # t.* as a value (t.*::text) is named for its table.
        return ident(node.args.get("table")) if isinstance(node.this, exp.Star) else ident(node)
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
        # A field selection, (p).x, is named for its field.
        return ident(node.expression)
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
        return function_name(node)
    return "?column?"
