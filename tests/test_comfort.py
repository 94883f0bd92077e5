"""Everyday comfort: init, compiler-style errors, progress, --version, --help."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from pgsqlgen import __version__
from pgsqlgen.cli import _parser, stage_report
from pgsqlgen.errors import Diagnostic, format_diagnostics
from pgsqlgen.pipeline import Stage
from pgsqlgen.scaffold import FILES

from sqlgen_helpers import run_sqlgen, write_project

STAGES = [Stage("parse schema", 0.1, "3 statements"), Stage("analyse queries", 0.2, "9 queries")]


def test_init_scaffolds_a_project_that_generates_and_checks(tmp_path: Path) -> None:
    result = run_sqlgen(tmp_path, "init", "--dir", "app")
    assert result.returncode == 0, result.stderr
    app = tmp_path / "app"
    written = sorted(p.relative_to(app).as_posix() for p in app.rglob("*") if p.is_file())
    assert written == sorted(FILES)
    assert "next: cd app && sqlgen generate" in result.stdout
    generated = run_sqlgen(app, "generate")
    assert generated.returncode == 0, generated.stderr
    assert (app / "db" / "__init__.py").is_file()
    for command in ("check", "migrate check"):
        checked = run_sqlgen(app, *command.split())
        assert (checked.returncode, checked.stderr) == (0, ""), command
    imported = subprocess.run(
        [sys.executable, "-c", "from db import Queries, AsyncQueries; print(Queries.get_author)"],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "sqlgen.toml").write_text("# mine\n")
    result = run_sqlgen(tmp_path, "init")
    assert result.returncode == 1
    assert "sqlgen.toml:1:1: error: already exists; sqlgen init writes only new files" in (
        result.stderr
    )
    assert (tmp_path / "sqlgen.toml").read_text() == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sqlgen.toml"]


def test_init_refuses_an_already_configured_directory(tmp_path: Path) -> None:
    write_project(tmp_path, {"000001_init.up.sql": "CREATE TABLE t (id int);"})
    result = run_sqlgen(tmp_path, "init")
    assert result.returncode == 1
    assert "pyproject.toml:1:1: error: sqlgen is already configured here" in result.stderr
    assert not (tmp_path / "sqlgen.toml").exists()


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with two errors in one query file; colour variables unset."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    write_project(
        tmp_path,
        {"000001_init.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);"},
        {
            "q.sql": "-- name: A :many\nSELECT nope FROM users;\n\n-- name: B :one\nSELECT\tid FROM t;\n"
        },
    )
    return tmp_path


def test_errors_show_the_source_line_and_a_caret(broken: Path) -> None:
    result = run_sqlgen(broken, "generate")
    assert result.returncode == 1
    assert result.stderr == (
        'queries/q.sql:2:8: error: query A: column "nope" does not exist\n'
        "    2 | SELECT nope FROM users;\n"
        "      |        ^\n"
        'queries/q.sql:5:16: error: query B: relation "t" does not exist\n'
        "    5 | SELECT\tid FROM t;\n"
        "      |       \t        ^\n"
    )


def test_colour_is_opt_in_off_a_terminal(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run_sqlgen(broken, "check").stderr
    assert "\x1b[1mqueries/q.sql:2:8:\x1b[0m \x1b[1;31merror:\x1b[0m query A" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run_sqlgen(broken, "check").stderr


def test_formatter_colours_by_severity_and_survives_unreadable_files(tmp_path: Path) -> None:
    source = tmp_path / "a.sql"
    source.write_text("SELECT 1;\n")
    warning = Diagnostic(str(source), 1, 8, "odd", severity="warning")
    assert format_diagnostics([warning], colour=True) == (
        f"\x1b[1m{source}:1:8:\x1b[0m \x1b[1;33mwarning:\x1b[0m odd\n"
        "    1 | SELECT 1;\n"
        "      |        \x1b[1;33m^\x1b[0m\n"
    )
    elsewhere = [
        Diagnostic("<command line>", 1, 1, "no package 'x'"),
        Diagnostic(str(source), 9, 1, "past the end"),
    ]
    assert format_diagnostics(elsewhere, colour=False) == "".join(f"{d}\n" for d in elsewhere)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_status_line_on_a_terminal_only() -> None:
    terminal = FakeTerminal()
    with stage_report(terminal, verbose=False, label="demo") as report:
        assert report is not None
        for stage in STAGES:
            report(stage)
    shown = terminal.getvalue()
    assert "\n" not in shown
    assert shown.startswith("\r\x1b[Kdemo [1/6] parse schema...")
    assert "\r\x1b[Kdemo [2/6] catalog... (parse schema: 3 statements, 0.1 s)" in shown
    assert shown.endswith("\r\x1b[K")

    with pytest.raises(RuntimeError), stage_report(terminal, verbose=False, label="demo") as report:
        assert report is not None
        report(STAGES[0])
        raise RuntimeError
    assert terminal.getvalue().endswith("\r\x1b[K"), "an error must not leave the line behind"

    log = io.StringIO()
    with stage_report(log, verbose=False, label="demo") as report:
        assert report is None
    assert log.getvalue() == ""


def test_verbose_prints_a_timing_table_instead() -> None:
    terminal = FakeTerminal()
    with stage_report(terminal, verbose=True, label="demo") as report:
        assert report is not None
        report(STAGES[1])
    assert terminal.getvalue() == f"{'analyse queries':<28}   0.200 s  9 queries\n"


def test_version(tmp_path: Path) -> None:
    result = run_sqlgen(tmp_path, "--version")
    assert (result.returncode, result.stdout) == (0, f"sqlgen {__version__}\n")


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every subcommand below it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_parsers(sub))
    return found


def test_every_command_help_has_an_example() -> None:
    parsers = _parsers(_parser())
    assert {p.prog for p in parsers} >= {"sqlgen init", "sqlgen migrate check"}
    assert [p.prog for p in parsers if "example: sqlgen" not in p.format_help()] == []
