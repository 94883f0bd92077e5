"""Prove the static analysis against PostgreSQL itself.

``verify_schema`` applies the project's schema to a scratch database, reads
the schema back (:mod:`pgsqlgen.schema.introspect`) and compares the two canonical
dumps. ``verify_queries`` asks PostgreSQL to describe every query (prepare,
then describe: no query runs) and compares its parameter and column types
with ours. Any difference is either something the static side misreads or a
form it does not model yet: both are bugs worth a failing check.
"""

from __future__ import annotations

import difflib
from typing import Any

import psycopg
from psycopg import pq

from pgsqlgen.config.model import Config
from pgsqlgen.inputs import load_schema
from pgsqlgen.migrations.runner import Migrator
from pgsqlgen.pg.cluster import scratch_database
from pgsqlgen.pg.types import PgType
from pgsqlgen.pipeline import analyse, load_catalog
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.schema.introspect import STATE_TABLE, catalog_from_database


def live_dump(url: str, state_table: str | None = STATE_TABLE) -> str:
    """The canonical dump of the schema a live database holds, without the runner's
    version table ``state_table`` (None: the schema's own, kept)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return render_dump(catalog_from_database(conn, state_table))


def apply_schema(url: str, config: Config) -> None:
    """Apply every configured schema source: migrations up, dump files as scripts;
    a sqlc config's files as sqlc applies them (each file's up part, in order)."""
    if config.schema_layout == "sqlc":
        with psycopg.connect(url, autocommit=True) as conn:
            for source in load_schema(config.schema, config.root, "sqlc").up:
                conn.execute(source.text.encode())
        return
    for path in config.schema:
        if path.is_dir():
            Migrator(url, path).up()
        else:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(path.read_bytes())


def verify_schema(config: Config, server_url: str) -> str:
    """A unified diff from the static dump to PostgreSQL's; empty when they agree."""
    catalog = load_catalog(config)
    static = render_dump(catalog)
    # A history that creates the runner's table itself shares it (golang-migrate's own).
    owned = STATE_TABLE in catalog.tables
    with scratch_database(server_url, "sqlgen_verify") as url:
        apply_schema(url, config)
        live = live_dump(url, None if owned else STATE_TABLE)
    return "".join(
        difflib.unified_diff(
            static.splitlines(keepends=True),
            live.splitlines(keepends=True),
            fromfile="static (from the schema files)",
            tofile="live (PostgreSQL)",
        )
    )


_TYPES = """
SELECT t.oid, CASE WHEN n.nspname IN ('public', 'pg_catalog') THEN '' ELSE n.nspname || '.' END
       || coalesce(e.typname, t.typname), (e.oid IS NOT NULL)::int
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
"""


def _described(
    conn: psycopg.Connection[Any], text: str
) -> tuple[list[int], list[int], list[str]] | str:
    """Parameter and column type OIDs and column names PostgreSQL gives a query, or its error."""
    pgconn = conn.pgconn
    prepared = pgconn.prepare(b"", text.encode())
    if prepared.status != pq.ExecStatus.COMMAND_OK:
        return (prepared.error_message or b"").decode().strip()
    description = pgconn.describe_prepared(b"")
    params = [description.param_type(i) for i in range(description.nparams)]
    columns = [description.ftype(i) for i in range(description.nfields)]
    names = [(description.fname(i) or b"").decode() for i in range(description.nfields)]
    return params, columns, names


def verify_queries(config: Config, server_url: str) -> list[str]:
    """Each query PostgreSQL rejects, and each type it infers differently from us."""
    catalog, ir = analyse(config)
    domains = {name: domain.base for name, domain in catalog.domains.items()}
    problems: list[str] = []
    with scratch_database(server_url, "sqlgen_verify") as url:
        apply_schema(url, config)
        with psycopg.connect(url, autocommit=True) as conn:
            types = {oid: (name, dims) for oid, name, dims in conn.execute(_TYPES)}
            for module in ir.modules:
                for query in module.queries:
                    where = f"{query.file}:{query.line}: {query.name}"
                    described = _described(conn, query.sql)
                    if isinstance(described, str):
                        problems.append(f"{where}: PostgreSQL rejects the query: {described}")
                        continue
                    param_oids, column_oids, column_names = described
                    ours_params = [(p.pg_type, p.array_dims) for p in query.params]
                    theirs_params = [types.get(oid, (f"oid {oid}", 0)) for oid in param_oids]
                    for index, (ours, theirs) in enumerate(
                        zip(ours_params, theirs_params, strict=False)
                    ):
                        if ours != theirs:
                            problems.append(
                                f"{where}: parameter ${index + 1} ({query.params[index].name}): "
                                f"we infer {_type_text(ours)}, PostgreSQL {_type_text(theirs)}"
                            )
                    if len(ours_params) != len(theirs_params):
                        problems.append(
                            f"{where}: {len(ours_params)} parameters inferred, PostgreSQL has {len(theirs_params)}"
                        )
                    ours_columns = [_base(domains, c.pg_type, c.array_dims) for c in query.columns]
                    theirs_columns = [types.get(oid, (f"oid {oid}", 0)) for oid in column_oids]
                    for column, ours, theirs, name in zip(
                        query.columns, ours_columns, theirs_columns, column_names, strict=False
                    ):
                        if column.name != name:
                            problems.append(
                                f"{where}: column {column.name}: PostgreSQL names it {name}"
                            )
                        if ours != theirs:
                            problems.append(
                                f"{where}: column {column.name}: we infer {_type_text(ours)}, "
                                f"PostgreSQL {_type_text(theirs)}"
                            )
                    if len(ours_columns) != len(theirs_columns):
                        problems.append(
                            f"{where}: {len(ours_columns)} columns inferred, PostgreSQL returns {len(theirs_columns)}"
                        )
    return problems


def _base(domains: dict[str, PgType], name: str, dims: int) -> tuple[str, int]:
    """Result columns of a domain type come back as the domain's base type."""
    if name in domains and not dims:
        base = domains[name]
        return base.name, base.array_dims
    return name, dims


def _type_text(pg_type: tuple[str, int]) -> str:
    return pg_type[0] + "[]" * pg_type[1]
