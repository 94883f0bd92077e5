"""Conformance runner: our analysis against sqlc's end-to-end corpus and PostgreSQL's describe.

The corpus (``/work/shared/conformance/sqlc-endtoend``, see its README) holds, for
each of sqlc v1.31.1's PostgreSQL end-to-end cases, the schema, the query file,
sqlc's own analysis (``expected.json``) and PostgreSQL 15's describe of every
query (``pg.json``). It measures how far our static analysis is from the real
thing on a few hundred schemas we did not write, which the repository's own
tests cannot: they only cover the SQL we already support.

What is compared, and against what:

* **Types** against ``pg.json``, the authority: each parameter's and each result
  column's ``typname`` and array-ness, and the result column count and order.
  A *case* is type-identical when every query PostgreSQL could describe matches
  exactly; the case rate (identical / analysable cases) is the headline figure.
* **Column names** against ``pg.json`` too, but reported apart: a wrong name is a
  cosmetic problem, not a wrong type.
* **Nullability** against ``expected.json``: PostgreSQL's describe has none, and
  sqlc's is a reference with known flaws (its README lists them), not the truth.
  Each difference is listed with a reason category so the right ones can be
  recognised as sqlc's bugs rather than ours.
* **Expected errors**: sqlc's error cases that apply to an offline analyser
  (``base`` context, ``query`` or ``schema`` kind) must make us fail as well.

Decisions, so the figures mean one thing:

* The schema is built statement by statement with PostgreSQL's semantics for a
  ``psql -v ON_ERROR_STOP=0`` load (which is how ``pg.json`` was made): a failing
  statement is left out whole and the rest still applies. Those failures are
  reported on their own; the queries that then fail count as failures.
* Where ``pg.json`` contradicts PostgreSQL 15's own describe of a query, the live
  describe recorded in ``conformance/errata.json`` is used instead (and re-checked
  against a live server by ``test_conformance_errata.py``).
* A query PostgreSQL refused (``{error}`` in ``pg.json``) is not analysable and is
  skipped. A query our parser or analyser rejects, or crashes on, is a failure
  with its reason, so new support (``:execresult``, ``sqlc.slice``, ...) shows up
  here without a change to this file.
* Arrays: PostgreSQL does not track dimensions (``int[][]`` describes as one), so
  only array-ness is compared.
* Domains: a parameter PostgreSQL types as a domain matches either that domain or
  its base (both bind the same value); a result column is always sent as the base
  type, so our domain-typed column is resolved to its base first.
* ``sqlc.slice``: PostgreSQL described sqlc's rewrite ``IN ($N)``, so it reports the
  element type; our binding of the slice as one array parameter matches too.

Run as a script for the table (``--write`` updates ``tests/conformance/summary.json``
and ``DEVIATIONS.md``); ``tests/test_conformance.py`` guards the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance_errata import load_errata
from sqlglot import exp

from pgsqlgen.catalog.model import Catalog, Column
from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.pg.types import PgType
from pgsqlgen.queries.analysis.model import STAR_MARKER, Analysis, AnalysisError, ResultColumn
from pgsqlgen.queries.analysis.statements import analyse_statement
from pgsqlgen.queries.files import ParsedQuery, parse_query_file
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.sql.parse import Statement, parse_file
from pgsqlgen.sql.source import SourceFile

#: Where the corpus lives next to a CI checkout (``/work/main`` -> ``/work/shared``).
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sqlc-endtoend"
#: Environment variable naming another corpus directory.
CORPUS_ENV = "SQLGEN_CONFORMANCE_DIR"
#: The committed figures the test guards, and the deviation list, both written by ``--write``.
OUTPUT_DIR = Path(__file__).resolve().parent / "conformance"
SUMMARY_PATH = OUTPUT_DIR / "summary.json"
DEVIATIONS_PATH = OUTPUT_DIR / "DEVIATIONS.md"

#: The header line sqlc (and our query-file parser) starts a query with.
_HEADER = re.compile(r"^\s*--\s*name:\s*(?P<name>\S+)")
#: sqlc's other header spellings, which our parser does not read.
_OTHER_HEADER = re.compile(r"^\s*(?:/\*|#)\s*name:\s*(?P<name>\S+)", re.M)
_ANY_HEADER = re.compile(r"^\s*(?:--|/\*|#)\s*name:\s*(?P<name>\S+)")
_EXPECTED_ERROR = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$")

Json = dict[str, Any]
Element = Literal["param", "column"]


def corpus_dir() -> Path:
    """The corpus directory: ``$SQLGEN_CONFORMANCE_DIR`` or the default next to the repository."""
    override = os.environ.get(CORPUS_ENV)
    return Path(override) if override else DEFAULT_CORPUS


def corpus_missing_reason(directory: Path) -> str | None:
    """Why the corpus cannot be used (a user's clone has no ``../shared``), or None."""
    if not (directory / "index.json").is_file():
        return (
            f"sqlc conformance corpus not found at {directory} (no index.json); "
            f"set {CORPUS_ENV} to its directory to run the conformance check"
        )
    return None


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeRef:
    """A type as compared here: typname and whether it is an array (PG keeps no depth)."""

    name: str
    array: bool

    def __str__(self) -> str:
        return f"{self.name}[]" if self.array else self.name


@dataclass(frozen=True)
class Failure:
    """Why a query or schema statement could not be analysed.

    ``key`` groups failures that one piece of work would fix; ``detail`` names
    the instance (a function, a command) so the table can say which ones matter.
    """

    key: str
    message: str
    detail: str = ""


@dataclass(frozen=True)
class TypeDeviation:
    """One element whose type is not PostgreSQL's (``ours`` None: we produced no such element)."""

    element: str
    ours: str | None
    pg: str | None
    key: str
    detail: str = ""


@dataclass(frozen=True)
class NameDeviation:
    index: int
    ours: str
    pg: str


@dataclass(frozen=True)
class NullabilityDifference:
    """Our nullability against sqlc's, with a reason category derived from the expression."""

    element: str
    ours_nullable: bool
    sqlc_not_null: bool
    reason: str
    expression: str


@dataclass
class QueryResult:
    """One query of an ``ok`` case: skipped, failed, or compared element by element."""

    case: str
    name: str
    command: str
    skipped: str | None = None
    failure: Failure | None = None
    schema_failed: bool = False
    pg_params: int = 0
    pg_columns: int = 0
    params_identical: int = 0
    columns_identical: int = 0
    names_compared: int = 0
    names_identical: int = 0
    types: list[TypeDeviation] = field(default_factory=list)
    names: list[NameDeviation] = field(default_factory=list)
    nullability: list[NullabilityDifference] = field(default_factory=list)
    null_params_compared: int = 0
    null_params_agree: int = 0
    null_columns_compared: int = 0
    null_columns_agree: int = 0

    @property
    def analysable(self) -> bool:
        return self.skipped is None

    @property
    def analysed(self) -> bool:
        return self.skipped is None and self.failure is None

    @property
    def identical(self) -> bool:
        return self.analysed and not self.types


@dataclass
class CaseResult:
    case: str
    queries: list[QueryResult]
    schema_failures: list[Failure]
    file_problems: list[Failure]

    @property
    def analysable(self) -> bool:
        return any(q.analysable for q in self.queries)

    @property
    def identical(self) -> bool:
        return self.analysable and all(q.identical for q in self.queries if q.analysable)


@dataclass
class ErrorCaseResult:
    """An expected-error case: did we fail cleanly, and at the places sqlc reports?"""

    case: str
    error_kind: str
    expected: list[str]
    ours: list[str]
    located: int
    crashed: str | None = None

    @property
    def detected(self) -> bool:
        return bool(self.ours) and self.crashed is None


# --- schema --------------------------------------------------------------------------


@dataclass
class Schema:
    catalog: Catalog
    statements: list[Statement]
    failures: list[tuple[Diagnostic, Failure]]


def build_schema(source: SourceFile) -> Schema:
    """The catalog of every schema statement that applies, like psql with ON_ERROR_STOP=0.

    ``build_catalog`` applies all statements and raises with every problem at the
    end. A statement named by a problem is dropped whole (PostgreSQL rolls a
    failed statement back too) and the rest rebuilt, until none fails; each round
    drops at least one statement, so this ends.
    """
    statements, problems = parse_file(source)
    failures = [(d, _schema_failure(d, _head_at(source, d))) for d in problems]
    kept = list(statements)
    while True:
        try:
            catalog = build_catalog(kept)
        except SqlgenError as error:
            doomed = {_statement_at(kept, source, d) for d in error.diagnostics}
            failures.extend(
                (d, _schema_failure(d, _head(kept[_statement_at(kept, source, d)].text)))
                for d in error.diagnostics
            )
            kept = [s for i, s in enumerate(kept) if i not in doomed]
            continue
        except Exception as error:  # a crash in the catalog stage: record, drop it all
            failures.append(
                (
                    Diagnostic(source.display, 1, 1, str(error)),
                    Failure("internal error (crash)", _first_line(error), type(error).__name__),
                )
            )
            catalog = Catalog()
        return Schema(catalog, statements, failures)


def _statement_at(statements: Sequence[Statement], source: SourceFile, diag: Diagnostic) -> int:
    """Index of the statement a diagnostic points into (the last one starting before it)."""
    offset = source.offset(diag.line, diag.col)
    index = 0
    for i, statement in enumerate(statements):
        if statement.start <= offset:
            index = i
    return index


def _schema_failure(diag: Diagnostic, head: str) -> Failure:
    """A rejected schema statement: keyed by the problem, detailed by the statement's kind."""
    message = diag.message
    tail = re.match(r"^(unsupported[^:]*): (.*)$", message, re.S)
    key = f"{tail[1]}: {_head(tail[2])}" if tail else _normalise(message)
    return Failure(key, f"{message} [{head} ...]" if head else message, head)


#: Words kept when a statement is reduced to its kind (``ALTER TABLE SET SCHEMA``).
_KEYWORDS = frozenset(
    {
        "CREATE", "ALTER", "DROP", "TABLE", "INDEX", "VIEW", "MATERIALIZED", "TYPE", "DOMAIN",
        "FUNCTION", "PROCEDURE", "TRIGGER", "SEQUENCE", "SCHEMA", "EXTENSION", "ADD", "COLUMN",
        "CONSTRAINT", "ATTACH", "DETACH", "PARTITION", "SET", "OWNER", "TO", "RENAME", "UNIQUE",
        "OR", "REPLACE", "AS", "ENUM", "COMMENT", "ON", "POLICY", "RULE", "GRANT", "REVOKE",
        "INSERT", "INTO", "SELECT", "UPDATE", "DELETE", "USING", "LIKE", "INHERITS", "DEFAULT",
        "TEMP", "TEMPORARY", "UNLOGGED", "ONLY", "VALUE", "CHECK", "PRIMARY", "FOREIGN", "KEY",
        "REFERENCES", "GENERATED", "IDENTITY", "STATISTICS", "AGGREGATE", "CAST", "OPERATOR",
        "COLLATION", "LANGUAGE", "PUBLICATION", "SUBSCRIPTION", "SERVER", "TABLESPACE", "DATA",
        "ROW", "LEVEL", "SECURITY", "ENABLE", "DISABLE",
    }
)  # fmt: skip


def _head(sql: str) -> str:
    """A statement's kind: its leading keywords, names dropped, up to the first parenthesis."""
    words: list[str] = []
    for word in re.split(r"\s+", sql.split("(")[0].strip())[:12]:
        upper = word.upper().rstrip(";,")
        if upper in _KEYWORDS and upper not in words[-1:]:
            words.append(upper)
    return " ".join(words)


def _head_at(source: SourceFile, diag: Diagnostic) -> str:
    """The kind of the statement a parse error is in (the text since the last semicolon)."""
    offset = source.offset(diag.line, diag.col)
    start = source.text.rfind(";", 0, offset) + 1
    text = "\n".join(
        line for line in source.text[start:].splitlines() if not line.strip().startswith("--")
    )
    return _head(text)


# --- failure keys ----------------------------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _normalise(message: str) -> str:
    """A grouping key: names, numbers and quoted SQL replaced, the kind of problem kept."""
    message = re.sub(r"^query \w+: ", "", message)
    message = re.sub(r"^syntax error .*", "syntax error", message)
    message = re.sub(r"unsupported FROM item: .*", "unsupported FROM item", message)
    message = re.sub(r"; add a cast.*", "", message)
    message = re.sub(r"\bquery \w+ (must|has)\b", r"query … \1", message)
    message = re.sub(r"\$\d+", "$N", message)
    message = re.sub(r'"[^"]*"', '"…"', message)
    message = re.sub(r"\b\d+\b", "N", message)
    return message


def classify_message(message: str, block_text: str = "") -> Failure:
    """A failure of the query-file parser or the analyser, keyed by what would fix it."""
    annotation = re.search(r'unknown annotation "([^"]+)"', message)
    if annotation:
        return Failure("query command not supported", message, annotation.group(1))
    macro = re.search(r"(sqlc\.\w+) is not supported", message)
    if macro:
        return Failure(f"{macro.group(1)} not supported", message)
    if "must contain exactly one statement" in message:
        if _OTHER_HEADER.search(block_text):
            return Failure(
                "query header /* name: */ or # name: not recognised",
                message,
                "swallowed by the query before it",
            )
        if re.search(r"^\s*(CREATE|ALTER|DROP|COMMENT)\b", block_text, re.I | re.M):
            return Failure("DDL in a query file (sqlc skips it)", message)
    statement = re.search(r"unsupported statement(?:: (\w+))?", message)
    if statement:
        return Failure("unsupported statement", message, statement.group(1) or _verb(block_text))
    return Failure(_normalise(message), message)


def _param_context(node: exp.Expr | None) -> str:
    """Where a parameter stands, named the way inference work is planned (LIMIT, a function...)."""
    parent = node.parent if node is not None else None
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if parent is None:
        return "unknown position"
    if isinstance(parent, exp.Limit | exp.Offset | exp.Fetch):
        return "LIMIT/OFFSET"
    if isinstance(parent, exp.Cast):
        return "cast"
    if isinstance(parent, exp.Coalesce):
        return "argument of COALESCE"
    if isinstance(parent, exp.Func):
        return f"argument of {_function_label(parent)}"
    if isinstance(parent, exp.Tuple | exp.Values):
        return "INSERT value"
    if isinstance(parent, exp.EQ) and isinstance(parent.parent, exp.Update):
        return "UPDATE SET"
    if isinstance(parent, exp.In):
        return "IN list"
    if isinstance(parent, exp.Any | exp.All):
        return "= ANY()"
    if isinstance(parent, exp.Alias | exp.Select):
        return "select list"
    if isinstance(parent, exp.Predicate):
        return f"comparison ({parent.key})"
    if isinstance(parent, exp.Binary):
        return f"operator ({parent.key})"
    if isinstance(parent, exp.Case | exp.If):
        return "CASE"
    return parent.key


def _function_label(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return f"{str(node.this).lower()}()"
    return f"{node.sql_name().lower()}()"


def _expression_kind(node: exp.Expr | None) -> str:
    """What a result column is computed from, for grouping mismatches and nullability."""
    while isinstance(node, exp.Paren | exp.Alias):
        node = node.this
    if node is None:
        return "unknown expression"
    if isinstance(node, exp.Column):
        if node.name.startswith(STAR_MARKER) or isinstance(node.this, exp.Star):
            return "star expansion"
        return "column reference"
    if isinstance(node, exp.Star):
        return "star expansion"
    if isinstance(node, exp.Cast):
        return "cast"
    if isinstance(node, exp.Parameter):
        return "parameter"
    if isinstance(node, exp.Literal | exp.Boolean | exp.Null):
        return "literal"
    if isinstance(node, exp.Subquery | exp.Query):
        return "scalar subquery"
    if isinstance(node, exp.Exists):
        return "EXISTS"
    if isinstance(node, exp.Case | exp.If):
        return "CASE"
    if isinstance(node, exp.Coalesce):
        return "COALESCE"
    if isinstance(node, exp.Window):
        return f"window {_expression_kind(node.this)}"
    if isinstance(node, exp.Count):
        return "count()"
    if _is_aggregate(node):
        return f"aggregate {_function_label(node)}" if isinstance(node, exp.Func) else "aggregate"
    if isinstance(node, exp.Func):
        return f"function {_function_label(node)}"
    if isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Is):
        return "boolean expression"
    if isinstance(node, exp.Binary | exp.Unary):
        return f"operator ({node.key})"
    return node.key


_AGGREGATES = {
    "sum", "avg", "max", "min", "array_agg", "string_agg", "json_agg", "jsonb_agg",
    "json_object_agg", "jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and",
    "bit_or", "percentile_cont", "percentile_disc", "mode", "stddev", "variance",
    "group_concat", "arrayagg", "xmlagg",
}  # fmt: skip


def _is_aggregate(node: exp.Expr) -> bool:
    if isinstance(node, exp.AggFunc):
        return True
    return isinstance(node, exp.Func) and _function_label(node).rstrip("()") in _AGGREGATES


# --- the query file --------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A query's span in query.sql (header line to the line before the next header)."""

    name: str
    first: int
    last: int


def query_blocks(text: str, every_style: bool = False) -> list[Block]:
    """Every query block of a query file, by line, so diagnostics map to their query.

    By default only ``-- name:`` starts a block, as in our parser, so a diagnostic
    maps to the query our parser was reading; ``every_style`` also reads sqlc's
    ``/* name: */`` and ``# name:`` headers, to find the query sqlc means.
    """
    lines = text.splitlines()
    header = _ANY_HEADER if every_style else _HEADER
    starts = [(i + 1, m["name"]) for i, line in enumerate(lines) if (m := header.match(line))]
    return [
        Block(name, first, starts[n + 1][0] - 1 if n + 1 < len(starts) else len(lines))
        for n, (first, name) in enumerate(starts)
    ]


def _block_of(blocks: Sequence[Block], line: int) -> Block | None:
    return next((b for b in blocks if b.first <= line <= b.last), None)


# --- comparing one query ---------------------------------------------------------------


def _ours(pg_type: PgType, catalog: Catalog, column: bool) -> TypeRef:
    name = pg_type.name
    if column and not pg_type.array_dims and name in catalog.domains:
        base = catalog.domains[name].base
        return TypeRef(base.name, bool(base.array_dims))
    return TypeRef(name, pg_type.array_dims > 0)


def _pg(entry: Json) -> TypeRef:
    return TypeRef(str(entry["typname"]), int(entry.get("array_dims") or 0) > 0)


def _param_matches(ours: TypeRef, pg: Json, slice_param: bool) -> bool:
    wanted = _pg(pg)
    candidates = {wanted}
    if "domain_base" in pg:
        candidates.add(TypeRef(str(pg["domain_base"]), wanted.array))
    if slice_param:
        candidates |= {TypeRef(c.name, True) for c in candidates}
    return ours in candidates


def projection_nodes(expression: exp.Expr, analysis: Analysis) -> list[exp.Expr] | None:
    """The select-list expression behind each result column, or None when they do not line up."""
    node: exp.Expr | None = expression
    while isinstance(node, exp.SetOperation):
        node = node.this
    while isinstance(node, exp.Paren | exp.Subquery):
        node = node.this
    if isinstance(node, exp.Select):
        items = list(node.expressions)
    elif node is not None and isinstance(node.args.get("returning"), exp.Returning):
        items = list(node.args["returning"].expressions)
    else:
        return None
    nodes: list[exp.Expr] = []
    for item in items:
        if isinstance(item, exp.Column) and item.name.startswith(STAR_MARKER):
            marker = int(item.name[len(STAR_MARKER) :])
            nodes.extend([item] * len(analysis.star_expansions.get(marker, [])))
        else:
            nodes.append(item)
    return nodes if len(nodes) == len(analysis.columns) else None


def _has_outer_join(expression: exp.Expr) -> bool:
    return any(
        str(join.args.get("side") or "").upper() in ("LEFT", "RIGHT", "FULL")
        for join in expression.find_all(exp.Join)
    )


def _column_reason(
    node: exp.Expr | None, expression: exp.Expr, ours_nullable: bool, origin: Column | None
) -> str:
    """A reason category for a result column's nullability disagreeing with sqlc's."""
    kind = _expression_kind(node)
    who = "we say nullable, sqlc not_null" if ours_nullable else "we say not_null, sqlc nullable"
    if kind in ("column reference", "star expansion"):
        default = origin.default if origin is not None else None
        if default is not None and not ours_nullable and "nextval" in str(default).lower():
            return f"serial column (serial implies NOT NULL): {who}"
        if _has_outer_join(expression):
            return f"outer join: {who}"
        if isinstance(expression, exp.SetOperation):
            return f"set operation ({expression.key.upper()}): {who}"
        if expression.find(exp.With) is not None:
            return f"column via CTE: {who}"
        if any(isinstance(s.this, exp.Subquery) for s in expression.find_all(exp.From, exp.Join)):
            return f"column via subquery in FROM: {who}"
        return f"{kind}: {who}"
    if kind.startswith("aggregate") and ours_nullable:
        return f"aggregate over possibly empty set: {who} (sqlc issue #3028)"
    if kind.startswith("function") and ours_nullable:
        return f"function result: {who} (sqlc: built-ins are never nullable)"
    if kind.startswith("function"):
        return f"function result: {who}"
    return f"{kind}: {who}"


def _origin(catalog: Catalog, column: ResultColumn) -> Column | None:
    """The table column a result column reads, when it reads one directly."""
    table = catalog.tables.get(column.table or "")
    return table.column(column.column) if table is not None and column.column else None


def _param_reason(parsed: ParsedQuery, number: int, ours_nullable: bool) -> str:
    param = parsed.params.get(number)
    who = "we say nullable, sqlc not_null" if ours_nullable else "we say not_null, sqlc nullable"
    if param is not None and param.forced_nullable:
        return f"sqlc.narg: {who}"
    node = param.node if param is not None else None
    context = _param_context(node)
    if context in ("INSERT value", "UPDATE SET"):
        return f"parameter bound to a column ({context}): {who}"
    parent = node.parent if node is not None else None
    if isinstance(parent, exp.Predicate) and not ours_nullable:
        other = parent.expression if parent.this is node else parent.this
        if isinstance(other, exp.Column):
            return (
                f"parameter compared with a nullable column: {who} "
                "(sqlc copies the column's nullability; `col = NULL` matches no row)"
            )
    return f"parameter in {context}: {who}"


def _type_deviation(
    label: str, element: Element, context: str, ours: TypeRef | None, pg: TypeRef
) -> TypeDeviation:
    """A wrong type, keyed by where it stands (LIMIT, a function result...), not by the types."""
    if ours is not None and ours.array == pg.array and pg.name.endswith(f".{ours.name}"):
        key, fine = "type from another schema named without its schema", ""
    elif context.startswith(("argument of ", "function ", "aggregate ", "window ")):
        coarse, _, fine = context.partition(" ")
        key = f"{element} type wrong [{'function argument' if coarse == 'argument' else coarse}]"
        fine = fine.removeprefix("of ")
    else:
        key, fine = f"{element} type wrong [{context}]", ""
    detail = f"{fine}: ours {ours}, PG {pg}" if fine else f"ours {ours}, PG {pg}"
    return TypeDeviation(label, str(ours) if ours else None, str(pg), key, detail)


def compare_query(
    result: QueryResult,
    parsed: ParsedQuery,
    analysis: Analysis,
    catalog: Catalog,
    pg: Json,
    sqlc: Json | None,
) -> None:
    """Fill ``result`` with the element-by-element comparison of our analysis with PG's and sqlc's."""
    pg_params: list[Json] = list(pg.get("params") or [])
    pg_columns: list[Json] = list(pg.get("columns") or [])
    sqlc_params = {int(p["number"]): p for p in (sqlc or {}).get("params") or []}
    nodes = projection_nodes(parsed.expression, analysis)

    for number in range(1, max(len(pg_params), max(analysis.params, default=0)) + 1):
        param = analysis.params.get(number)
        pg_param = pg_params[number - 1] if number <= len(pg_params) else None
        ours = _ours(param.type, catalog, column=False) if param and param.type else None
        slice_param = bool(sqlc_params.get(number, {}).get("is_sqlc_slice"))
        label = f"param ${number}" + (f" ({param.name})" if param and param.name[0] != "$" else "")
        if pg_param is None:
            result.types.append(
                TypeDeviation(
                    label,
                    str(ours),
                    None,
                    "parameter count differs",
                    f"ours {len(analysis.params)}, PG {len(pg_params)}",
                )
            )
        elif ours is not None and _param_matches(ours, pg_param, slice_param):
            result.params_identical += 1
        elif param is None:
            result.types.append(
                TypeDeviation(
                    label,
                    None,
                    str(_pg(pg_param)),
                    "parameter count differs",
                    f"ours {len(analysis.params)}, PG {len(pg_params)}",
                )
            )
        else:
            context = _param_context(param.node)
            result.types.append(_type_deviation(label, "param", context, ours, _pg(pg_param)))

    for index in range(max(len(pg_columns), len(analysis.columns))):
        column = analysis.columns[index] if index < len(analysis.columns) else None
        pg_column = pg_columns[index] if index < len(pg_columns) else None
        label = f"column {index + 1}" + (f" ({column.name})" if column else "")
        if column is None or pg_column is None:
            text = parsed.source.text[parsed.sql_start : parsed.sql_end]
            embed = "sqlc.embed (PG expands it); " if "sqlc.embed" in text else ""
            result.types.append(
                TypeDeviation(
                    label,
                    str(_ours(column.type, catalog, True)) if column else None,
                    str(_pg(pg_column)) if pg_column else None,
                    "result column count differs",
                    f"{embed}ours {len(analysis.columns)}, PG {len(pg_columns)}",
                )
            )
            continue
        ours = _ours(column.type, catalog, column=True)
        if ours == _pg(pg_column):
            result.columns_identical += 1
        else:
            kind = _expression_kind(nodes[index]) if nodes else "unknown expression"
            result.types.append(_type_deviation(label, "column", kind, ours, _pg(pg_column)))
        result.names_compared += 1
        if column.name == pg_column["name"]:
            result.names_identical += 1
        else:
            result.names.append(NameDeviation(index + 1, column.name, str(pg_column["name"])))

    if sqlc is None:
        return
    for number, sqlc_param in sqlc_params.items():
        param = analysis.params.get(number)
        if param is None:
            continue
        result.null_params_compared += 1
        if param.nullable != (not sqlc_param["not_null"]):
            result.nullability.append(
                NullabilityDifference(
                    f"param ${number} ({sqlc_param['name']})",
                    param.nullable,
                    bool(sqlc_param["not_null"]),
                    _param_reason(parsed, number, param.nullable),
                    param.node.sql(dialect="postgres") if param.node is not None else "",
                )
            )
        else:
            result.null_params_agree += 1
    sqlc_columns: list[Json] = list(sqlc.get("columns") or [])
    if len(sqlc_columns) != len(analysis.columns):
        return
    for index, (column, sqlc_column) in enumerate(zip(analysis.columns, sqlc_columns, strict=True)):
        result.null_columns_compared += 1
        if column.nullable == (not sqlc_column["not_null"]):
            result.null_columns_agree += 1
            continue
        node = nodes[index] if nodes else None
        result.nullability.append(
            NullabilityDifference(
                f"column {index + 1} ({column.name})",
                column.nullable,
                bool(sqlc_column["not_null"]),
                _column_reason(node, parsed.expression, column.nullable, _origin(catalog, column)),
                node.sql(dialect="postgres") if node is not None else "",
            )
        )


def _analysis_failure(error: Exception, catalog: Catalog) -> Failure:
    message = _first_line(error)
    if not isinstance(error, AnalysisError):
        return Failure(
            "internal error (crash)", f"{type(error).__name__}: {message}", type(error).__name__
        )
    node = error.node
    if message.startswith("could not determine data type of parameter"):
        context = _param_context(node)
        if context.startswith("argument of "):
            function = context.removeprefix("argument of ")
            return Failure("cannot infer parameter type [function argument]", message, function)
        return Failure(f"cannot infer parameter type [{context}]", message)
    if message.startswith("cannot determine the type of"):
        kind = _expression_kind(node)
        if kind.startswith("function "):
            function = kind.removeprefix("function ")
            owner = "user-defined" if _user_defined(catalog, function) else "built-in/extension"
            return Failure(f"cannot type result [{owner} function]", message, function)
        return Failure(f"cannot type result [{kind}]", message)
    return classify_message(message)


def _verb(block_text: str) -> str:
    """The first SQL word of a query block (CALL, NOTIFY, ...), past its header and comments."""
    for line in block_text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("--", "/*", "#")):
            return stripped.split()[0].upper().rstrip(";")
    return "?"


def _user_defined(catalog: Catalog, function: str) -> bool:
    name = function.removesuffix("()")
    return any(
        kind in ("function", "procedure") and routine.split(".")[-1] == name
        for kind, routine in catalog.routines
    )


# --- cases -----------------------------------------------------------------------------


# Queries whose pg.json PostgreSQL 15 contradicts, with its own describe (see
# conformance_errata.py; tests/test_conformance_errata.py keeps each one true).
ERRATA = load_errata()


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(directory: Path, name: str) -> SourceFile:
    path = directory / name
    return SourceFile(path=path, display=name, text=path.read_text(encoding="utf-8"))


def _parse_queries(
    source: SourceFile,
) -> tuple[dict[str, ParsedQuery], list[Diagnostic], str | None]:
    """The queries by name, the parser's diagnostics, and its crash (every query fails) if any."""
    try:
        queries, problems = parse_query_file(source)
    except Exception as error:
        return {}, [], f"{type(error).__name__}: {_first_line(error)}"
    parsed: dict[str, ParsedQuery] = {}
    for query in queries:
        parsed.setdefault(query.name, query)
    return parsed, problems, None


def _missing_query(
    name: str, text: str, blocks: Sequence[Block], problems: dict[str, Diagnostic]
) -> Failure:
    """Why the query-file parser produced no query ``name``."""
    lines = text.splitlines()
    problem = problems.get(name)
    if problem is not None:
        block = next(b for b in blocks if b.name == name)
        return classify_message(problem.message, "\n".join(lines[block.first - 1 : block.last]))
    header = next((m for m in _OTHER_HEADER.finditer(text) if m["name"] == name), None)
    if header is not None:
        style = "/* name: */" if header.group(0).lstrip().startswith("/*") else "# name:"
        return Failure(
            "query header /* name: */ or # name: not recognised",
            f"{header.group(0).strip()} ...: no such header in our syntax",
            style,
        )
    return Failure("query not found in query file", f"no '-- name: {name}' query parsed")


def run_ok_case(directory: Path, case: str) -> CaseResult:
    """Analyse every query of a case and compare it with PostgreSQL's describe and sqlc's analysis."""
    path = directory / case
    schema = build_schema(_source(path, "schema.sql"))
    query_source = _source(path, "query.sql")
    parsed, problems, crash = _parse_queries(query_source)
    blocks = query_blocks(query_source.text)
    block_problems: dict[str, Diagnostic] = {}
    file_problems: list[Failure] = []
    for problem in problems:
        block = _block_of(blocks, problem.line)
        if block is None or block.name in parsed:
            file_problems.append(classify_message(problem.message))
        else:
            block_problems.setdefault(block.name, problem)
    pg: dict[str, Json] = _load(path / "pg.json")
    sqlc = {q["name"]: q for q in _load(path / "expected.json")["queries"]}
    results: list[QueryResult] = []
    for name, recorded in pg.items():
        erratum = ERRATA.get(f"{case}/{name}")
        described = erratum["described"] if erratum is not None else recorded
        reference = sqlc.get(name)
        result = QueryResult(case, name, str(reference["cmd"]) if reference else "?")
        result.schema_failed = bool(schema.failures)
        results.append(result)
        if "error" in described:
            result.skipped = f"PostgreSQL refused it: {described['error']}"
            continue
        result.pg_params = len(described.get("params") or [])
        result.pg_columns = len(described.get("columns") or [])
        query = parsed.get(name)
        if crash is not None:
            result.failure = Failure("internal error (crash)", crash, "query-file parser")
            continue
        if query is None:
            result.failure = _missing_query(name, query_source.text, blocks, block_problems)
            continue
        try:
            analysis = analyse_statement(schema.catalog, query.expression, query.params)
        except Exception as error:
            result.failure = _analysis_failure(error, schema.catalog)
            continue
        try:
            compare_query(result, query, analysis, schema.catalog, described, reference)
        except Exception as error:  # a bug here, not in the generator: say so loudly
            raise RuntimeError(f"comparing {case}/{name}: {error}") from error
    return CaseResult(case, results, [f for _, f in schema.failures], file_problems)


@dataclass(frozen=True)
class ExpectedError:
    """One line of sqlc's expected stderr, with where it may point in our concatenated files.

    A file that is both schema and query file (sqlc allows it) gives two places.
    """

    text: str
    places: tuple[tuple[str, int], ...]


def expected_errors(path: Path, meta: Json) -> list[ExpectedError]:
    """sqlc's expected errors, their positions mapped back through ``meta.json``'s file lists."""
    found: list[ExpectedError] = []
    text = (path / "expected_error.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        match = _EXPECTED_ERROR.match(line.strip())
        if match is None:
            continue
        original, number = match["path"], int(match["line"])
        places = tuple(
            (target, int(entry["start_line"]) + number - 1)
            for key, target in (("query_files", "query.sql"), ("schema_files", "schema.sql"))
            for entry in meta.get(key) or []
            if entry["path"] == original
        )
        found.append(ExpectedError(f"{original}:{number}: {match['message']}", places))
    return found


def _located(expected: ExpectedError, ours: Sequence[Diagnostic], blocks: Sequence[Block]) -> bool:
    """Whether we report an error where sqlc does: in the same query, or anywhere in the schema.

    sqlc reports a query's error at its header or at the node, we at the node:
    lines differ, the query does not. Schema errors carry no useful line in
    sqlc (``schema.sql:1:1`` for a conflict further down), so any schema error counts.
    """
    for file, line in expected.places:
        if file == "schema.sql" and any(d.file == "schema.sql" for d in ours):
            return True
        block = _block_of(blocks, line)
        if file == "query.sql" and any(
            d.file == "query.sql" and _block_of(blocks, d.line) == block for d in ours
        ):
            return True
    return False


def run_error_case(directory: Path, case: str, error_kind: str) -> ErrorCaseResult:
    """Run an expected-error case; we must fail, ideally at the query or statement sqlc names."""
    path = directory / case
    meta: Json = _load(path / "meta.json")
    ours: list[Diagnostic] = []
    crashed: str | None = None
    schema = build_schema(_source(path, "schema.sql"))
    for diag, failure in schema.failures:
        if failure.key.startswith("internal error"):
            crashed = failure.message
        ours.append(diag)
    query_source = _source(path, "query.sql")
    parsed, problems, crash = _parse_queries(query_source)
    crashed = crashed or crash
    ours.extend(problems)
    for query in parsed.values():
        try:
            analyse_statement(schema.catalog, query.expression, query.params)
        except AnalysisError as error:
            ours.append(query.diagnostic(str(error), error.node))
        except Exception as error:
            crashed = f"{query.name}: {type(error).__name__}: {_first_line(error)}"
    # sqlc's queries, whatever header spelling they use: errors are located per query.
    blocks = query_blocks(query_source.text, every_style=True)
    expected = expected_errors(path, meta)
    return ErrorCaseResult(
        case,
        error_kind,
        [e.text for e in expected],
        [str(d) for d in ours],
        sum(_located(e, ours, blocks) for e in expected),
        crashed,
    )


# --- the report ------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True)
class Cause:
    """A failure cause across the corpus, with what fixing it would buy.

    ``sole_cases`` counts the cases this is the only cause in: fixing it alone
    makes them type-identical, which is what moves the headline rate.
    """

    key: str
    queries: int
    cases: int
    sole_cases: int
    with_schema_errors: int
    details: list[tuple[str, int]]
    example: str


@dataclass(frozen=True)
class SchemaCause:
    """Schema statements rejected for one reason: in how many cases, how many statements."""

    key: str
    cases: int
    statements: int
    details: list[tuple[str, int]]
    example: str


def _query_causes(query: QueryResult) -> dict[str, tuple[str, str]]:
    """Each cause of one query, once: key -> (detail, example message)."""
    found: dict[str, tuple[str, str]] = {}
    if query.failure is not None:
        found[query.failure.key] = (query.failure.detail, query.failure.message)
    for d in query.types:
        found.setdefault(d.key, (d.detail, f"{d.element}: ours {d.ours or '—'}, PG {d.pg or '—'}"))
    return found


@dataclass
class Report:
    cases: list[CaseResult]
    error_cases: list[ErrorCaseResult]
    seconds: float

    def queries(self) -> Iterator[QueryResult]:
        for case in self.cases:
            yield from case.queries

    def summary(self) -> Json:
        """The committed figures: counts and rates (percent, rounded to 0.1)."""
        analysable = [c for c in self.cases if c.analysable]
        queries = [q for q in self.queries() if q.analysable]
        analysed = [q for q in queries if q.analysed]
        pg_params = sum(q.pg_params for q in queries)
        pg_columns = sum(q.pg_columns for q in queries)
        params_ok = sum(q.params_identical for q in queries)
        columns_ok = sum(q.columns_identical for q in queries)
        names = sum(q.names_compared for q in queries)
        names_ok = sum(q.names_identical for q in queries)
        np_compared = sum(q.null_params_compared for q in queries)
        np_agree = sum(q.null_params_agree for q in queries)
        nc_compared = sum(q.null_columns_compared for q in queries)
        nc_agree = sum(q.null_columns_agree for q in queries)
        identical_cases = sum(c.identical for c in analysable)
        identical_queries = sum(q.identical for q in queries)
        detected = sum(e.detected for e in self.error_cases)
        expected_lines = sum(len(e.expected) for e in self.error_cases)
        located = sum(e.located for e in self.error_cases)
        return {
            "corpus": "sqlc v1.31.1 end-to-end (PostgreSQL), types from PostgreSQL 15 describe",
            "cases": {
                "ok": len(self.cases),
                "analysable": len(analysable),
                "type_identical": identical_cases,
                "rate": _rate(identical_cases, len(analysable)),
                "with_schema_errors": sum(bool(c.schema_failures) for c in self.cases),
            },
            "queries": {
                "analysable": len(queries),
                "skipped_pg_refused": sum(not q.analysable for q in self.queries()),
                "analysed": len(analysed),
                "failed": len(queries) - len(analysed),
                "type_identical": identical_queries,
                "rate": _rate(identical_queries, len(queries)),
            },
            "params": {
                "pg_total": pg_params,
                "identical": params_ok,
                "rate": _rate(params_ok, pg_params),
                "in_analysed_queries": sum(q.pg_params for q in analysed),
                "rate_in_analysed_queries": _rate(params_ok, sum(q.pg_params for q in analysed)),
            },
            "columns": {
                "pg_total": pg_columns,
                "identical": columns_ok,
                "rate": _rate(columns_ok, pg_columns),
                "in_analysed_queries": sum(q.pg_columns for q in analysed),
                "rate_in_analysed_queries": _rate(columns_ok, sum(q.pg_columns for q in analysed)),
            },
            "column_names": {
                "compared": names,
                "identical": names_ok,
                "rate": _rate(names_ok, names),
            },
            "nullability_vs_sqlc": {
                "params_compared": np_compared,
                "params_agree": np_agree,
                "params_rate": _rate(np_agree, np_compared),
                "columns_compared": nc_compared,
                "columns_agree": nc_agree,
                "columns_rate": _rate(nc_agree, nc_compared),
            },
            "expected_errors": {
                "applicable": len(self.error_cases),
                "detected": detected,
                "rate": _rate(detected, len(self.error_cases)),
                "expected_error_lines": expected_lines,
                "located": located,
                "located_rate": _rate(located, expected_lines),
            },
        }

    def causes(self) -> list[Cause]:
        """Failure causes over analysable queries, counted once per query, most cases first."""
        queries: dict[str, list[QueryResult]] = {}
        details: dict[str, Counter[str]] = {}
        examples: dict[str, str] = {}
        sole: Counter[str] = Counter()
        for case in self.cases:
            keys: set[str] = set()
            for query in case.queries:
                if not query.analysable:
                    continue
                for key, (detail, message) in _query_causes(query).items():
                    keys.add(key)
                    queries.setdefault(key, []).append(query)
                    details.setdefault(key, Counter())[detail] += 1
                    examples.setdefault(
                        f"{key}\0{detail}", f"{query.case} / {query.name}: {message}"
                    )
            if len(keys) == 1:
                sole[keys.pop()] += 1
        causes = [
            Cause(
                key,
                len(found),
                len({q.case for q in found}),
                sole[key],
                sum(q.schema_failed for q in found),
                [(d, n) for d, n in details[key].most_common() if d],
                # The example shows the most common instance of the cause.
                examples[f"{key}\0{details[key].most_common(1)[0][0]}"],
            )
            for key, found in queries.items()
        ]
        return sorted(causes, key=lambda c: (-c.cases, -c.queries, c.key))

    def schema_causes(self) -> list[SchemaCause]:
        """Schema statements we reject, grouped by problem, most cases first."""
        cases: Counter[str] = Counter()
        statements: Counter[str] = Counter()
        details: dict[str, Counter[str]] = {}
        examples: dict[str, str] = {}
        for case in self.cases:
            for key in {f.key for f in case.schema_failures}:
                cases[key] += 1
            for failure in case.schema_failures:
                statements[failure.key] += 1
                details.setdefault(failure.key, Counter())[failure.detail] += 1
                examples.setdefault(failure.key, f"{case.case}: {failure.message}")
        causes = [
            SchemaCause(
                key,
                count,
                statements[key],
                [(d, n) for d, n in details[key].most_common() if d],
                examples[key],
            )
            for key, count in cases.items()
        ]
        return sorted(causes, key=lambda c: (-c.cases, -c.statements, c.key))

    def table(self, top: int = 15) -> str:
        """The human summary: totals, rates, top failure causes."""
        s = self.summary()
        c, q, p, col = s["cases"], s["queries"], s["params"], s["columns"]
        n, e, names = s["nullability_vs_sqlc"], s["expected_errors"], s["column_names"]
        lines = [
            f"sqlc conformance ({s['corpus']}), {self.seconds:.1f} s",
            "",
            f"{'':28}{'identical':>10}{'of':>8}{'rate':>8}",
            f"{'cases (type-identical)':28}{c['type_identical']:>10}{c['analysable']:>8}{c['rate']:>7}%",
            f"{'queries (type-identical)':28}{q['type_identical']:>10}{q['analysable']:>8}{q['rate']:>7}%",
            f"{'param types':28}{p['identical']:>10}{p['pg_total']:>8}{p['rate']:>7}%",
            f"{'  in analysed queries':28}{p['identical']:>10}{p['in_analysed_queries']:>8}{p['rate_in_analysed_queries']:>7}%",
            f"{'column types':28}{col['identical']:>10}{col['pg_total']:>8}{col['rate']:>7}%",
            f"{'  in analysed queries':28}{col['identical']:>10}{col['in_analysed_queries']:>8}{col['rate_in_analysed_queries']:>7}%",
            f"{'column names':28}{names['identical']:>10}{names['compared']:>8}{names['rate']:>7}%",
            f"{'nullability = sqlc, params':28}{n['params_agree']:>10}{n['params_compared']:>8}{n['params_rate']:>7}%",
            f"{'nullability = sqlc, columns':28}{n['columns_agree']:>10}{n['columns_compared']:>8}{n['columns_rate']:>7}%",
            f"{'expected errors detected':28}{e['detected']:>10}{e['applicable']:>8}{e['rate']:>7}%",
            f"{'  located (query/stmt)':28}{e['located']:>10}{e['expected_error_lines']:>8}{e['located_rate']:>7}%",
            "",
            f"queries: {q['analysable']} analysable ({q['skipped_pg_refused']} skipped: PG refused), "
            f"{q['analysed']} analysed, {q['failed']} failed; "
            f"{c['with_schema_errors']} of {c['ok']} cases had schema statements we reject; "
            f"{len(ERRATA)} queries compared with PostgreSQL 15's own describe, where pg.json "
            "contradicts it (tests/conformance/errata.json)",
            "",
            f"top {top} failure causes (cases / cases where it is the only cause / queries"
            " / queries in cases with schema errors):",
        ]
        for cause in self.causes()[:top]:
            lines.append(
                f"{cause.cases:5} {cause.sole_cases:4} {cause.queries:5} "
                f"{cause.with_schema_errors:4}  {cause.key}"
            )
            if cause.details:
                shown = ", ".join(f"{d} ({n})" for d, n in cause.details[:5])
                more = f", … {len(cause.details) - 5} more" if len(cause.details) > 5 else ""
                lines.append(f"{'':23}{_clip(shown + more, 130)}")
            lines.append(f"{'':23}e.g. {_clip(cause.example, 130)}")
        lines += ["", f"top {top} schema statement failures (cases / statements):"]
        for schema_cause in self.schema_causes()[:top]:
            lines.append(f"{schema_cause.cases:5} {schema_cause.statements:5}  {schema_cause.key}")
            if schema_cause.details:
                shown = ", ".join(f"{d} ({n})" for d, n in schema_cause.details[:4])
                lines.append(f"{'':13}{_clip(shown, 140)}")
            lines.append(f"{'':13}e.g. {_clip(schema_cause.example, 140)}")
        stray = Counter(f.key for case in self.cases for f in case.file_problems)
        if stray:
            lines += ["", "query-file problems outside any query (not counted above; occurrences):"]
            lines += [f"{count:5}  {key}" for key, count in stray.most_common(5)]
        reasons = Counter(d.reason for query in self.queries() for d in query.nullability)
        lines += ["", "nullability differences from sqlc, by reason:"]
        lines += [f"{count:5}  {reason}" for reason, count in reasons.most_common(top)]
        missed = [r for r in self.error_cases if not r.detected]
        lines += ["", f"expected-error cases we accept ({len(missed)}):"]
        lines += [
            f"  {r.case}: sqlc says {_clip(r.expected[0] if r.expected else '?', 90)}"
            + (f" [we crashed: {r.crashed}]" if r.crashed else "")
            for r in missed
        ]
        return "\n".join(lines)

    def deviations(self) -> str:
        """DEVIATIONS.md: every type deviation, failure, name and nullability difference."""
        out = [
            "# Conformance deviations",
            "",
            "Generated by `python tests/conformance.py --write` from the sqlc end-to-end corpus;",
            "do not edit by hand. Types are compared with PostgreSQL 15's describe (`pg.json`),",
            "nullability with sqlc v1.31.1 (`expected.json`, a reference, not the truth).",
            "See the docstring of `tests/conformance.py` for what is compared and how.",
        ]
        queries = list(self.queries())
        out += _section(
            "Queries we fail on",
            ["case", "query", "cause", "message"],
            [
                [q.case, q.name, _md(q.failure.key), _md(q.failure.message)]
                for q in queries
                if q.analysable and q.failure is not None
            ],
        )
        out += _section(
            "Type deviations (ours vs PostgreSQL)",
            ["case", "query", "element", "ours", "PG"],
            [
                [q.case, q.name, _md(d.element), d.ours or "—", d.pg or "—"]
                for q in queries
                for d in q.types
            ],
        )
        out += _section(
            "Schema statements we reject",
            ["case", "message"],
            [[c.case, _md(f.message)] for c in self.cases for f in c.schema_failures],
            intro=[
                "PostgreSQL loaded these cases with `ON_ERROR_STOP=0`; we leave a failing",
                "statement out and go on, as it does.",
            ],
        )
        out += _section(
            "Column names (ours vs PostgreSQL)",
            ["case", "query", "column", "ours", "PG"],
            [
                [q.case, q.name, str(n.index), _md(n.ours), _md(n.pg)]
                for q in queries
                for n in q.names
            ],
        )
        out += _section(
            "Nullability differences from sqlc",
            ["case", "query", "element", "expression", "ours", "sqlc", "reason"],
            [
                [
                    q.case,
                    q.name,
                    _md(n.element),
                    f"`{_md(_clip(n.expression, 60))}`",
                    "nullable" if n.ours_nullable else "not null",
                    "not null" if n.sqlc_not_null else "nullable",
                    _md(n.reason),
                ]
                for q in queries
                for n in q.nullability
            ],
        )
        out += _section(
            "Expected-error cases",
            ["case", "kind", "detected", "located", "sqlc", "ours (first)"],
            [
                [
                    r.case,
                    r.error_kind,
                    "yes" if r.detected else "no",
                    f"{r.located}/{len(r.expected)}",
                    _md(r.expected[0] if r.expected else ""),
                    _md(r.crashed or (r.ours[0] if r.ours else "")),
                ]
                for r in self.error_cases
            ],
        )
        return "\n".join(out) + "\n"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _section(
    title: str, header: list[str], rows: list[list[str]], intro: list[str] | None = None
) -> list[str]:
    """One Markdown section of DEVIATIONS.md: a heading, optional prose, a table."""
    lines = ["", f"## {title}", "", *([*intro, ""] if intro else [])]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --- entry points ----------------------------------------------------------------------


def run(directory: Path, only: Iterable[str] | None = None) -> Report:
    """Run every applicable case of the corpus (or only the named ones)."""
    wanted = set(only) if only is not None else None
    started = time.perf_counter()
    cases: list[CaseResult] = []
    errors: list[ErrorCaseResult] = []
    for entry in _load(directory / "index.json"):
        name = str(entry["case"])
        if wanted is not None and name not in wanted:
            continue
        if entry["kind"] == "ok":
            cases.append(run_ok_case(directory, name))
        elif (
            entry["kind"] == "error"
            and entry.get("error_context") == "base"
            and entry.get("error_kind") in ("query", "schema")
        ):
            errors.append(run_error_case(directory, name, str(entry["error_kind"])))
    return Report(cases, errors, time.perf_counter() - started)


def committed_summary() -> Json | None:
    """The figures last written with ``--write``, or None when there are none yet."""
    if not SUMMARY_PATH.is_file():
        return None
    loaded: Json = _load(SUMMARY_PATH)
    return loaded


def write(report: Report) -> None:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    SUMMARY_PATH.write_text(json.dumps(report.summary(), indent=2) + "\n", encoding="utf-8")
    DEVIATIONS_PATH.write_text(report.deviations(), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpus", type=Path, default=None, help=f"corpus directory (${CORPUS_ENV})"
    )
    parser.add_argument(
        "--write", action="store_true", help="update summary.json and DEVIATIONS.md"
    )
    parser.add_argument("--top", type=int, default=15, help="how many failure causes to list")
    parser.add_argument("cases", nargs="*", help="run only these cases")
    args = parser.parse_args(argv)
    directory: Path = args.corpus or corpus_dir()
    missing = corpus_missing_reason(directory)
    if missing is not None:
        print(missing, file=sys.stderr)
        return 2
    report = run(directory, args.cases or None)
    print(report.table(args.top))
    if args.write:
        if args.cases:
            print("--write needs the whole corpus; not written", file=sys.stderr)
            return 2
        write(report)
        print(f"\nwrote {SUMMARY_PATH} and {DEVIATIONS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
