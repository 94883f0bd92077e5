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


# PostgreSQL's reserved, column-name and type/function-name keywords: the ones
# ``quote_ident()`` quotes (unreserved keywords may stand as plain identifiers).
_KEYWORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user dec decimal default deferrable desc distinct do else end except
    exists extract false fetch float for foreign freeze from full grant greatest group grouping
    having ilike in initially inner inout int integer intersect interval into is isnull join
    lateral leading least left like limit localtime localtimestamp national nchar natural none
    normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
    placing position precision primary real references returning right row select session_user
    setof similar smallint some substring symmetric system_user table tablesample then time
    timestamp to trailing treat trim true union unique user using values varchar variadic verbose
    when where window with
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)


def quote_ident(name: str) -> str:
    """Quote an identifier when PostgreSQL needs it to keep its spelling, as ``quote_ident()``."""
    plain = name.isidentifier() and name == name.lower() and name.isascii()
    if plain and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


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

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for e in self.elements for c in e.find_all(exp.Column))

    def definition(self) -> str:
        elements = ", ".join(render_sql(e) for e in self.elements)
        text = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote_ident(self.name)} "
            f"ON {quote_ident(self.table)} USING {self.using} ({elements})"
        )
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
    name: str
    base: PgType
    not_null: bool
    definition: str


@dataclass
class Routine:
    """A function, trigger, extension or other object kept verbatim for the dump."""

    kind: str
    name: str
    definition: str
    table: str | None = None


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    composites: dict[str, CompositeType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    routines: dict[tuple[str, str], Routine] = field(default_factory=dict)
    sequences: set[str] = field(default_factory=set)

    def relation_columns(self, name: str) -> list[Column] | None:
        """Columns of a table or view, or None when no such relation exists."""
        if name in self.tables:
            return self.tables[name].columns
        if name in self.views:
            return self.views[name].columns
        return None

    def constraint_names(self) -> set[str]:
        return {c.name for t in self.tables.values() for c in t.constraints}

    def relation_names(self) -> set[str]:
        """Names in the relation namespace: tables, views, indexes, sequences."""
        return set(self.tables) | set(self.views) | set(self.indexes) | self.sequences


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
