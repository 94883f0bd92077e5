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
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from attack_cases import BASE_CONFIG, BASE_QUERIES, BASE_SCHEMA, CASES, Case

from pgsqlgen import cli
from pgsqlgen.codegen.reserved import PACKAGE_CLASSES, QUERIER_METHODS

LOCATED = re.compile(r"^\S.*?:\d+:\d+: (error|warning): \S")
EXCERPT = re.compile(r"^\s*(\d+)? \| ")
LONGEST_LINE = 400
NOBODY = 65534


def make_project(root: Path) -> None:
    """The valid project every case starts from, generated."""
    for name, text in BASE_SCHEMA.items():
        (root / "schema").mkdir(parents=True, exist_ok=True)
        (root / "schema" / name).write_text(text, encoding="utf-8")
    for name, text in BASE_QUERIES.items():
        (root / "queries").mkdir(parents=True, exist_ok=True)
        (root / "queries" / name).write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text(BASE_CONFIG, encoding="utf-8")
    with contextlib.chdir(root):
        assert cli.main(["generate"]) == 0


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attack-base")
    make_project(root)
    shutil.rmtree(root / ".sqlgen-cache", ignore_errors=True)
    return root


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every link's target under ``root`` (the check cache aside)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(".sqlgen-cache"):
            continue
        if path.is_symlink():
            found[relative] = os.readlink(path)
        elif path.is_file():
            found[relative] = path.read_bytes()
    return found


def run_in_process(root: Path, argv: tuple[str, ...]) -> tuple[int, str]:
    """``sqlgen ARGV`` in ``root`` through ``cli.main``: exit code and stderr."""
    stderr = _Capture()
    with contextlib.chdir(root), contextlib.redirect_stderr(stderr), _quiet_stdout():
        try:
            code = cli.main(list(argv))
        except SystemExit as exit:  # argparse's usage errors
            code = exit.code if isinstance(exit.code, int) else 1
    return code, stderr.getvalue()


class _Capture:
    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> str:
        return "".join(self._parts)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


@contextlib.contextmanager
def as_nobody(root: Path) -> Iterator[None]:
    """Permissions that apply: as root (for whom they do not), ``root`` is given
    to an unprivileged user and this process acts as that user until the block
    ends. Everything the run needs is imported already (the base project was
    generated), so only the project's own files are read as that user."""
    if os.geteuid() != 0:
        yield
        return
    for path in [root, *root.rglob("*")]:
        os.lchown(path, NOBODY, NOBODY)
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder another user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="sqlgen-attack-"))
    os.chmod(folder, 0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


def run_case(case: Case, root: Path, database_url: str | None = None) -> str:
    """Run one case in ``root`` (a copy of the base project) and check everything
    the catalogue promises; returns stderr."""
    case.setup(root)
    before = snapshot(root)
    argv = tuple(a.format(database_url=database_url) for a in case.argv)
    with as_nobody(root) if case.unreadable else contextlib.nullcontext():
        code, stderr = run_in_process(root, argv)
    assert "Traceback" not in stderr, stderr
    assert code == case.exit_code, stderr
    assert case.message in stderr, stderr
    lines = stderr.splitlines()
    assert all(len(line) <= LONGEST_LINE for line in lines), max(map(len, lines))
    if case.exit_code == 0:
        assert "error" not in stderr, stderr
        if case.argv == ("generate",):  # what it wrote is what it would write again
            assert run_in_process(root, ("check", "--no-cache")) == (0, "")
        return stderr
        messages = [line for line in lines if line and not EXCERPT.match(line)]
        assert messages, "an error without a message"
        pattern = LOCATED if case.located else re.compile(r"^sqlgen: error: \S")
        assert all(pattern.match(line) for line in messages), stderr
    assert snapshot(root) == before, "the project changed"
    return stderr


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
        for i in range(1500)
    )
    (root / "queries" / "slow.sql").write_text(many, encoding="utf-8")


@pytest.mark.parametrize("argv", [("generate",), ("check", "--no-cache"), ("inspect",)])
def test_ctrl_c_is_one_line_and_130(tmp_path: Path, argv: tuple[str, ...]) -> None:
    _slow_project(tmp_path)
    before = snapshot(tmp_path / "gen")
    process = subprocess.Popen(
        [sys.executable, "-m", "pgsqlgen", *argv],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
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

    monkeypatch.setattr("pgsqlgen.pipeline.render_dump", broken)
    code, stderr = run_in_process(root, ("generate",))
    assert code == 1
    assert stderr == (
        "sqlgen: error: internal error ValueError: something sqlgen did not expect "
        "(a bug in sqlgen: please report it with the input that caused it)\n"
    )
