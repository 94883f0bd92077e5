"""Prove the static catalog against PostgreSQL itself.

``verify_schema`` applies the project's schema to a scratch database, reads
the schema back (:mod:`generator.introspect`) and compares the two canonical
dumps. Any difference is either a migration the static catalog misreads or a
form it does not model yet: both are bugs worth a failing check.
"""

from __future__ import annotations

import difflib

import psycopg

from generator.config import Config
from generator.dump import render_dump
from generator.introspect import catalog_from_database
from generator.migrate import Migrator
from generator.pgcluster import scratch_database
from generator.pipeline import load_catalog


def live_dump(url: str) -> str:
    """The canonical dump of the schema a live database holds."""
    with psycopg.connect(url, autocommit=True) as conn:
        return render_dump(catalog_from_database(conn))


def apply_schema(url: str, config: Config) -> None:
    """Apply every configured schema source: migrations up, dump files as scripts."""
    for path in config.schema:
        if path.is_dir():
            Migrator(url, path).up()
        else:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(path.read_bytes())


def verify_schema(config: Config, server_url: str) -> str:
    """A unified diff from the static dump to PostgreSQL's; empty when they agree."""
    static = render_dump(load_catalog(config))
    with scratch_database(server_url, "sqlgen_verify") as url:
        apply_schema(url, config)
        live = live_dump(url)
    return "".join(
        difflib.unified_diff(
            static.splitlines(keepends=True),
            live.splitlines(keepends=True),
            fromfile="static (from the schema files)",
            tofile="live (PostgreSQL)",
        )
    )
