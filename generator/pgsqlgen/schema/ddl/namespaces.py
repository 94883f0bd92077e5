"""Schemas, extensions and owners: CREATE/ALTER/DROP SCHEMA, CREATE EXTENSION, OWNER
TO, and ALTER ... RENAME TO / SET SCHEMA of relations.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from pgsqlgen.catalog.model import (
    BUILTIN_SCHEMAS,
    Catalog,
    Routine,
    qualify,
    quote_ident,
    split_name,
)
from pgsqlgen.schema.ddl.common import DDLError, parse_name, record_statement
from pgsqlgen.schema.ddl.renames import rename_relation, set_schema
from pgsqlgen.schema.ddl.tables import drop_table
from pgsqlgen.sql.parse import Statement


def create_schema(catalog: Catalog, name: str, exists: bool, node: exp.Expr) -> None:
    """``CREATE SCHEMA``, kept in the spelling the live schema's dump gives it."""
    if name in catalog.schemas():
        if exists:
            return
        raise DDLError(f'schema "{name}" already exists', node)
    catalog.routines[("schema", name)] = Routine(
        "schema", name, f"CREATE SCHEMA {quote_ident(name)}"
    )


def drop_schema(catalog: Catalog, name: str, if_exists: bool, cascade: bool) -> None:
    """``DROP SCHEMA``: an empty one, or with CASCADE one and everything in it."""
    if name in BUILTIN_SCHEMAS:
        raise DDLError(f'dropping schema "{name}" is not supported')
    if ("schema", name) not in catalog.routines:
        if if_exists:
            return
        raise DDLError(f'schema "{name}" does not exist')
    stores: tuple[dict[str, Any], ...] = (
        catalog.views,
        catalog.indexes,
        catalog.sequences,
        catalog.enums,
        catalog.composites,
        catalog.domains,
    )
    inside = [
        key for store in (catalog.tables, *stores) for key in store if split_name(key)[0] == name
    ]
    inside += [n for n in catalog.functions if split_name(n)[0] == name]
    if inside and not cascade:
        raise DDLError(
            f'cannot drop schema "{name}" because other objects depend on it ({inside[0]})'
        )
    for table in [t for t in catalog.tables.values() if split_name(t.name)[0] == name]:
        if table.name in catalog.tables:
            drop_table(catalog, table, cascade=True, node=None)
    for store in stores:
        for key in [key for key in store if split_name(key)[0] == name]:
            del store[key]
    for kind, function in list(catalog.routines):
        if kind in ("function", "procedure") and split_name(function)[0] == name:
            del catalog.routines[(kind, function)]
    del catalog.routines[("schema", name)]


def create_extension(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    name = parse_name(match[1])
    catalog.routines[("extension", name)] = Routine(
        "extension", name, f"CREATE EXTENSION IF NOT EXISTS {name}"
    )


def alter_relation(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``SET SCHEMA`` of a table, view or sequence, and ``RENAME TO`` of a materialized view.

    As in PostgreSQL, ``ALTER TABLE`` takes any of them (it is how
    ``pg_dump`` alters a sequence).
    """
    node = statement.expression
    name = parse_name(match["name"])
    stores: dict[str, dict[str, Any]] = {
        "TABLE": catalog.tables,
        "VIEW": catalog.views,
        "SEQUENCE": catalog.sequences,
    }
    kind = next((k for k, store in stores.items() if name in store), None)
    if kind is None:
        if match["exists"]:
            return
        raise DDLError(f'relation "{name}" does not exist', node)
    if match["schema"]:
        set_schema(catalog, kind, name, parse_name(match["schema"]), node)
    else:
        rename_relation(
            catalog, kind, name, qualify(split_name(name)[0], parse_name(match["new"])), node
        )


def record_for_existing(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``OWNER TO``, row security, clustering, replica identity, triggers switched on
    or off: privileges and upkeep, not shape; recorded once the object is known to
    exist."""
    kind = " ".join(match["kind"].upper().split())
    name = parse_name(match["name"])
    if kind in ("TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE"):
        known, label = catalog.has_relation(name), "relation"
    elif kind in ("TYPE", "DOMAIN"):
        known, label = name in catalog.type_names(), "type"
    elif kind == "SCHEMA":
        known, label = name in catalog.schemas(), "schema"
    else:
        known, label = name in catalog.functions, kind.lower()
    if not known:
        if match["exists"]:
            return
        raise DDLError(f'{label} "{name}" does not exist', statement.expression)
    record_statement(catalog, statement)


def lock_tables(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``LOCK [TABLE] [ONLY] name [*], ...``: nothing changes, but each must be a table or view."""
    for written in match["names"].split(","):
        name = parse_name(re.sub(r"^\s*ONLY\s+|\s*\*\s*$", "", written, flags=re.I))
        if name in catalog.sequences or name in catalog.indexes:
            raise DDLError(
                f'cannot lock relation "{name}"\nDETAIL: This operation is not supported for '
                f"{'sequences' if name in catalog.sequences else 'indexes'}.",
                statement.expression,
            )
        if name not in catalog.tables and name not in catalog.views:
            raise DDLError(f'relation "{name}" does not exist', statement.expression)
    record_statement(catalog, statement)


def create_schema_command(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``CREATE SCHEMA ... AUTHORIZATION role``: named for the role when it has no name."""
    name = parse_name(match["name"] or match["role"])
    create_schema(catalog, name, bool(match["exists"]), statement.expression)


def rename_schema(catalog: Catalog, match: re.Match[str], statement: Statement) -> None:
    """``ALTER SCHEMA s RENAME TO t``: every object in it moves along."""
    node = statement.expression
    old, new = parse_name(match["name"]), parse_name(match["new"])
    if old in BUILTIN_SCHEMAS or old not in catalog.schemas():
        raise DDLError(f'schema "{old}" does not exist', node)
    create_schema(catalog, new, False, node)

    def inside(store: dict[str, Any]) -> list[str]:
        return [key for key in store if split_name(key)[0] == old]

    for table in inside(catalog.tables):
        set_schema(catalog, "TABLE", table, new, node)
    for kind, store in (("VIEW", catalog.views), ("SEQUENCE", catalog.sequences)):
        for name in inside(store):
            set_schema(catalog, kind, name, new, node)
    for name in inside(catalog.enums) + inside(catalog.composites) + inside(catalog.domains):
        set_schema(catalog, "TYPE", name, new, node)
    for (kind, name), routine in list(catalog.routines.items()):
        if kind in ("function", "procedure") and split_name(name)[0] == old:
            moved = qualify(new, split_name(name)[1])
            del catalog.routines[(kind, name)]
            catalog.routines[(kind, moved)] = routine
            routine.name = moved
            for function in routine.overloads:
                function.name = moved
    del catalog.routines[("schema", old)]
