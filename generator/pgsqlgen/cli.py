"""The ``sqlgen`` command line."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import gc
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from pgsqlgen import __version__, cache
from pgsqlgen.config.load import find_config, load_configs
from pgsqlgen.config.model import Config
from pgsqlgen.errors import (
    Diagnostic,
    SqlgenError,
    format_diagnostics,
    os_problem,
    shorten,
    use_colour,
)
from pgsqlgen.parallel import with_deep_stack

if TYPE_CHECKING:
    from pgsqlgen.migrations.directory import Migration
    from pgsqlgen.migrations.runner import Migrator
    from pgsqlgen.pipeline import Result, Stage, StageReport

Handler = Callable[[argparse.Namespace], int]


def _print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    sys.stderr.write(format_diagnostics(diagnostics, colour=use_colour(sys.stderr)))


def _configs(args: argparse.Namespace) -> list[Config]:
    """Every package the configuration declares (a sqlc.yaml may declare several)."""
    configs = load_configs(args.config)
    for config in configs:
        _print_diagnostics(config.warnings)
    return configs


def _config(args: argparse.Namespace) -> Config:
    """The one package a command works on: the first, or the one ``--package`` names."""
    configs = _configs(args)
    chosen = [c for c in configs if args.package in (None, c.package)]
    if not chosen:
        names = ", ".join(c.package for c in configs)
        raise SqlgenError(
            [Diagnostic("<command line>", 1, 1, f"no package {args.package!r}; there are: {names}")]
        )
    return chosen[0]


def _relative(config: Config, path: Path) -> Path:
    return path.relative_to(config.root) if path.is_relative_to(config.root) else path


class _StatusLine:
    """One line on a terminal, rewritten in place: the stage running now, and
    what the one before it handled."""

    def __init__(self, stream: TextIO, label: str) -> None:
        from pgsqlgen.pipeline import STAGES  # only a run shows a status line

        self._stream = stream
        self._label = label
        self._stages = STAGES
        self._done = 0
        self._write(f"{self._label} [1/{len(STAGES)}] {STAGES[0]}...")

    def show(self, stage: Stage) -> None:
        self._done += 1
        total = len(self._stages)
        running = self._stages[self._done] if self._done < total else "writing"
        self._write(
            f"{self._label} [{min(self._done + 1, total)}/{total}] {running}... "
            f"({stage.name}: {stage.detail}, {stage.seconds:.1f} s)"
        )

    def _write(self, text: str) -> None:
        # A line wider than the terminal wraps, and \r would then rewrite only its tail.
        width = shutil.get_terminal_size().columns - 1
        self._stream.write(f"\r\x1b[K{text[:width]}")
        self._stream.flush()

    def clear(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def _print_stage(stream: TextIO, stage: Stage) -> None:
    print(f"{stage.name:<28}{stage.seconds:8.3f} s  {stage.detail}", file=stream)


@contextlib.contextmanager
def stage_report(stream: TextIO, *, verbose: bool, label: str) -> Iterator[StageReport | None]:
    """Where a run's stage reports go: a timing table with ``-v``; else, on a
    terminal, a status line so a long run visibly progresses, erased when the
    run ends (by an error too, so diagnostics start on a clean line); else
    nowhere, so logs, CI and pre-commit hooks stay quiet."""
    if verbose:
        yield functools.partial(_print_stage, stream)
    elif stream.isatty():
        status = _StatusLine(stream, label)
        try:
            yield status.show
        finally:
            status.clear()
    else:
        yield None


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Python's cycle collector run rarely, as mypy runs it, for the block.

    A run allocates millions of objects that live to its end (syntax trees,
    the catalog, the IR), and with the default thresholds the collector walks
    them again and again: a fifth of a large layer's time, growing faster than
    the layer. What is already alive (the modules imported) is frozen out of
    the collector's walks, which also keeps a forked child from copying the
    pages those walks would touch; so is what survives the collection before
    each fork (:func:`pgsqlgen.parallel.in_background`). All is thawed at the end,
    as old objects.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 30, 30)
    try:
        yield
    finally:
        # Everything thawed goes to the oldest generation: left young, the first
        # allocation after the default thresholds are back would walk all of it.
        gc.freeze()
        gc.set_threshold(*previous)
        gc.unfreeze()


def _run(
    config: Config, *, incremental: bool, verbose: bool = False, quiet: bool = False
) -> Result:
    from pgsqlgen.pipeline import run

    with (
        stage_report(sys.stderr, verbose=verbose, label=config.package) as report,
        _few_collections(),
    ):
        result = with_deep_stack(lambda: run(config, report, incremental=incremental))
    if not quiet:
        _print_diagnostics(result.warnings)
    return result


def _config_file(args: argparse.Namespace) -> Path:
    return args.config if args.config is not None else find_config(Path.cwd())


def _generate(args: argparse.Namespace) -> int:
    from pgsqlgen.codegen.ownership import refuse_unsafe_outs
    from pgsqlgen.codegen.write import write_all

    started = time.perf_counter()
    configs = _configs(args)
    refuse_unsafe_outs(configs, _config_file(args))
    # Every package is generated before any is written: an error anywhere writes nothing.
    results = [
        (
            config,
            _run(config, incremental=not args.no_cache, verbose=args.verbose, quiet=args.quiet),
        )
        for config in configs
    ]
    for config, result in results:
        for path in write_all(config.out, result.files):
            verb = "wrote" if (config.out / path).exists() else "removed"
            if not args.quiet:
                print(f"{verb} {_relative(config, config.out / path)}")
        cache.remember_clean(config)
    if args.verbose:
        print(f"{'total':<28}{time.perf_counter() - started:8.3f} s", file=sys.stderr)
    return 0


def _regenerate_command(config: Config) -> str:
    """What regenerates here: the project's own ``make gen`` when its Makefile has one."""
    makefile = config.root / "Makefile"
    try:
        has_gen = re.search(r"^gen\s*:", makefile.read_text(encoding="utf-8"), re.M) is not None
    except (OSError, UnicodeDecodeError):
        has_gen = False
    return "`make gen` (or `sqlgen generate`)" if has_gen else "`sqlgen generate`"


def _check(args: argparse.Namespace) -> int:
    configs = _configs(args)
    unknown = [c for c in configs if args.no_cache or not cache.known_clean(c)]
    if not unknown:
        return 0
    from pgsqlgen.codegen.ownership import refuse_unsafe_outs

    refuse_unsafe_outs(configs, _config_file(args))
    return max(_check_package(config, incremental=not args.no_cache) for config in unknown)


def _check_package(config: Config, *, incremental: bool) -> int:
    from pgsqlgen.codegen.write import compare

    drift = compare(config.out, _run(config, incremental=incremental).files)
    if drift.clean:
        cache.remember_clean(config)
        return 0
    out = _relative(config, config.out)
    print(
        f"generated code in {out} is out of date; run {_regenerate_command(config)}",
        file=sys.stderr,
    )
    for label, paths in (
        ("stale", drift.stale),
        ("missing", drift.missing),
        ("extra", drift.extra),
    ):
        for path in paths:
            print(f"  {label}: {out / path}", file=sys.stderr)
    sys.stderr.write(drift.diff)
    return 1


def _emit(text: str, output: Path | None) -> int:
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise SqlgenError([os_problem(str(output), error, "cannot write")]) from None
    else:
        sys.stdout.write(text)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from pgsqlgen.inspect import inspect_document

    config = _config(args)
    document = with_deep_stack(lambda: inspect_document(config))
    _emit(json.dumps(document, indent=2) + "\n", args.output)
    _print_diagnostics(Diagnostic(**error) for error in document["errors"])
    return 1 if document["errors"] else 0


def _database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        raise SqlgenError(
            [
                Diagnostic(
                    "<command line>", 1, 1, "no database: pass --database-url or set DATABASE_URL"
                )
            ]
        )
    return str(url)


@contextlib.contextmanager
def _server(args: argparse.Namespace) -> Iterator[str]:
    """The server to make scratch databases on: the one given, or a throwaway local cluster."""
    url = args.database_url or os.environ.get("DATABASE_URL")
    if url:
        yield str(url)
        return
    from pgsqlgen.pg.cluster import ThrowawayCluster

    with ThrowawayCluster() as cluster:
        yield cluster.url


def _dump(args: argparse.Namespace) -> int:
    from pgsqlgen.verify import live_dump

    return _emit(live_dump(args.from_db), args.output)


def _verify(args: argparse.Namespace) -> int:
    from pgsqlgen.verify import verify_queries, verify_schema

    config = _config(args)
    both = not (args.schema or args.queries)
    failed = False
    with _server(args) as server:
        if args.schema or both:
            diff = with_deep_stack(lambda: verify_schema(config, server))
            if diff:
                print(
                    "schema: the static catalog differs from what PostgreSQL built:",
                    file=sys.stderr,
                )
                sys.stderr.write(diff)
                failed = True
            else:
                print("schema: the static catalog matches PostgreSQL's")
        if args.queries or both:
            problems = with_deep_stack(lambda: verify_queries(config, server))
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                failed = True
            else:
                print("queries: PostgreSQL infers the same types for every query")
    return 1 if failed else 0


def _migrations_dir(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    config = _config(args)
    directory = next((p for p in config.schema if p.is_dir()), None)
    if directory is None:
        raise SqlgenError(
            [Diagnostic(str(args.config), 1, 1, "no migrations directory in [tool.sqlgen] schema")]
        )
    return directory


def _migrate_check(args: argparse.Namespace) -> int:
    """The database-free rules of the migrations directories (``--dir``, else
    every directory of the schema of every package, or of ``--package``'s):
    the checks ``generate`` runs first, on their own for a pre-commit hook;
    ``--strict`` adds the house style (snake_case names, a down for every up)."""
    from pgsqlgen.migrations.files import scan

    if args.dir is not None:
        directories = [args.dir]
    else:
        configs = _configs(args) if args.package is None else [_config(args)]
        directories = list(dict.fromkeys(p for c in configs for p in c.schema if p.is_dir()))
    problems: list[Diagnostic] = []
    for directory in directories:
        if directory.is_dir():
            problems.extend(scan(directory, Path.cwd(), strict=args.strict)[1])
        else:
            problems.append(Diagnostic(str(directory), 1, 1, "migrations directory does not exist"))
    if problems:
        raise SqlgenError(problems)
    return 0


def _migrations_table(args: argparse.Namespace) -> str | None:
    """``--migrations-table``, else the configuration's; None for the default
    (with ``--dir`` and no configuration at hand)."""
    if args.migrations_table is not None:
        return str(args.migrations_table)
    if args.dir is not None and args.config is None:
        from pgsqlgen.config.load import find_config

        try:
            find_config(Path.cwd())
        except SqlgenError:
            return None
    return _config(args).migrations_table


def _confirm_down_all(args: argparse.Namespace, directory: Path) -> bool:
    """``migrate down`` without a count reverts everything: as golang-migrate
    does, ask on a terminal; elsewhere (scripts, CI) it takes ``--all``."""
    from pgsqlgen.migrations.runner import MigrateError

    if args.all:
        if args.steps is not None:
            raise MigrateError("down takes a count or --all, not both")
        return True
    if args.steps is not None:
        return True
    if not sys.stdin.isatty():
        raise MigrateError(
            "migrate down without a count reverts every applied migration; "
            "pass --all to do that, or a count (down 1)"
        )
    print(f"revert every applied migration of {directory}? [y/N] ", end="", file=sys.stderr)
    sys.stderr.flush()
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("not reverting anything", file=sys.stderr)
    return False


def _migrate(args: argparse.Namespace) -> int:
    action = args.migrate_command
    if action == "check":  # before importing psycopg: the pre-commit hook should be quick
        return _migrate_check(args)
    from pgsqlgen.migrations import runner as migrate

    directory = _migrations_dir(args)
    if action == "create":
        for path in migrate.create_migration(directory, args.name):
            print(f"created {path}")
        return 0
    if action == "renumber":
        items = [int(item) if item.isdigit() else item for item in args.migrations]
        named = {str(item) for item in items}
        staying = [
            m
            for m in migrate.find_migrations(directory, allow_duplicates=True)
            if m.stem not in named and str(m.version) not in named
        ]
        start = max((m.version for m in staying), default=0) + 1
        for old, new in migrate.renumber(directory, items, start):
            print(f"renamed {old.name} -> {new.name}")
        return 0
    table = _migrations_table(args) or migrate.MIGRATIONS_TABLE
    migrator = migrate.Migrator(_database_url(args), directory, table, on_step=_print_step)
    try:
        if action == "down" and not _confirm_down_all(args, directory):
            return 1
        return _migrate_database(args, migrator)
    except migrate.MigrationInterrupted as interrupt:
        # what it moved through is printed already, each step as it ended
        print(interrupt, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted before any migration ran: nothing was changed", file=sys.stderr)
        return 130


def _migrate_database(args: argparse.Namespace, migrator: Migrator) -> int:
    """The actions that talk to the database."""
    action = args.migrate_command
    if action == "version":
        version, dirty = migrator.version()
        print(f"{'nil' if version is None else version}{' (dirty)' if dirty else ''}")
        return 0
    if action == "force":
        migrator.force(args.version)
        return 0
    if action == "up":
        changed = migrator.up(args.steps)
    elif action == "down":
        changed = migrator.down(args.steps)
    else:
        changed = migrator.goto(args.version)
    if not changed:
        print("no change")
    return 0


def _print_step(migration: Migration, verb: str, seconds: float) -> None:
    """``applied 3 add_tags (12.4 ms)``, as soon as it is done (golang-migrate's
    ``3/u add_tags (12.4ms)``): a long run shows where it is."""
    print(f"{verb} {migration.version} {migration.name} ({seconds * 1000:.1f} ms)", flush=True)


def _init(args: argparse.Namespace) -> int:
    from pgsqlgen.scaffold import scaffold

    for path in scaffold(args.dir):
        print(f"created {path}")
    move = "" if args.dir == Path() else f"cd {args.dir} && "
    print(f"next: {move}sqlgen generate")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with "did you mean" for a misspelt command, action or option."""

    def error(self, message: str) -> NoReturn:
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if choice is not None:
            known = re.findall(r"'?([\w-]+)'?", choice[2])
            message = _suggest(message, choice[1], known)
        elif unknown is not None:
            known = [o for action in self._actions for o in action.option_strings]
            for sub in self._subparsers._group_actions if self._subparsers else ():
                for parser in getattr(sub, "choices", {}).values():
                    known += [o for a in parser._actions for o in a.option_strings]
            message = _suggest(message, unknown[1], known)
        super().error(message)


def _suggest(message: str, given: str, known: list[str]) -> str:
    close = difflib.get_close_matches(given, known, n=1)
    return f"{message}; did you mean {close[0]!r}?" if close else message


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """Options every command takes, before or after its name (``sqlgen generate
    --config x`` as well as ``sqlgen --config x generate``)."""
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="sqlgen.toml, a pyproject.toml with [tool.sqlgen], or a sqlc.yaml/sqlc.yml/sqlc.json "
        "(default: the first of these in the current directory or the nearest parent, "
        "up to the repository root)",
    )
    parser.add_argument(
        "--package",
        default=default,
        help="with several packages configured: the one inspect, verify and migrate work on "
        "(default: the first)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if default is None else default,
        help="print errors only",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sqlgen",
        description="Generate typed psycopg 3 code from PostgreSQL migrations and annotated queries.",
        epilog="example: sqlgen init && sqlgen generate",
    )
    parser.add_argument("--version", action="version", version=f"sqlgen {__version__}")
    _global_options(parser, None)
    common = _Parser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Handler, summary: str, example: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=f"{summary[0].upper()}{summary[1:]}.",
            epilog=f"example: {example}",
            parents=[common],
        )
        sub.set_defaults(handler=handler)
        return sub

    init = command(
        "init",
        _init,
        "start a project: sqlgen.toml, a first migration and a query file (never overwrites)",
        "sqlgen init --dir myapp && cd myapp && sqlgen generate",
    )
    init.add_argument(
        "--dir", type=Path, default=Path(), help="where to write (default: the current directory)"
    )
    generate = command("generate", _generate, "write the generated package", "sqlgen generate -v")
    generate.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print each stage's time and counts (without it, a terminal shows a status line)",
    )
    generate.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse and render everything; by default the schema's catalog and each query "
        f"file's analysis are reused from {cache.CACHE_DIR}/ when nothing they depend on changed",
    )
    check = command(
        "check",
        _check,
        "fail with a diff when generated files are stale, missing or extra",
        "sqlgen check --no-cache",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="always regenerate everything and compare; by default a state already checked "
        f"clean (every input, the output on disk and the generator hashed into {cache.CACHE_DIR}/) "
        "passes at once, and otherwise what is unchanged since the last run is reused",
    )
    inspect = command(
        "inspect",
        _inspect,
        "print the catalog, the IR the templates read and every error, as JSON (docs/ir.md)",
        "sqlgen inspect -o ir.json",
    )
    inspect.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    dump = command(
        "dump",
        _dump,
        "write the canonical schema dump of a live database",
        "sqlgen dump --from-db postgresql://localhost/app -o dump.sql",
    )
    dump.add_argument("--from-db", required=True, metavar="URL", help="database to read")
    dump.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    verify = command(
        "verify",
        _verify,
        "check the static analysis against PostgreSQL on a scratch database",
        "sqlgen verify --db postgresql://localhost/postgres",
    )
    verify.add_argument(
        "--schema",
        action="store_true",
        help="compare the static schema dump with the one PostgreSQL builds (default: both checks)",
    )
    verify.add_argument(
        "--queries",
        action="store_true",
        help="compare every query's parameter and column types with PostgreSQL's describe",
    )
    verify.add_argument(
        "--db",
        "--database-url",
        dest="database_url",
        metavar="URL",
        help="server to create the scratch database on (default: DATABASE_URL, else a throwaway local cluster)",
    )
    migrate = command(
        "migrate",
        _migrate,
        "check migrations, or run them (golang-migrate compatible) against a database",
        "sqlgen migrate --database-url postgresql://localhost/app up",
    )
    migrate.description = (
        "Check migrations, or run them against a database. The directory is read as "
        "golang-migrate reads it (NNN_anything.up.sql, downs optional) and the version is "
        "kept in golang-migrate's table, so either tool can continue the other's work. Each "
        "file runs in one transaction with its version update; a file that cannot (CREATE "
        "INDEX CONCURRENTLY, VACUUM, its own BEGIN/COMMIT) runs statement by statement, "
        "marked dirty until it completes: if it fails, the error lists what took effect and "
        "the `force` that records the repaired state. Ctrl-C cancels the running statement "
        "and exits 130, saying where the database is."
    )
    migrate.add_argument(
        "--database-url", metavar="URL", help="database to migrate (default: DATABASE_URL)"
    )
    migrate.add_argument(
        "--dir",
        type=Path,
        help="migrations directory (default: the first in [tool.sqlgen] schema; for check, every one)",
    )
    migrate.add_argument(
        "--migrations-table",
        metavar="NAME",
        help="the table the version is recorded in, in the current schema (default: the "
        "configuration's migrations_table, else schema_migrations, golang-migrate's); "
        "another name for a history that has its own schema_migrations",
    )
    actions = migrate.add_subparsers(dest="migrate_command", required=True, metavar="ACTION")

    def action(name: str, summary: str, example: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, help=summary, epilog=f"example: sqlgen migrate {example}")

    check_set = action(
        "check",
        "check the migration file names, numbers and fixtures (no database)",
        "check --strict",
    )
    check_set.add_argument(
        "--strict",
        action="store_true",
        help="also require snake_case names and a down migration for every up",
    )
    up = action("up", "apply all pending migrations, or the next N", "up 1")
    up.add_argument("steps", type=int, nargs="?", help="how many (default: all)")
    down = action(
        "down",
        "revert the last N migrations, or all of them with --all (asks on a terminal without either)",
        "down 1",
    )
    down.add_argument("steps", type=int, nargs="?", help="how many")
    down.add_argument("--all", action="store_true", help="revert every applied migration")
    goto = action("goto", "migrate up or down to exactly VERSION", "goto 12")
    goto.add_argument("version", type=int)
    action("version", "print the current version (and whether it is dirty)", "version")
    create = action("create", "write the next numbered up/down pair", "create add_chat_labels")
    create.add_argument("name", help="snake_case name")
    force = action(
        "force",
        "set the version and clear the dirty flag without running anything (-1: no version)",
        "force 11",
    )
    force.add_argument("version", type=int)
    renumber = action(
        "renumber",
        "move these migrations (and their fixtures) after all the others",
        "renumber 000524_chat_context_resources",
    )
    renumber.add_argument(
        "migrations",
        nargs="+",
        metavar="MIGRATION",
        help="a version, or a full name such as 000524_add_things",
    )
    return parser


def _finish_interrupted_writes(args: argparse.Namespace) -> None:
    """Before any command: complete (or undo) a ``generate`` that was killed while
    writing, so no command ever sees half a package (:mod:`pgsqlgen.codegen.write`)."""
    from pgsqlgen.codegen.ownership import shown
    from pgsqlgen.codegen.write import recover

    try:
        configs = load_configs(args.config)
    except (SqlgenError, OSError):
        return  # a command that needs the configuration reports the problem itself
    for config in configs:
        done = recover(config.out)
        if done is not None:
            print(f"{shown(config.out)}: note: {done}", file=sys.stderr)


INTERRUPTED = 130
"""The exit code of a run stopped by Ctrl-C, as a shell reports SIGINT (128 + 2)."""


def _fail(message: str, lines: bool = False) -> int:
    """One error line; with ``lines``, a message of ours whose lines are steps to
    follow (the migration runner's way out of a dirty state) keeps them."""
    text = "\n".join(map(shorten, message.splitlines())) if lines else shorten(message)
    print(f"sqlgen: error: {text}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run one command; every way it can fail ends in one line (or a located
    diagnostic per problem) on stderr and exit 1, Ctrl-C in one line and 130."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        _finish_interrupted_writes(args)
        return handler(args)
    except SqlgenError as error:
        _print_diagnostics(error.diagnostics)
    except KeyboardInterrupt:
        print("\nsqlgen: interrupted", file=sys.stderr)
        return INTERRUPTED
    except RecursionError:
        return _fail("input too deeply nested for sqlgen (more than the parser's limits allow)")
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}")
    except Exception as error:
        return _fail_unexpected(error)
    return 1


def entry() -> NoReturn:
    """The ``sqlgen`` command: :func:`main`, then the process ends at once.

    Python's own exit frees every object one at a time: 0.1 s after a small
    edit's run and 0.4 s after a large cold one, for nothing, since by then the
    output is written and closed, and every thread has been waited for. Only the
    standard streams still hold buffered text, and a run stopped by an error may
    leave a child process.
    """
    code = main()
    # A run stopped by an error leaves its background children to the exit, which
    # ends them (they are daemons); ended here, as Python's exit would.
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None:
        for child in multiprocessing.active_children():
            child.terminate()
            child.join()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _fail_unexpected(error: Exception) -> int:
    """Errors of the database and the migration runner in one line; anything
    else is a bug of sqlgen's, said in one line with what to report."""
    # Imported only now: the drift check's fast path must not pay for psycopg.
    import psycopg

    from pgsqlgen.migrations.runner import MigrateError

    if isinstance(error, MigrateError):
        return _fail(str(error), lines=True)
    if isinstance(error, psycopg.OperationalError):
        return _fail(f"cannot reach the database: {_first_line(error)}")
    if isinstance(error, psycopg.ProgrammingError) and "connection" in str(error):
        return _fail(f"invalid database URL: {_first_line(error)}")
    if isinstance(error, psycopg.Error):
        return _fail(f"the database said: {_first_line(error)}")
    return _fail(
        f"internal error {type(error).__name__}: {_first_line(error)} "
        "(a bug in sqlgen: please report it with the input that caused it)"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
