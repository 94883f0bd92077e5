"""Running the attack catalogue (``attack_cases.py``) and the fuzzer's inputs
through ``sqlgen``, for ``test_attack.py`` and ``test_fuzz.py``, and as a
script that measures any version of the code without stopping at the first
failure: ``python tests/attack_run.py [--fuzz N]`` prints, per area, the cases
tried, clear errors, tracebacks, partial writes and data lost (run it with
``PYTHONPATH`` pointing at another checkout's ``generator`` to measure that).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from attack_cases import BASE_CONFIG, BASE_QUERIES, BASE_SCHEMA, Case

from pgsqlgen import cli

LOCATED = re.compile(r"^\S.*?:\d+:\d+: (error|warning): \S")
EXCERPT = re.compile(r"^\s*(\d+)? \| ")
LONGEST_LINE = 400
NOBODY = 65534


def make_project(root: Path) -> None:
    """The valid project every case starts from, generated, without the cache that
    generating left: each case runs as a first run would."""
    for name, text in BASE_SCHEMA.items():
        (root / "schema").mkdir(parents=True, exist_ok=True)
        (root / "schema" / name).write_text(text, encoding="utf-8")
    for name, text in BASE_QUERIES.items():
        (root / "queries").mkdir(parents=True, exist_ok=True)
        (root / "queries" / name).write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text(BASE_CONFIG, encoding="utf-8")
    with contextlib.chdir(root), _quiet_stdout():
        assert cli.main(["generate"]) == 0
    shutil.rmtree(root / ".sqlgen-cache", ignore_errors=True)


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


def scratch_folder() -> Path:
    """A folder another user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="sqlgen-attack-"))
    os.chmod(folder, 0o755)
    return folder


def remove_scratch(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


@dataclass
class Attempt:
    """What one run of a case did: exit code, stderr, an exception that escaped
    ``cli.main`` (a traceback the user would see), and the project before and after."""

    code: int
    stderr: str
    escaped: BaseException | None
    before: dict[str, bytes | str]
    after: dict[str, bytes | str]


def attempt(case: Case, root: Path, database_url: str | None = None) -> Attempt:
    """Set up ``case`` in ``root`` (a copy of the base project) and run it."""
    case.setup(root)
    before = snapshot(root)
    argv = tuple(a.format(database_url=database_url) for a in case.argv)
    escaped: BaseException | None = None
    with as_nobody(root) if case.unreadable else contextlib.nullcontext():
        try:
            code, stderr = run_in_process(root, argv)
        except Exception as error:
            code, stderr, escaped = -1, "", error
    return Attempt(code, stderr, escaped, before, snapshot(root))


OUT = "gen/demo/"


def classify(case: Case, done: Attempt) -> str:
    """The worst thing an attempt did, as the report counts it."""
    lost = [p for p in done.before if not p.startswith(OUT) and done.after.get(p) != done.before[p]]
    if lost or (done.code != 0 and any(p not in done.after for p in done.before)):
        return "data lost"
    if done.escaped is not None or "Traceback" in done.stderr or "internal error" in done.stderr:
        return "traceback"
    if done.code != 0 and done.after != done.before:
        return "partial write"
    if done.code == case.exit_code and (done.code == 0 or messages_are_one_line(done.stderr, case)):
        return "clear error" if done.code else "accepted"
    return "unclear"


def messages_are_one_line(stderr: str, case: Case) -> bool:
    """Every message line located (or ``sqlgen: error:``), none too long."""
    lines = stderr.splitlines()
    messages = [line for line in lines if line and not EXCERPT.match(line)]
    pattern = LOCATED if case.located else re.compile(r"^sqlgen: error: \S")
    return (
        bool(messages)
        and all(pattern.match(line) for line in messages)
        and all(len(line) <= LONGEST_LINE for line in lines)
    )


def run_case(case: Case, root: Path, database_url: str | None = None) -> str:
    """Run one case and check everything the catalogue promises; returns stderr."""
    done = attempt(case, root, database_url)
    if done.escaped is not None:
        raise done.escaped
    stderr = done.stderr
    assert "Traceback" not in stderr, stderr
    assert done.code == case.exit_code, stderr
    assert case.message in stderr, stderr
    if case.exit_code == 0:
        assert ": error:" not in stderr, stderr  # warnings (a broken down file) may stand
        if case.argv == ("generate",):  # what it wrote is what it would write again
            assert run_in_process(root, ("check", "--no-cache"))[0] == 0
        return stderr
    assert messages_are_one_line(stderr, case), stderr
    assert done.after == done.before, "the project changed"
    return stderr


REPO = Path(__file__).resolve().parent.parent
REALWORLD = Path(os.environ.get("SQLGEN_REALWORLD_DIR", REPO.parent / "shared" / "realworld"))


def corpus() -> dict[str, list[Path]]:
    """Real files to mutate: the repo's own queries and migrations, and the real
    migration histories of ``../shared/realworld`` when it is there."""
    migrations = sorted((REPO / "schema" / "migrations").glob("*.up.sql"))
    if REALWORLD.is_dir():
        migrations += sorted(REALWORLD.glob("*/migrations/*.up.sql"))
    return {"query": sorted((REPO / "queries").glob("*.sql")), "migration": migrations}


class Chooser(Protocol):
    """Where a mutation's choices come from: hypothesis, or a seeded random."""

    def integer(self, low: int, high: int) -> int: ...

    def blob(self, size: int) -> bytes: ...


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def blob(self, size: int) -> bytes:
        return self._random.randbytes(self._random.randint(0, size))


FRAGMENTS = (
    b"(", b")", b"((((", b"'", b"$$", b"$1", b"@", b"/*", b"*/", b";", b"--", b"::", b"[]",
    b"\n-- name: Fuzz :one\n", b"\n-- name: Fuzz2 :many\n", b"sqlc.arg(", b"sqlc.arg()",
    b"sqlc.slice(ids)", b"sqlc.embed(", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf",
    b"\x00", b"\r", b"\t", b'"', b"E'\\", b"U&'", b"ARRAY[", b"CASE WHEN", b" SELECT ",
    b" FROM ", b" WITH ", b" JOIN ", b" RETURNING * ", b" NULL ", b" OR ", b"caf\xc3\xa9",
)  # fmt: skip


def mutate(data: bytes, choose: Chooser) -> bytes:
    """One to four edits of ``data``: a slice deleted, duplicated or cut off, a
    fragment of SQL syntax or of invalid UTF-8 inserted, random bytes written."""
    for _ in range(choose.integer(1, 4)):
        at = choose.integer(0, len(data))
        size = choose.integer(0, 64)
        kind = choose.integer(0, 5)
        if kind == 0:
            data = data[:at] + data[at + size :]
        elif kind == 1:
            data = data[:at] + FRAGMENTS[choose.integer(0, len(FRAGMENTS) - 1)] + data[at:]
        elif kind == 2:
            data = data[:at] + choose.blob(8) + data[at:]
        elif kind == 3:
            data = data[:at] + data[at : at + size] + data[at:]
        elif kind == 4:
            data = data[:at]
        else:
            data = data[:at] + choose.blob(1) + data[at + 1 :]
    return data


FUZZ_CONFIG = (
    '[tool.sqlgen]\nschema = ["schema"]\nqueries = ["queries"]\nout = "gen/fuzz"\n'
    "omit_unused_models = true\n"
)


def fuzz_project(root: Path) -> None:
    """Where mutants run: the repo's schema as one dump file (quick to read) and a query folder."""
    (root / "schema").mkdir()
    (root / "queries").mkdir()
    (root / "pyproject.toml").write_text(FUZZ_CONFIG, encoding="utf-8")


def run_mutant(root: Path, kind: str, data: bytes) -> tuple[int, str]:
    """``sqlgen generate`` with ``data`` as the one query file (over the repo's
    schema) or the one migration: exit code and stderr."""
    for folder in ("schema", "queries"):
        for path in (root / folder).iterdir():
            path.unlink()
    if kind == "query":
        shutil.copy(
            REPO / "generated" / "chatdb" / "dump.sql", root / "schema" / "000001_repo.up.sql"
        )
        (root / "schema" / "000001_repo.down.sql").write_text("SELECT 1;\n", encoding="utf-8")
        (root / "queries" / "fuzz.sql").write_bytes(data)
    else:
        (root / "schema" / "000001_fuzz.up.sql").write_bytes(data)
        (root / "schema" / "000001_fuzz.down.sql").write_text("SELECT 1;\n", encoding="utf-8")
    return run_in_process(root, ("generate",))


def is_clean_outcome(code: int, stderr: str) -> bool:
    """Generated, or refused with located one-line errors: never a traceback."""
    if "Traceback" in stderr or "internal error" in stderr or code not in (0, 1):
        return False
    return code == 0 or messages_are_one_line(stderr, CASE_SHAPE)


CASE_SHAPE = Case("fuzz", "fuzz", lambda root: None, "")


def _measure_cases(cases: list[Case], counts: dict[str, dict[str, int]]) -> None:
    folder = scratch_folder()
    try:
        base = folder / "base"
        base.mkdir()
        make_project(base)
        for index, case in enumerate(cases):
            if any("{database_url}" in a for a in case.argv):
                continue
            root = folder / f"case{index}"
            shutil.copytree(base, root, symlinks=True)
            outcome = classify(case, attempt(case, root))
            tally = counts.setdefault(case.area, {})
            tally[outcome] = tally.get(outcome, 0) + 1
            if outcome not in ("clear error", "accepted"):
                print(f"  {case.area}:{case.id}: {outcome}", file=sys.stderr)
    finally:
        remove_scratch(folder)


def _measure_fuzz(examples: int, counts: dict[str, dict[str, int]]) -> None:
    files = corpus()
    folder = scratch_folder()
    fuzz_project(folder)
    try:
        for seed in range(examples):
            kind = ("query", "migration")[seed % 2]
            choose = RandomChooser(seed)
            original = files[kind][choose.integer(0, len(files[kind]) - 1)].read_bytes()
            try:
                code, stderr = run_mutant(folder, kind, mutate(original, choose))
            except Exception:
                code, stderr = -1, "Traceback"
            if is_clean_outcome(code, stderr):
                outcome = "clear error"
            elif "Traceback" in stderr or "internal error" in stderr:
                outcome = "traceback"
            else:
                outcome = "unclear"
            tally = counts.setdefault("fuzz", {})
            tally[outcome] = tally.get(outcome, 0) + 1
    finally:
        remove_scratch(folder)


def main() -> None:
    """Print the before/after table of the issue: per area, the cases tried and what became of them."""
    from attack_cases import CASES

    examples = int(sys.argv[sys.argv.index("--fuzz") + 1]) if "--fuzz" in sys.argv else 0
    os.environ.setdefault("SQLGEN_JOBS", "1")
    counts: dict[str, dict[str, int]] = {}
    _measure_cases(CASES, counts)
    if examples:
        _measure_fuzz(examples, counts)
    columns = ("clear error", "traceback", "partial write", "data lost", "unclear")
    print("| area | tried | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 2) + "|")
    for area, found in counts.items():
        clear = found.get("clear error", 0) + found.get("accepted", 0)
        row = [clear, *(found.get(c, 0) for c in columns[1:])]
        print(f"| {area} | {sum(found.values())} | " + " | ".join(map(str, row)) + " |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
