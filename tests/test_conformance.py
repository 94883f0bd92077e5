"""Guard the sqlc conformance figures: inference work may only move them up.

``tests/conformance.py`` runs the whole sqlc end-to-end corpus through our
catalog and analyser (in-process, no database: about two seconds). The figures
it last wrote to ``tests/conformance/summary.json`` are the floor: a change
that makes fewer cases type-identical with PostgreSQL, or lets through an
error sqlc reports, fails here with the causes that grew. A tie passes; an
improvement passes too, with a hint to commit the new figures so the floor
rises with it.

The corpus lives outside the repository (``../shared`` in CI); a clone without
it skips, saying where it looked.
"""

from __future__ import annotations

import conformance
import pytest


@pytest.fixture(scope="module")
def report() -> conformance.Report:
    directory = conformance.corpus_dir()
    missing = conformance.corpus_missing_reason(directory)
    if missing is not None:
        pytest.skip(missing)
    return conformance.run(directory)


@pytest.fixture(scope="module")
def committed() -> conformance.Json:
    summary = conformance.committed_summary()
    if summary is None:
        pytest.fail(
            f"{conformance.SUMMARY_PATH} is missing; create it with "
            "`python tests/conformance.py --write`"
        )
    return summary


#: (section, key) of each guarded rate in summary.json, and what it means.
GUARDED = [
    (("cases", "rate"), "type-identical cases"),
    (("expected_errors", "rate"), "expected-error cases we reject"),
    (("expected_errors", "located_rate"), "expected errors reported at sqlc's query"),
]


def _figure(summary: conformance.Json, path: tuple[str, str]) -> float:
    section, key = path
    return float(summary[section][key])


@pytest.mark.parametrize(("path", "meaning"), GUARDED, ids=[".".join(p) for p, _ in GUARDED])
def test_rate_does_not_drop(
    report: conformance.Report,
    committed: conformance.Json,
    path: tuple[str, str],
    meaning: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    current = _figure(report.summary(), path)
    floor = _figure(committed, path)
    if current > floor:
        with capsys.disabled():
            print(
                f"\nconformance improved: {meaning} {floor}% -> {current}%; "
                "run `make conformance ARGS=--write` "
                "and commit tests/conformance/ to raise the floor"
            )
    assert current >= floor, (
        f"{meaning} dropped from {floor}% to {current}%.\n\n{report.table(top=10)}"
    )


def test_no_crashes(report: conformance.Report) -> None:
    """A crash is never an answer: malformed or unsupported SQL must get a diagnostic."""
    crashes = [
        f"{q.case} / {q.name}: {q.failure.message}"
        for q in report.queries()
        if q.failure is not None and q.failure.key.startswith("internal error")
    ]
    crashes += [f"{e.case}: {e.crashed}" for e in report.error_cases if e.crashed]
    assert not crashes, "the generator crashed on:\n" + "\n".join(crashes)
