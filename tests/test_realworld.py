"""Guard the real-world acceptance figures (``tests/realworld.py``): a change may only
make more of PostgreSQL's catalog come out of the eight real migration histories and
their pg_dump outputs. The corpus lives outside the repository (``../shared`` in CI); a
clone without it skips, saying where it looked."""

from __future__ import annotations

import json

import pytest
import realworld


@pytest.fixture(scope="module")
def results() -> dict[str, realworld.ProjectResult]:
    missing = realworld.corpus_missing_reason()
    if missing is not None:
        pytest.skip(missing)
    return {name: realworld.run_project(name) for name in realworld.projects()}


FLOOR = json.loads(realworld.SUMMARY_PATH.read_text(encoding="utf-8"))


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
    assert dropped == {}, load.misses
