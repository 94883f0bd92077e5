"""Catalog stage: apply DDL statements, in order, to build the catalog.

Each statement kind has one handler, in the module of its object family. Statements
that sqlglot keeps as an opaque ``Command`` (functions, ``DO`` blocks, domains,
``ALTER TYPE``, ``ALTER DOMAIN``, ``ALTER SEQUENCE``, ``RENAME CONSTRAINT``, ``SET
SCHEMA``, ``OWNER TO``, ``ATTACH``/``DETACH PARTITION``, extensions) are matched here
deliberately: modelled when they change the catalog, recorded verbatim otherwise,
never dropped. Their parts that share a grammar with table elements (a domain's
type and constraints, an attribute's type, an unnamed ``ADD CHECK``) are parsed
through a probe ``CREATE TABLE``.

Objects are kept as PostgreSQL keeps them, not as they were written: views bound to
their sources, triggers and constraints by column, sequences with their owner, child
tables and partitions with their parents, so that renames and drops reach everything
that depends on what they change. Objects outside ``public`` are keyed
``schema.name``; what PostgreSQL puts in a table's schema (its indexes, sequences,
constraint names) goes there too.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, overload

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Routine,
)
from pgsqlgen.errors import Diagnostic, DiagnosticSink
from pgsqlgen.queries.analysis.model import AnalysisError
from pgsqlgen.schema.ddl.comments import comment_on
from pgsqlgen.schema.ddl.common import (
    DROP_BEHAVIOUR_PATTERN,
    NAME_PATTERN,
    UNSURE_CATALOG,
    CommandHandler,
    DDLError,
    column_typer,
    first_keyword,
    ident,
    record_statement,
    relation_name,
    renamed_name,
    truncation_warnings,
    without_domain_casts,
)
from pgsqlgen.schema.ddl.constraints import add_unnamed_check, rename_constraint
from pgsqlgen.schema.ddl.dependencies import (
    describe_relation,
    drop_view,
    drop_with_dependents,
    relation_dependents,
    type_dependents,
)
from pgsqlgen.schema.ddl.do_blocks import DoBlock, warn_schema_changing_calls
from pgsqlgen.schema.ddl.functions import (
    DROP_FUNCTIONS_PATTERN,
    create_routine,
    define_function,
    drop_functions,
)
from pgsqlgen.schema.ddl.indexes import attach_index, create_index, drop_index
from pgsqlgen.schema.ddl.namespaces import (
    alter_relation,
    create_extension,
    create_schema,
    create_schema_command,
    drop_schema,
    lock_tables,
    record_for_existing,
    rename_schema,
)
from pgsqlgen.schema.ddl.renames import rename_relation
from pgsqlgen.schema.ddl.sequences import alter_sequence, create_sequence
from pgsqlgen.schema.ddl.tables import (
    alter_table_action,
    attach_partition,
    create_table,
    detach_partition,
    drop_table,
)
from pgsqlgen.schema.ddl.types import (
    alter_domain,
    alter_type,
    create_domain,
    create_type,
    drop_domain,
)
from pgsqlgen.schema.ddl.views import create_view
from pgsqlgen.sql.commands import CommandRead, read_command
from pgsqlgen.sql.parse import Statement


@overload
def build_catalog(
    statements: Iterable[Statement],
    *,
    keep_going: Literal[False] = False,
    start: Catalog | None = None,
) -> Catalog: ...


@overload
def build_catalog(
    statements: Iterable[Statement], *, keep_going: Literal[True], start: Catalog | None = None
) -> tuple[Catalog, list[Diagnostic]]: ...


@overload
def build_catalog(
    statements: Iterable[Statement], *, keep_going: bool, start: Catalog | None = None
) -> Catalog | tuple[Catalog, list[Diagnostic]]: ...


def build_catalog(
    statements: Iterable[Statement], *, keep_going: bool = False, start: Catalog | None = None
) -> Catalog | tuple[Catalog, list[Diagnostic]]:
    """Apply statements in order.

    By default every problem is collected and raised together as a
    SqlgenError: a schema that does not apply whole is an error.

    With ``keep_going`` a failing statement is left out whole and the rest
    still applies, as ``psql -v ON_ERROR_STOP=0`` loads a file (PostgreSQL
    rolls a failed statement back). The catalog and the problems are
    returned. Each statement is tried on a copy of the catalog that replaces
    it only on success: a handler may fail after a partial change, and
    checking everything before changing anything would duplicate every
    handler.

    ``start`` is a catalog the statements continue (which they change): the
    one earlier statements built (:mod:`pgsqlgen.incremental` keeps it).
    """
    catalog = start if start is not None else Catalog()
    sink = DiagnosticSink()
    for statement in statements:
        trial = copy.deepcopy(catalog) if keep_going else catalog
        trial.warnings += truncation_warnings(statement)
        try:
            _apply(trial, statement)
        except (DDLError, AnalysisError) as error:
            sink.add(statement.diagnostic(str(error), error.node))
            continue
        catalog = trial
    if keep_going:
        return catalog, sink.diagnostics
    sink.raise_if_any()
    return catalog


def _apply(catalog: Catalog, statement: Statement) -> None:
    node = statement.expression
    handler = _HANDLERS.get(type(node))
    if handler is None:
        # Data changes, SET, GRANT and the like leave the catalog as it is.
        return
    handler(catalog, node, statement)


def _create(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    exists = bool(node.args.get("exists"))
    if kind == "TABLE":
        create_table(catalog, node, exists)
    elif kind == "TYPE":
        create_type(catalog, node)
    elif kind == "VIEW":
        create_view(catalog, node)
    elif kind == "INDEX":
        create_index(catalog, node, exists)
    elif kind == "TRIGGER":
        props = node.find(exp.TriggerProperties)
        table = relation_name(props.args["table"]) if props is not None else None
        name = ident(node.this)
        # Stored as PostgreSQL keeps it, without the OR REPLACE that made it.
        stored = without_domain_casts(catalog, node, column_typer(catalog.tables.get(table or "")))
        stored.set("replace", False)
        catalog.routines[("trigger", f"{table}.{name}")] = Routine(
            "trigger", name, table=table, node=stored
        )
    elif kind == "SEQUENCE":
        create_sequence(catalog, node, exists)
    elif kind == "SCHEMA":
        create_schema(catalog, ident(node.this.args.get("db")), exists, node)
    elif kind == "EXTENSION":
        name = relation_name(node.this)
        catalog.routines[(kind.lower(), name)] = Routine(kind.lower(), name, statement.text)
    elif kind in ("FUNCTION", "PROCEDURE"):
        define_function(catalog, statement)
    else:
        raise DDLError(f"unsupported CREATE {kind or 'statement'}", node)


def _alter(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    name = relation_name(node.this)
    if kind in ("VIEW", "INDEX", "SEQUENCE"):
        known = {"VIEW": set(catalog.views), "INDEX": set(catalog.indexes)}.get(
            kind, set(catalog.sequences)
        )
        if node.args.get("exists") and name not in known:
            return  # PostgreSQL skips it with a notice.
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                rename_relation(catalog, kind, name, renamed_name(name, action.this), node)
            else:
                raise DDLError(f"unsupported ALTER {kind} action", action)
        return
    if kind != "TABLE":
        raise DDLError(f"unsupported ALTER {kind}", node)
    if name not in catalog.tables:
        if node.args.get("exists"):
            return
        raise DDLError(f'relation "{name}" does not exist', node.this)
    table = catalog.tables[name]
    valid = not node.args.get("not_valid")
    for action in node.args.get("actions") or []:
        alter_table_action(catalog, table, action, not node.args.get("only"), valid)


def _drop(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    kind = str(node.args.get("kind") or "").upper()
    if_exists = bool(node.args.get("exists"))
    cascade = bool(node.args.get("cascade"))
    if kind in ("FUNCTION", "PROCEDURE"):
        drop_functions(catalog, statement)
        return
    targets = node.args.get("tables") or node.expressions or []
    dropping = frozenset(relation_name(t) for t in targets)
    for target in targets:
        name = relation_name(target)
        store: Any = {
            "TABLE": catalog.tables,
            "VIEW": catalog.views,
            "MATERIALIZED VIEW": catalog.views,
            "INDEX": catalog.indexes,
            "TYPE": catalog.enums if name in catalog.enums else catalog.composites,
            "DOMAIN": catalog.domains,
            "SEQUENCE": catalog.sequences,
        }.get(kind)
        if kind == "SCHEMA":
            drop_schema(catalog, ident(target.args.get("db") or target.this), if_exists, cascade)
            continue
        if kind in ("TRIGGER", "EXTENSION"):
            key = name
            if kind == "TRIGGER":
                on = node.args.get("cluster")
                key = f"{relation_name(on.this) if on is not None else ''}.{name}"
            removed = catalog.routines.pop((kind.lower(), key), None)
            if removed is None and not if_exists:
                raise DDLError(f'{kind.lower()} "{name}" does not exist', target)
            continue
        if store is None:
            raise DDLError(f"unsupported DROP {kind}", node)
        if name not in store:
            if if_exists:
                continue
            raise DDLError(f'{kind.lower()} "{name}" does not exist', target)
        if kind == "TABLE":
            drop_table(catalog, catalog.tables[name], cascade, target, dropping)
        elif kind == "INDEX":
            drop_index(catalog, catalog.indexes[name], target)
        elif kind in ("VIEW", "MATERIALIZED VIEW"):
            found = relation_dependents(catalog, name)
            on = describe_relation(catalog, name)
            drop_with_dependents(on, found, cascade, target, dropping | {name})
            drop_view(catalog, name)
        elif kind == "TYPE":
            found = type_dependents(catalog, name)
            drop_with_dependents(f"type {name}", found, cascade, target, dropping)
            del store[name]
        else:
            del store[name]


# ``ALTER TABLE [IF EXISTS] [ONLY] name``, the head of the table commands below.
_ALTER_TABLE = (
    rf"^ALTER\s+TABLE\s+(?P<exists>IF\s+EXISTS\s+)?(?P<only>ONLY\s+)?(?P<name>{NAME_PATTERN})\s+"
)


_COMMANDS: tuple[tuple[re.Pattern[str], CommandHandler], ...] = (
    (
        re.compile(
            r"^ALTER\s+(?P<kind>TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|TYPE|DOMAIN|SCHEMA"
            rf"|FUNCTION|PROCEDURE)\s+(?P<exists>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{NAME_PATTERN})"
            r"(?:\s*\(.*\))?\s+OWNER\s+TO\s+\S+$",
            re.I | re.S,
        ),
        record_for_existing,
    ),
    (
        re.compile(
            rf"^ALTER\s+(?P<kind>TABLE)\s+(?P<exists>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{NAME_PATTERN})"
            r"\s+(?:(?:ENABLE|DISABLE|FORCE|NO\s+FORCE)\s+ROW\s+LEVEL\s+SECURITY|CLUSTER\s+ON\s+\S+"
            r"|REPLICA\s+IDENTITY\s+.+|(?:ENABLE|DISABLE)\s+(?:ALWAYS\s+|REPLICA\s+)?(?:TRIGGER|RULE)\s+.+)$",
            re.I | re.S,
        ),
        record_for_existing,
    ),
    (
        re.compile(
            r"^ALTER\s+(?P<kind>TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE)\s+"
            rf"(?P<exists>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{NAME_PATTERN})\s+"
            rf"(?:SET\s+SCHEMA\s+(?P<schema>{NAME_PATTERN})|RENAME\s+TO\s+(?P<new>{NAME_PATTERN}))$",
            re.I | re.S,
        ),
        alter_relation,
    ),
    (re.compile(rf"^ALTER\s+TYPE\s+{NAME_PATTERN}\s+(.*)$", re.I | re.S), alter_type),
    (
        re.compile(
            rf"^LOCK\s+(?:TABLE\s+)?(?P<names>(?:ONLY\s+)?{NAME_PATTERN}(?:\s*\*)?"
            rf"(?:\s*,\s*(?:ONLY\s+)?{NAME_PATTERN}(?:\s*\*)?)*)"
            r"(?:\s+IN\s+[\w\s]+?\s+MODE)?(?:\s+NOWAIT)?$",
            re.I | re.S,
        ),
        lock_tables,
    ),
    (re.compile(rf"{_ALTER_TABLE}ADD\s+(?P<check>CHECK\b.*)$", re.I | re.S), add_unnamed_check),
    (
        re.compile(
            rf"{_ALTER_TABLE}RENAME\s+CONSTRAINT\s+(?P<old>{NAME_PATTERN})\s+TO\s+(?P<new>{NAME_PATTERN})$",
            re.I | re.S,
        ),
        rename_constraint,
    ),
    (
        re.compile(
            rf"{_ALTER_TABLE}ATTACH\s+PARTITION\s+(?P<child>{NAME_PATTERN})\s+(?:FOR\s+VALUES\b.*|DEFAULT)$",
            re.I | re.S,
        ),
        attach_partition,
    ),
    (
        re.compile(
            rf"{_ALTER_TABLE}DETACH\s+PARTITION\s+(?P<child>{NAME_PATTERN})"
            r"(?:\s+(?:CONCURRENTLY|FINALIZE))?$",
            re.I | re.S,
        ),
        detach_partition,
    ),
    (
        re.compile(
            rf"^ALTER\s+INDEX\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{NAME_PATTERN})\s+"
            rf"ATTACH\s+PARTITION\s+(?P<child>{NAME_PATTERN})$",
            re.I | re.S,
        ),
        attach_index,
    ),
    (
        re.compile(
            rf"^CREATE\s+SCHEMA\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?:(?P<name>{NAME_PATTERN})"
            rf"(?:\s+AUTHORIZATION\s+\S+)?|AUTHORIZATION\s+(?P<role>{NAME_PATTERN}))$",
            re.I | re.S,
        ),
        create_schema_command,
    ),
    (
        re.compile(
            rf"^ALTER\s+SCHEMA\s+(?P<name>{NAME_PATTERN})\s+RENAME\s+TO\s+(?P<new>{NAME_PATTERN})$",
            re.I | re.S,
        ),
        rename_schema,
    ),
    (
        re.compile(
            rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\s+{NAME_PATTERN}\s*\(",
            re.I | re.S,
        ),
        create_routine,
    ),
    (DROP_FUNCTIONS_PATTERN, lambda catalog, _, statement: drop_functions(catalog, statement)),
    (
        re.compile(rf"^CREATE\s+DOMAIN\s+{NAME_PATTERN}\s+(?:AS\s+)?(.*)$", re.I | re.S),
        create_domain,
    ),
    (re.compile(rf"^ALTER\s+DOMAIN\s+{NAME_PATTERN}\s+(.*)$", re.I | re.S), alter_domain),
    (
        re.compile(
            rf"^DROP\s+DOMAIN\s+(IF\s+EXISTS\s+)?{NAME_PATTERN}{DROP_BEHAVIOUR_PATTERN}$",
            re.I | re.S,
        ),
        drop_domain,
    ),
    (
        re.compile(rf"^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?{NAME_PATTERN}", re.I | re.S),
        create_extension,
    ),
    (
        re.compile(rf"^ALTER\s+SEQUENCE\s+(IF\s+EXISTS\s+)?{NAME_PATTERN}\s+(.*)$", re.I | re.S),
        alter_sequence,
    ),
)


# Statements recorded verbatim: they run code or change privileges or
# settings, not the shape of the catalog.
_RECORDED = (
    "DO",
    "GRANT",
    "REVOKE",
    "SET",
    "RESET",
    "SELECT",
    "ANALYZE",
    "VACUUM",
    "NOTIFY",
    "LOCK",
    "CALL",
)


def _command_handler(text: str) -> tuple[CommandHandler, re.Match[str]] | None:
    for pattern, handler in _COMMANDS:
        match = pattern.match(text)
        if match:
            return handler, match
    return None


def check_command(statement: Statement) -> Diagnostic | None:
    """For files that are parsed but not applied (down migrations): the problem the
    catalog stage would find in this opaque statement, if any."""
    if not isinstance(statement.expression, exp.Command):
        return None
    text = statement.text.strip()
    if _command_handler(text) is not None or first_keyword(text) in _RECORDED:
        return None
    problem = _unreadable(statement, read_command(statement.text))
    return None if problem is None else statement.diagnostic(str(problem), problem.node)


def _unreadable(statement: Statement, read: CommandRead) -> DDLError | None:
    """Why a statement no handler reads cannot be kept as written: its words name
    no command (PostgreSQL's syntax error), or the catalog replays its command
    (what it changes would be missing)."""
    if read.name is None and read.rejected:
        where = f'at or near "{read.near}"' if read.near else "at end of input"
        at = exp.Identifier(this=read.near)
        at.meta["start"] = statement.start + read.offset
        return DDLError(f"syntax error {where}", at)
    if read.read:
        text = " ".join(statement.text.split())
        return DDLError(f"unsupported or invalid statement: {text[:60]}", statement.expression)
    return None


def _unmodelled(catalog: Catalog, statement: Statement) -> None:
    """A statement no handler reads: kept as written unless :func:`_unreadable`,
    with a warning when its command can change what queries see."""
    read = read_command(statement.text)
    problem = _unreadable(statement, read)
    if problem is not None:
        raise problem
    record_statement(catalog, statement)
    if read.shaping:
        diagnostic = statement.diagnostic(f"{read.name} not read here: {UNSURE_CATALOG}")
        catalog.warnings.append(dataclasses.replace(diagnostic, severity="warning"))


def _command(catalog: Catalog, node: exp.Expr, statement: Statement) -> None:
    text = statement.text.strip()
    found = _command_handler(text)
    if found is not None:
        handler, match = found
        handler(catalog, match, statement)
    elif first_keyword(text) == "DO":
        record_statement(catalog, statement)
        DoBlock(catalog, statement, _apply).run()
    elif first_keyword(text) in _RECORDED:
        record_statement(catalog, statement)
        if first_keyword(text) == "CALL":
            warn_schema_changing_calls(catalog, statement)
    else:
        _unmodelled(catalog, statement)


_HANDLERS: dict[type[exp.Expr], Callable[[Catalog, exp.Expr, Statement], None]] = {
    exp.Create: _create,
    exp.Alter: _alter,
    exp.Drop: _drop,
    exp.Comment: comment_on,
    exp.Command: _command,
    # A SELECT changes nothing, unless it calls a function of the schema that runs DDL.
    exp.Select: lambda catalog, _, statement: warn_schema_changing_calls(catalog, statement),
}
