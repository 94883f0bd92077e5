"""The catalog: what the schema defines, as PostgreSQL would hold it.

This module is the data model only; :mod:`generator.ddl` builds it by applying
DDL statements in order. Objects live in insertion order so everything derived
from the catalog (the dump, the models) is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from generator.canonical import canonical_sql
from generator.canonical import quote_ident as quote_ident
from generator.pgtypes import PgType

ConstraintKind = Literal["primary_key", "unique", "foreign_key", "check"]

NAMEDATALEN = 64


@dataclass
class Column:
    name: str
    type: PgType
    not_null: bool = False
    default: exp.Expr | None = None
    identity: str | None = None
    generated: exp.Expr | None = None
    comment: str | None = None


def render_sql(node: exp.Expr) -> str:
    """A parsed expression as PostgreSQL text, the one spelling the dump uses."""
    return canonical_sql(node)


@dataclass
class Constraint:
    """A table constraint, kept structurally so renames reach its definition."""

    name: str
    kind: ConstraintKind
    columns: tuple[str, ...]
    check: exp.Expr | None = None
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None

    def definition(self) -> str:
        """What follows ``ADD CONSTRAINT name``, as ``pg_get_constraintdef`` would say."""
        cols = ", ".join(quote_ident(c) for c in self.columns)
        if self.kind == "primary_key":
            return f"PRIMARY KEY ({cols})"
        if self.kind == "unique":
            return f"UNIQUE ({cols})"
        if self.kind == "check":
            assert self.check is not None
            return f"CHECK ({render_sql(self.check)})"
        refs = ", ".join(quote_ident(c) for c in self.ref_columns)
        text = f"FOREIGN KEY ({cols}) REFERENCES {quote_ident(self.ref_table or '')}({refs})"
        if self.on_update:
            text += f" ON UPDATE {self.on_update}"
        if self.on_delete:
            text += f" ON DELETE {self.on_delete}"
        return text


@dataclass
class Index:
    name: str
    table: str
    unique: bool
    using: str
    elements: list[exp.Expr]
    where: exp.Expr | None = None
    include: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the index depends on: keys, INCLUDE columns and the predicate's."""
        parts = [*self.elements, *([self.where] if self.where is not None else [])]
        return tuple(c.name for e in parts for c in e.find_all(exp.Column)) + self.include

    def definition(self) -> str:
        elements = ", ".join(render_sql(e) for e in self.elements)
        text = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote_ident(self.name)} "
            f"ON {quote_ident(self.table)} USING {self.using} ({elements})"
        )
        if self.include:
            text += f" INCLUDE ({', '.join(quote_ident(c) for c in self.include)})"
        if self.where is not None:
            text += f" WHERE ({render_sql(self.where)})"
        return text


@dataclass
class Table:
    name: str
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    comment: str | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def constraint(self, name: str) -> Constraint | None:
        return next((c for c in self.constraints if c.name == name), None)

    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind == "primary_key"), None)


@dataclass
class View:
    name: str
    query: exp.Expr
    columns: list[Column]
    materialized: bool = False
    comment: str | None = None


@dataclass
class Enum:
    name: str
    values: list[str]
    comment: str | None = None


@dataclass
class CompositeType:
    name: str
    columns: list[Column]
    comment: str | None = None


@dataclass
class Domain:
    """A domain, kept structurally: ``ALTER DOMAIN`` changes its parts one by one."""

    name: str
    base: PgType
    not_null: bool = False
    default: exp.Expr | None = None
    checks: list[Constraint] = field(default_factory=list)
    comment: str | None = None

    def check(self, name: str) -> Constraint | None:
        return next((c for c in self.checks if c.name == name), None)


# The range of each integer type a sequence may be declared as.
_INTEGER_RANGES = {"int2": 2**15, "int4": 2**31, "int8": 2**63}
_BIGINT = PgType("int8")


@dataclass
class Sequence:
    """A sequence with the options ``CREATE SEQUENCE`` sets and the column that owns it.

    The owner matters to the shape: dropping the column or its table drops
    the sequence (this is how ``serial`` sequences go).
    """

    name: str
    type: PgType = _BIGINT
    increment: int = 1
    minvalue: int | None = None
    maxvalue: int | None = None
    start: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[str, str] | None = None

    def bounds(self) -> tuple[int, int, int]:
        """Minimum, maximum and start, with PostgreSQL's defaults for those not given."""
        limit = _INTEGER_RANGES[self.type.name]
        ascending = self.increment > 0
        low = self.minvalue if self.minvalue is not None else (1 if ascending else -limit)
        high = self.maxvalue if self.maxvalue is not None else (limit - 1 if ascending else -1)
        start = self.start if self.start is not None else (low if ascending else high)
        return low, high, start


@dataclass
class Routine:
    """A function, extension or other object kept verbatim for the dump, or a trigger.

    A trigger keeps its parsed statement rather than text: renaming its table
    or the columns it names must reach its definition, as it does in
    PostgreSQL, which stores triggers by table and column number.
    """

    kind: str
    name: str
    text: str = ""
    table: str | None = None
    node: exp.Expr | None = None

    @property
    def definition(self) -> str:
        return self.text if self.node is None else render_sql(self.node)


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    composites: dict[str, CompositeType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    routines: dict[tuple[str, str], Routine] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)

    def relation_columns(self, name: str) -> list[Column] | None:
        """Columns of a table or view, or None when no such relation exists."""
        if name in self.tables:
            return self.tables[name].columns
        if name in self.views:
            return self.views[name].columns
        return None

    def constraint_names(self) -> set[str]:
        """Constraint names in the schema, of tables and domains alike.

        PostgreSQL picks a new constraint's name so that it is unique among
        all of them, not only among its own table's.
        """
        tables = {c.name for t in self.tables.values() for c in t.constraints}
        return tables | {c.name for d in self.domains.values() for c in d.checks}

    def relation_names(self) -> set[str]:
        """Names in the relation namespace: tables, views, indexes, sequences."""
        return set(self.tables) | set(self.views) | set(self.indexes) | set(self.sequences)


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's ``makeObjectName``: join the parts, trimming the longer to fit."""
    name2 = name2 or ""
    overhead = (len(label) + 1 if label else 0) + (1 if name2 else 0)
    available = NAMEDATALEN - 1 - overhead
    chars1, chars2 = len(name1), len(name2)
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    result = name1[:chars1]
    if name2:
        result += "_" + name2[:chars2]
    if label:
        result += "_" + label
    return result


def choose_name(name1: str, name2: str | None, label: str, taken: set[str]) -> str:
    """PostgreSQL's ``ChooseConstraintName``/``ChooseRelationName``: add digits on collision."""
    suffix = 0
    candidate = make_object_name(name1, name2, label)
    while candidate in taken:
        suffix += 1
        candidate = make_object_name(name1, name2, f"{label}{suffix}")
    return candidate
