"""Queries whose ``pg.json`` disagrees with PostgreSQL 15 itself, and the describe that
replaces it.

``pg.json`` is the corpus's record of PostgreSQL's describe. For a few queries it is not
what PostgreSQL 15 says when asked directly (``SELECT * FROM CURRENT_DATE`` described
with no column; ``UPDATE ... FROM cte RETURNING *`` with the FROM item's columns first).
Those queries are compared with the live describe recorded in
``tests/conformance/errata.json`` instead, and ``tests/test_conformance_errata.py``
asks a live PostgreSQL again on every run, so an erratum stays true or fails.

``python tests/conformance_errata.py CASE/QUERY ...`` records entries (needs
``DATABASE_URL`` or the local PostgreSQL binaries).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq

ERRATA_PATH = Path(__file__).resolve().parent / "conformance" / "errata.json"

_HEADER = re.compile(r"^\s*(?:--|/\*)\s*name:\s*(\w+)")

_TYPES = """
SELECT t.oid, coalesce(e.typname, t.typname), (e.oid IS NOT NULL)::int
FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
"""


def load_errata() -> dict[str, dict[str, Any]]:
    if not ERRATA_PATH.is_file():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(ERRATA_PATH.read_text(encoding="utf-8"))
    return data


def query_text(case_dir: Path, name: str) -> str:
    """The SQL of query ``name`` in the case's query.sql, as written."""
    lines = (case_dir / "query.sql").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    for n, start in enumerate(starts):
        match = _HEADER.match(lines[start])
        if match is not None and match[1] == name:
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            return "\n".join(lines[start + 1 : end]).strip().rstrip(";")
    raise KeyError(f"no query {name} in {case_dir / 'query.sql'}")


def live_describe(url: str, case_dir: Path, name: str) -> dict[str, Any]:
    """PostgreSQL's describe of one corpus query, in ``pg.json``'s shape, on a database
    (``url``, empty) that gets the case's schema first."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((case_dir / "schema.sql").read_text(encoding="utf-8").encode())
        types = {oid: (name, dims) for oid, name, dims in conn.execute(_TYPES)}
        pgconn = conn.pgconn
        prepared = pgconn.prepare(b"", query_text(case_dir, name).encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            raise RuntimeError((prepared.error_message or b"").decode())
        description = pgconn.describe_prepared(b"")

        def typed(oid: int) -> dict[str, Any]:
            typname, dims = types[oid]
            return {"typname": typname, "array_dims": dims}

        return {
            "params": [typed(description.param_type(i)) for i in range(description.nparams)],
            "columns": [
                {"name": (description.fname(i) or b"").decode(), **typed(description.ftype(i))}
                for i in range(description.nfields)
            ],
        }


def main(keys: list[str]) -> int:
    from conformance import corpus_dir

    from pgsqlgen.pg.cluster import ThrowawayCluster, scratch_database

    errata = load_errata()
    with ThrowawayCluster() as cluster:
        for key in keys:
            case, name = key.split("/")
            with scratch_database(cluster.url) as url:
                described = live_describe(url, corpus_dir() / case, name)
            errata[key] = {**errata.get(key, {}), "described": described}
    ERRATA_PATH.write_text(json.dumps(errata, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
