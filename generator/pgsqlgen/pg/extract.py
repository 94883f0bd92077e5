"""Extract PostgreSQL's built-in functions, operators, casts, types and system relations
from a live server into ``pg/data/pg<major>.json.gz``, the data :mod:`pgsqlgen.pg.builtins`
reads, and its SQL commands (psql's ``\\h``) into ``sql/data/commands.json``, which
:mod:`pgsqlgen.sql.commands` reads: facts about PostgreSQL come from PostgreSQL, never
typed by hand.

Rerun for a new major with that major's binaries on PATH (or ``DATABASE_URL`` pointing at
its server)::

    make pgcatalog          # or: python -m pgsqlgen.pg.extract [--output FILE]

Only built-in objects are read (oids below ``FirstNormalObjectId``, 16384), so a
server with extensions installed gives the same data. Types are named by ``typname``
(``_int4`` for ``integer[]``); the loader turns array typnames into array types.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from pgsqlgen.pg.cluster import database_server_url

DATA_DIR = Path(__file__).parent / "data"
# Where the SQL commands go: the sql layer reads them (:mod:`pgsqlgen.sql.commands`).
COMMANDS_FILE = Path(__file__).parents[1] / "sql" / "data" / "commands.json"

# Objects created by initdb have oids below FirstNormalObjectId.
_BUILTIN = 16384

# Every function: input types (proargtypes), the names and modes of all arguments, the
# OUT/INOUT/TABLE columns of a function returning a row, and how the call is made.
FUNCTIONS_SQL = f"""
SELECT p.proname,
       ARRAY(SELECT t.typname FROM unnest(p.proargtypes) WITH ORDINALITY a(oid, n)
             JOIN pg_type t ON t.oid = a.oid ORDER BY a.n),
       p.proargnames,
       p.proargmodes::text[],
       ARRAY(SELECT t.typname FROM unnest(p.proallargtypes) WITH ORDINALITY a(oid, n)
             JOIN pg_type t ON t.oid = a.oid ORDER BY a.n),
       r.typname, p.proretset, vt.typname, p.proisstrict, p.prokind,
       p.pronargdefaults, ag.aggkind
FROM pg_proc p
JOIN pg_type r ON r.oid = p.prorettype
LEFT JOIN pg_type vt ON vt.oid = p.provariadic
LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid
WHERE p.oid < {_BUILTIN} AND p.pronamespace = 'pg_catalog'::regnamespace
ORDER BY p.proname, p.oid
"""

OPERATORS_SQL = f"""
SELECT o.oprname, l.typname, r.typname, res.typname
FROM pg_operator o
LEFT JOIN pg_type l ON l.oid = o.oprleft
LEFT JOIN pg_type r ON r.oid = o.oprright
JOIN pg_type res ON res.oid = o.oprresult
WHERE o.oid < {_BUILTIN}
ORDER BY o.oprname, o.oid
"""

CASTS_SQL = f"""
SELECT s.typname, t.typname, c.castcontext, c.castmethod
FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
WHERE c.oid < {_BUILTIN}
ORDER BY s.typname, t.typname
"""

# A range's subtype and multirange; a multirange's range (as its "subtype").
TYPES_SQL = f"""
SELECT t.typname, t.typcategory, t.typispreferred, e.typname, a.typname, t.typtype,
       coalesce(rs.typname, mr.typname), rm.typname
FROM pg_type t
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_type a ON a.oid = t.typarray
LEFT JOIN pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_type rs ON rs.oid = r.rngsubtype
LEFT JOIN pg_type rm ON rm.oid = r.rngmultitypid
LEFT JOIN pg_range m ON m.rngmultitypid = t.oid
LEFT JOIN pg_type mr ON mr.oid = m.rngtypid
WHERE t.oid < {_BUILTIN} AND t.typtype <> 'c' AND t.typnamespace = 'pg_catalog'::regnamespace
ORDER BY t.typname
"""

# Columns of every table and view in pg_catalog and information_schema, named as a
# query would (information_schema's with the schema: information_schema.tables). A
# domain column is typed by its base type, as PostgreSQL describes a result column.
RELATIONS_SQL = """
SELECT n.nspname, c.relname, a.attname, t.typname, a.attnotnull
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type d ON d.oid = a.atttypid
JOIN pg_type t ON t.oid = CASE WHEN d.typtype = 'd' THEN d.typbasetype ELSE d.oid END
WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'v', 'm', 'p')
ORDER BY n.nspname, c.relname, a.attnum
"""

SYSTEM_COLUMNS_SQL = """
SELECT a.attname, t.typname
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = 'pg_catalog.pg_class'::regclass AND a.attnum < 0
ORDER BY a.attnum DESC
"""


def _function(row: tuple[Any, ...]) -> dict[str, Any]:
    """One pg_proc row as the loader reads it; empty and default fields left out."""
    (name, args, arg_names, modes, all_types, returns, retset, variadic, strict, kind) = row[:10]
    defaults, aggkind = row[10:]
    record: dict[str, Any] = {"name": name, "args": args, "returns": returns}
    modes = modes or ["i"] * len(args)
    all_types = all_types or args
    names = arg_names or [""] * len(modes)
    input_names = [n for n, m in zip(names, modes, strict=True) if m in ("i", "b", "v")]
    if any(input_names):
        record["arg_names"] = input_names
    columns = [[n, t] for n, t, m in zip(names, all_types, modes, strict=True) if m in "obt"]
    if columns and (len(columns) > 1 or returns == "record"):
        record["columns"] = columns
    for key, value in (
        ("set", retset),
        ("variadic", variadic),
        ("strict", strict),
        ("defaults", defaults),
        ("aggkind", aggkind),
    ):
        if value:
            record[key] = value
    if kind != "f":
        record["kind"] = kind
    return record


def extract(url: str) -> dict[str, Any]:
    """Everything the analyser knows about PostgreSQL, read from the server at ``url``."""
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None
        functions = [_function(row) for row in conn.execute(FUNCTIONS_SQL)]
        operators = [list(row) for row in conn.execute(OPERATORS_SQL)]
        casts = [list(row) for row in conn.execute(CASTS_SQL)]
        types = [
            {
                "name": name,
                "category": category,
                **({"preferred": True} if preferred else {}),
                **({"element": element} if element else {}),
                **({"array": array} if array else {}),
                "typtype": typtype,
                **({"subtype": subtype} if subtype else {}),
                **({"multirange": multirange} if multirange else {}),
            }
            for name, category, preferred, element, array, typtype, subtype, multirange in (
                conn.execute(TYPES_SQL)
            )
        ]
        relations: dict[str, list[list[Any]]] = {}
        for schema, relation, column, typname, not_null in conn.execute(RELATIONS_SQL):
            key = relation if schema == "pg_catalog" else f"{schema}.{relation}"
            relations.setdefault(key, []).append([column, typname, not_null])
        system_columns = [list(row) for row in conn.execute(SYSTEM_COLUMNS_SQL)]
    return {
        "server_version_num": int(version[0]),
        "functions": functions,
        "operators": operators,
        "casts": casts,
        "types": types,
        "relations": relations,
        "system_columns": system_columns,
    }


def _words(line: str) -> list[str]:
    return re.findall(r"[A-Z][A-Z_]*|[a-z_]+|[\[\]{}|]", line)


def _command_form(name: str, synopsis: list[str]) -> dict[str, list[str]]:
    """How a statement spells a command: the command's words after its first that
    every form requires, and the keywords that may come between them (``OR
    REPLACE``, ``UNIQUE``, ``TEMP``... and a command word in brackets, like
    ``RELEASE [ SAVEPOINT ]``'s), from each form: a line of the synopsis that
    starts with the command's first word."""
    first, *rest = name.split()
    lead: set[str] = set()
    for line in synopsis:
        words = _words(line)
        if line[:1].isspace() or not words or words[0] != first:
            continue  # an indented line is part of a form, not one
        expected, depth = list(rest), 0
        for word in words[1:]:
            if not expected:
                break
            depth += (word in "[{") - (word in "]}")
            if word == expected[0]:
                expected.pop(0)
                if depth > 0:
                    lead.add(word)
            elif word.isupper():
                lead.add(word)
    return {"required": [word for word in rest if word not in lead], "lead": sorted(lead)}


def sql_commands(url: str) -> dict[str, dict[str, list[str]]]:
    """Every SQL command psql's ``\\h`` knows (PostgreSQL's reference pages), with
    how a statement spells it (:func:`_command_form`)."""
    helps = subprocess.run(
        ["psql", url, "-X", "-c", "\\h *"], capture_output=True, text=True, check=True
    ).stdout
    synopses: dict[str, list[str]] = {}
    for help_text in helps.split("Command:")[1:]:
        name = help_text.splitlines()[0].strip()
        syntax = help_text.split("Syntax:\n", 1)[1].split("\nURL:", 1)[0]
        synopses[name] = syntax.splitlines()
    return {name: _command_form(name, lines) for name, lines in synopses.items()}


def write(data: dict[str, Any], output: Path) -> None:
    """Compact, stable JSON, gzipped without a timestamp so reruns give the same bytes."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        zipped.write(text.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgsqlgen.pg.extract", description=__doc__)
    parser.add_argument("--output", type=Path, help="default: pg/data/pg<major>.json.gz")
    options = parser.parse_args(argv)
    with database_server_url() as url:
        data = extract(url)
        commands = sql_commands(url)
    major = data["server_version_num"] // 10000
    output = options.output or DATA_DIR / f"pg{major}.json.gz"
    write(data, output)
    COMMANDS_FILE.parent.mkdir(parents=True, exist_ok=True)
    COMMANDS_FILE.write_text(json.dumps(commands, indent=1, sort_keys=True) + "\n")
    print(f"wrote {output}: {len(data['functions'])} functions, {len(data['operators'])} operators")
    print(f"wrote {COMMANDS_FILE}: {len(commands)} SQL commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
