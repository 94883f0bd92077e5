"""Sequences: CREATE and ALTER SEQUENCE, ownership by a column (OWNED BY, serial and
identity columns), and their ``nextval`` defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Sequence,
    quote_name,
)
from pgsqlgen.pg.types import from_sqlglot
from pgsqlgen.schema.ddl.common import (
    NAME_PATTERN,
    DDLError,
    column_named,
    ident,
    name_key,
    name_parts,
    parse_name,
    relation_name,
)
from pgsqlgen.sql.parse import Statement, parse_chunk, tokenize


def nextval_call(sequence: str) -> exp.Expr:
    """``nextval('name'::regclass)``, the default of a column a sequence numbers."""
    literal = quote_name(sequence).replace("'", "''")
    return sqlglot.parse_one(f"nextval('{literal}'::regclass)", dialect="postgres")


def nextval_sequence(default: exp.Expr) -> str | None:
    """The sequence a ``nextval('name')`` default draws from, if it is one."""
    while isinstance(default, exp.Paren | exp.Cast) and not isinstance(default, exp.Anonymous):
        default = default.this
    if not isinstance(default, exp.Anonymous) or default.name.lower() != "nextval":
        return None
    argument = default.expressions[0] if len(default.expressions) == 1 else None
    while isinstance(argument, exp.Cast | exp.Paren):
        argument = argument.this
    return parse_name(argument.name) if isinstance(argument, exp.Literal) else None


def create_sequence(catalog: Catalog, node: exp.Expr, exists: bool) -> None:
    name = relation_name(node.this)
    if catalog.has_relation(name):
        if exists:
            return
        raise DDLError(f'relation "{name}" already exists', node.this)
    sequence = Sequence(name)
    _set_sequence_options(catalog, sequence, node)
    catalog.sequences[name] = sequence


def _set_sequence_options(catalog: Catalog, sequence: Sequence, node: exp.Expr) -> None:
    """Apply the options of a parsed ``CREATE SEQUENCE`` (``AS``, bounds, ``OWNED BY``)."""
    data_type = node.args.get("expression")
    if isinstance(data_type, exp.DataType):
        sequence.type = from_sqlglot(data_type)
        if sequence.type.name not in ("int2", "int4", "int8"):
            raise DDLError("sequence type must be smallint, integer, or bigint", data_type)
    properties = node.find(exp.SequenceProperties)
    if properties is None:
        return
    numbers = {
        key: int(value.sql(dialect="postgres"))
        for key in ("increment", "minvalue", "maxvalue", "start", "cache")
        if isinstance(value := properties.args.get(key), exp.Expr)
    }
    sequence.increment = numbers.get("increment", sequence.increment)
    sequence.minvalue = numbers.get("minvalue", sequence.minvalue)
    sequence.maxvalue = numbers.get("maxvalue", sequence.maxvalue)
    sequence.start = numbers.get("start", sequence.start)
    sequence.cache = numbers.get("cache", sequence.cache)
    for option in properties.args.get("options") or []:
        word = " ".join(option.name.upper().split())
        if word in ("CYCLE", "NO CYCLE"):
            sequence.cycle = word == "CYCLE"
        elif word in ("NO MINVALUE", "NO MAXVALUE"):
            setattr(sequence, word.split()[1].lower(), None)
        else:
            raise DDLError(f"unsupported sequence option {word}", option)
    owner = properties.args.get("owned")
    if isinstance(owner, exp.Column):
        table = exp.Table(this=owner.args.get("table"), db=owner.args.get("db"))
        _own_sequence(catalog, sequence, relation_name(table), ident(owner))


def _own_sequence(catalog: Catalog, sequence: Sequence, table_name: str, column: str) -> None:
    table = catalog.tables.get(table_name)
    if table is None:
        raise DDLError(f'relation "{table_name}" does not exist')
    column_named(table, column)
    sequence.owned_by = (table.name, column)


def drop_owned_sequences(catalog: Catalog, owned: Callable[[tuple[str, str]], bool]) -> None:
    for sequence in list(catalog.sequences.values()):
        if sequence.owned_by is not None and owned(sequence.owned_by):
            del catalog.sequences[sequence.name]


_OWNED_BY = re.compile(rf"\bOWNED\s+BY\s+(?:(NONE)|{NAME_PATTERN})", re.I)


_RESTART = re.compile(r"\bRESTART(?:\s+(?:WITH\s+)?-?\d+)?", re.I)


def alter_sequence(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = parse_name(match[2])
    sequence = catalog.sequences.get(name)
    if sequence is None:
        if match[1]:
            return
        raise DDLError(f'relation "{name}" does not exist', statement.expression)
    options = match[3].strip()
    if owner := _OWNED_BY.search(options):
        if owner[1]:
            sequence.owned_by = None
        else:
            *table, column = name_parts(owner[2])
            _own_sequence(catalog, sequence, name_key(table), column)
        options = options[: owner.start()] + options[owner.end() :]
    # RESTART sets the next value, which is data, not definition.
    options = _RESTART.sub("", options).strip()
    if options:
        probe = f"CREATE SEQUENCE probe {options}"
        parsed = parse_chunk(tokenize(probe), probe)
        if not isinstance(parsed, exp.Create):
            raise DDLError(f"cannot read sequence options {options[:60]!r}", statement.expression)
        _set_sequence_options(catalog, sequence, parsed)
