"""Incremental regeneration: after any edit, the run that reuses the cache writes
exactly what a cold run writes, and reuses what the edit cannot reach."""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path

import pytest

from pgsqlgen import cli, known_files, pipeline
from pgsqlgen.cache import CACHE_DIR
from pgsqlgen.codegen.fmt import (
    Segment,
    fast_format,
    fast_format_parts,
    fast_format_segments,
    format_module,
)
from pgsqlgen.codegen.render import GATHERING_PAGES, ModuleParts, render
from pgsqlgen.config.load import load_config
from pgsqlgen.pipeline import STAGES, Stage
from pgsqlgen.sql import source
from pgsqlgen.sql.source import SourceFile

from sqlgen_helpers import check_in_new_process, run_errors, run_sqlgen, write_project

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


@pytest.fixture(params=["just written", "known by stat"])
def project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A project whose cache holds a first incremental run. Its schema files were
    just written, so each run reads them again (:data:`known_files.RACY_NS`); or,
    as with files older than that, each run after the first knows them by their
    ``stat`` until they change."""
    if request.param == "known by stat":
        monkeypatch.setattr(known_files, "RACY_NS", 0)
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


def _schema_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The schema files read from now on (by any run in this process)."""
    reads: list[str] = []
    read_bytes = source._read_bytes

    def counted(path: Path) -> object:
        if "schema" in Path(path).parts:
            reads.append(str(path))
        return read_bytes(path)

    monkeypatch.setattr(source, "_read_bytes", counted)
    return reads


def test_schema_files_known_by_their_stat_are_not_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query edit reads no schema file once their ``stat`` vouches for them; files
    changed within the racy window of their read are read by every run."""
    reads = _schema_reads(monkeypatch)
    (project / "queries" / "counts.sql").write_text(
        "-- name: CountNotes :one\nSELECT count(*) FROM notes;\n"
    )
    files, detail = _incremental(project)
    assert detail[STAGES[0]].endswith("remembered")
    assert len(reads) == (0 if known_files.RACY_NS == 0 else 2)  # the up and the down file
    assert files == _cold(project)


def _known_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose files count as older than the racy window, after a first run."""
    monkeypatch.setattr(known_files, "RACY_NS", 0)
    write_project(root, SCHEMA, QUERIES)
    _incremental(root)
    return root


def test_a_migration_put_back_with_its_old_times_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit of the same size whose modification time is set back (``touch -d``,
    an archive) still changes the file's change time, which is compared too."""
    project = _known_project(tmp_path, monkeypatch)
    migration = project / "schema" / "000001_init.up.sql"
    before = migration.stat()
    time.sleep(0.05)  # a later tick of the file system's clock
    migration.write_text(migration.read_text().replace("tag text", "tag date"))
    os.utime(migration, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = migration.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    files, _ = _incremental(project)
    assert files == _cold(project)
    assert "tag: datetime.date" in files["notes_sql.py"]


def test_a_migration_replaced_or_added_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file replaced by a rename (as editors save) is another inode; a file added
    changes the folder's names."""
    project = _known_project(tmp_path, monkeypatch)
    reads = _schema_reads(monkeypatch)
    migration = project / "schema" / "000001_init.up.sql"
    replacement = project / "schema" / ".000001_init.up.sql.swp"
    replacement.write_text(migration.read_text().replace("tag text", "tag date"))
    replacement.replace(migration)
    files, _ = _incremental(project)
    assert files == _cold(project) and "tag: datetime.date" in files["notes_sql.py"]
    reads.clear()
    assert _incremental(project)[0] == files
    assert reads == []
    (project / "schema" / "000002_more.up.sql").write_text(
        "ALTER TABLE notes ADD COLUMN more int;\n"
    )
    files, _ = _incremental(project)
    assert files == _cold(project) and "more: int | None" in files["models.py"]


def test_a_record_written_within_the_racy_window_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files changed less than ``RACY_NS`` before their record was written, both by
    the file system's clock, are read again: an edit within the clock's resolution
    would not change their ``stat``. A record written later is trusted."""
    write_project(tmp_path, SCHEMA, QUERIES)
    _incremental(tmp_path)
    reads = _schema_reads(monkeypatch)
    record = next((tmp_path / CACHE_DIR).glob("incremental-*/known-files.pickle"))
    times = [os.stat(path) for path in (tmp_path / "schema").iterdir()]
    edge = max(max(t.st_mtime_ns, t.st_ctime_ns) for t in times) + known_files.RACY_NS
    for written, read in ((edge, 2), (edge + 1, 0)):
        os.utime(record, ns=(written, written))
        reads.clear()
        files, detail = _incremental(tmp_path)
        assert len(reads) == read  # the up and the down file, or neither
        assert detail[STAGES[0]].endswith("remembered")
    assert files == _cold(tmp_path)


def test_a_file_added_beside_the_migrations_is_a_new_listing(tmp_path: Path) -> None:
    write_project(tmp_path, SCHEMA)
    up = SourceFile.read(tmp_path / "schema" / "000001_init.up.sql", tmp_path)
    names = known_files.schema_names([tmp_path / "schema"])
    assert names is not None
    known = known_files.KnownSchema.of(names, [up], [])
    assert known is not None
    later = up.changed_ns + known_files.RACY_NS + 1
    assert known.holds(names, later) and not known.holds(names, later - 1)
    (tmp_path / "schema" / "notes.txt").write_text("not a migration, but in the folder")
    assert not known.holds(known_files.schema_names([tmp_path / "schema"]) or (), later)


def test_the_check_shortcut_holds_after_a_run_that_knew_the_schema_by_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verdict a run records is keyed by the digests its records vouched for:
    a fresh process, which reads every file, finds the same key."""
    project = _known_project(tmp_path, monkeypatch)
    reads = _schema_reads(monkeypatch)
    monkeypatch.chdir(project)
    assert cli.main(["generate"]) == 0
    assert reads == []
    schema = sorted((project / "schema").iterdir())
    assert all(source.digest_as_read(str(path)) is not None for path in schema)
    assert check_in_new_process(project) == (0, False)


def test_formatting_by_segments_is_formatting_whole() -> None:
    """The pages that gather every query format segment by segment (one per query
    module and flavour) as they format whole: from nothing, from the segments of
    another run, and with one segment new (an edited module), which is formatted
    by the parts of the segment it replaces."""
    config = load_config(REPO_ROOT / "pyproject.toml")
    ir = pipeline.run(config).ir
    parts = ModuleParts({m.source: m.source.encode() for m in ir.modules}, lambda template: None)
    pages = render(ir, paths=GATHERING_PAGES, parts=parts)
    assert pages.keys() == GATHERING_PAGES
    for path, text in pages.items():
        whole = fast_format(text)
        segments = parts.segments[path]
        assert len(segments) == len(ir.flavours) * len(ir.modules)
        learned: dict[bytes, Segment] = {}
        assert fast_format_segments(text, segments, {}, learned) == whole
        assert whole is not None
        earlier = {key: (whole[start:end], inner) for key, ((start, end), inner) in learned.items()}
        assert fast_format_segments(text, segments, earlier, {}) == whole
        edited = next(key for key, (_, inner) in earlier.items() if inner)
        new = [(b"edited" if key == edited else key, span) for key, span in segments]
        assert fast_format_segments(text, new, earlier, {}) == whole
        # Marked (same length), the replaced segment's parts show where they are used.
        marked = {
            **earlier,
            edited: (earlier[edited][0].replace("def ", "DEF "), earlier[edited][1]),
        }
        again = fast_format_segments(text, new, marked, {})
        assert again is not None and "DEF " in again


def test_a_segment_that_is_not_whole_lines_formats_by_parts() -> None:
    config = load_config(REPO_ROOT / "pyproject.toml")
    ir = pipeline.run(config).ir
    parts = ModuleParts({m.source: m.source.encode() for m in ir.modules}, lambda template: None)
    text = render(ir, paths={"querier.py"}, parts=parts)["querier.py"]
    (key, (start, end)), *rest = parts.segments["querier.py"]
    torn = [(key, (text.index("def ", start), end)), *rest]  # from the middle of a line
    assert fast_format_segments(text, torn, {}, {}) is None
    formatted = format_module(text, ours=True, known={}, segments=torn)
    assert formatted.text == fast_format(text)
    assert formatted.parts and not formatted.segments
