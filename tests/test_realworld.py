"""Guard the real-world acceptance figures (``tests/realworld.py``): a change may only
make more of PostgreSQL's catalog come out of the eight real migration histories and
their pg_dump outputs, and may only turn more of them clean under ``verify --schema``.
The corpus lives outside the repository (``../shared`` beside it); a clone without it
skips, saying where it looked."""

from __future__ import annotations

import json

import pytest
import realworld

FLOOR = json.loads(realworld.SUMMARY_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(pg_server_url: str) -> dict[str, realworld.ProjectResult]:
    missing = realworld.corpus_missing_reason()
    if missing is not None:
        pytest.skip(missing)
    return {
        name: realworld.run_project(name, server_url=pg_server_url) for name in realworld.projects()
    }


@pytest.mark.parametrize("source", ["migrations", "dump"])
@pytest.mark.parametrize("project", sorted(FLOOR))
def test_no_figure_drops(
    results: dict[str, realworld.ProjectResult], project: str, source: str
) -> None:
    load = getattr(results[project], source)
    floor = FLOOR[project][source]
    if floor["loads"]:
        assert load.error is None, load.error
    if load.error is not None:
        return
    dropped = {
        section: (load.matched[section], matched)
        for section, matched in floor["matched"].items()
        if load.matched[section] < matched
    }
    assert dropped == {}, {s: load.misses[s][:5] for s in dropped}


@pytest.mark.parametrize("project", sorted(FLOOR))
def test_same_catalog_and_verify_stay_clean(
    results: dict[str, realworld.ProjectResult], project: str
) -> None:
    result, floor = results[project], FLOOR[project]
    if floor["dump_equal"]:
        assert result.dump_equal
    if floor.get("verify_clean"):
        assert result.verify == ""


def _catalog(**column: object) -> dict[str, object]:
    """A catalog.json with one table of one column (``column`` overriding its fields)."""
    sections = ("extensions", "schemas", "views", "enums", "composites", "domains")
    sections += ("constraints", "indexes", "sequences", "functions", "triggers")
    base = {"name": "c", "type": "text", "elem_typname": "text", "is_array": False}
    base |= {"array_dims": 0, "not_null": False, "default": None}
    base |= {"generated": None, "identity": None}
    table = {"schema": "public", "name": "t", "kind": "r", "columns": [base | column]}
    return {**{k: [] for k in sections}, "tables": [table]}


def test_columns_compare_field_by_field_through_postgresqls_reading() -> None:
    # A default PostgreSQL spells with its cast agrees with ours; nullability must match.
    theirs = _catalog(default="'a'::text")
    assert realworld.compare(_catalog(default="'a'"), theirs).matched["columns"] == 1
    load = realworld.compare(_catalog(default="'a'", not_null=True), theirs)
    assert load.matched["columns"] == 0
    assert load.misses["columns"] == ["public.t.1: not_null: ours True, PostgreSQL False"]
