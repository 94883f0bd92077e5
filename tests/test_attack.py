"""The bad-input catalogue (``attack_cases.py``) run through ``sqlgen``'s own entry point.

Every case must end with its exit code, one located line per problem (the
source excerpt under it aside), no traceback, no line longer than a screen
can hold, and, when it fails, the project byte-identical afterwards: an error
never touches the output folder (a case that succeeds must leave output that
``check`` finds up to date). Cases run in-process (``cli.main``) to stay fast; the ones
that take read permission away run as another user when the tests run as root,
for whom permissions do not apply. A few subprocess tests cover what only a
real process shows: Ctrl-C and the exit codes the shell sees.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from attack_cases import CASES, Case
from attack_run import (
    make_project,
    remove_scratch,
    run_case,
    run_in_process,
    scratch_folder,
    snapshot,
)

from pgsqlgen import cli
from pgsqlgen.codegen.reserved import PACKAGE_CLASSES, QUERIER_METHODS


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attack-base")
    make_project(root)
    return root


@pytest.fixture
def scratch() -> Iterator[Path]:
    folder = scratch_folder()
    yield folder
    remove_scratch(folder)


def _needs_database(case: Case) -> bool:
    return any("{database_url}" in a for a in case.argv)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}:{c.id}" for c in CASES])
def test_attack(case: Case, base: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if case.gap:
        pytest.xfail(case.gap)
    folder = request.getfixturevalue("scratch") if case.unreadable else tmp_path
    root = folder / "project"
    shutil.copytree(base, root, symlinks=True)
    url = request.getfixturevalue("empty_db") if _needs_database(case) else None
    run_case(case, root, url)


def test_catalogue_is_large_and_unique() -> None:
    ids = [f"{c.area}:{c.id}" for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 150


def test_reserved_names_cover_the_generated_package() -> None:
    """Every public method the query methods live beside, and every class the
    package defines for itself, is one a query may not take (codegen/reserved.py)."""
    package = Path(__file__).parent.parent / "generated" / "chatdb"
    query_methods: set[str] = set()
    for module in package.glob("*_sql.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                query_methods.add(node.name)
    own_classes: set[str] = set()
    for name in ("querier.py", "wrappers.py", "_runtime.py"):
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            own_classes.add(node.name)
            for member in node.body:
                if (
                    isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
                    and not member.name.startswith("_")
                    and member.name not in query_methods
                    and node.name.endswith(("Querier", "Queries", "QuerierWrapper", "QueriesBase"))
                ):
                    assert member.name in QUERIER_METHODS, f"{node.name}.{member.name}"
    assert own_classes <= PACKAGE_CLASSES, own_classes - PACKAGE_CLASSES


def _slow_project(root: Path) -> None:
    """A project whose generation takes long enough to be interrupted."""
    make_project(root)
    many = "".join(
        f"-- name: Slow{i} :many\nSELECT id, email FROM users WHERE id = @id AND email <> @e{i};\n\n"
        for i in range(10_000)
    )
    (root / "queries" / "slow.sql").write_text(many, encoding="utf-8")


@pytest.mark.parametrize("to_group", [False, True], ids=["to the process", "to its group"])
@pytest.mark.parametrize("argv", [("generate",), ("check", "--no-cache"), ("inspect",)])
def test_ctrl_c_is_one_line_and_130(tmp_path: Path, argv: tuple[str, ...], to_group: bool) -> None:
    """A terminal's Ctrl-C reaches the run's children too; ``kill -INT`` only the run."""
    _slow_project(tmp_path)
    before = snapshot(tmp_path / "gen")
    process = subprocess.Popen(
        [sys.executable, "-m", "pgsqlgen", *argv],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=to_group,
    )
    time.sleep(1.5)
    if to_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == cli.INTERRUPTED, stderr
    assert stderr.strip() == "sqlgen: interrupted"
    assert snapshot(tmp_path / "gen") == before


def test_usage_error_exit_code_is_argparses(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pgsqlgen", "generate", "--bogus"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unrecognized arguments: --bogus" in result.stderr


def test_a_bug_is_one_line_asking_for_a_report(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last-resort net: an unexpected exception is one line, never a traceback."""
    root = tmp_path / "project"
    shutil.copytree(base, root)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("something sqlgen did not expect")

    monkeypatch.setattr("pgsqlgen.schema.dump.render_dump", broken)
    code, stderr = run_in_process(root, ("generate",))
    assert code == 1
    assert stderr == (
        "sqlgen: error: internal error ValueError: something sqlgen did not expect "
        "(a bug in sqlgen: please report it with the input that caused it)\n"
    )
