"""Each erratum of the conformance corpus is what PostgreSQL says, asked again now: the
live describe of the query equals the recorded one and contradicts ``pg.json``."""

from __future__ import annotations

import json

import conformance
import pytest
from conformance_errata import live_describe, load_errata

from pgsqlgen.pg.cluster import scratch_database

ERRATA = load_errata()


@pytest.mark.parametrize("key", sorted(ERRATA))
def test_erratum_is_postgresqls_describe(key: str, pg_server_url: str) -> None:
    directory = conformance.corpus_dir()
    missing = conformance.corpus_missing_reason(directory)
    if missing is not None:
        pytest.skip(missing)
    case, name = key.split("/")
    with scratch_database(pg_server_url) as url:
        described = live_describe(url, directory / case, name)
    assert described == ERRATA[key]["described"]
    recorded = json.loads((directory / case / "pg.json").read_text(encoding="utf-8"))[name]
    shape = [(c["name"], c["typname"]) for c in recorded["columns"]]
    assert shape != [(c["name"], c["typname"]) for c in described["columns"]]
