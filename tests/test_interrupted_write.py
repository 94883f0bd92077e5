"""A ``generate`` killed (SIGKILL) while writing leaves the package entirely old or
entirely new once the next sqlgen command has run, and no temporary file.

The kills are placed two ways, with no hook in sqlgen itself: deterministically,
by an audit hook (``sys.addaudithook``) in the child that kills it just before
its Nth change to the output folder (every file created, renamed, removed,
every folder made or removed), for each N; and at random instants of the
write phase, timed from the first such change. After each kill the next
command is ``sqlgen migrate check``, which does not write the package itself:
recovery has to come from ``cli.main``.

Run as a script for more random trials, and against another copy of the
generator (the numbers in issue 10's note)::

    python tests/test_interrupted_write.py --trials 200 [--pythonpath OLD/generator]
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgsqlgen.codegen.write import write_all
from pgsqlgen.errors import SqlgenError

from sqlgen_helpers import write_project

SCHEMA = {
    "000001_init.up.sql": """
        CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
        CREATE TABLE notes (id bigint PRIMARY KEY, user_id bigint NOT NULL, body text);
    """,
}
OLD_QUERIES = {
    "users.sql": "-- name: GetUser :one\nSELECT * FROM users WHERE id = @id;\n",
    "notes.sql": "-- name: DeleteNote :execrows\nDELETE FROM notes WHERE id = @id;\n",
}
NEW_QUERIES = {
    "users.sql": OLD_QUERIES["users.sql"]
    + "\n-- name: CountUsers :one\nSELECT count(*) FROM users;\n",
    "bodies.sql": "-- name: ListBodies :many\nSELECT body FROM notes WHERE user_id = @user_id;\n",
}
# sqlgen's own temporary names, and the ``.name.XXXX.tmp`` of writers before them.
TEMPORARY = (".sqlgen-stage", ".sqlgen-journal", ".sqlgen-journal.tmp")

# The child: kill itself just before its Nth change under OUT (-1: never), and
# report each change on stderr so the parent can count them and time a kill.
CHILD = """
import os, signal, sys
out, kill_at = os.path.realpath(sys.argv[1]), int(sys.argv[2])
changes = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree"}
seen = 0
def hook(event, args):
    global seen
    if event == "open":
        if not isinstance(args[2], int) or not args[2] & (os.O_WRONLY | os.O_RDWR):
            return
    elif event not in changes:
        return
    paths = [os.fsdecode(a) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
    if not any(os.path.abspath(p).startswith(out) for p in paths):
        return
    if seen == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    seen += 1
    sys.stderr.write(f"CHANGE {event} {paths[0]}\\n")
    sys.stderr.flush()
sys.addaudithook(hook)
from pgsqlgen.cli import main
sys.exit(main(["generate"]))
"""


def _env(pythonpath: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SQLGEN_JOBS": "1"}
    env.pop("DATABASE_URL", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return env


def _package(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _project(root: Path, queries: dict[str, str], env: dict[str, str]) -> dict[str, bytes]:
    """A project generated from ``queries``; returns its package."""
    write_project(root, SCHEMA, queries)
    run = [sys.executable, "-m", "pgsqlgen", "generate"]
    subprocess.run(run, cwd=root, env=env, check=True, capture_output=True)
    return _package(root / "gen" / "demo")


class Trials:
    """An old package, the new one, and a way to kill the change between them."""

    def __init__(self, scratch: Path, pythonpath: str | None = None) -> None:
        self.scratch = scratch
        self.env = _env(pythonpath)
        self.recovers = pythonpath is None  # generators before the journal do not
        self.old = _project(scratch / "old", OLD_QUERIES, self.env)
        self.new = _project(scratch / "new", NEW_QUERIES, self.env)
        assert self.old != self.new
        self.count = 0

    def _fresh(self) -> Path:
        """A copy of the old project with the new queries, ready to generate."""
        self.count += 1
        root = self.scratch / f"trial{self.count}"
        shutil.copytree(self.scratch / "old", root)
        for name in OLD_QUERIES:
            (root / "queries" / name).unlink()
        for name, text in NEW_QUERIES.items():
            (root / "queries" / name).write_text(text)
        return root

    def _child(self, root: Path, kill_at: int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root / "gen" / "demo"), str(kill_at)],
            cwd=root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def changes(self) -> tuple[list[str], float]:
        """Every change an uninterrupted generate makes to the package, in order,
        and the seconds from the first file created to the last change."""
        child = self._child(self._fresh(), -1)
        assert child.stderr is not None
        steps = []
        started = ended = 0.0
        for line in child.stderr:
            if line.startswith("CHANGE "):
                steps.append(line.strip())
                ended = time.perf_counter()
                started = started or (ended if " open " in line else 0.0)
        child.wait()
        assert child.returncode == 0, steps
        return steps, ended - started

    def _state(self, root: Path) -> str:
        out = root / "gen" / "demo"
        files = _package(out)
        leftovers = {p for p in files if p.startswith(TEMPORARY) or p.endswith(".tmp")}
        package = {p: text for p, text in files.items() if p not in leftovers}
        state = "old" if package == self.old else "new" if package == self.new else "mixed"
        temporary = leftovers or any(p.name.startswith(TEMPORARY) for p in out.iterdir())
        return f"{state}{' + temporary files' if temporary else ''}"

    def _outcome(self, root: Path) -> tuple[str, str]:
        """The package's state right after the kill, and after the next command
        (which says when it finished or undid a write)."""
        killed = self._state(root)
        run = [sys.executable, "-m", "pgsqlgen", "migrate", "check"]
        after = subprocess.run(run, cwd=root, env=self.env, capture_output=True, text=True)
        assert "Traceback" not in after.stderr, after.stderr
        if self.recovers:
            noted = after.stderr.startswith("gen/demo: note: ")
            assert noted == ("temporary" in killed), (killed, after.stderr)
        return killed, self._state(root)

    def kill_at(self, step: int) -> tuple[str, str]:
        root = self._fresh()
        child = self._child(root, step)
        child.communicate()
        assert child.returncode == -signal.SIGKILL
        return self._outcome(root)

    def kill_randomly(self, window: float) -> tuple[str, str]:
        """Killed at a random instant up to ``window`` seconds after the first file
        is created in the package folder."""
        root = self._fresh()
        child = self._child(root, -1)
        assert child.stderr is not None
        for line in child.stderr:
            if line.startswith("CHANGE open "):
                time.sleep(random.uniform(0, window))
                child.send_signal(signal.SIGKILL)
                break
        child.communicate()
        return self._outcome(root)


def test_a_kill_at_each_write_step_leaves_the_old_or_the_new_package(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    steps, _ = trials.changes()
    assert len(steps) >= 10, steps  # stage, files, journal, renames, a removal
    outcomes = [trials.kill_at(index) for index in range(len(steps))]
    # Until the journal is renamed into place the package is untouched (the
    # next command removes the stage); from then on the next command finishes.
    decided = next(i for i, step in enumerate(steps) if "os.rename" in step)
    expected = ["old"] * (decided + 1) + ["new"] * (len(steps) - decided - 1)
    assert [after for _, after in outcomes] == expected, list(zip(steps, outcomes, strict=True))


def test_kills_at_random_instants_leave_the_old_or_the_new_package(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    _, window = trials.changes()
    outcomes = [trials.kill_randomly(window) for _ in range(8)]
    assert {after for _, after in outcomes} <= {"old", "new"}, outcomes


@contextlib.contextmanager
def _full_disk(where: Path) -> Iterator[Path]:
    """A small tmpfs at ``where``, for a real ENOSPC (needs the right to mount)."""
    where.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for a full disk: {mount.stderr.strip()!r}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    env = _env(None)
    write_project(tmp_path, SCHEMA, OLD_QUERIES)
    config = tmp_path / "pyproject.toml"
    config.write_text(config.read_text().replace('out = "gen/demo"', 'out = "disk/demo"'))
    with _full_disk(tmp_path / "disk") as disk:
        run = [sys.executable, "-m", "pgsqlgen", "generate"]
        subprocess.run(run, cwd=tmp_path, env=env, check=True, capture_output=True)
        with (disk / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"x" * 4096)
        (tmp_path / "queries" / "notes.sql").write_text(NEW_QUERIES["bodies.sql"])
        before = {p: p.read_bytes() for p in disk.rglob("*") if p.is_file()}
        result = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 1
        assert result.stderr.splitlines()[0].endswith(
            ": error: cannot write: No space left on device; the package was left as it was"
        ), result.stderr
        assert result.stderr.startswith("disk/demo/"), result.stderr
        assert "Traceback" not in result.stderr
        assert {p: p.read_bytes() for p in disk.rglob("*") if p.is_file()} == before


def test_a_write_that_fails_midway_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as a full disk where no tmpfs can be mounted: the second file
    staged fails with ENOSPC."""
    out = tmp_path / "demo"
    write_all(out, {"a.py": "x = 1\n"})
    before = _package(tmp_path)
    real_write, calls = os.write, []

    def filling_up(handle: int, data: bytes | memoryview) -> int:
        calls.append(handle)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", filling_up)
    with pytest.raises(SqlgenError) as raised:
        write_all(out, {"a.py": "x = 2\n", "b.py": "y = 1\n"})
    monkeypatch.undo()
    assert [d.message for d in raised.value.diagnostics] == [
        "cannot write: No space left on device; the package was left as it was"
    ]
    assert _package(tmp_path) == before
    assert sorted(p.name for p in out.iterdir()) == [".sqlgen-manifest", "a.py"]


def test_an_unreadable_journal_is_a_located_error(tmp_path: Path) -> None:
    env = _env(None)
    _project(tmp_path, OLD_QUERIES, env)
    (tmp_path / "gen" / "demo" / ".sqlgen-journal").write_text('{"write": ["../x"]')
    before = _package(tmp_path)
    run = [sys.executable, "-m", "pgsqlgen", "check", "--no-cache"]
    result = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert (result.returncode, result.stderr.splitlines()[0]) == (
        1,
        "gen/demo/.sqlgen-journal:1:1: error: the journal of an interrupted sqlgen write is "
        "unreadable: delete it and .sqlgen-stage/ beside it, then run sqlgen generate",
    )
    assert _package(tmp_path) == before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100, help="random kills")
    parser.add_argument("--pythonpath", help="the generator to try (default: the installed one)")
    args = parser.parse_args()
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"sqlgen-interrupt-{os.getpid()}"
    scratch.mkdir()
    try:
        trials = Trials(scratch, args.pythonpath)
        steps, window = trials.changes()
        print(
            f"{len(steps)} write steps ({window * 1000:.0f} ms from the first file created to the last change):"
        )
        for index, step in enumerate(steps):
            killed, after = trials.kill_at(index)
            print(f"  kill before {step}: {killed}; after the next command: {after}")
        random_outcomes = Counter(trials.kill_randomly(window) for _ in range(args.trials))
        print(f"{args.trials} kills at random instants (killed -> after the next command):")
        for (killed, after), n in random_outcomes.most_common():
            print(f"  {n:4d}  {killed} -> {after}")
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
