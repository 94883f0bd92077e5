"""Black is the reference for generated code: everything generated from every
corpus the project has, formatted by the fast path, is black's text exactly,
and no module of ours needs black at generation time.

The corpora: the example, sqlc's end-to-end cases, the real-world query sets
(with their migrations), the synthetic bench layer at 1x and its real-shaped
variant (long names, long parameter lists, wide rows, escapes). Black is run
over the modules in parallel; on two cores the whole file takes a few minutes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgsqlgen.codegen.ir.build import assemble_ir, build_modules, plan_ir
from pgsqlgen.codegen.ir.model import Ir, Shape
from pgsqlgen.codegen.render import render
from pgsqlgen.config.load import load_config
from pgsqlgen.config.model import Config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import analyse, analyse_queries_keep_going, load_catalog
from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

REPO_ROOT = Path(__file__).resolve().parents[1]
REALWORLD = REPO_ROOT.parent / "shared" / "realworld"
# The real-world projects that come with annotated queries.
QUERY_SETS = ("neosync", "opentdf")

sys.path.insert(0, str(REPO_ROOT / "bench"))
import synth  # noqa: E402

from sqlgen_helpers import assert_black_identical  # noqa: E402


def _accepted_migrations(root: Path) -> tuple[Path, ...]:
    """The up migrations of a real history that the catalog can replay: the
    ones it rejects (a construct it does not support yet) are left out, so the
    rest still exercise the generator."""
    ups = [
        path
        for path in sorted((root / "migrations").glob("*.up.sql"))
        if not parse_file(SourceFile.read(path, root))[1]
    ]
    while True:
        config = Config(root, tuple(ups), (root / "queries",), root / "out", "pkg")
        try:
            load_catalog(config)
        except SqlgenError as error:
            rejected = {diagnostic.file for diagnostic in error.diagnostics}
            ups = [path for path in ups if str(path.relative_to(root)) not in rejected]
            continue
        return tuple(ups)


def _accepted_ir(config: Config) -> Ir:
    """The IR of the queries the generator accepts (the others are reported
    elsewhere: the conformance and real-world tests)."""
    catalog = load_catalog(config)
    analysed, _ = analyse_queries_keep_going(config, catalog)
    plan = plan_ir(catalog, Shape.of(config))
    accepted = [item for item in analysed if not build_modules(plan, [item])[1]]
    modules, problems = build_modules(plan, accepted)
    return assemble_ir(plan, config.package, modules, problems)


def test_the_example() -> None:
    _, ir = analyse(load_config(REPO_ROOT / "pyproject.toml"))
    assert_black_identical(render(ir))


@pytest.mark.parametrize("project", QUERY_SETS)
def test_real_world_query_sets(project: str) -> None:
    root = REALWORLD / project
    if not (root / "queries").is_dir():
        pytest.skip(f"real-world corpus not found at {root}")
    config = Config(root, _accepted_migrations(root), (root / "queries",), root / "out", "pkg")
    ir = _accepted_ir(config)
    assert sum(len(module.queries) for module in ir.modules) >= 50
    assert_black_identical(render(ir))


@pytest.mark.parametrize("real_shaped", [False, True], ids=["synthetic", "real-shaped"])
def test_bench_layers_at_1x(tmp_path: Path, real_shaped: bool) -> None:
    synth.write_layer(tmp_path, 1, real_shaped=real_shaped)
    _, ir = analyse(load_config(tmp_path / "pyproject.toml"))
    modules = render(ir)
    if real_shaped:
        longest = max(len(q.name) for module in ir.modules for q in module.queries)
        assert longest >= 90, "the real-shaped layer should carry long query names"
    assert_black_identical(modules)


def _corpus_cases() -> Iterator[Path]:
    import conformance

    directory = conformance.corpus_dir()
    if conformance.corpus_missing_reason(directory) is None:
        yield from sorted(p for p in directory.iterdir() if (p / "expected.json").is_file())


def test_the_whole_sqlc_corpus() -> None:
    """All of sqlc's end-to-end cases this generator accepts, as one batch."""
    import conformance

    cases = list(_corpus_cases())
    if not cases:
        pytest.skip(str(conformance.corpus_missing_reason(conformance.corpus_dir())))
    modules: dict[str, str] = {}
    for case in cases:
        config = Config(case, (case / "schema.sql",), (case / "query.sql",), case / "out", "pkg")
        try:
            _, ir = analyse(config)
        except SqlgenError:
            continue  # a case this generator rejects has nothing to format
        modules |= {f"{case.name}/{path}": text for path, text in render(ir).items()}
    assert len(modules) >= 1000
    assert_black_identical(modules)
