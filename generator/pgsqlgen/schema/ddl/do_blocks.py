"""``DO`` blocks: the DDL a PL/pgSQL body runs, applied where it is statically knowable.

Migrations wrap DDL in ``DO`` to make it conditional: ``IF NOT EXISTS (SELECT 1
FROM pg_constraint WHERE conname = 'k') THEN ALTER TABLE ... END IF``. A body of
plain statements and ``IF [NOT] EXISTS`` guards over the catalog tables a static
catalog can answer (``pg_class``, ``pg_type``, ``pg_constraint``, ``pg_extension``,
``pg_namespace``, ``information_schema.tables``/``columns``/``schemata``) is applied
as PostgreSQL would run it. Anything else (variables, loops, dynamic ``EXECUTE``, a
guard it cannot evaluate, an EXCEPTION handler that does more than ignore
``duplicate_object`` and the like) is a located warning that the catalog may differ and that
``sqlgen verify --schema`` settles it: never silently ignored.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token

from pgsqlgen.catalog.canonical import read_function
from pgsqlgen.catalog.model import Catalog, split_name
from pgsqlgen.schema.ddl.common import NAME_PATTERN, UNSURE_CATALOG, DDLError, parse_name
from pgsqlgen.sql.parse import ParseFailure, Statement, parse_chunk, split_tokens, tokenize

Apply = Callable[[Catalog, Statement], None]

_DO = re.compile(
    r"^DO\s+(?:LANGUAGE\s+'?(?P<before>\w+)'?\s+)?(?P<quote>\$\w*\$|')(?P<body>.*)(?P=quote)"
    r"\s*(?:LANGUAGE\s+'?(?P<after>\w+)'?)?\s*;?\s*$",
    re.I | re.S,
)
_BLOCK = re.compile(r"^\s*BEGIN\b(?P<inner>.*)\bEND\s*;?\s*$", re.I | re.S)
_GUARD = re.compile(
    r"^\(?\s*(?P<not>NOT\s+)?EXISTS\s*\(\s*SELECT\s+(?:.+?\s+)?FROM\s+(?P<table>[\w.]+)(?:\s+\w+)?"
    r"\s+WHERE\s+(?P<where>.+?)\s*\)\s*\)?$",
    re.I | re.S,
)
_EQUALS = re.compile(r"^(?:\w+\.)?(\w+)\s*=\s*'((?:[^']|'')*)'$", re.S)
_CALL = re.compile(rf"^CALL\s+(?P<name>{NAME_PATTERN})\s*\(", re.I | re.S)
_IGNORED = ("RAISE", "NULL")
_LOOPS = ("FOR", "FOREACH", "LOOP", "WHILE")
# Conditions an EXCEPTION handler may name, by what our errors for them say.
_CONDITIONS = {
    "others": "",
    **dict.fromkeys(
        ("duplicate_object", "duplicate_table", "duplicate_column", "duplicate_schema"),
        "already exists",
    ),
    **dict.fromkeys(("undefined_object", "undefined_table", "undefined_column"), "does not exist"),
}


class DoBlock:
    """One ``DO`` statement being applied: where its body starts, and how to apply SQL."""

    def __init__(self, catalog: Catalog, statement: Statement, apply: Apply) -> None:
        self.catalog = catalog
        self.statement = statement
        self.apply = apply

    def warn(self, offset: int, what: str) -> None:
        diagnostic = self.statement.source.diagnostic(offset, f"{what}: {UNSURE_CATALOG}")
        self.catalog.warnings.append(dataclasses.replace(diagnostic, severity="warning"))

    def run(self) -> None:
        text = self.statement.text
        match = _DO.match(text.strip())
        start = self.statement.start + (len(text) - len(text.lstrip()))
        if match is None:
            self.warn(start, "a DO block this does not read")
            return
        language = (match["before"] or match["after"] or "plpgsql").lower()
        block = _BLOCK.match(match["body"])
        body = match["body"]
        body_offset = start + match.start("body")
        if language != "plpgsql" or match["quote"] == "'" or block is None:
            written = body_offset + len(body) - len(body.lstrip())
            self.warn(written, "a DO block that is not a plain PL/pgSQL BEGIN ... END")
            return
        inner_start = body_offset + block.start("inner")
        try:
            tokens = tokenize(block["inner"])
        except TokenError:
            self.warn(inner_start, "a DO block this does not read")
            return
        chunks = split_tokens(tokens)
        handler = next(
            (i for i, c in enumerate(chunks) if c and c[0].text.upper() == "EXCEPTION"), None
        )
        if handler is None:
            self.statements(chunks, block["inner"], inner_start)
            return
        ignored = _ignored_errors(chunks[handler:])
        if ignored is None:
            self.warn(
                inner_start + chunks[handler][0].start,
                "an EXCEPTION handler that does more than NULL",
            )
            return
        # The block runs as a subtransaction: an error it handles undoes all of it.
        trial = copy.deepcopy(self.catalog)
        try:
            DoBlock(trial, self.statement, self.apply).statements(
                chunks[:handler], block["inner"], inner_start
            )
        except DDLError as error:
            if not any(marker in str(error) for marker in ignored):
                raise
            return
        for part in dataclasses.fields(trial):
            setattr(self.catalog, part.name, getattr(trial, part.name))

    def statements(self, chunks: list[list[Token]], text: str, base: int) -> None:
        """Run ``chunks`` (statements split at semicolons), taking IF ... END IF whole."""
        index = 0
        while index < len(chunks):
            chunk = chunks[index]
            index += 1
            if not chunk:
                continue
            head = chunk[0].text.upper()
            if head == "IF":
                index = self.if_statement(chunks, index - 1, text, base)
            elif head in _LOOPS:
                self.warn(base + chunk[0].start, f"PL/pgSQL {head} loop")
                index = _after_loop(chunks, index - 1)
            elif head in _IGNORED:
                continue
            else:
                self.sql(chunk, text, base)

    def if_statement(self, chunks: list[list[Token]], index: int, text: str, base: int) -> int:
        """Run ``IF cond THEN ... [ELSE ...] END IF`` from ``chunks[index]``; the next index."""
        first = chunks[index]
        then = next((i for i, t in enumerate(first) if t.text.upper() == "THEN"), None)
        if then is None:
            self.warn(base + first[0].start, "an IF without THEN")
            return index + 1
        branches: list[list[list[Token]]] = [[first[then + 1 :]]]
        depth, end = 0, index + 1
        while end < len(chunks):
            chunk = chunks[end]
            words = [t.text.upper() for t in chunk[:2]]
            end += 1
            if words[:1] == ["IF"]:
                depth += 1
            elif words == ["END", "IF"]:
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and words[:1] in (["ELSE"], ["ELSIF"]):
                if words[:1] == ["ELSIF"]:
                    self.warn(base + chunk[0].start, "an IF with ELSIF")
                    return end
                branches.append([chunk[1:]])
                continue
            branches[-1].append(chunk)
        condition = text[first[1].start : first[then - 1].end + 1]
        holds = self.evaluate(condition)
        if holds is None:
            self.warn(base + first[1].start, f"a condition this cannot evaluate: {condition}")
            return end
        chosen = branches[0] if holds else (branches[1] if len(branches) > 1 else [])
        self.statements(chosen, text, base)
        return end

    def evaluate(self, condition: str) -> bool | None:
        """``[NOT] EXISTS (SELECT ... FROM catalog_table WHERE a = 'x' AND ...)``, or None."""
        guard = _GUARD.match(" ".join(condition.split()))
        if guard is None:
            return None
        where: dict[str, str] = {}
        for part in re.split(r"\s+AND\s+", guard["where"], flags=re.I):
            equals = _EQUALS.match(part.strip())
            if equals is None:
                return None
            where[equals[1].lower()] = equals[2].replace("''", "'")
        exists = _exists(self.catalog, guard["table"].lower().removeprefix("pg_catalog."), where)
        if exists is None:
            return None
        return not exists if guard["not"] else exists

    def sql(self, chunk: list[Token], text: str, base: int) -> None:
        """Apply one plain statement of the body, as the statement it is."""
        head = chunk[0].text.upper()
        if head in ("EXECUTE", "PERFORM", "DECLARE", "RETURN"):
            self.warn(base + chunk[0].start, f"PL/pgSQL {head}")
            return
        parsed = parse_chunk(chunk, text)
        if isinstance(parsed, ParseFailure):
            self.warn(base + chunk[0].start, f"a statement this does not read ({parsed.message})")
            return
        start = base + chunk[0].start
        statement = Statement(parsed, self.statement.source, start, base + chunk[-1].end + 1)
        try:
            self.apply(self.catalog, statement)
        except DDLError as error:
            raise DDLError(f"in the DO block: {error}", error.node) from error


# Words of a routine body that can change the schema (EXECUTE: whatever it builds).
_SCHEMA_CHANGE = re.compile(r"\b(?:CREATE|ALTER|DROP|EXECUTE)\b", re.I)


def warn_schema_changing_calls(catalog: Catalog, statement: Statement) -> None:
    """``SELECT f()`` or ``CALL p()`` of a routine of the schema whose body runs DDL.

    Migrations call a function to create partitions or tables they name at run
    time; what it makes is not statically known: a located warning, as for a
    ``DO`` block's dynamic SQL. A routine the schema does not define is left to
    the analysis of the statement (``CALL``: PostgreSQL's error).
    """
    node = statement.expression
    if isinstance(node, exp.Command):
        called = _CALL.match(statement.text.strip())
        calls: list[tuple[str, int]] = []
        if called is not None:
            calls = [(parse_name(called["name"]), statement.start)]
    else:
        calls = [
            (str(call.this).lower(), int(call.meta.get("start", statement.start)))
            for call in node.find_all(exp.Anonymous)
        ]
    for name, offset in calls:
        for routine in catalog.functions.get(name, []):
            header = read_function(routine.text)
            if header is not None and _SCHEMA_CHANGE.search(header.body or ""):
                diagnostic = statement.source.diagnostic(
                    offset, f"a call of {name}, which runs DDL: {UNSURE_CATALOG}"
                )
                catalog.warnings.append(dataclasses.replace(diagnostic, severity="warning"))
                break


def _after_loop(chunks: list[list[Token]], index: int) -> int:
    """The index after the ``END LOOP`` that closes the loop opening at ``chunks[index]``.

    The body runs any number of times, so it is skipped whole: one warning, not
    one per statement in it.
    """
    depth = 0
    for end in range(index, len(chunks)):
        words = [t.text.upper() for t in chunks[end][:2]]
        if words[:1] and words[0] in _LOOPS:
            depth += 1
        elif words == ["END", "LOOP"]:
            depth -= 1
            if depth == 0:
                return end + 1
    return len(chunks)


def _ignored_errors(chunks: list[list[Token]]) -> set[str] | None:
    """What the errors ``EXCEPTION WHEN cond [OR cond] THEN NULL; ...`` handles say,
    or None when a handler does anything but NULL or names another condition."""
    markers: set[str] = set()
    for index, chunk in enumerate(chunks):
        words = [t.text.lower() for t in (chunk[1:] if index == 0 else chunk)]
        if len(words) < 4 or words[0] != "when" or words[-2:] != ["then", "null"]:
            return None
        for condition in words[1:-2]:
            if condition == "or":
                continue
            if condition not in _CONDITIONS:
                return None
            markers.add(_CONDITIONS[condition])
    return markers


def _exists(catalog: Catalog, table: str, where: dict[str, str]) -> bool | None:
    """Whether a row of a catalog table with these column values exists, or None."""

    def local(names: Iterable[str]) -> set[str]:
        return {split_name(n)[1] for n in names}

    keys = set(where)
    if table == "pg_extension" and keys == {"extname"}:
        return ("extension", where["extname"]) in catalog.routines
    if table == "pg_constraint" and keys == {"conname"}:
        names = {c.name for t in catalog.tables.values() for c in t.constraints}
        return where["conname"] in names
    if table == "pg_type" and keys == {"typname"}:
        return where["typname"] in local(catalog.type_names())
    if table == "pg_class" and keys == {"relname"}:
        relations = [*catalog.tables, *catalog.views, *catalog.indexes, *catalog.sequences]
        return where["relname"] in local(relations)
    if table in ("pg_namespace", "information_schema.schemata"):
        column = "nspname" if table == "pg_namespace" else "schema_name"
        return where[column] in catalog.schemas() if keys == {column} else None
    if table == "information_schema.tables" and keys <= {"table_name", "table_schema"}:
        key = _key(where.get("table_schema"), where["table_name"])
        return key in catalog.tables or key in catalog.views
    if table == "information_schema.columns" and {"table_name", "column_name"} <= keys:
        if not keys <= {"table_name", "column_name", "table_schema"}:
            return None
        columns = catalog.relation_columns(_key(where.get("table_schema"), where["table_name"]))
        return columns is not None and any(c.name == where["column_name"] for c in columns)
    return None


def _key(schema: str | None, name: str) -> str:
    return name if schema in (None, "public") else f"{schema}.{name}"
