"""The catalog: what the schema defines, as PostgreSQL would hold it.

This module is the data model only; :mod:`pgsqlgen.schema.ddl` builds it by applying
DDL statements in order. Objects live in insertion order so everything derived
from the catalog (the dump, the models) is deterministic.
"""

from __future__ import annotations

import datetime
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from pgsqlgen.catalog.canonical import canonical_sql
from pgsqlgen.catalog.canonical import quote_ident as quote_ident
from pgsqlgen.catalog.canonical import quote_name as quote_name
from pgsqlgen.catalog.canonical import split_name as split_name
from pgsqlgen.errors import Diagnostic
from pgsqlgen.pg.types import PgType

ConstraintKind = Literal["primary_key", "unique", "foreign_key", "check", "exclude"]

NAMEDATALEN = 64

# Schemas on the search path: objects in them are named without their schema.
DEFAULT_SCHEMAS = ("public", "pg_catalog")
# Schemas every database has (``pg_temp`` is each session's own).
BUILTIN_SCHEMAS = (*DEFAULT_SCHEMAS, "pg_temp", "information_schema")


def qualify(schema: str, local: str) -> str:
    """The catalog key of ``local`` in ``schema``."""
    return local if schema in DEFAULT_SCHEMAS else f"{schema}.{local}"


@dataclass
class Column:
    """A column of a table, view or composite type.

    ``inherited`` and ``local`` are PostgreSQL's ``attinhcount`` and
    ``attislocal``: how many parents (``INHERITS``, ``PARTITION OF``) the
    column comes from, and whether the table also defines it itself. A
    parent's ``DROP COLUMN`` drops a child's column only when it was the
    column's last source.
    """

    name: str
    type: PgType
    not_null: bool = False
    default: exp.Expr | None = None
    identity: str | None = None
    generated: exp.Expr | None = None
    comment: str | None = None
    inherited: int = 0
    local: bool = True


def stored_default(default: exp.Expr, column_type: PgType, is_domain: bool) -> exp.Expr | None:
    """The default PostgreSQL keeps for a column, or None when it keeps none.

    A default that comes out as a bare NULL constant once coerced to the
    column's type gets no ``pg_attrdef`` row (``AddRelationNewConstraints``):
    ``DEFAULT NULL`` and ``DEFAULT NULL::text`` on a ``text`` column leave no
    default. A type with modifiers (``varchar(39)``) coerces through its length
    function and a domain through ``CoerceToDomain``, so those keep it, which
    ``pg_get_expr`` prints as ``NULL::character varying``.

    A quoted constant is stored as the column type's value (:func:`_coerced_constant`).
    """
    inner = default
    while isinstance(inner, (exp.Cast, exp.Paren)):
        inner = inner.this
    bare_null = isinstance(inner, exp.Null)
    if bare_null and not column_type.modifiers and not is_domain:
        return None
    if isinstance(default, exp.Literal) and default.is_string:
        return _coerced_constant(default, column_type) or default
    return default


_NUMBERS = {PgType(name) for name in ("int2", "int4", "int8", "numeric", "float4", "float8")}
# boolin's spellings (any unambiguous prefix of true/false/yes/no, on/off, 1/0).
_BOOLEANS = {
    **dict.fromkeys(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"), True),
    **dict.fromkeys(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"), False),
}


def _coerced_constant(literal: exp.Literal, column_type: PgType) -> exp.Expr | None:
    """A quoted constant as PostgreSQL stores it for the column, where its type says how.

    A quoted constant is of no type yet: PostgreSQL runs the type's input
    function at once and keeps the value, which prints back in the type's own
    output form. Types whose output this does not know leave it as written.
    """
    text = literal.name
    if column_type in _NUMBERS:
        # '0' on an integer column is the integer 0.
        return exp.cast(literal, column_type.display(), dialect="postgres")
    if column_type == PgType("bool"):
        truth = _BOOLEANS.get(text.strip().lower())
        return exp.Boolean(this=truth) if truth is not None else None
    if column_type == PgType("bytea"):
        # byteaout's hex form: '' is '\x', 'ab' is '\x6162'.
        if text.startswith("\\x"):
            return exp.Literal.string(text.lower())
        if "\\" not in text:
            return exp.Literal.string("\\x" + text.encode().hex())
        return None
    if column_type.name in ("timestamp", "timestamptz") and not column_type.array_dims:
        moment = _moment(text)
        if moment is None:
            return None
        if column_type.name == "timestamp":
            # timestamp without time zone ignores a written zone: '1970-01-01 00:00:01+00'.
            return exp.Literal.string(_timestamp_out(moment))
        # timestamptz keeps an instant, printed in the session's zone: UTC for the dump
        # (introspection reads the live database in UTC too).
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return exp.Literal.string(_timestamp_out(moment.astimezone(datetime.UTC)) + "+00")
    return None


def _timestamp_out(moment: datetime.datetime) -> str:
    """``timestamp_out``'s ISO form: seconds always, a fraction without trailing zeros."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


# Special datetime inputs that name a fixed moment ('now', 'today' are the moment of
# the statement, which a static catalog cannot know; 'infinity' prints as written).
_FIXED_MOMENTS = {"epoch": datetime.datetime(1970, 1, 1)}


def _moment(text: str) -> datetime.datetime | None:
    """A timestamp constant PostgreSQL would read the same way, or None when unsure."""
    text = text.strip()
    if text.lower() in _FIXED_MOMENTS:
        return _FIXED_MOMENTS[text.lower()]
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_sql(node: exp.Expr) -> str:
    """A parsed expression as PostgreSQL text, the one spelling the dump uses."""
    return canonical_sql(node)


@dataclass
class Exclusion:
    """What an ``EXCLUDE`` constraint compares: index elements, each with its operator."""

    using: str
    elements: list[exp.Expr]
    operators: tuple[str, ...]
    where: exp.Expr | None = None

    def parts(self) -> list[exp.Expr]:
        """The expressions that name columns: the elements and the predicate."""
        return [*self.elements, *([self.where] if self.where is not None else [])]

    def definition(self) -> str:
        items = ", ".join(
            f"{render_sql(e)} WITH {op}"
            for e, op in zip(self.elements, self.operators, strict=True)
        )
        text = f"EXCLUDE USING {self.using} ({items})"
        if self.where is not None:
            text += f" WHERE ({render_sql(self.where)})"
        return text


_GIVEN_CONSTRAINT_NAMES: set[str] = set()
"""Every name a :class:`Constraint` of this process has had: made, renamed, unpickled
or copied, each passes its name through ``__setattr__`` or ``__setstate__``. No
constraint of any catalog has a name outside it, which lets :class:`ConstraintNames`
answer most lookups without reading every constraint."""


@dataclass
class Constraint:
    """A table constraint, kept structurally so renames reach its definition.

    ``inherited`` marks a copy that a parent's constraint made (a CHECK a
    child inherits, a key or foreign key cloned to a partition): it goes
    when the parent's goes, and cannot be dropped by itself. ``deferrable``
    and ``deferred`` are ``DEFERRABLE`` and ``INITIALLY DEFERRED`` (which
    implies the first), for keys, foreign keys and exclusions.
    """

    name: str
    kind: ConstraintKind
    columns: tuple[str, ...]
    check: exp.Expr | None = None
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None
    inherited: bool = False
    nulls_not_distinct: bool = False
    exclusion: Exclusion | None = None
    valid: bool = True
    deferrable: bool = False
    deferred: bool = False

    def __setattr__(self, attribute: str, value: object) -> None:
        if attribute == "name":
            _GIVEN_CONSTRAINT_NAMES.add(str(value))
        object.__setattr__(self, attribute, value)

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickled or copied: its name is one given in this process too."""
        _GIVEN_CONSTRAINT_NAMES.add(str(state["name"]))
        self.__dict__.update(state)

    def definition(self) -> str:
        """What follows ``ADD CONSTRAINT name``, as ``pg_get_constraintdef`` would say."""
        return (
            self._body()
            + (" DEFERRABLE" if self.deferrable else "")
            + (" INITIALLY DEFERRED" if self.deferred else "")
            + ("" if self.valid else " NOT VALID")
        )

    def _body(self) -> str:
        cols = ", ".join(quote_ident(c) for c in self.columns)
        if self.kind == "primary_key":
            return f"PRIMARY KEY ({cols})"
        if self.kind == "unique":
            nulls = " NULLS NOT DISTINCT" if self.nulls_not_distinct else ""
            return f"UNIQUE{nulls} ({cols})"
        if self.kind == "check":
            assert self.check is not None
            return f"CHECK ({render_sql(self.check)})"
        if self.kind == "exclude":
            assert self.exclusion is not None
            return self.exclusion.definition()
        refs = ", ".join(quote_ident(c) for c in self.ref_columns)
        text = f"FOREIGN KEY ({cols}) REFERENCES {quote_name(self.ref_table or '')}({refs})"
        # NO ACTION is the default, which pg_get_constraintdef leaves out.
        if self.on_update and self.on_update.upper() != "NO ACTION":
            text += f" ON UPDATE {self.on_update}"
        if self.on_delete and self.on_delete.upper() != "NO ACTION":
            text += f" ON DELETE {self.on_delete}"
        return text


@dataclass
class Index:
    """An index; ``parent`` is the partitioned table's index it is a partition of.

    ``storage`` are its ``WITH (name = value)`` storage parameters as
    ``pg_class.reloptions`` keeps them: each value as text.
    """

    name: str
    table: str
    unique: bool
    using: str
    elements: list[exp.Expr]
    where: exp.Expr | None = None
    include: tuple[str, ...] = ()
    parent: str | None = None
    nulls_not_distinct: bool = False
    storage: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the index depends on: keys, INCLUDE columns and the predicate's."""
        parts = [*self.elements, *([self.where] if self.where is not None else [])]
        return tuple(c.name for e in parts for c in e.find_all(exp.Column)) + self.include

    def definition(self) -> str:
        """``CREATE INDEX``, naming the index without its schema: it is its table's."""
        elements = ", ".join(render_sql(e) for e in self.elements)
        text = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote_ident(split_name(self.name)[1])} "
            f"ON {quote_name(self.table)} USING {self.using} ({elements})"
        )
        if self.include:
            text += f" INCLUDE ({', '.join(quote_ident(c) for c in self.include)})"
        if self.nulls_not_distinct:
            text += " NULLS NOT DISTINCT"
        if self.storage:
            # ruleutils' flatten_reloptions: a value is quoted unless it reads as a name.
            options = ", ".join(
                f"{name}={value if quote_ident(value) == value else _quote_literal(value)}"
                for name, value in self.storage
            )
            text += f" WITH ({options})"
        if self.where is not None:
            text += f" WHERE ({render_sql(self.where)})"
        return text

    def same_as(self, other: Index) -> bool:
        """Whether the two index the same way (PostgreSQL's ``CompareIndexInfo``)."""

        def shape(index: Index) -> tuple[object, ...]:
            where = render_sql(index.where) if index.where is not None else None
            elements = [render_sql(e) for e in index.elements]
            return index.unique, index.using, elements, where, index.include

        return shape(self) == shape(other)


@dataclass
class Table:
    """A table.

    ``parents`` are the tables it inherits its columns from: those of
    ``INHERITS``, in order, or the one it is a partition of. ``partitioned``
    is ``PARTITION BY``: such a table's keys, foreign keys and indexes are
    cloned to each partition, and a table whose parent is partitioned is a
    partition.
    """

    name: str
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    comment: str | None = None
    parents: list[str] = field(default_factory=list)
    partitioned: bool = False

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
    relations: frozenset[str] | None = field(default=None, compare=False, repr=False)
    """The relations ``query`` names, once asked for (renames use it to skip a
    view quickly); None again whenever a rename rewrites the query."""


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


ArgumentMode = Literal["in", "out", "inout", "variadic"]


@dataclass(frozen=True)
class Argument:
    """One parameter of a function: ``[mode] [name] type [DEFAULT ...]``."""

    name: str | None
    type: PgType
    mode: ArgumentMode = "in"
    has_default: bool = False

    @property
    def is_input(self) -> bool:
        """Whether a call passes it (OUT parameters are results, not arguments)."""
        return self.mode != "out"


@dataclass
class Function:
    """One function or procedure, as a row of ``pg_proc``: an overload of its name.

    The signature follows PostgreSQL's own reading of the definition:

    * ``arg_types`` are the types a call passes, in order (IN, INOUT and
      VARIADIC parameters; a VARIADIC one is its array type, as in
      ``proargtypes``), without modifiers; they tell overloads apart.
      ``required_args`` of them have no default.
    * ``returns`` is ``prorettype``: the declared type; for ``RETURNS
      TABLE`` or OUT parameters, the one output column's type, or ``record``
      for several. None for a procedure without OUT parameters.
    * ``returns_set`` is ``SETOF`` or ``TABLE``: the call yields rows.
    * ``returns_table`` are the named output columns of ``RETURNS TABLE`` or
      of OUT/INOUT parameters (what ``SELECT * FROM f()`` gives), else None:
      a function returning a composite type or table row is expanded from
      the catalog's type instead.
    * ``strict``: ``STRICT`` (``RETURNS NULL ON NULL INPUT``), so a NULL
      argument gives a NULL result without a call.

    ``text`` is the definition as written, which the dump renders through
    :func:`pgsqlgen.catalog.canonical.canonical_function`.
    """

    kind: Literal["function", "procedure"]
    name: str
    arguments: tuple[Argument, ...]
    returns: PgType | None
    returns_set: bool = False
    returns_table: list[Column] | None = None
    strict: bool = False
    text: str = ""

    @property
    def arg_types(self) -> list[PgType]:
        return [a.type for a in self.arguments if a.is_input]

    @property
    def required_args(self) -> int:
        return sum(1 for a in self.arguments if a.is_input and not a.has_default)


@dataclass
class Routine:
    """An object kept for the dump rather than modelled, or a trigger, or functions.

    A trigger keeps its parsed statement rather than text: renaming its table
    or the columns it names must reach its definition, as it does in
    PostgreSQL, which stores triggers by table and column number.

    A ``function`` or ``procedure`` routine stands for every overload of its
    name: ``overloads`` holds each, in creation order (an ``OR REPLACE``
    keeps its place, as the replaced function keeps its oid).
    """

    kind: str
    name: str
    text: str = ""
    table: str | None = None
    node: exp.Expr | None = None
    overloads: list[Function] = field(default_factory=list)

    @property
    def definition(self) -> str:
        return self.text if self.node is None else render_sql(self.node)


_ROUTINE_KINDS = ("function", "procedure")


class Functions(Mapping[str, list[Function]]):
    """User-defined functions and procedures by name, read from the routines
    each time (they change as migrations replay).

    Looking up one name is two dictionary lookups: a query analysed against
    a long history asks for each call it makes, and a scan of every routine
    (triggers and recorded statements too) made that quadratic.
    """

    def __init__(self, routines: dict[tuple[str, str], Routine]) -> None:
        self._routines = routines

    def __getitem__(self, name: str) -> list[Function]:
        keys = [(kind, name) for kind in _ROUTINE_KINDS if (kind, name) in self._routines]
        if not keys:
            raise KeyError(name)
        if len(keys) > 1:
            # A function and a procedure of one name: in the order they were created.
            keys = [key for key in self._routines if key in keys]
        return [function for key in keys for function in self._routines[key].overloads]

    def __contains__(self, name: object) -> bool:
        return any((kind, name) in self._routines for kind in _ROUTINE_KINDS)

    def __iter__(self) -> Iterator[str]:
        names = (name for kind, name in self._routines if kind in _ROUTINE_KINDS)
        return iter(dict.fromkeys(names))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ConstraintNames(Container[str]):
    """The constraint names of a schema's tables and domains, looked up one name
    at a time as PostgreSQL's ``ChooseConstraintName`` does: a set of all of
    them, built for every constraint named by default, made a long history
    quadratic (a fifth of the catalog stage of the 4x bench layer); so did reading
    every constraint for each name, which only a name some constraint has had
    (:data:`_GIVEN_CONSTRAINT_NAMES`) now needs."""

    def __init__(self, catalog: Catalog, schema: str) -> None:
        self._catalog = catalog
        self._schema = schema

    def __contains__(self, name: object) -> bool:
        if name not in _GIVEN_CONSTRAINT_NAMES:
            # A name no constraint ever had (as a name PostgreSQL chooses mostly is):
            # reading every constraint of the catalog for it made a long history
            # quadratic again.
            return False
        for table in self._catalog.tables.values():
            for constraint in table.constraints:
                if constraint.name == name and split_name(table.name)[0] == self._schema:
                    return True
        for domain in self._catalog.domains.values():
            for check in domain.checks:
                if check.name == name and split_name(domain.name)[0] == self._schema:
                    return True
        return False


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
    warnings: list[Diagnostic] = field(default_factory=list, compare=False, repr=False)
    """What replaying the schema could not know for sure (a ``DO`` block's dynamic SQL):
    located warnings, reported with the run's, that ``verify --schema`` settles."""

    @property
    def functions(self) -> Mapping[str, list[Function]]:
        """User-defined functions and procedures by name, each with all its overloads.

        Names are keyed like relations (``name``, or ``schema.name`` outside
        ``public``), so the signatures of a call ``f(...)`` are
        ``catalog.functions.get("f", [])``; choosing among overloads by the
        argument types is the caller's (PostgreSQL's ``func_select_candidate``).
        """
        return Functions(self.routines)

    def schemas(self) -> set[str]:
        """The schemas that exist: the built-in ones and those created."""
        return {*BUILTIN_SCHEMAS, *(name for kind, name in self.routines if kind == "schema")}

    def has_schema(self, name: str) -> bool:
        """Whether schema ``name`` exists: asked for every object created, so
        looked up rather than listed as :meth:`schemas` does."""
        return name in BUILTIN_SCHEMAS or ("schema", name) in self.routines

    def type_names(self) -> set[str]:
        """Names in the type namespace: enums, composite types and domains."""
        return set(self.enums) | set(self.composites) | set(self.domains)

    def relation_columns(self, name: str) -> list[Column] | None:
        """Columns of a table or view, or None when no such relation exists."""
        if name in self.tables:
            return self.tables[name].columns
        if name in self.views:
            return self.views[name].columns
        return None

    def constraint_names(self, schema: str) -> ConstraintNames:
        """Constraint names in ``schema``, of tables and domains alike.

        PostgreSQL picks a new constraint's name so that it is unique among
        all of them, not only among its own table's.
        """
        return ConstraintNames(self, schema)

    def has_relation(self, name: str) -> bool:
        """Whether ``name`` is taken in the relation namespace: tables, views, indexes, sequences."""
        return any(
            name in names for names in (self.tables, self.views, self.indexes, self.sequences)
        )

    def children(self, name: str) -> list[Table]:
        """The tables that inherit from ``name`` directly (its partitions too)."""
        return [t for t in self.tables.values() if name in t.parents]

    def is_partition(self, table: Table) -> bool:
        """Whether ``table`` is a partition: its (only) parent is partitioned."""
        parent = self.tables.get(table.parents[0]) if table.parents else None
        return parent is not None and parent.partitioned


def clip_bytes(name: str, limit: int) -> str:
    """The longest prefix of ``name`` of at most ``limit`` UTF-8 bytes (``pg_mbcliplen``)."""
    return name.encode()[:limit].decode(errors="ignore")


def truncate_identifier(name: str) -> str:
    """A name as PostgreSQL keeps it: at most NAMEDATALEN - 1 bytes, cut at a character.

    PostgreSQL truncates every identifier it reads (``truncate_identifier``,
    with a NOTICE), so a long name and its truncation name the same object.
    """
    return clip_bytes(name, NAMEDATALEN - 1)


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's ``makeObjectName``: join the parts, trimming the longer to fit.

    Lengths are in bytes, the parts trimmed one byte at a time (the longer
    first) and then clipped to a character boundary, as PostgreSQL does.
    """
    chars1 = len(name1.encode())
    chars2 = len(name2.encode()) if name2 else 0
    overhead = (len(label.encode()) + 1 if label else 0) + (1 if name2 else 0)
    available = NAMEDATALEN - 1 - overhead
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    result = clip_bytes(name1, chars1)
    if name2:
        result += "_" + clip_bytes(name2, chars2)
    if label:
        result += "_" + label
    return result


def choose_name(name1: str, name2: str | None, label: str, taken: Container[str]) -> str:
    """PostgreSQL's ``ChooseConstraintName``/``ChooseRelationName``: add digits on collision."""
    suffix = 0
    candidate = make_object_name(name1, name2, label)
    while candidate in taken:
        suffix += 1
        candidate = make_object_name(name1, name2, f"{label}{suffix}")
    return candidate
