"""The package's architecture, checked: imports run one way between subsystems, no
module imports in a circle, no module grows past what a reader can hold in mind, and the
import name cannot be shadowed by a user's own ``generator.py``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "generator" / "pgsqlgen"

# Lower layers never import higher ones (docs/architecture.md).
LAYERS = {
    "pgsqlgen": 0,
    "pgsqlgen.errors": 0,
    "pgsqlgen.sql": 1,
    "pgsqlgen.pg": 1,
    "pgsqlgen.config": 1,
    "pgsqlgen.catalog": 2,
    "pgsqlgen.queries": 3,
    "pgsqlgen.schema": 4,
    "pgsqlgen.codegen": 5,
    "pgsqlgen.migrations": 5,
}
TOP = 6
MAX_LINES = 900


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or (module.startswith(prefix + ".") and prefix != "pgsqlgen"):
            return LAYERS[prefix]
    return TOP


def _subsystem(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pgsqlgen"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pgsqlgen"))
    return found


def test_imports_run_one_way() -> None:
    modules = _modules()
    wrong = [
        f"{module} (layer {_layer(module)}) imports {imported} (layer {_layer(imported)})"
        for module, path in modules.items()
        for imported in _imports(path, modules)
        if _layer(imported) > _layer(module)
        or (
            _layer(imported) == _layer(module) < TOP
            and _subsystem(imported) != _subsystem(module)
            and _layer(module) > 0
        )
    ]
    assert wrong == []


def test_no_import_circle() -> None:
    modules = _modules()
    graph = {m: _imports(p, modules) - {m} for m, p in modules.items()}
    # A package's __init__ that re-exports from its own modules is not a circle.
    for module in graph:
        graph[module] = {i for i in graph[module] if not module.startswith(i + ".")}
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                circles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_no_module_past_the_size_a_reader_holds() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in _modules().items()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "pgsqlgen"],
        [
            "-c",
            "import sys; from pgsqlgen.cli import main; sys.argv[0] = 'sqlgen'; raise SystemExit(main())",
        ],
    ],
)
def test_a_users_generator_module_shadows_nothing(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "generator.py").write_text("raise SystemExit('the user module ran')\n")
    (tmp_path / "cli.py").write_text("raise SystemExit('the user module ran')\n")
    result = subprocess.run(
        [sys.executable, *command, "--version"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sqlgen ")
