"""Incremental regeneration: after any edit, the run that reuses the cache writes
exactly what a cold run writes, and reuses what the edit cannot reach."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pgsqlgen import pipeline
from pgsqlgen.cache import CACHE_DIR
from pgsqlgen.codegen.fmt import fast_format, fast_format_parts
from pgsqlgen.codegen.render import render
from pgsqlgen.config.load import load_config
from pgsqlgen.pipeline import STAGES, Stage

from sqlgen_helpers import run_errors, run_sqlgen, write_project

REPO_ROOT = Path(__file__).resolve().parents[1]

SCHEMA = {
    "000001_init.up.sql": """
        CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, tag text);
        CREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL);
        CREATE TABLE archive (id bigserial PRIMARY KEY, payload jsonb);
    """,
}
QUERIES = {
    "notes.sql": """
        -- name: GetNote :one
        SELECT * FROM notes WHERE id = @id;

        -- name: NoteBodies :many
        SELECT id, body FROM notes WHERE tag = @tag;
    """,
    "people.sql": """
        -- name: GetPerson :one
        SELECT * FROM people WHERE id = @id;

        -- name: RenamePerson :exec
        UPDATE people SET name = @name WHERE id = @id;
    """,
    "counts.sql": """
        -- name: CountPeople :one
        SELECT count(*) FROM people;
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose cache holds a first incremental run."""
    write_project(tmp_path, SCHEMA, QUERIES)
    _incremental(tmp_path)
    return tmp_path


def _incremental(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The files of a run that reuses (and fills) the cache, and each stage's detail."""
    stages: list[Stage] = []
    result = pipeline.run(load_config(root / "pyproject.toml"), stages.append, incremental=True)
    return result.files, {stage.name: stage.detail for stage in stages}


def _cold(root: Path) -> dict[str, str]:
    return pipeline.run(load_config(root / "pyproject.toml")).files


def _analysed(detail: dict[str, str]) -> tuple[int, int]:
    """How many query files the run analysed, of how many (``generate -v``'s count)."""
    found = re.search(r"(\d+) of (\d+) query files analysed", detail[STAGES[2]])
    assert found is not None, detail
    return int(found[1]), int(found[2])


def _rendered(detail: dict[str, str]) -> int:
    found = re.search(r"(\d+) of \d+ modules rendered", detail[STAGES[3]])
    assert found is not None, detail
    return int(found[1])


def test_an_unchanged_project_reuses_everything(project: Path) -> None:
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert _analysed(detail) == (0, 3)
    assert _rendered(detail) == 0
    assert detail[STAGES[0]].endswith("remembered")


def test_a_query_file_edit_redoes_that_file_only(project: Path) -> None:
    before = _cold(project)
    (project / "queries" / "people.sql").write_text(
        "-- name: GetPerson :one\nSELECT * FROM people WHERE id = @id AND name = @name;\n"
    )
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert files["people_sql.py"] != before["people_sql.py"]
    assert "RenamePerson" not in files["querier.py"]
    assert _analysed(detail) == (1, 3)
    # The edited module and the modules that gather every query; not the other two.
    assert files["notes_sql.py"] == before["notes_sql.py"]
    assert _rendered(detail) < len(files) - 2


def test_an_edit_undone_gives_the_first_files_back(project: Path) -> None:
    first = _cold(project)
    path = project / "queries" / "notes.sql"
    text = path.read_text()
    path.write_text(text.replace("WHERE tag = @tag", "WHERE tag = @tag OR body = @body"))
    assert _incremental(project)[0] == _cold(project) != first
    path.write_text(text)
    assert _incremental(project)[0] == first


def test_a_column_type_change_redoes_the_files_that_read_it(project: Path) -> None:
    before = _cold(project)
    migration = project / "schema" / "000001_init.up.sql"
    migration.write_text(migration.read_text().replace("tag text", "tag integer"))
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert "tag: int" in files["notes_sql.py"] and "tag: int" not in before["notes_sql.py"]
    assert _analysed(detail) == (1, 3)


def test_a_migration_no_query_reads_redoes_no_query_file(project: Path) -> None:
    (project / "schema" / "000002_archive.up.sql").write_text(
        "ALTER TABLE archive ADD COLUMN kept_at timestamptz;\n"
        "CREATE INDEX notes_tag ON notes (tag);\n"
    )
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert "kept_at" in files["models.py"]
    assert _analysed(detail) == (0, 3)
    # The models changed; no query module reads them, so none is rendered again.
    assert _rendered(detail) == len(files) - 2 - len(QUERIES)


def test_a_query_module_page_reads_nothing_of_the_package_but_its_settings(
    project: Path,
) -> None:
    """Our query module template is rendered with the IR's module page settings as
    ``ir``: every other field of the IR changed, its pages are the same."""
    _, ir = pipeline.analyse(load_config(project / "pyproject.toml"))
    other = dataclasses.replace(
        ir, models=(), enums=(), package="elsewhere", querier_import_blocks=(("import x",),)
    )
    paths = {f"{module.module}.py" for module in ir.modules}
    assert render(other, None, paths) == render(ir, None, paths)


def test_a_new_table_is_seen_by_every_file(project: Path) -> None:
    """A new model class could clash with a row class any query names: every file
    is analysed again."""
    (project / "schema" / "000002_labels.up.sql").write_text("CREATE TABLE labels (id int);\n")
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert _analysed(detail) == (3, 3)


def test_a_new_table_whose_model_clashes_with_a_row_class(project: Path) -> None:
    (project / "schema" / "000002_clash.up.sql").write_text(
        "CREATE TABLE note_bodies_row (id int);\n"
    )
    with pytest.raises(pipeline.SqlgenError) as cold:
        _cold(project)
    with pytest.raises(pipeline.SqlgenError) as incremental:
        _incremental(project)
    assert "would shadow the model NoteBodiesRow" in str(cold.value.diagnostics[0])
    assert incremental.value.diagnostics == cold.value.diagnostics


def _remembered(detail: dict[str, str]) -> int:
    """How many statements of the schema the run did not replay (0 when it replayed all)."""
    found = re.search(r"(\d+) of them remembered", detail[STAGES[0]])
    return int(found[1]) if found else 0


def test_migrations_replay_from_the_last_unchanged_one(project: Path) -> None:
    """An added migration continues the catalog of the run before; an edit of the
    last one continues the catalog before it; an edit of an earlier one replays all."""
    schema = project / "schema"
    (schema / "000002_tag.up.sql").write_text("ALTER TABLE notes ADD COLUMN tag2 text;\n")
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert _remembered(detail) == 3
    (schema / "000003_more.up.sql").write_text("ALTER TABLE people ADD COLUMN age int;\n")
    (schema / "000004_last.up.sql").write_text("CREATE INDEX people_age ON people (age);\n")
    assert _incremental(project)[0] == _cold(project)
    (schema / "000004_last.up.sql").write_text("ALTER TABLE people DROP COLUMN age;\n")
    files, detail = _incremental(project)
    assert files == _cold(project) and "age" not in files["people_sql.py"]
    assert _remembered(detail) == 5
    (schema / "000002_tag.up.sql").write_text("ALTER TABLE notes ADD COLUMN tag3 text;\n")
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert "tag3" in files["models.py"] and "tag2" not in files["models.py"]
    assert _remembered(detail) == 0


def test_a_migration_that_does_not_apply_gives_a_cold_runs_errors(project: Path) -> None:
    schema = project / "schema"
    (schema / "000002_bad.up.sql").write_text("ALTER TABLE nope ADD COLUMN a int;\n")
    (schema / "000003_worse.up.sql").write_text("ALTER TABLE people DROP COLUMN nope;\n")
    with pytest.raises(pipeline.SqlgenError) as cold:
        _cold(project)
    with pytest.raises(pipeline.SqlgenError) as incremental:
        _incremental(project)
    assert len(cold.value.diagnostics) == 2
    assert incremental.value.diagnostics == cold.value.diagnostics


def test_the_warnings_of_down_migrations_are_a_cold_runs(project: Path) -> None:
    config = load_config(project / "pyproject.toml")
    (project / "schema" / "000002_x.up.sql").write_text("ALTER TABLE notes ADD COLUMN x int;\n")
    (project / "schema" / "000002_x.down.sql").write_text("ALTER TABLE notes DROPP x;\n")
    cold = [str(d) for d in pipeline.run(config).warnings]
    assert cold and all("warning" in w for w in cold)
    for _ in range(2):
        warm = pipeline.run(config, incremental=True).warnings
        assert [str(d) for d in warm] == cold
    (project / "schema" / "000003_y.up.sql").write_text("ALTER TABLE notes ADD COLUMN y int;\n")
    (project / "schema" / "000003_y.down.sql").write_text("ALTER TABLE notes DROP COLUMN yy;\n")
    assert [str(d) for d in pipeline.run(config, incremental=True).warnings] == [
        str(d) for d in pipeline.run(config).warnings
    ]


def test_adding_and_removing_query_files(project: Path) -> None:
    (project / "queries" / "more.sql").write_text(
        "-- name: ListArchive :many\nSELECT * FROM archive;\n"
    )
    files, detail = _incremental(project)
    assert files == _cold(project) and "more_sql.py" in files
    assert _analysed(detail) == (1, 4)
    (project / "queries" / "notes.sql").unlink()
    files, detail = _incremental(project)
    assert files == _cold(project) and "notes_sql.py" not in files
    assert "GetNote" not in files["querier.py"]
    assert _analysed(detail) == (0, 3)


def test_errors_are_a_cold_runs_and_nothing_bad_is_kept(project: Path) -> None:
    path = project / "queries" / "people.sql"
    path.write_text("-- name: GetPerson :one\nSELECT nam FROM people;\n")
    cold = run_errors(project / "pyproject.toml", incremental=False)
    for _ in range(2):
        assert run_errors(project / "pyproject.toml", incremental=True) == cold
    path.write_text("-- name: GetPerson :one\nSELECT name FROM people;\n")
    assert _incremental(project)[0] == _cold(project)


def _entries(root: Path) -> list[Path]:
    return [p for p in (root / CACHE_DIR).rglob("*.pickle") if p.is_file()]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"garbage",
        lambda data: data[: len(data) // 2],
        lambda data: b"",
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_a_damaged_cache_is_ignored(project: Path, damage: object) -> None:
    entries = _entries(project)
    assert {p.name for p in entries} >= {"schema.pickle", "pages.pickle"}
    assert any(p.parent.name == "files" for p in entries)
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert _analysed(detail) == (3, 3)
    assert _incremental(project)[1][STAGES[0]].endswith("remembered")


def test_another_generator_version_does_not_reuse_entries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries carry the generator's digest: a cache written by another version
    (here, another digest) is a miss."""
    import hashlib

    from pgsqlgen import incremental

    monkeypatch.setattr(
        incremental, "generator_digest", lambda config: hashlib.sha256(b"another version")
    )
    files, detail = _incremental(project)
    assert files == _cold(project)
    assert _analysed(detail) == (3, 3)


def test_no_cache_runs_neither_read_nor_write_it(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA, QUERIES)
    assert run_sqlgen(tmp_path, "generate", "--no-cache").returncode == 0
    assert run_sqlgen(tmp_path, "check", "--no-cache").returncode == 0
    assert not list((tmp_path / CACHE_DIR).glob("incremental-*"))
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    assert list((tmp_path / CACHE_DIR).glob("incremental-*"))


def test_generate_verbose_counts_what_it_redid(project: Path) -> None:
    result = run_sqlgen(project, "generate", "-v")
    assert result.returncode == 0, result.stderr
    assert "0 of 3 query files analysed" in result.stderr
    assert "modules rendered" in result.stderr


def test_formatting_by_parts_is_formatting_whole() -> None:
    """The parts :func:`fast_format_parts` cuts a module into format as the whole
    does, from nothing and from the parts of another run, cut from that run's
    modules where it says they lie."""
    config = load_config(REPO_ROOT / "pyproject.toml")
    modules = render(pipeline.run(config).ir)
    known: dict[bytes, str] = {}
    for text in modules.values():
        whole = fast_format(text)
        assert whole is not None
        learned: dict[bytes, tuple[int, int]] = {}
        assert fast_format_parts(text, {}, learned) == whole
        cut = {key: whole[start:end] for key, (start, end) in learned.items()}
        assert fast_format_parts(text, cut, {}) == whole
        known |= cut
    assert known
    for text in modules.values():
        assert fast_format_parts(text, known, {}) == fast_format(text)
