"""Functions and procedures: CREATE [OR REPLACE] read into their signature parts, and
DROP FUNCTION/PROCEDURE by signature.
"""

from __future__ import annotations

import re
from typing import Literal

from pgsqlgen.catalog.canonical import (
    FunctionArgument,
    FunctionHeader,
    read_function,
    split_argument,
    split_top_level,
)
from pgsqlgen.catalog.model import (
    Argument,
    ArgumentMode,
    Catalog,
    Column,
    Function,
    Routine,
)
from pgsqlgen.pg.types import PgType, parse_type
from pgsqlgen.schema.ddl.common import (
    DROP_BEHAVIOUR_PATTERN,
    NAME_PATTERN,
    DDLError,
    parse_name,
    require_schema,
)
from pgsqlgen.schema.ddl.dependencies import (
    describe_function,
    drop_with_dependents,
    function_dependents,
)
from pgsqlgen.sql.parse import Statement


def create_routine(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``CREATE FUNCTION`` or ``PROCEDURE`` that sqlglot keeps as a command."""
    define_function(catalog, statement)


def define_function(catalog: Catalog, statement: Statement) -> None:
    """Create a function, or replace the overload with the same input types.

    As in PostgreSQL, replacing needs ``OR REPLACE`` and may change neither
    the return type nor the names of the input parameters.
    """
    node = statement.expression
    header = read_function(statement.text)
    if header is None:
        raise DDLError("cannot read the function definition", node)
    function = _function(header, statement)
    require_schema(catalog, function.name, node)
    key = (function.kind, function.name)
    routine = catalog.routines.get(key) or Routine(function.kind, function.name)
    for index, old in enumerate(routine.overloads):
        if old.arg_types != function.arg_types:
            continue
        if not header.replace:
            raise DDLError(
                f'{function.kind} "{function.name}" already exists with same argument types', node
            )
        if (old.returns, old.returns_set) != (function.returns, function.returns_set):
            raise DDLError("cannot change return type of existing function", node)
        for before, after in zip(old.arguments, function.arguments, strict=False):
            if before.is_input and before.name and after.name != before.name:
                raise DDLError(f'cannot change name of input parameter "{before.name}"', node)
        routine.overloads[index] = function
        return
    routine.overloads.append(function)
    catalog.routines[key] = routine


def _function(header: FunctionHeader, statement: Statement) -> Function:
    """The signature of a function definition, as ``pg_proc`` records it."""
    kind: Literal["function", "procedure"] = (
        "procedure" if header.kind == "PROCEDURE" else "function"
    )
    arguments = tuple(_argument(a, statement) for a in header.arguments)
    returns: PgType | None = None
    returns_set = False
    table: list[Column] | None = None
    written = (header.returns or "").strip()
    setof = re.match(r"^SETOF\s+(.*)$", written, re.I | re.S)
    declared = re.match(r"^TABLE\s*\((.*)\)$", written, re.I | re.S)
    if declared is not None:
        columns = [_argument(split_argument(c), statement) for c in split_top_level(declared[1])]
        table = [Column(c.name or f"column{i}", c.type) for i, c in enumerate(columns, 1)]
        returns_set = True
    elif written:
        returns_set = setof is not None
        returns = _type(setof[1] if setof else written, statement)
    outputs = [a for a in arguments if a.mode in ("out", "inout")]
    if table is None and outputs:
        table = [Column(a.name or f"column{i}", a.type) for i, a in enumerate(outputs, 1)]
    if table is not None and (declared is not None or returns is None or returns.name == "record"):
        single = len(table) == 1 and kind == "function"
        returns = table[0].type if single else PgType("record")
    strict = "STRICT" in header.options
    return Function(
        kind,
        parse_name(header.name),
        arguments,
        returns,
        returns_set,
        table,
        strict,
        statement.text,
    )


_MODES: dict[str, ArgumentMode] = {
    "IN": "in",
    "OUT": "out",
    "INOUT": "inout",
    "VARIADIC": "variadic",
}


def _argument(written: FunctionArgument, statement: Statement) -> Argument:
    return Argument(
        parse_name(written.name) if written.name else None,
        _type(written.type, statement),
        _MODES[written.mode],
        has_default=written.default is not None,
    )


def _type(text: str, statement: Statement) -> PgType:
    """A type written in a function's signature: ``pg_proc`` keeps it without modifiers."""
    parsed = parse_type(text)
    if parsed is None:
        raise DDLError(f"cannot read the type {text.strip()[:60]!r}", statement.expression)
    return parsed.without_modifiers()


def drop_functions(catalog: Catalog, statement: Statement) -> None:
    """``DROP FUNCTION`` (or ``PROCEDURE``) of one or more, each by name or signature.

    Read from the text, where ``f`` (the one function of that name) and
    ``f()`` (the one without arguments) differ, whether sqlglot parsed it
    or it came as a command (named parameters, modes and lists, which
    sqlglot does not parse). OUT parameters in the signature do not count,
    as in PostgreSQL. What calls the function (views, triggers, defaults,
    checks) goes only with ``CASCADE``.
    """
    node = statement.expression
    match = DROP_FUNCTIONS_PATTERN.match(statement.text.strip())
    if match is None:
        raise DDLError("cannot read DROP FUNCTION", node)
    kind, if_exists = match[1].lower(), bool(match[2])
    for target in split_top_level(match[3]):
        call = re.match(rf"^{NAME_PATTERN}\s*(?:\((.*)\))?$", target.strip(), re.S)
        if call is None:
            raise DDLError(f"cannot read {target.strip()[:60]!r}", node)
        name = parse_name(call[1])
        routine = catalog.routines.get((kind, name))
        overloads = routine.overloads if routine is not None else []
        if call[2] is not None:
            written = [split_argument(a) for a in split_top_level(call[2])]
            wanted = [_argument(a, statement).type for a in written if a.mode != "OUT"]
            overloads = [f for f in overloads if f.arg_types == wanted]
            described = f"{name}({', '.join(t.display() for t in wanted)})"
        else:
            described = name
            if len(overloads) > 1:
                raise DDLError(f'{kind} name "{name}" is not unique', node)
        if not overloads:
            if if_exists:
                continue
            raise DDLError(f"{kind} {described} does not exist", node)
        assert routine is not None
        found = function_dependents(catalog, overloads[0])
        target = describe_function(overloads[0])
        drop_with_dependents(target, found, bool(match["cascade"]), node)
        routine.overloads.remove(overloads[0])
        if not routine.overloads:
            del catalog.routines[(kind, name)]


DROP_FUNCTIONS_PATTERN = re.compile(
    rf"^DROP\s+(FUNCTION|PROCEDURE)\s+(IF\s+EXISTS\s+)?(.*?){DROP_BEHAVIOUR_PATTERN}$", re.I | re.S
)
