"""The preconditions of the shortcuts that make an edit's run fast: each is checked
against the slow way it replaces, on the case it must still handle."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import jinja2
import pytest

from pgsqlgen.codegen import render as rendering
from pgsqlgen.codegen.ir.imports import Annotations, method_annotations
from pgsqlgen.codegen.render import ModuleParts, PartKey, from_user_templates, render
from pgsqlgen.codegen.write import write_all
from pgsqlgen.config.load import load_config
from pgsqlgen.migrations.files import scan
from pgsqlgen.pipeline import analyse
from pgsqlgen.sql.source import SourceFile, digest_as_read, display_path

from sqlgen_helpers import write_project

SCHEMA = {"000001_init.up.sql": "CREATE TABLE t (id int PRIMARY KEY, name text);\n"}
QUERIES = {
    "a.sql": "-- name: GetT :one\nSELECT * FROM t WHERE id = @id;\n",
    "b.sql": "-- name: ListT :many\nSELECT name FROM t;\n",
}
AGGREGATES = ["querier.py", "wrappers.py"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, SCHEMA, QUERIES)
    return tmp_path


def _keys(project: Path) -> dict[str, bytes]:
    return {f"queries/{name}": name.encode() for name in QUERIES}


def test_module_parts_reused_are_the_earlier_runs_and_the_rest_rendered(project: Path) -> None:
    """The aggregate pages are rendered from one part per module and flavour; a
    part the earlier run kept is taken as it was, the others rendered again."""
    _, ir = analyse(load_config(project / "pyproject.toml"))
    first = ModuleParts(_keys(project), lambda template: None)
    pages = render(ir, paths=AGGREGATES, parts=first)
    assert pages == render(ir, paths=AGGREGATES)
    assert set(first.used) == {"querier_methods.py.j2", "wrapper_methods.py.j2"}
    for page, spans in first.used.values():
        assert len(spans) == len(QUERIES) * len(ir.flavours)
        assert all(page[start:end] for start, end in spans.values())
    # The part of a.sql's sync methods, as an earlier run would have kept it, marked.
    page, spans = first.used["querier_methods.py.j2"]
    key: PartKey = ("querier_methods.py.j2", b"a.sql", False)
    start, end = spans[key]
    marked = page[:start] + "\n    # kept\n" + page[end:]
    kept = {key: (start, start + len("\n    # kept\n"))}
    earlier = {"querier_methods.py.j2": (marked, kept)}
    second = ModuleParts(_keys(project), earlier.get)
    querier = render(ir, paths=["querier.py"], parts=second)["querier.py"]
    assert querier.count("# kept") == 1
    assert querier.replace("\n    # kept\n", page[start:end]) == pages["querier.py"]


def test_a_part_a_users_template_changes_is_not_kept(project: Path) -> None:
    templates = project / "templates"
    templates.mkdir()
    source = (rendering.TEMPLATES / "querier.py.j2").read_text()
    changed = source.replace(
        'module_part("querier_methods.py.j2", module, is_async) }}',
        'module_part("querier_methods.py.j2", module, is_async) | replace("...", "pass") }}',
    )
    assert changed != source
    (templates / "querier.py.j2").write_text(changed)
    _, ir = analyse(load_config(project / "pyproject.toml"))
    parts = ModuleParts(_keys(project), lambda template: None)
    page = render(ir, templates, ["querier.py"], parts=parts)["querier.py"]
    assert ": pass" in page and "querier_methods.py.j2" not in parts.used


def test_replacing_a_module_part_makes_every_page_the_users(project: Path) -> None:
    templates = project / "templates"
    templates.mkdir()
    (templates / "wrapper_methods.py.j2").write_text(
        (rendering.TEMPLATES / "wrapper_methods.py.j2").read_text()
    )
    _, ir = analyse(load_config(project / "pyproject.toml"))
    assert from_user_templates(ir, templates) == set(rendering.pages(ir))


def test_pages_keyed_without_the_query_modules_do_not_read_them() -> None:
    """The cache keys our pages other than the query modules' and the gathering
    ones by the IR without its query modules (``Store.pages``): rendered from an
    IR without them, each is the same text."""
    _, ir = analyse(load_config(Path(__file__).parents[1] / "pyproject.toml"))
    assert ir.modules
    keyed_without = {
        path
        for path, (_, context) in rendering.pages(ir).items()
        if "module" not in context and path not in rendering.GATHERING_PAGES
    }
    assert keyed_without == {"__init__.py", "_runtime.py", "models.py", "constraints.py"}
    without = dataclasses.replace(ir, modules=())
    assert render(without, paths=keyed_without) == render(ir, paths=keyed_without)
    gathering = render(without, paths=rendering.GATHERING_PAGES)
    assert gathering != render(ir, paths=rendering.GATHERING_PAGES)


def test_the_annotations_of_each_module_merged_are_those_of_all() -> None:
    """A run merges the annotations each query file's unit keeps (read when the file
    was analysed) rather than reading every method of the package again."""
    _, ir = analyse(load_config(Path(__file__).parents[1] / "pyproject.toml"))
    assert len(ir.modules) > 1
    merged = Annotations.merged(method_annotations((module,)) for module in ir.modules)
    assert merged == method_annotations(ir.modules)
    assert merged.dotted and merged.names


def test_a_module_is_written_whole_across_the_slices_it_is_encoded_in(tmp_path: Path) -> None:
    # Two-byte characters across every slice boundary, and a four-byte one.
    text = "é" * ((1 << 20) + 3) + "\U0001f600\n"
    out = tmp_path / "out"
    write_all(out, {"big.py": text, "empty.py": ""})
    assert (out / "big.py").read_text(encoding="utf-8") == text
    assert (out / "empty.py").read_bytes() == b""


@pytest.mark.parametrize(
    ("path", "root", "shown"),
    [
        ("/p/q/schema/1.sql", "/p/q", "schema/1.sql"),
        ("/p/qq/1.sql", "/p/q", "/p/qq/1.sql"),
        ("/p/q", "/p/q", "."),
        ("/x/1.sql", "/", "x/1.sql"),
        ("schema/1.sql", ".", "schema/1.sql"),
        ("/p/q/1.sql", "/p/r", "/p/q/1.sql"),
    ],
)
def test_display_paths_are_what_relative_to_gives(path: str, root: str, shown: str) -> None:
    assert display_path(Path(path), Path(root)) == shown
    try:
        expected = str(Path(path).relative_to(Path(root)))
    except ValueError:
        expected = path
    assert shown == expected


def test_migrations_listed_from_entries_as_from_paths(tmp_path: Path) -> None:
    """Hidden ``.sql`` has no suffix, as ``Path.suffix`` reads it; a folder named
    like a migration is reported; a link to a migration file is one."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "000001_a.up.sql").write_text("SELECT 1;\n")
    (folder / "000001_a.down.sql").write_text("SELECT 1;\n")
    (folder / ".sql").write_text("")
    (folder / "notes.txt").write_text("")
    (folder / "000002_b.up.sql").mkdir()
    os.symlink(folder / "000001_a.up.sql", folder / "000003_c.up.sql")
    files, problems = scan(folder, tmp_path)
    assert [f.path.name for f in files] == [
        "000001_a.down.sql",
        "000001_a.up.sql",
        "000003_c.up.sql",
    ]
    assert [p.message for p in problems if p.file.endswith("000002_b.up.sql")] == [
        "a migration must be a file"
    ]
    assert not any(p.file.endswith(("/.sql", "notes.txt")) for p in problems)


def test_a_file_is_read_whole_and_keyed_by_its_bytes(tmp_path: Path) -> None:
    """Read in 1 MiB chunks: a file of several is read whole, and keyed by the
    digest of its bytes (a byte-order mark and CRLFs included), not its text."""
    path = tmp_path / "big.sql"
    data = b"\xef\xbb\xbf" + b"SELECT 1;\r\n" * 300_000
    path.write_bytes(data)
    source = SourceFile.read(path, tmp_path)
    assert source.text == "SELECT 1;\n" * 300_000
    assert source.digest == hashlib.sha256(data).digest()
    assert digest_as_read(str(path)) == source.digest


def test_templates_prepared_ahead_are_all_a_render_of_ours_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cold run compiles our templates while it waits for its query child
    (``render.prepare``); rendering every page afterwards compiles nothing more."""
    _, ir = analyse(load_config(Path(__file__).parents[1] / "pyproject.toml"))
    rendering._our_environment.cache_clear()
    rendering.prepare()

    def compile_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template was compiled after prepare()")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_again)
    assert set(render(ir)) == set(rendering.pages(ir))
