"""One query to the methods generated for it: per command, the arguments, the bind
expressions, the row factory, the return annotations sync and async, and COPY's
columns and types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlglot import exp

from pgsqlgen.catalog.model import quote_ident
from pgsqlgen.codegen.ir.model import (
    JSON_TYPES,
    Field,
    Method,
    Model,
    Query,
    QueryParam,
    RowBuilder,
)
from pgsqlgen.codegen.ir.rows import (
    embedded_row,
    matching_model,
    result_fields,
    runtime_sql,
    sql_identifier,
)
from pgsqlgen.codegen.ir.types import TypeNamer, optional_annotation
from pgsqlgen.codegen.naming import (
    field_name,
    snake_case,
    unique_names,
)
from pgsqlgen.errors import Diagnostic
from pgsqlgen.queries.analysis.model import Analysis
from pgsqlgen.queries.files import ParsedQuery

_COMMAND_TEMPLATES = {
    ":one": "one",
    ":many": "many",
    ":exec": "exec",
    ":execrows": "execrows",
    ":execresult": "execresult",
    ":copyfrom": "copyfrom",
    ":batchexec": "batchexec",
    ":batchmany": "batchmany",
    ":batchone": "batchone",
}


_ROW_COMMANDS = {":one", ":many", ":batchone", ":batchmany"}


_ROWS_INPUT = {":copyfrom", ":batchexec", ":batchone", ":batchmany"}


_INPUT_NAME = {
    ":copyfrom": "rows",
    ":batchexec": "batch",
    ":batchone": "batch",
    ":batchmany": "batch",
}


# ``self`` and the locals of methods taking keyword arguments (``cur``; ``rows`` and
# ``row`` in iterators): a parameter of one of these names gets a trailing "_", and
# so does ``conn`` when the methods take the connection.
_RESERVED_ARGS = frozenset({"self", "cur", "rows", "row"})

# The connection a method takes first with emit_methods_with_db_argument, sync and async.
_CONNECTION_PARAMETERS = (
    ", conn: psycopg.Connection[Any]",
    ", conn: psycopg.AsyncConnection[Any]",
)


_NOTES: dict[str, tuple[str, ...]] = {
    ":execresult": (
        "Returns the cursor the statement ran on (rowcount, statusmessage, and any",
        "RETURNING rows); it stays open until closed or garbage-collected.",
    ),
    ":copyfrom": (
        "Inserts every row with one COPY ... FROM STDIN and returns how many were",
        "copied. COPY fires the table's triggers and checks its constraints like",
        "INSERT does, but has no ON CONFLICT and no RETURNING.",
    ),
    ":batchexec": (
        "Runs the statement once per parameter set with psycopg's executemany(),",
        "pipelined: one round trip for the whole batch.",
    ),
    ":batchmany": (
        "Runs the statement once per parameter set with psycopg's",
        "executemany(returning=True), pipelined: one round trip for the whole",
        "batch. Returns the rows of each parameter set, in order.",
    ),
    ":batchone": (
        "Runs the statement once per parameter set with psycopg's",
        "executemany(returning=True), pipelined: one round trip for the whole",
        "batch. Returns the first row of each parameter set (None when it has",
        "none), in order.",
    ),
}


_ITER_NOTE = (
    "Streams the rows through a server-side cursor (WITH HOLD), ``iter_size`` rows",
    "per round trip; other queries may run on the connection meanwhile. In",
    "autocommit mode PostgreSQL materialises the result server-side first. Close",
    "an iterator you leave early (contextlib.closing, contextlib.aclosing).",
)


def _row_factory_name(expression: str, row: str) -> str:
    """``args_row(ChatOverview)`` -> ``_ROW_CHAT_OVERVIEW``; ``scalar_row`` of ``int | None``
    -> ``_SCALAR_INT_NONE`` (one constant per type, so it can be typed); ``tuple_row`` stays."""
    if expression == "tuple_row":
        return expression
    if expression == "scalar_row":
        return "_SCALAR_" + re.sub(r"\W+", "_", row).strip("_").upper()
    inner = expression.removeprefix("args_row(").removesuffix(")").removesuffix(".from_row")
    inner = inner.strip("_")
    return "_ROW_" + snake_case(inner).upper()


def _iter_name(method: str) -> str:
    """``list_chat_messages`` -> ``iter_chat_messages``; ``search`` -> ``iter_search``."""
    return "iter_" + method.removeprefix("list_")


def build_query(
    namer: TypeNamer,
    table_models: Mapping[str, Model],
    model_classes: set[str],
    parsed: ParsedQuery,
    analysis: Analysis,
    problems: list[Diagnostic],
    limit: int | None,
    *,
    db_argument: bool = False,
) -> tuple[Query, tuple[Field, ...], RowBuilder | None] | None:
    """The query's methods; with ``db_argument`` each takes the connection first,
    positional-only, before the query's own arguments."""
    command = parsed.command
    reserved = _RESERVED_ARGS | {"conn"} if db_argument else _RESERVED_ARGS
    params = _params(namer, parsed, analysis, problems, reserved)
    columns = result_fields(namer, analysis.columns)
    if params is None:
        return None
    # A query returns rows, zero-column ones included (``SELECT FROM t``), or none at
    # all (a DML statement without RETURNING), which no fetch can read.
    if command in _ROW_COMMANDS and not columns and not isinstance(parsed.expression, exp.Query):
        fix = ":exec" if command in (":one", ":many") else ":batchexec"
        problems.append(
            parsed.diagnostic(f"query {parsed.name} {command} returns no columns; use {fix}", None)
        )
        return None
    if command in _ROWS_INPUT and not params:
        problems.append(
            parsed.diagnostic(
                f"query {parsed.name} {command} has no parameters; a batch needs at least one",
                None,
            )
        )
        return None
    copy_order: list[int] = []
    copy_sql = ""
    copy_types: tuple[str, ...] = ()
    if command == ":copyfrom":
        copy = _copy_from(namer, parsed, analysis, params, problems)
        if copy is None:
            return None
        copy_sql, copy_order, copy_types = copy

    method_name = field_name(snake_case(parsed.name))
    row_class: str | None = None
    own_row = False  # a <Query>Row class of its own, rather than a model
    row_fields: tuple[Field, ...] = ()
    builder: RowBuilder | None = None
    row_factory = "tuple_row"
    if command in _ROW_COMMANDS or (command == ":execresult" and columns):
        if analysis.embeds:
            row_class, own_row = f"{parsed.name}Row", True
            row_fields, args = embedded_row(namer, table_models, analysis, columns)
            builder = RowBuilder(f"_{method_name}_row", row_class, args)
            row_factory = f"args_row({builder.function})"
        elif len(columns) == 1:
            # One column: the value itself, as sqlc returns it, not a one-field row.
            row_factory = "scalar_row"
        else:
            model = matching_model(table_models, columns)
            row_class, own_row = model or f"{parsed.name}Row", model is None
            row_fields = columns
            row_factory = f"args_row({namer.construct(row_class)})"

    params_class: str | None = None
    input_name = _INPUT_NAME.get(command)
    if input_name is not None:
        params_class = f"{parsed.name}Params"
        arguments = f", {input_name}: Iterable[{params_class}], /"
        forward = [input_name]
        ordered = [next(p for p in params if p.number == n) for n in copy_order] or list(params)
        if command == ":copyfrom":
            # Binary COPY with set_types dumps each value by its column's type
            # (a dict as jsonb): no wrapping, nothing to build per value.
            binds = [f"row.{p.arg}" if copy_types else _bind(p, "row.") for p in ordered]
            bind_args = _tuple(binds)
        else:
            values = _tuple([_bind(p, "row.") for p in ordered])
            comprehension = (
                "[{} for row in {}]"
                if command in (":batchone", ":batchmany")
                else "({} for row in {})"
            )
            bind_args = comprehension.format(values, input_name)
    elif limit is not None and len(params) > limit:
        params_class = f"{parsed.name}Params"
        arguments = f", params: {params_class}, /"
        forward = ["params"]
        bind_args = _tuple([_bind(p, "params.") for p in params])
    else:
        arguments = (
            f", *, {', '.join(f'{p.arg}: {p.annotation}' for p in params)}" if params else ""
        )
        forward = [f"{p.arg}={p.arg}" for p in params]
        bind_args = _tuple([p.bind for p in params])

    own_classes = [params_class, row_class if own_row else None]
    clash = next((c for c in own_classes if c is not None and c in model_classes), None)
    if clash is not None:
        problems.append(
            parsed.diagnostic(
                f"query {parsed.name}: the generated class {clash} would shadow the model "
                f"{clash}; rename the query",
                None,
            )
        )
        return None
    row = row_class or (columns[0].annotation if row_factory == "scalar_row" else "TupleRow")
    factory_name = _row_factory_name(row_factory, row)
    maybe_row = row if row.endswith(" | None") else f"{row} | None"
    exactly_one = command == ":one" and analysis.exactly_one_row
    returns, async_returns = {
        ":one": (row if exactly_one else maybe_row,) * 2,
        ":many": (f"list[{row}]",) * 2,
        ":exec": ("None",) * 2,
        ":execrows": ("int",) * 2,
        ":execresult": (f"psycopg.RawCursor[{row}]", f"psycopg.AsyncRawCursor[{row}]"),
        ":copyfrom": ("int",) * 2,
        ":batchexec": ("None",) * 2,
        ":batchmany": (f"list[list[{row}]]",) * 2,
        ":batchone": (f"list[{maybe_row}]",) * 2,
    }[command]
    signatures = (arguments, arguments)
    if db_argument:
        # The connection is positional-only, as the arguments of a batch are.
        positional = arguments if arguments.endswith("/") else ", /" + arguments
        sync, asynchronous = _CONNECTION_PARAMETERS
        signatures = (sync + positional, asynchronous + positional)
        forward.insert(0, "conn")
    doc = tuple(parsed.doc) or (f"{parsed.name} ({parsed.source.display}:{parsed.line}).",)
    note = _NOTES.get(command)
    methods = [
        Method(
            name=method_name,
            template=_COMMAND_TEMPLATES[command],
            arguments=signatures[0],
            async_arguments=signatures[1],
            forward=", ".join(forward),
            returns=returns,
            async_returns=async_returns,
            generator=False,
            doc=(*doc, "", *note) if note else doc,
        )
    ]
    if command == ":many":
        methods.append(
            Method(
                name=_iter_name(method_name),
                template="iter",
                arguments=signatures[0],
                async_arguments=signatures[1],
                forward=", ".join(forward),
                returns=f"Generator[{row}, None, None]",
                async_returns=f"AsyncGenerator[{row}, None]",
                generator=True,
                doc=(*doc, "", *_ITER_NOTE),
            )
        )
    sql = runtime_sql(parsed, analysis)
    query = Query(
        name=parsed.name,
        method=method_name,
        command=command,
        template=_COMMAND_TEMPLATES[command],
        file=parsed.source.display,
        line=parsed.line,
        sql=sql,
        sql_constant=snake_case(parsed.name).upper(),
        doc=tuple(parsed.doc),
        params=params,
        columns=columns,
        row_class=row_class,
        return_annotation=returns,
        bind_args=bind_args,
        statement=copy_sql or sql,
        row_factory=factory_name,
        row_factory_expression=row_factory,
        row_type=row,
        params_class=params_class,
        copy_types=copy_types,
        methods=tuple(methods),
        exactly_one=exactly_one,
    )
    return query, row_fields, builder


def _params(
    namer: TypeNamer,
    parsed: ParsedQuery,
    analysis: Analysis,
    problems: list[Diagnostic],
    reserved: frozenset[str],
) -> tuple[QueryParam, ...] | None:
    ordered = sorted(analysis.params.values(), key=lambda p: p.number)
    names = unique_names(
        [p.hint or f"p{p.number}" if p.name.startswith("$") else p.name for p in ordered]
    )
    args = unique_names([n + "_" if n in reserved else n for n in (namer.attr(n) for n in names)])
    result = []
    for param, name, arg in zip(ordered, names, args, strict=True):
        assert param.type is not None
        if param.is_slice and not param.type.array_dims:
            problems.append(
                parsed.diagnostic(
                    f"query {parsed.name}: sqlc.slice({name}) must be a list of values: use it "
                    f"as col IN (sqlc.slice({name})) or col = ANY(sqlc.slice({name}))",
                    param.node,
                )
            )
            return None
        origin = param.origin or (None, None)
        python_type = namer.python(param.type, origin, sent=True, nullable=param.nullable)
        override = namer.override(param.type, origin, param.nullable)
        # A type with a dumper of its own is sent as it is; psycopg finds the dumper.
        is_json = param.type.name in JSON_TYPES and not param.type.array_dims
        wrap = is_json and not (override is not None and override.dumper)
        result.append(
            QueryParam(
                number=param.number,
                name=name,
                arg=arg,
                pg_type=param.type.name,
                array_dims=param.type.array_dims,
                nullable=param.nullable,
                python_type=python_type,
                annotation=optional_annotation(python_type, param.nullable),
                bind=_bound_value(arg, wrap, param.nullable),
                wrap_jsonb=wrap,
                overridden=override is not None,
            )
        )
    return tuple(result)


def _bind(param: QueryParam, prefix: str) -> str:
    """The value passed for ``param``, read from ``prefix + param.arg``."""
    return _bound_value(prefix + param.arg, param.wrap_jsonb, param.nullable)


def _bound_value(value: str, wrap_jsonb: bool, nullable: bool) -> str:
    """The value passed for a parameter read from ``value``: wrapped in ``Jsonb``
    (``jsonb_or_none`` when it may be None) for json sent without a dumper of its own."""
    if wrap_jsonb:
        return f"jsonb_or_none({value})" if nullable else f"Jsonb({value})"
    return value


def _tuple(items: list[str]) -> str:
    """A tuple display of ``items``, in placeholder order."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _copy_from(
    namer: TypeNamer,
    parsed: ParsedQuery,
    analysis: Analysis,
    params: tuple[QueryParam, ...],
    problems: list[Diagnostic],
) -> tuple[str, list[int], tuple[str, ...]] | None:
    """The COPY statement, the parameter numbers in column order, and the binary COPY types.

    sqlc's rule: the query must be ``INSERT INTO t (cols) VALUES (...)`` with a
    parameter, and nothing else, for each column. The COPY is binary when
    psycopg knows every column type (built-in types and the schema's enums);
    otherwise it is text, and psycopg picks each value's dumper.
    """
    statement = parsed.expression
    shape = (
        f"query {parsed.name} :copyfrom must be INSERT INTO table (columns) VALUES (...) "
        "with one parameter per column"
    )
    values = statement.args.get("expression") if isinstance(statement, exp.Insert) else None
    target = statement.this if isinstance(statement, exp.Insert) else None
    extra = [
        key
        for key in ("returning", "conflict", "with_", "with", "where")
        if statement.args.get(key) is not None
    ]
    if (
        not isinstance(values, exp.Values)
        or len(values.expressions) != 1
        or not isinstance(target, exp.Schema)
        or not target.expressions
        or extra
        or analysis.insert_table is None
    ):
        suffix = "; COPY has no RETURNING, ON CONFLICT or WITH" if extra else ""
        problems.append(parsed.diagnostic(shape + suffix, None))
        return None
    row = values.expressions[0]
    items = row.expressions if isinstance(row, exp.Tuple) else [row]
    numbers = []
    for item in items:
        if not (isinstance(item, exp.Parameter) and item.this is not None and item.this.is_int):
            problems.append(parsed.diagnostic(shape, item))
            return None
        numbers.append(int(item.this.name))
    if len(set(numbers)) != len(numbers) or len(numbers) != len(target.expressions):
        problems.append(parsed.diagnostic(shape, None))
        return None
    by_number = {p.number: p for p in params}
    types = [namer.copy_type(by_number[n]) for n in numbers]
    binary = all(t is not None for t in types)
    table = ".".join(quote_ident(part) for part in analysis.insert_table.split("."))
    columns = ", ".join(quote_ident(sql_identifier(c)) for c in target.expressions)
    sql = f"COPY {table} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    return sql, numbers, tuple(t for t in types if t is not None) if binary else ()
