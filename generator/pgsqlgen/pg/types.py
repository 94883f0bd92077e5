"""PostgreSQL types as the catalog knows them: ``pg_type.typname`` plus modifiers.

sqlglot normalises type names (``integer`` and ``int4`` are both ``INT``);
this module maps them back to PostgreSQL's own ``typname`` so inferred types
compare with what PostgreSQL reports, and formats them the way
``format_type()`` does for the schema dump.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import sqlglot
import sqlglot.errors
from sqlglot import exp

Type = exp.DataType.Type

_TYPNAME: dict[object, str] = {
    Type.INT: "int4",
    Type.BIGINT: "int8",
    Type.SMALLINT: "int2",
    Type.SERIAL: "int4",
    Type.BIGSERIAL: "int8",
    Type.SMALLSERIAL: "int2",
    Type.TEXT: "text",
    Type.VARCHAR: "varchar",
    Type.CHAR: "bpchar",
    Type.BPCHAR: "bpchar",
    Type.UUID: "uuid",
    Type.JSONB: "jsonb",
    Type.JSON: "json",
    Type.BOOLEAN: "bool",
    Type.TIMESTAMPTZ: "timestamptz",
    Type.TIMESTAMP: "timestamp",
    Type.DATE: "date",
    Type.TIME: "time",
    Type.TIMETZ: "timetz",
    Type.INTERVAL: "interval",
    Type.DECIMAL: "numeric",
    Type.FLOAT: "float4",
    Type.DOUBLE: "float8",
    Type.VARBINARY: "bytea",
    Type.INET: "inet",
    Type.MONEY: "money",
    Type.XML: "xml",
    Type.POINT: "point",
    Type.BIT: "bit",
}

SERIAL_TYPES = {Type.SERIAL, Type.BIGSERIAL, Type.SMALLSERIAL}

# format_type() spellings that differ from the typname.
_DISPLAY: dict[str, str] = {
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "varchar": "character varying",
    "bpchar": "character",
    "bool": "boolean",
    "float4": "real",
    "float8": "double precision",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "varbit": "bit varying",
}

# Python spelling of each base type, as written in generated code.
PYTHON_TYPES: dict[str, str] = {
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "oid": "int",
    "float4": "float",
    "float8": "float",
    "numeric": "decimal.Decimal",
    "money": "decimal.Decimal",
    "bool": "bool",
    "text": "str",
    "varchar": "str",
    "bpchar": "str",
    "citext": "str",
    "name": "str",
    "xml": "str",
    "uuid": "uuid.UUID",
    "bytea": "bytes",
    "json": "JsonValue",
    "jsonb": "JsonValue",
    "date": "datetime.date",
    "time": "datetime.time",
    "timetz": "datetime.time",
    "timestamp": "datetime.datetime",
    "timestamptz": "datetime.datetime",
    "interval": "datetime.timedelta",
    "inet": "ipaddress.IPv4Interface | ipaddress.IPv6Interface",
    "cidr": "ipaddress.IPv4Network | ipaddress.IPv6Network",
}


@dataclass(frozen=True, slots=True)
class PgType:
    """A column or expression type: element typname, modifiers, array depth."""

    name: str
    modifiers: tuple[int, ...] = ()
    array_dims: int = 0

    def __reduce__(self) -> tuple[object, tuple[str, tuple[int, ...], int]]:
        # A catalog holds thousands of types and a few dozen distinct ones: read back
        # from a pickle (the cache), each is one shared instance, made once.
        return _pg_type, (self.name, self.modifiers, self.array_dims)

    def element(self) -> PgType:
        return PgType(self.name, self.modifiers)

    def array_of(self, dims: int = 1) -> PgType:
        return PgType(self.name, self.modifiers, self.array_dims + dims)

    def without_modifiers(self) -> PgType:
        return PgType(self.name, (), self.array_dims)

    def display(self) -> str:
        """The type as PostgreSQL's ``format_type()`` writes it."""
        base = _DISPLAY.get(self.name, self.name)
        if self.modifiers:
            args = f"({','.join(str(m) for m in self.modifiers)})"
            if self.name in ("timestamptz", "timestamp", "timetz", "time"):
                head, _, tail = base.partition(" ")
                base = f"{head}{args} {tail}".strip()
            else:
                base = f"{base}{args}"
        return base + "[]" * self.array_dims


def from_sqlglot(data_type: exp.DataType) -> PgType:
    """The PostgreSQL type a parsed type expression names."""
    dims = 0
    while data_type.this == Type.ARRAY and data_type.expressions:
        dims += 1
        inner = data_type.expressions[0]
        assert isinstance(inner, exp.DataType)
        data_type = inner
    modifiers = tuple(
        int(param.this.name)
        for param in data_type.expressions
        if isinstance(param, exp.DataTypeParam) and param.this.is_int
    )
    typname = _TYPNAME.get(data_type.this) if isinstance(data_type.this, Type) else None
    if data_type.this == Type.DOUBLE and modifiers:
        # float(p) is real up to 24 bits of precision, double precision above.
        typname, modifiers = ("float4" if modifiers[0] <= 24 else "float8"), ()
    elif isinstance(data_type.this, exp.Interval):
        # interval DAY TO SECOND and the like: an interval restricted to fields.
        typname = "interval"
    if typname is None:
        kind = data_type.args.get("kind")
        if isinstance(kind, exp.Expr):
            parts = [_folded(part) for part in _name_parts(kind)]
        else:
            parts = [data_type.sql(dialect="postgres").split("(")[0].split("[")[0].lower()]
        # A type is named with its schema only outside the ones on the search path.
        if len(parts) > 1 and parts[0] in ("public", "pg_catalog"):
            parts = parts[1:]
        typname = ".".join(parts)
    return PgType(typname, modifiers, dims)


def _name_parts(node: exp.Expr) -> list[exp.Expr]:
    """The identifiers of a possibly qualified type name (``foo.status``), in order."""
    if isinstance(node, exp.Dot):
        return [*_name_parts(node.this), *_name_parts(node.expression)]
    return [node]


def _folded(part: exp.Expr) -> str:
    """A name part as PostgreSQL stores it: folded to lower case unless quoted."""
    quoted = isinstance(part, exp.Identifier) and bool(part.quoted)
    return part.name if quoted else part.name.lower()


# Type spellings sqlglot does not read, in the spelling it does.
_UNREAD_SPELLINGS = ((re.compile(r"\bbit\s+varying\b", re.I), "varbit"),)
_PART = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
# One (possibly qualified) type name with array brackets: ``trigger``, ``s.t[]``.
_PLAIN_NAME = re.compile(rf"^({_PART}(?:\s*\.\s*{_PART})?)\s*((?:\[\s*\d*\s*\]\s*)*)$")


@functools.lru_cache(maxsize=4096)
def _pg_type(name: str, modifiers: tuple[int, ...], array_dims: int) -> PgType:
    return PgType(name, modifiers, array_dims)


def parse_type(text: str) -> PgType | None:
    """The type a written type name means, or None when ``text`` is not one.

    sqlglot reads it as a column's type; the spellings it does not know are
    rewritten first, and a plain name it takes for a keyword (``trigger``)
    is read as the type of that name.
    """
    for pattern, spelling in _UNREAD_SPELLINGS:
        text = pattern.sub(spelling, text)
    try:
        parsed = sqlglot.parse_one(f"CREATE TABLE probe (c {text})", dialect="postgres")
    except sqlglot.errors.SqlglotError:
        parsed = None
    column = parsed.find(exp.ColumnDef) if parsed is not None else None
    kind = column.args.get("kind") if column is not None else None
    if column is not None and isinstance(kind, exp.DataType):
        only_column = parsed is not None and len(parsed.this.expressions) == 1
        return from_sqlglot(kind) if only_column and not column.args.get("constraints") else None
    plain = _PLAIN_NAME.match(text.strip())
    if plain is None:
        return None
    parts = re.findall(_PART, plain[1])
    names = [p[1:-1].replace('""', '"') if p.startswith('"') else p.lower() for p in parts]
    if len(names) > 1 and names[0] in ("public", "pg_catalog"):
        names = names[1:]
    return PgType(".".join(names), (), plain[2].count("["))


def is_serial(data_type: exp.DataType) -> bool:
    return data_type.this in SERIAL_TYPES


def python_base_type(name: str) -> str | None:
    """The Python type for a built-in base type, or None when it is not known."""
    return PYTHON_TYPES.get(name)


BOOL = PgType("bool")
TEXT = PgType("text")
INT4 = PgType("int4")
INT8 = PgType("int8")
NUMERIC = PgType("numeric")
FLOAT8 = PgType("float8")
TIMESTAMPTZ = PgType("timestamptz")
UNKNOWN = PgType("unknown")
