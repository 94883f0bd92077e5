"""No library internals in any error output: every error case we have, run, and its
output searched for what only a Python or sqlglot programmer would read (a
traceback, ``<class ...>``, sqlglot's name or its expression classes, a repr).

The cases: the bad-input catalogue (``attack_cases.py``), the command line's own
mistakes, bad configuration files (ours and sqlc's, version 1 and 2), and a corpus
of bad SQL made from sqlc's end-to-end cases: each schema and query file with one
word replaced (a deterministic sample), parsed and analysed against its schema.
"""

from __future__ import annotations

import functools
import json
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from attack_cases import CASES
from attack_run import attempt, make_project, remove_scratch, run_in_process, scratch_folder
from conformance import corpus_dir, corpus_missing_reason
from sqlc_corpus import cases, lay_out

from pgsqlgen.config.load import load_configs
from pgsqlgen.errors import Diagnostic, SqlgenError, format_diagnostics
from pgsqlgen.pipeline import analyse_queries_keep_going, load_catalog

INTERNALS = re.compile(
    r"<class|sqlglot|Traceback|object at 0x|Expression\(|\bexp\.|internal error"
    r"|\b[A-Z]\w*\((?:this|expressions|kind)="
)
"""What only a Python or sqlglot programmer would read."""

sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))


def internals_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if INTERNALS.search(line)]


def test_the_pattern_finds_what_it_must() -> None:
    assert internals_in("sqlglot.errors.ParseError: Expected table name")
    assert internals_in("x.sql:1:1: error: unexpected <class 'sqlglot.exp.Column'>")
    assert internals_in("error: Column(this=Identifier(this=a, quoted=False))")
    assert internals_in("error: <pgsqlgen.catalog.model.Table object at 0x7f>")
    assert not internals_in('x.sql:1:8: error: column "b" does not exist')


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("error-output-base")
    make_project(root)
    return root


def test_the_bad_input_catalogue(
    base: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    found: dict[str, list[str]] = {}
    for case in CASES:
        if case.gap:
            continue
        folder = scratch_folder() if case.unreadable else tmp_path
        root = folder / f"{case.area}-{case.id}"
        shutil.copytree(base, root, symlinks=True)
        url = None
        if any("{database_url}" in a for a in case.argv):
            url = request.getfixturevalue("empty_db")
        try:
            done = attempt(case, root, url)
        finally:
            if case.unreadable:
                remove_scratch(folder)
        if done.escaped is not None or internals_in(done.stderr):
            found[f"{case.area}:{case.id}"] = internals_in(done.stderr) or [repr(done.escaped)]
    assert not found


COMMAND_LINES = [
    ("generat",),
    ("generate", "--confg", "x"),
    ("generate", "--config", "nosuch.toml"),
    ("inspect", "--package", "nosuch"),
    ("check", "--no-such-option"),
    ("migrate", "up", "--database-url", "postgresql://nobody@/nosuch?host=/nonexistent"),
    ("migrate", "sideways"),
    ("verify", "--database-url", "not a url"),
    ("inspect", "--what"),
    ("--colour", "sometimes", "check"),
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=" ".join)
def test_command_line_mistakes(base: Path, tmp_path: Path, argv: tuple[str, ...]) -> None:
    root = tmp_path / "project"
    shutil.copytree(base, root, symlinks=True)
    code, stderr = run_in_process(root, argv)
    assert code != 0
    assert stderr.strip()
    assert not internals_in(stderr)


def _sqlc(change: Any) -> str:
    document: dict[str, Any] = {
        "version": "2",
        "sql": [
            {
                "engine": "postgresql",
                "schema": "schema.sql",
                "queries": "query.sql",
                "gen": {"go": {"out": "db", "package": "db"}},
            }
        ],
    }
    change(document)
    return json.dumps(document)


def _entry(**changes: Any) -> Any:
    return lambda document: document["sql"][0].update(changes)


def _python(**options: Any) -> Any:
    return _entry(gen={"python": {"out": "app", **options}})


SQLC_FILES = [
    _sqlc(lambda d: d.update(version="3")),
    _sqlc(lambda d: d.update(sql=[1])),
    _sqlc(lambda d: d.update(sql="x")),
    _sqlc(_entry(schema=None)),
    _sqlc(_entry(schema={"a": 1})),
    _sqlc(_entry(queries=3)),
    _sqlc(_entry(gen={"go": "x"})),
    _sqlc(_entry(gen={"go": {"package": "x-y"}})),
    _sqlc(_entry(codegen="x")),
    _sqlc(_entry(codegen=[{"plugin": "py", "out": "x", "options": "x"}])),
    _sqlc(_python(models=1)),
    _sqlc(_python(emit_sync="yes")),
    _sqlc(_python(overrides="x")),
    _sqlc(_python(overrides=[{"db_type": 1, "python_type": "a:B"}])),
    _sqlc(_python(overrides=[{"db_type": "text", "python_type": ["a"]}])),
    _sqlc(_python(overrides=[{"db_type": "text", "python_type": {"import": 1}}])),
    _sqlc(_python(overrides=[{"column": "nosuch.col", "python_type": "a:B"}])),
    _sqlc(_python(overrides=[{"db_type": "text", "python_type": "a:B", "nullable": 1}])),
    _sqlc(_python(rename={"a": 1})),
    _sqlc(_python(query_parameter_limit="a")),
    _sqlc(lambda d: d.update(overrides={"go": {"overrides": [1]}})),
    _sqlc(lambda d: d.update(overrides={"go": {"rename": "x"}})),
    json.dumps({"version": "1", "packages": [1]}),
    json.dumps({"version": "1", "packages": [{"path": 1}]}),
    json.dumps({"version": "1", "packages": "x"}),
    json.dumps([1, 2]),
    "{not json",
]
OUR_FILES = [
    'schema = 1\nqueries = ["query.sql"]\nout = "app"\n',
    'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = 1\n',
    'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app"\npackage = "a.b"\n',
    'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app"\noverrides = {a = 1}\n',
    'schema = ["schema.sql"\n',
    'schema = ["nosuch"]\nqueries = ["query.sql"]\nout = "app"\n',
    'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "."\n',
    'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app"\nmodels = "attrs"\n',
]


@pytest.mark.parametrize(
    ("name", "text"),
    [("sqlc.json", text) for text in SQLC_FILES] + [("sqlgen.toml", text) for text in OUR_FILES],
)
def test_bad_configuration_files(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (tmp_path / "query.sql").write_text("-- name: A :many\nSELECT a FROM t;\n", encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    code, stderr = run_in_process(tmp_path, ("generate",))
    assert code == 1
    assert ": error: " in stderr
    assert not internals_in(stderr)


_REPLACEMENTS = ("zz", "1", "'a'", "NULL", "int", "(", "", "SELECT", "@p", "$9", "x.y", "::text")


def _one_word_replaced(text: str, chooser: random.Random) -> str:
    """``text`` with one word of its SQL (not of a comment line) replaced."""
    lines = text.split("\n")
    candidates = [
        (number, match)
        for number, line in enumerate(lines)
        if not line.lstrip().startswith("--")
        for match in re.finditer(r"\b\w+\b", line)
    ]
    if not candidates:
        return text
    number, match = chooser.choice(candidates)
    line = lines[number]
    lines[number] = line[: match.start()] + chooser.choice(_REPLACEMENTS) + line[match.end() :]
    return "\n".join(lines)


def _files(paths: tuple[Path, ...]) -> list[Path]:
    return [f for p in paths for f in ([p] if p.is_file() else sorted(p.glob("*.sql")))]


def _diagnostics(run: Any) -> list[Diagnostic]:
    try:
        result = run()
    except SqlgenError as error:
        return error.diagnostics
    except RecursionError:
        return []  # what the command line reports as too deeply nested, on its deeper stack
    return list(result[1]) if isinstance(result, tuple) else []


def test_a_corpus_of_bad_sql(tmp_path: Path) -> None:
    """Every 4th case of sqlc's corpus, 3 variants of each schema and query file."""
    corpus = corpus_dir()
    missing = corpus_missing_reason(corpus)
    if missing is not None:
        pytest.skip(missing)
    chooser = random.Random(14)
    found: dict[str, list[str]] = {}
    tried = 0
    for number, (case, _) in enumerate(cases(corpus)[::4]):
        directory = lay_out(case, tmp_path / str(number))
        config_file = next(p for p in directory.iterdir() if p.name.startswith("sqlc."))
        try:
            config = load_configs(config_file)[0]
        except SqlgenError:
            continue
        for path, analyse in [(f, True) for f in _files(config.schema)[:2]] + [
            (f, False) for f in _files(config.queries)[:2]
        ]:
            catalog = None
            if not analyse:
                try:
                    catalog = load_catalog(config)
                except SqlgenError:
                    break
            original = path.read_text(encoding="utf-8")
            for _ in range(3):
                variant = _one_word_replaced(original, chooser)
                path.write_text(variant, encoding="utf-8")
                tried += 1
                if catalog is None:
                    problems = _diagnostics(functools.partial(load_catalog, config))
                else:
                    problems = _diagnostics(
                        functools.partial(analyse_queries_keep_going, config, catalog)
                    )
                bad = internals_in(format_diagnostics(problems, colour=False))
                if bad:
                    found[f"{case.name}: {variant}"] = bad
            path.write_text(original, encoding="utf-8")
    assert tried > 500
    assert not found


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT a FROM t WHERE a = $;", '2:27: error: syntax error at or near "$"'),
        ("SELECT 'abc FROM t;", """2:8: error: unterminated quoted string at or near "'abc"""),
        ('SELECT "abc FROM t;', '2:8: error: unterminated quoted identifier at or near ""abc'),
        ("SELECT a /* x FROM t;", '2:10: error: unterminated /* comment at or near "/* x'),
        ("SELECT $x$ a FROM t;", '2:8: error: unterminated dollar-quoted string at or near "$x$'),
        ("SELECT generate_series(now(), now(), ''a' hours') FROM t;", "2:1: error: syntax error"),
    ],
)
def test_sql_that_does_not_tokenize_or_build(tmp_path: Path, sql: str, message: str) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (tmp_path / "query.sql").write_text(f"-- name: A :many\n{sql}\n", encoding="utf-8")
    (tmp_path / "sqlgen.toml").write_text(
        'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app"\n', encoding="utf-8"
    )
    code, stderr = run_in_process(tmp_path, ("generate",))
    assert code == 1
    assert stderr.startswith("query.sql:" + message), stderr
    assert not internals_in(stderr)


def test_a_schema_that_does_not_tokenize(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (a text DEFAULT 'x);\n")
    (tmp_path / "query.sql").write_text("-- name: A :many\nSELECT 1;\n", encoding="utf-8")
    (tmp_path / "sqlgen.toml").write_text(
        'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app"\n', encoding="utf-8"
    )
    code, stderr = run_in_process(tmp_path, ("generate",))
    assert code == 1
    expected = 'schema.sql:1:32: error: unterminated quoted string at or near "\'x);"'
    assert stderr.startswith(expected), stderr
