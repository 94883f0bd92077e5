"""Read a live database's schema back as DDL, and build the catalog from it.

The statements are written from ``pg_catalog`` (``format_type``,
``pg_get_expr``, ``pg_get_constraintdef``, ``pg_get_indexdef``,
``pg_get_viewdef``, ``pg_get_triggerdef``, ``pg_get_functiondef``) and then go
through the very same parse and catalog stages as the migrations, so the
static and the live catalogs are rendered by one dump function and compare
as text.

Every schema the migrations may create is read: ``public`` and the user's
own, not PostgreSQL's (``pg_*``, ``information_schema``), and nothing an
extension made. With ``public`` alone on the search path, PostgreSQL names
what is elsewhere with its schema, as the catalog does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from pgsqlgen.catalog.model import Catalog, qualify, quote_ident, quote_name
from pgsqlgen.errors import SqlgenError
from pgsqlgen.schema.ddl import build_catalog
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

STATE_TABLE = "schema_migrations"

# The schemas read (``n`` is ``pg_namespace``), and objects no extension made (``%s`` an oid).
_USER_SCHEMA = "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%'"
_OWN = "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {} AND e.deptype = 'e')"

_SCHEMAS = f"""
SELECT n.nspname
FROM pg_namespace n
WHERE {_USER_SCHEMA} AND n.nspname <> 'public' AND {_OWN.format("n.oid")}
ORDER BY n.nspname
"""

_ENUMS = f"""
SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder),
       obj_description(t.oid, 'pg_type')
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE {_USER_SCHEMA} AND {_OWN.format("t.oid")}
GROUP BY n.nspname, t.oid, t.typname
ORDER BY t.typname, n.nspname
"""

_COMPOSITES = f"""
SELECT n.nspname, t.typname,
       coalesce(array_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                          ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '{{}}'),
       obj_description(t.oid, 'pg_type')
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE {_USER_SCHEMA} AND {_OWN.format("t.oid")}
GROUP BY n.nspname, t.oid, t.typname
ORDER BY t.typname, n.nspname
"""

_DOMAINS = f"""
SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
       pg_get_expr(t.typdefaultbin, 0),
       coalesce(array_agg('CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid)
                          ORDER BY c.conname) FILTER (WHERE c.oid IS NOT NULL), '{{}}'),
       obj_description(t.oid, 'pg_type')
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_constraint c ON c.contypid = t.oid
WHERE {_USER_SCHEMA} AND t.typtype = 'd' AND {_OWN.format("t.oid")}
GROUP BY n.nspname, t.oid, t.typname, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefaultbin
ORDER BY t.typname, n.nspname
"""

_FUNCTIONS = f"""
SELECT pg_get_functiondef(p.oid)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {_USER_SCHEMA} AND p.prokind IN ('f', 'p') AND {_OWN.format("p.oid")}
ORDER BY p.proname, p.oid
"""

_RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm') AND {_OWN.format("c.oid")}
  AND (n.nspname, c.relname) IS DISTINCT FROM ('public', %(state)s)
ORDER BY c.relkind IN ('v', 'm'), c.oid
"""

# Which relations each view reads (its rewrite rule's dependencies).
_VIEW_READS = """
SELECT DISTINCT r.ev_class, d.refobjid
FROM pg_rewrite r
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
     AND d.refclassid = 'pg_class'::regclass
WHERE r.ev_class = ANY(%(oids)s) AND d.refobjid <> r.ev_class
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT c.conrelid, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = ANY(%(oids)s) AND c.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY c.contype = 'f', c.conrelid, c.conname
"""

_INDEXES = """
SELECT pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%(oids)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY i.indexrelid
"""

_TRIGGERS = """
SELECT pg_get_triggerdef(t.oid)
FROM pg_trigger t
WHERE t.tgrelid = ANY(%(oids)s) AND NOT t.tgisinternal
ORDER BY t.tgname
"""

_SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle, owner_ns.nspname, owner.relname, a.attname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
LEFT JOIN pg_class owner ON owner.oid = d.refobjid
LEFT JOIN pg_namespace owner_ns ON owner_ns.oid = owner.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE {_USER_SCHEMA} AND c.relkind = 'S' AND {_OWN.format("c.oid")}
  AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.objid = c.oid AND i.deptype = 'i')
ORDER BY c.relname, n.nspname
"""

_EXTENSIONS = "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _name(schema: str, name: str) -> str:
    """An object's name as SQL, with its schema outside ``public``."""
    return quote_name(qualify(schema, name))


def schema_ddl(conn: psycopg.Connection[Any], state_table: str | None = STATE_TABLE) -> str:
    """The database's schemas as DDL statements, in dependency order.

    ``state_table`` is the migration runner's version table in ``public``, left
    out; None when the schema itself owns a table of that name (harbor creates
    golang-migrate's), which is then read like any other.
    """
    params: dict[str, Any] = {"state": state_table}
    conn.execute("SET search_path TO public")
    # pg_get_expr prints a timestamptz constant in the session's zone; the static
    # catalog prints it in UTC.
    conn.execute("SET TIME ZONE 'UTC'")
    out: list[str] = []
    for (schema,) in conn.execute(_SCHEMAS, params):
        out.append(f"CREATE SCHEMA {quote_ident(schema)};")
    for (name,) in conn.execute(_EXTENSIONS):
        out.append(f"CREATE EXTENSION IF NOT EXISTS {quote_ident(name)};")
    for schema, name, labels, comment in conn.execute(_ENUMS, params):
        values = ", ".join(_literal(label) for label in labels)
        out.append(f"CREATE TYPE {_name(schema, name)} AS ENUM ({values});")
        if comment is not None:
            out.append(f"COMMENT ON TYPE {_name(schema, name)} IS {_literal(comment)};")
    for schema, name, fields, comment in conn.execute(_COMPOSITES, params):
        out.append(f"CREATE TYPE {_name(schema, name)} AS ({', '.join(fields)});")
        if comment is not None:
            out.append(f"COMMENT ON TYPE {_name(schema, name)} IS {_literal(comment)};")
    for schema, name, base, not_null, default, checks, comment in conn.execute(_DOMAINS, params):
        text = f"CREATE DOMAIN {_name(schema, name)} AS {base}"
        if default is not None:
            text += f" DEFAULT {default}"
        if not_null:
            text += " NOT NULL"
        text += "".join(f" {check}" for check in checks)
        out.append(text + ";")
        if comment is not None:
            out.append(f"COMMENT ON DOMAIN {_name(schema, name)} IS {_literal(comment)};")
    for (definition,) in conn.execute(_FUNCTIONS, params):
        out.append(definition.strip() + ";")
    owned_sequences: list[str] = []
    for row in conn.execute(_SEQUENCES, params):
        schema, name, type_text, start, increment, low, high, cache, cycle = row[:9]
        owner_schema, table, column = row[9:]
        out.append(
            f"CREATE SEQUENCE {_name(schema, name)} AS {type_text} START WITH {start} "
            f"INCREMENT BY {increment} MINVALUE {low} MAXVALUE {high} CACHE {cache}"
            f"{' CYCLE' if cycle else ''};"
        )
        if table is not None:
            owned_sequences.append(
                f"ALTER SEQUENCE {_name(schema, name)} "
                f"OWNED BY {_name(owner_schema, table)}.{quote_ident(column)};"
            )
    relations = conn.execute(_RELATIONS, params).fetchall()
    views = [oid for oid, _, _, kind, _, _ in relations if kind in ("v", "m")]
    reads: dict[int, set[int]] = {}
    for view, used in conn.execute(_VIEW_READS, {"oids": views}):
        reads.setdefault(view, set()).add(used)
    relations = _readers_after_read(relations, reads)
    oids = [oid for oid, _, _, kind, _, _ in relations if kind in ("r", "p")]
    indexed = [oid for oid, _, _, kind, _, _ in relations if kind in ("r", "p", "m")]
    columns: dict[int, list[str]] = {}
    comments: list[tuple[int, str, str]] = []
    for relid, name, type_text, not_null, default, identity, generated, comment in conn.execute(
        _COLUMNS, {"oids": oids}
    ):
        parts = [quote_ident(name), type_text]
        if generated == "s":
            parts.append(f"GENERATED ALWAYS AS ({default}) STORED")
        elif default is not None:
            parts.append(f"DEFAULT {default}")
        if identity:
            parts.append(f"GENERATED {'ALWAYS' if identity == 'a' else 'BY DEFAULT'} AS IDENTITY")
        if not_null:
            parts.append("NOT NULL")
        columns.setdefault(relid, []).append(" ".join(parts))
        if comment is not None:
            comments.append((relid, name, comment))
    names = {oid: _name(schema, name) for oid, schema, name, _, _, _ in relations}
    for oid, _, _, kind, comment, view in relations:
        if kind in ("r", "p"):
            body = ",\n    ".join(columns.get(oid, []))
            out.append(f"CREATE TABLE {names[oid]} (\n    {body}\n);")
        else:
            materialized = "MATERIALIZED " if kind == "m" else ""
            out.append(f"CREATE {materialized}VIEW {names[oid]} AS\n{view.strip().rstrip(';')};")
        if comment is not None:
            keyword = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}[kind]
            out.append(f"COMMENT ON {keyword} {names[oid]} IS {_literal(comment)};")
    out += owned_sequences
    for relid, column, comment in comments:
        out.append(
            f"COMMENT ON COLUMN {names[relid]}.{quote_ident(column)} IS {_literal(comment)};"
        )
    for relid, name, definition in conn.execute(_CONSTRAINTS, {"oids": oids}):
        out.append(f"ALTER TABLE {names[relid]} ADD CONSTRAINT {quote_ident(name)} {definition};")
    for (definition,) in conn.execute(_INDEXES, {"oids": indexed}):
        # A partitioned table's index reads ``ON ONLY``: its partitions' indexes
        # follow as indexes of their own, so here the plain form says the same.
        out.append(definition.replace(" ON ONLY ", " ON ", 1) + ";")
    for (definition,) in conn.execute(_TRIGGERS, {"oids": oids}):
        out.append(definition + ";")
    return "\n\n".join(out) + "\n"


def _readers_after_read(relations: list[Any], reads: dict[int, set[int]]) -> list[Any]:
    """Relations in oid order, but each view after the views it reads.

    Oids follow creation, and a view replaced (``CREATE OR REPLACE VIEW``) keeps
    its oid while its new query may read a view made after it.
    """
    pending = list(relations)
    ordered: list[Any] = []
    done: set[int] = set()
    listed = {row[0] for row in relations}
    while pending:
        ready = next((r for r in pending if reads.get(r[0], set()) & listed <= done), pending[0])
        pending.remove(ready)
        ordered.append(ready)
        done.add(ready[0])
    return ordered


def catalog_from_database(
    conn: psycopg.Connection[Any], state_table: str | None = STATE_TABLE
) -> Catalog:
    """The catalog of a live database, built by the same stages as the migrations'
    (``state_table`` as for :func:`schema_ddl`)."""
    text = schema_ddl(conn, state_table)
    source = SourceFile(path=Path("<database>"), display="<database>", text=text)
    statements, problems = parse_file(source)
    if problems:
        raise SqlgenError(problems)
    return build_catalog(statements)
