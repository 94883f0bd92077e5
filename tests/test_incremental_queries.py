"""Incremental regeneration by query: in a query file that changed, or that read
something a migration changed, only the queries whose block or reads changed are
parsed and analysed again, and the run still writes exactly what a cold run writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen import pipeline
from pgsqlgen.config.load import load_config

from sqlgen_helpers import run_errors, write_project

SCHEMA = {
    "000001_init.up.sql": """
        CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, tag text);
        CREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL);
    """,
}
MIXED = """\
-- name: GetNote :one
SELECT * FROM notes WHERE id = @id;

-- name: NoteTags :many
SELECT id, tag FROM notes WHERE body = @body;

-- name: GetPerson :one
SELECT * FROM people WHERE id = @id;

-- name: PersonNames :many
SELECT name FROM people ORDER BY name;
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose cache holds a first incremental run."""
    write_project(tmp_path, SCHEMA, {"mixed.sql": MIXED, "other.sql": _OTHER})
    _incremental(tmp_path)
    return tmp_path


_OTHER = "-- name: CountPeople :one\nSELECT count(*) FROM people;\n"


def _incremental(root: Path) -> dict[str, str]:
    return pipeline.run(load_config(root / "pyproject.toml"), incremental=True).files


def _cold(root: Path) -> dict[str, str]:
    return pipeline.run(load_config(root / "pyproject.toml")).files


def _analysed_sql(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of each query the runs after this call analyse, in order."""
    seen: list[str] = []
    analyse = pipeline.analyse_statement

    def counting(catalog, expression, params):  # type: ignore[no-untyped-def]
        seen.append(expression.sql(dialect="postgres"))
        return analyse(catalog, expression, params)

    monkeypatch.setattr(pipeline, "analyse_statement", counting)
    return seen


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "queries" / "mixed.sql"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edit_in_place_reanalyses_that_query_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = _analysed_sql(monkeypatch)
    _edit(project, "WHERE body = @body", "WHERE body = @body AND tag = @tag")
    files = _incremental(project)
    assert len(analysed) == 1 and "tag = $2" in analysed[0]
    assert files == _cold(project)
    assert "tag: str | None" in files["mixed_sql.py"]


def test_an_added_query_reanalyses_it_and_the_block_that_ended_the_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = _analysed_sql(monkeypatch)
    path = project / "queries" / "mixed.sql"
    path.write_text(path.read_text() + "\n-- name: NoteCount :one\nSELECT count(*) FROM notes;\n")
    files = _incremental(project)
    # The block that ended the file no longer does: a missing semicolon would now
    # be reported as the query's, not the file's.
    assert len(analysed) == 2
    assert files == _cold(project)
    assert "def note_count(" in files["mixed_sql.py"]


def test_lines_added_above_queries_reanalyse_them_for_their_new_lines(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = _analysed_sql(monkeypatch)
    _edit(project, "-- name: GetPerson :one\n", "-- name: GetPerson :one\n-- A person.\n")
    files = _incremental(project)
    assert len(analysed) == 2  # GetPerson (its text) and PersonNames (its line)
    assert files == _cold(project)
    assert "(queries/mixed.sql:11)" in files["mixed_sql.py"]


def test_a_migration_reanalyses_only_the_queries_that_read_what_it_changed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = _analysed_sql(monkeypatch)
    (project / "schema" / "000002_tag.up.sql").write_text(
        "ALTER TABLE notes ALTER COLUMN tag TYPE integer USING tag::integer;\n"
    )
    files = _incremental(project)
    # GetNote and NoteTags read notes; GetPerson and PersonNames are reused.
    assert len(analysed) == 2 and all(" FROM notes WHERE " in sql for sql in analysed)
    assert files == _cold(project)
    assert "tag: int | None" in files["mixed_sql.py"]


def test_a_repeated_name_is_analysed_once_it_is_no_longer_repeated(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(project, "-- name: PersonNames :many", "-- name: GetNote :many")
    with pytest.raises(pipeline.SqlgenError) as repeated:
        _incremental(project)
    assert "duplicate query name" in str(repeated.value)
    analysed = _analysed_sql(monkeypatch)
    # The first GetNote is renamed: the second block, unchanged, was never analysed.
    _edit(project, "-- name: GetNote :one", "-- name: FetchNote :one")
    files = _incremental(project)
    assert analysed[1:] == ["SELECT name FROM people ORDER BY name"] and len(analysed) == 2
    assert files == _cold(project)


def test_the_errors_of_reused_queries_are_a_cold_runs(project: Path) -> None:
    config = project / "pyproject.toml"
    _edit(project, "SELECT name FROM people", "SELECT nam FROM people")
    _edit(project, "-- name: GetNote :one", "-- name: GetNote :on")
    for _ in range(2):
        assert run_errors(config, incremental=True) == run_errors(config, incremental=False)
        _edit(project, "WHERE body = @body", "WHERE body = @body ")
