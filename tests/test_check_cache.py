"""The drift check's shortcut: a state already checked clean passes at once,
and any change to what decides the verdict gets the full check."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen import cache
from pgsqlgen.config.load import load_config

from sqlgen_helpers import check_in_new_process, run_sqlgen, write_project

SCHEMA = {"000001_init.up.sql": "CREATE TABLE notes (id bigserial PRIMARY KEY, body text);\n"}
QUERIES = {"notes.sql": "-- name: GetNote :one\nSELECT * FROM notes WHERE id = @id;\n"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, SCHEMA, QUERIES)
    assert run_sqlgen(tmp_path, "generate").returncode == 0
    return tmp_path


def test_a_clean_state_passes_without_loading_the_generator(project: Path) -> None:
    assert (project / cache.CACHE_DIR / ".gitignore").read_text() == "*\n"
    assert check_in_new_process(project) == (0, False)
    assert check_in_new_process(project, "--no-cache") == (0, True)


def _add_migration(root: Path) -> None:
    (root / "schema" / "000002_tag.up.sql").write_text("ALTER TABLE notes ADD COLUMN tag text;\n")
    (root / "schema" / "000002_tag.down.sql").write_text("ALTER TABLE notes DROP COLUMN tag;\n")


def _own_a_stray_file(out: Path) -> None:
    """A file sqlgen wrote that generation no longer produces (listed in the manifest)."""
    (out / "stray.py").write_text("")
    with (out / ".sqlgen-manifest").open("a") as manifest:
        manifest.write("stray.py\n")


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (lambda out: (out / "models.py").write_text("# hand edit\n"), "stale: gen/demo/models.py"),
        (lambda out: (out / "querier.py").unlink(), "missing: gen/demo/querier.py"),
        (_own_a_stray_file, "extra: gen/demo/stray.py"),
        (
            lambda out: (out / ".sqlgen-manifest").write_text("# emptied\n"),
            "stale: gen/demo/.sqlgen-manifest",
        ),
        (
            lambda out: (out.parents[1] / "queries" / "notes.sql").write_text(
                "-- name: GetNoteBody :one\nSELECT body FROM notes WHERE id = @id;\n"
            ),
            "stale: gen/demo/notes_sql.py",
        ),
        (lambda out: _add_migration(out.parents[1]), "stale: gen/demo/models.py"),
    ],
    ids=[
        "hand-edit",
        "deleted-output",
        "extra-output",
        "manifest-edit",
        "query-change",
        "new-migration",
    ],
)
def test_any_change_gets_the_full_check(project: Path, change: object, reported: str) -> None:
    assert check_in_new_process(project) == (0, False)
    change(project / "gen" / "demo")  # type: ignore[operator]
    result = run_sqlgen(project, "check")
    assert result.returncode == 1
    assert reported in result.stderr


def test_config_change_gets_the_full_check(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "query_parameter_limit = 0\n")
    assert check_in_new_process(project) == (1, True)


def test_no_cache_ignores_a_remembered_verdict(project: Path) -> None:
    """CI runs the full check: even a (forged) record of a clean state is not trusted."""
    config = load_config(project / "pyproject.toml")
    (config.out / "models.py").write_text("# hand edit\n")
    cache.remember_clean(config)
    assert check_in_new_process(project) == (0, False)
    assert check_in_new_process(project, "--no-cache") == (1, True)


def test_the_generator_itself_is_part_of_the_key(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new template or generator version must not pass on an old verdict."""
    config = load_config(project / "pyproject.toml")
    package = tmp_path_factory.mktemp("generator")
    template = package / "templates" / "models.py.j2"
    template.parent.mkdir()
    template.write_text("{{ header }}\n")
    monkeypatch.setattr(cache, "_PACKAGE", package)
    before = cache.state_key(config)
    template.write_text("{{ header }}\n# changed\n")
    assert cache.state_key(config) != before


def test_the_verdict_is_keyed_by_the_inputs_as_the_run_read_them(project: Path) -> None:
    """A run's verdict is remembered for the files it generated from: one edited
    after the run read it, before the verdict was recorded, is a new state, which
    the next check checks in full (and finds stale)."""
    from pgsqlgen import pipeline

    config = load_config(project / "pyproject.toml")
    pipeline.run(config)  # reads every input, in this process
    query = project / "queries" / "notes.sql"
    query.write_text(query.read_text() + "\n-- name: CountNotes :one\nSELECT 1 AS one;\n")
    cache.remember_clean(config)
    result = run_sqlgen(project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "out of date" in result.stdout + result.stderr
