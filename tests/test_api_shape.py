"""The generated API as sqlc and psycopg users expect it: one result column is the value
itself, and a ``:one`` that PostgreSQL always answers with a row returns the row."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from pgsqlgen.codegen.fmt import format_python
from pgsqlgen.codegen.ir.model import Query
from pgsqlgen.codegen.render import render
from pgsqlgen.pg.cluster import apply_migrations, scratch_database

from sqlgen_helpers import described_ir

SCHEMA = """
CREATE TABLE notes (
    id bigserial PRIMARY KEY,
    body text NOT NULL,
    tag text UNIQUE
);
CREATE FUNCTION skip_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body = 'draft' THEN RETURN NULL; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER notes_skip_drafts BEFORE INSERT ON notes
    FOR EACH ROW EXECUTE FUNCTION skip_drafts();
"""

QUERIES = """
-- name: AddNote :one
INSERT INTO notes (body, tag) VALUES (@body, sqlc.narg(tag)) RETURNING *;

-- name: AddNoteOnce :one
INSERT INTO notes (body, tag) VALUES (@body, @tag) ON CONFLICT (tag) DO NOTHING RETURNING id;

-- name: TouchNote :one
INSERT INTO notes (body, tag) VALUES (@body, @tag)
ON CONFLICT (tag) DO UPDATE SET body = excluded.body RETURNING id;

-- name: CountNotes :one
SELECT count(*) FROM notes;

-- name: NoteTag :one
SELECT tag FROM notes WHERE id = @id;

-- name: NoteBodies :many
SELECT body FROM notes ORDER BY id;
"""


@pytest.fixture(scope="module")
def ir_queries(tmp_path_factory: pytest.TempPathFactory, pg_server_url: str) -> dict[str, Query]:
    ir = described_ir(tmp_path_factory.mktemp("shape"), pg_server_url, SCHEMA, QUERIES)
    return {q.name: q for m in ir.modules for q in m.queries}


def returns(query: Query) -> str:
    return query.methods[0].returns


def test_one_column_is_the_value(ir_queries: dict[str, Query]) -> None:
    assert returns(ir_queries["NoteBodies"]) == "list[str]"
    assert ir_queries["NoteBodies"].methods[1].returns == "Generator[str, None, None]"
    # a nullable column and a missing row are both None for a :one that may find nothing
    assert returns(ir_queries["NoteTag"]) == "str | None"


def test_one_row_guaranteed_is_not_optional(ir_queries: dict[str, Query]) -> None:
    assert returns(ir_queries["AddNote"]) == "Note"
    assert returns(ir_queries["TouchNote"]) == "int"
    assert returns(ir_queries["CountNotes"]) == "int"
    assert returns(ir_queries["AddNoteOnce"]) == "int | None"  # DO NOTHING may return nothing


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, pg_server_url: str) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("shape_package")
    ir = described_ir(root / "project", pg_server_url, SCHEMA, QUERIES)
    out = root / "site" / "shape_demo"
    out.mkdir(parents=True)
    for name, text in render(ir).items():
        (out / name).write_text(format_python(text), encoding="utf-8")
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("shape_demo")
    finally:
        sys.path.remove(str(out.parent))
        for module in [m for m in sys.modules if m.split(".")[0] == "shape_demo"]:
            del sys.modules[module]


def test_the_values_on_postgresql(package: ModuleType, pg_server_url: str, tmp_path: Path) -> None:
    (tmp_path / "000001_init.up.sql").write_text(SCHEMA, encoding="utf-8")
    with scratch_database(pg_server_url) as url:
        apply_migrations(url, tmp_path)
        with psycopg.connect(url, autocommit=True) as conn:
            q = package.Queries(conn)
            note = q.add_note(body="hello", tag=None)
            assert (note.body, note.tag) == ("hello", None)
            assert q.count_notes() == 1
            assert q.note_bodies() == ["hello"]
            assert q.note_tag(id=note.id) is None
            assert q.add_note_once(body="x", tag="t") is not None
            assert q.add_note_once(body="y", tag="t") is None
            assert q.touch_note(body="z", tag="t") == q.touch_note(body="w", tag="t")
            # A BEFORE trigger returning NULL suppresses the row: said, not hidden.
            with pytest.raises(package.NoRowError, match="AddNote returned no row"):
                q.add_note(body="draft", tag=None)


async def test_the_values_on_postgresql_async(
    package: ModuleType, pg_server_url: str, tmp_path: Path
) -> None:
    (tmp_path / "000001_init.up.sql").write_text(SCHEMA, encoding="utf-8")
    with scratch_database(pg_server_url) as url:
        apply_migrations(url, tmp_path)
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            q = package.AsyncQueries(conn)
            await q.add_note(body="hello", tag="a")
            assert await q.count_notes() == 1
            assert await q.note_bodies() == ["hello"]


JSON_SCHEMA = """
CREATE TABLE docs (
    id bigserial PRIMARY KEY,
    body jsonb NOT NULL,
    extra jsonb
);
"""

JSON_QUERIES = """
-- name: AddDoc :one
INSERT INTO docs (body, extra) VALUES (@body, @extra) RETURNING id;

-- name: CopyDocs :copyfrom
INSERT INTO docs (body, extra) VALUES (@body, @extra);

-- name: ExtraIsNull :many
SELECT id, extra IS NULL AS sql_null FROM docs ORDER BY id;
"""

USAGE = """
from json_demo import Queries

def misuse(q: Queries) -> None:
    q.add_doc(body=None, extra=None)
"""


@pytest.fixture(scope="module")
def json_package(
    tmp_path_factory: pytest.TempPathFactory, pg_server_url: str
) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("json_package")
    ir = described_ir(root / "project", pg_server_url, JSON_SCHEMA, JSON_QUERIES)
    out = root / "site" / "json_demo"
    out.mkdir(parents=True)
    for name, text in render(ir).items():
        (out / name).write_text(format_python(text), encoding="utf-8")
    (out / "py.typed").write_text("", encoding="utf-8")
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("json_demo")
    finally:
        sys.path.remove(str(out.parent))
        for module in [m for m in sys.modules if m.split(".")[0] == "json_demo"]:
            del sys.modules[module]


def test_none_is_sql_null_for_every_command(
    json_package: ModuleType, pg_server_url: str, tmp_path: Path
) -> None:
    (tmp_path / "000001_init.up.sql").write_text(JSON_SCHEMA, encoding="utf-8")
    params = importlib.import_module("json_demo.q_sql").CopyDocsParams
    with scratch_database(pg_server_url) as url:
        apply_migrations(url, tmp_path)
        with psycopg.connect(url, autocommit=True) as conn:
            q = json_package.Queries(conn)
            q.add_doc(body={"a": None}, extra=None)
            q.copy_docs([params(body=[None], extra=None), params(body=1, extra={"b": 2})])
            rows = q.extra_is_null()
            assert [r.sql_null for r in rows] == [True, True, False]


def test_mypy_rejects_none_for_a_not_null_json_parameter(json_package: ModuleType) -> None:
    import subprocess

    site = Path(json_package.__file__ or "").parents[1]
    (site / "misuse.py").write_text(USAGE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "misuse.py"],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        'Argument "body" to "add_doc" of "QQueries" has incompatible type "None"' in result.stdout
    )
    assert '"extra"' not in result.stdout
