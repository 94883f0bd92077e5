"""What every DDL handler shares: the error type, identifier and name helpers, the
patterns that read names in statements sqlglot keeps as text, and lookups of tables
and columns that fail as PostgreSQL does.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Container

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from pgsqlgen.catalog.model import (
    DEFAULT_SCHEMAS,
    NAMEDATALEN,
    Catalog,
    Column,
    Routine,
    Table,
    View,
    qualify,
    quote_ident,
    split_name,
    truncate_identifier,
)
from pgsqlgen.errors import Diagnostic
from pgsqlgen.pg.types import PgType, from_sqlglot
from pgsqlgen.sql.parse import Statement, parse_chunk, tokenize

UNSURE_CATALOG = "the catalog may differ from PostgreSQL's; `sqlgen verify --schema` settles it"
"""What a warning about a statement the catalog could not read adds."""


class DDLError(Exception):
    """A statement that cannot apply to the catalog as it stands."""

    def __init__(self, message: str, node: exp.Expr | None = None) -> None:
        super().__init__(message)
        self.node = node


def ident(node: exp.Expr | str | None) -> str:
    """An identifier as PostgreSQL stores it: folded to lower case unless quoted,
    and truncated to NAMEDATALEN - 1 bytes."""
    if node is None:
        return ""
    if isinstance(node, str):
        return truncate_identifier(node.lower())
    if isinstance(node, exp.Identifier):
        return truncate_identifier(node.name if node.quoted else node.name.lower())
    if isinstance(node, exp.Table | exp.Column):
        return ident(node.this)
    return truncate_identifier(node.name.lower())


def name_node(name: str) -> exp.Identifier:
    """An identifier for a name as stored, quoted when it would not read back the same."""
    return exp.to_identifier(name, quoted=quote_ident(name) != name)


def table_node(name: str) -> exp.Table:
    """A table reference for a catalog key, with its schema outside ``public``."""
    schema, local = split_name(name)
    return exp.Table(this=name_node(local), db=None if schema == "public" else name_node(schema))


def relation_name(node: exp.Expr) -> str:
    """A table's name, qualified only outside the ``public`` schema."""
    if isinstance(node, exp.Schema | exp.UserDefinedFunction):
        node = node.this
    if isinstance(node, exp.Table):
        schema = ident(node.args.get("db")) if node.args.get("db") else ""
        name = ident(node.this)
        return name if schema in ("", "public", "pg_catalog") else f"{schema}.{name}"
    return ident(node)


def require_schema(catalog: Catalog, name: str, node: exp.Expr | None) -> None:
    """An object named ``name`` can be created: its schema exists."""
    schema = split_name(name)[0]
    if not catalog.has_schema(schema):
        raise DDLError(f'schema "{schema}" does not exist', node)


class RelationsIn:
    """The names taken in ``schema``'s relation namespace (and, when asked, among
    its constraint names), without the schema.

    Membership is looked up per name: building the set of every relation for
    each new index or constraint made a long history quadratic.
    """

    def __init__(self, catalog: Catalog, schema: str, constraints: bool = False) -> None:
        self._catalog = catalog
        self._schema = schema
        self._constraints: Container[str] | None = None if constraints else set()

    def __contains__(self, local: object) -> bool:
        if self._catalog.has_relation(qualify(self._schema, str(local))):
            return True
        if self._constraints is None:
            self._constraints = self._catalog.constraint_names(self._schema)
        return local in self._constraints


def views_reading(catalog: Catalog, relation: str) -> list[View]:
    """The views whose query names ``relation`` (a rename need not walk the others)."""
    found = []
    for view in catalog.views.values():
        if view.relations is None:
            view.relations = frozenset(relation_name(t) for t in view.query.find_all(exp.Table))
        if relation in view.relations:
            found.append(view)
    return found


def column_typer(table: Table | None) -> Callable[[exp.Column], PgType | None]:
    """The type of a column of ``table`` named in one of its expressions (NEW.x, OLD.x too)."""

    def type_of(node: exp.Column) -> PgType | None:
        column = table.column(ident(node)) if table is not None else None
        return column.type if column is not None else None

    return type_of


def without_domain_casts(
    catalog: Catalog, node: exp.Expr, type_of: Callable[[exp.Column], PgType | None]
) -> exp.Expr:
    """``node`` with ``(col)::base`` read as ``col`` where ``col`` is of a domain over ``base``.

    PostgreSQL coerces a domain-typed value to the domain's base type before
    an operator or function takes it, and prints that coercion as a cast:
    ``CHECK (budget > 0)`` reads back as ``CHECK ((budget)::numeric > 0)``.
    Such a cast says nothing the column's type does not, so it is dropped.
    """

    def strip(cast: exp.Expr) -> exp.Expr:
        if not isinstance(cast, exp.Cast):
            return cast
        inner = cast.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        column_type = type_of(inner) if isinstance(inner, exp.Column) else None
        if column_type is None or column_type.name not in catalog.domains:
            return cast
        base, seen = column_type, set()
        while base.name in catalog.domains and not base.array_dims and base.name not in seen:
            seen.add(base.name)
            base = catalog.domains[base.name].base
        return inner if base.name == from_sqlglot(cast.to).name else cast

    if node.find(exp.Cast) is None:
        return node  # nothing to strip, and copying the tree is most of the cost
    return node.transform(strip)


def column_named(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise DDLError(f'column "{name}" of relation "{table.name}" does not exist')
    return column


def table_of(catalog: Catalog, node: exp.Expr) -> Table:
    name = relation_name(node)
    table = catalog.tables.get(name)
    if table is None:
        raise DDLError(f'relation "{name}" does not exist', node)
    return table


def renamed_name(old: str, target: exp.Expr) -> str:
    """The new key of ``RENAME TO``: a renamed object stays in its schema."""
    return qualify(split_name(old)[0], ident(target))


# Patterns run on the statement as written (``\s+`` between words), so string
# literals inside it keep their spacing.
_PART = r'(?:"(?:[^"]|"")+"|[\w$]+)'


# A possibly qualified name: ``name``, ``"Name"``, ``public.name``, ``t."Col"``.
NAME_PATTERN = rf"({_PART}(?:\s*\.\s*{_PART})*)"


STRING_PATTERN = r"'((?:[^']|'')*)'"


# ``CASCADE`` or ``RESTRICT`` (the default) at the end of a DROP; the group says which.
DROP_BEHAVIOUR_PATTERN = r"(?:\s+(?P<cascade>CASCADE)|\s+RESTRICT)?"


CommandHandler = Callable[[Catalog, "re.Match[str]", Statement], None]


def name_parts(text: str) -> list[str]:
    """The parts of a possibly qualified name as PostgreSQL stores them: unquoted or folded."""
    return [
        truncate_identifier(part[1:-1].replace('""', '"') if part.startswith('"') else part.lower())
        for part in re.findall(_PART, text)
    ]


def parse_name(text: str) -> str:
    """An object's name as the catalog keys it: qualified only outside ``public``."""
    return name_key(name_parts(text))


def name_key(parts: list[str]) -> str:
    """The catalog key of a name's parts."""
    if len(parts) > 1 and parts[0] in DEFAULT_SCHEMAS:
        parts = parts[1:]
    return ".".join(parts)


def unquote_literal(literal: str) -> str:
    return literal.replace("''", "'")


def table_probe(text: str, statement: Statement) -> exp.Expr:
    """Parse ``text`` as the one element of a ``CREATE TABLE`` column list.

    Domains, attributes and table constraints that sqlglot only keeps as an
    opaque command share their grammar with a table's elements, which
    sqlglot parses: a probe table lets them reuse it.
    """
    probe = f"CREATE TABLE probe ({text})"
    parsed = parse_chunk(tokenize(probe), probe)
    schema = parsed.this if isinstance(parsed, exp.Create) else None
    if not isinstance(schema, exp.Schema) or len(schema.expressions) != 1:
        raise DDLError(f"cannot read {text[:60]!r}", statement.expression)
    element: exp.Expr = schema.expressions[0]
    return element


def column_probe(text: str, statement: Statement) -> exp.ColumnDef:
    """Parse ``text`` as a column's type followed by column constraints."""
    column = table_probe(f"c {text}", statement)
    if not isinstance(column, exp.ColumnDef) or not isinstance(
        column.args.get("kind"), exp.DataType
    ):
        raise DDLError(f"cannot read {text[:60]!r}", statement.expression)
    return column


def table_named(catalog: Catalog, name: str, node: exp.Expr) -> Table:
    table = catalog.tables.get(name)
    if table is None:
        raise DDLError(f'relation "{name}" does not exist', node)
    return table


def record_statement(catalog: Catalog, statement: Statement) -> None:
    """Keep a statement that changes no shape, as written, where it stands."""
    catalog.routines[("recorded", f"{statement.source.display}:{statement.start}")] = Routine(
        "recorded", first_keyword(statement.text.strip()).lower(), statement.text
    )


# A word or a quoted name's text long enough that it may pass NAMEDATALEN - 1 bytes (a
# character is at most 4 bytes); a quoted one is matched between any two quotes, the
# closing one left for the next match, so that a quote in a string cannot hide it.
_LONG_WORD = re.compile(r"[\w$]{16,}")
_LONG_QUOTED = re.compile(r'"([^"]{16,})(?=")')


def _may_hold_long_name(text: str) -> bool:
    """Whether ``text`` may hold a name over NAMEDATALEN - 1 bytes: only such a
    statement is tokenized again, and most hold words of 16 characters or more
    (``product_overview_2``) but none of 64 bytes.

    Precondition: an unquoted name is a run of word characters and ``$``, as the
    lexer reads it, so it lies within a run ``_LONG_WORD`` matches whole; a quoted
    one's text lies between two quotes once each doubled quote (one quote in the
    name) is one other character.
    """
    for word in _LONG_WORD.finditer(text):
        if len(word[0].lower().encode()) >= NAMEDATALEN:
            return True
    if '"' not in text:
        return False
    for quoted in _LONG_QUOTED.finditer(text.replace('""', "\0")):
        if len(quoted[1].encode()) >= NAMEDATALEN:
            return True
    return False


def truncation_warnings(statement: Statement) -> list[Diagnostic]:
    """PostgreSQL's NOTICE for each name of ``statement`` over NAMEDATALEN - 1 bytes.

    Its lexer truncates every identifier it reads, saying so (``identifier "..."
    will be truncated to "..."``), and the catalog keeps the truncated name: a
    located warning, as the name the schema means may not be the one it gets.
    """
    text = statement.text
    if not _may_hold_long_name(text):
        return []
    warnings = []
    for token in tokenize(text):
        if token.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            continue
        name = token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower()
        if len(name.encode()) < NAMEDATALEN:
            continue
        message = f'identifier "{name}" will be truncated to "{truncate_identifier(name)}"'
        diagnostic = statement.source.diagnostic(statement.start + token.start, message)
        warnings.append(dataclasses.replace(diagnostic, severity="warning"))
    return warnings


def first_keyword(text: str) -> str:
    return text.split(None, 1)[0].upper() if text else ""
