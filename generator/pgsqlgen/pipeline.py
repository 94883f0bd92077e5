"""The whole job: load, parse, catalog, analyse, IR, render, format.

Every stage reports all the problems it finds before the run stops, and
nothing here touches the output directory: writing is the caller's choice
(``generate`` writes, ``check`` compares).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.codegen.fmt import format_module
from pgsqlgen.codegen.ir.build import IrPlan, assemble_ir, build_ir, build_modules, plan_ir
from pgsqlgen.codegen.ir.model import Ir, QueryModule, Shape
from pgsqlgen.codegen.render import from_user_templates, pages, render
from pgsqlgen.config.model import Config
from pgsqlgen.errors import Diagnostic, DiagnosticSink, SqlgenError
from pgsqlgen.inputs import load_queries, load_schema
from pgsqlgen.parallel import available, in_background
from pgsqlgen.queries.analysis.model import Analysis, AnalysisError
from pgsqlgen.queries.analysis.statements import analyse_statement
from pgsqlgen.queries.files import ParsedQuery, parse_query_file
from pgsqlgen.schema.ddl import build_catalog, check_command
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.sql.parse import Statement, parse_file
from pgsqlgen.sql.source import SourceFile

T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    catalog: Catalog
    ir: Ir
    files: dict[str, str]
    warnings: list[Diagnostic]
    """Problems that do not stop a run: errors in down migrations, which never change
    the catalog (golang-migrate reads a history the same way)."""


@dataclass(frozen=True)
class Stage:
    """How long one stage of a run took, and what it handled (``generate -v``)."""

    name: str
    seconds: float
    detail: str


StageReport = Callable[[Stage], None]

STAGES = ("parse schema", "catalog", "analyse queries, build IR", "render and format", "dump")
"""The stages of :func:`run`, in order: each is reported when it ends."""


class _Stopwatch:
    def __init__(self, report: StageReport | None) -> None:
        self._report = report

    @contextmanager
    def stage(self, name: str) -> Iterator[list[str]]:
        """Time the block; what it appends to the yielded list becomes the detail."""
        detail: list[str] = []
        start = time.perf_counter()
        yield detail
        if self._report is not None:
            self._report(Stage(name, time.perf_counter() - start, ", ".join(detail)))


# Below this much work a second process costs more than it saves.
_PARALLEL_FILES = 100
_PARALLEL_QUERIES = 200


def _later(work: Callable[[], T], worth_it: bool) -> Callable[[], T]:
    """``work`` started in a second process when that is worth it; else done
    when its result is asked for."""
    return in_background(work) if worth_it else work


def _parse_ups(sources: Sequence[SourceFile]) -> tuple[list[Statement], list[Diagnostic]]:
    statements: list[Statement] = []
    problems: list[Diagnostic] = []
    for source in sources:
        parsed, found = parse_file(source)
        statements.extend(parsed)
        problems.extend(found)
    return statements, problems


def _check_downs(sources: Sequence[SourceFile]) -> list[Diagnostic]:
    """The problems of the down migrations: they are parsed only to report them."""
    problems: list[Diagnostic] = []
    for source in sources:
        parsed, found = parse_file(source)
        problems.extend(found)
        problems.extend(p for p in map(check_command, parsed) if p is not None)
    return problems


def parse_schema(
    config: Config, *, parallel: bool = False
) -> tuple[list[Statement], list[Diagnostic]]:
    """Parse the schema files: the statements of the ups, and the problems of the downs
    as warnings (reported, never stopping a run); raises SqlgenError for the ups. With
    ``parallel``, a long history's downs are checked in a second process meanwhile."""
    sources = load_schema(config.schema, config.root, config.schema_layout)
    downs = _later(
        lambda: _check_downs(sources.down), parallel and len(sources.down) >= _PARALLEL_FILES
    )
    statements, problems = _parse_ups(sources.up)
    if problems:
        raise SqlgenError(problems)
    return statements, [dataclasses.replace(d, severity="warning") for d in downs()]


def load_catalog(config: Config) -> Catalog:
    """Parse the schema files and build the catalog; raises SqlgenError, also
    for an override of a column the schema does not have."""
    catalog = build_catalog(parse_schema(config)[0])
    check_overrides(config, catalog)
    return catalog


def check_overrides(config: Config, catalog: Catalog) -> None:
    """Every column override names a column of a table or view: a misspelt one
    would otherwise be silently ignored and the column keep its default type."""
    problems: list[Diagnostic] = []
    for override in config.overrides:
        if override.column is None:
            continue
        relation, column = override.column.rsplit(".", 1)
        columns = catalog.relation_columns(relation.removeprefix("public."))
        if columns is None:
            missing = f'relation "{relation}" does not exist'
        elif all(c.name != column for c in columns):
            missing = f'column "{column}" of relation "{relation}" does not exist'
        else:
            continue
        file, entry = override.declared_in
        problems.append(Diagnostic(file, 1, 1, f"{entry}: column {override.column}: {missing}"))
    if problems:
        raise SqlgenError(problems)


def _analyse_sources(
    catalog: Catalog, sources: Sequence[SourceFile]
) -> tuple[list[tuple[ParsedQuery, Analysis]], list[Diagnostic], list[ParsedQuery]]:
    """Parse and analyse the queries of ``sources``: the analysed ones, the
    problems, and every query parsed (for duplicate names across a split)."""
    sink = DiagnosticSink()
    analysed: list[tuple[ParsedQuery, Analysis]] = []
    parsed: list[ParsedQuery] = []
    seen: dict[str, ParsedQuery] = {}
    for source in sources:
        queries, problems = parse_query_file(source)
        for problem in problems:
            sink.add(problem)
        for query in queries:
            parsed.append(query)
            first = seen.setdefault(query.name, query)
            if first is not query:
                sink.add(_duplicate(_where(query), _where(first)))
                continue
            try:
                analysed.append((query, analyse_statement(catalog, query.expression, query.params)))
            except AnalysisError as error:
                sink.add(query.diagnostic(f"query {query.name}: {error}", error.node))
    return analysed, sink.diagnostics, parsed


QueryPlace = tuple[str, str, int]
"""A query's name, file and line."""


def _where(query: ParsedQuery) -> QueryPlace:
    return query.name, query.source.display, query.line


def _duplicate(query: QueryPlace, first: QueryPlace) -> Diagnostic:
    name, display, line = query
    return Diagnostic(
        display,
        line,
        1,
        f'duplicate query name "{name}" (first defined at {first[1]}:{first[2]})',
    )


def analyse_queries_keep_going(
    config: Config, catalog: Catalog
) -> tuple[list[tuple[ParsedQuery, Analysis]], list[Diagnostic]]:
    """Parse and analyse every query; the ones that fail become diagnostics."""
    analysed, problems, _ = _analyse_sources(catalog, load_queries(config.queries, config.root))
    return analysed, problems


def analyse_queries(config: Config, catalog: Catalog) -> list[tuple[ParsedQuery, Analysis]]:
    """Parse and analyse every query; raises SqlgenError with all problems."""
    analysed, problems = analyse_queries_keep_going(config, catalog)
    if problems:
        raise SqlgenError(problems)
    return analysed


def analyse(config: Config) -> tuple[Catalog, Ir]:
    """The catalog and the IR, without rendering (what checks against PostgreSQL need)."""
    catalog = load_catalog(config)
    analysed = analyse_queries(config, catalog)
    ir = build_ir(catalog, analysed, config.package, shape=Shape.of(config))
    return catalog, ir


def _split_point(files: Sequence[SourceFile]) -> int:
    """Where to cut the query files in two of about equal size, or ``len(files)``
    when they are too few queries to be worth a second process."""
    sizes = [len(f.text) for f in files]
    if sum(f.text.count("-- name:") + f.text.count("/* name:") for f in files) < _PARALLEL_QUERIES:
        return len(files)
    total, running = sum(sizes), 0
    for index, size in enumerate(sizes):
        if running + size / 2 >= total / 2:
            return max(index, 1)
        running += size
    return len(files)


def _query_modules(
    catalog: Catalog, plan: IrPlan, sources: Sequence[SourceFile]
) -> tuple[tuple[QueryModule, ...], list[Diagnostic], list[QueryPlace]]:
    """The IR modules of some query files, their problems, and their query names
    (name, file, line) for the duplicate check across parts."""
    analysed, problems, parsed = _analyse_sources(catalog, sources)
    modules, more = build_modules(plan, analysed)
    return modules, problems + more, [_where(q) for q in parsed]


def _halves(ir: Ir) -> tuple[set[str], set[str]]:
    """The package's modules split in two of about equal rendering cost."""
    total = sum(len(module.queries) for module in ir.modules)
    weights = {path: 1 for path in pages(ir)}
    weights |= {f"{m.module}.py": 2 * len(m.queries) for m in ir.modules}
    weights |= {"querier.py": total, "wrappers.py": 2 * total, "models.py": len(ir.models) // 4}
    halves: tuple[set[str], set[str]] = (set(), set())
    loads = [0, 0]
    for path in sorted(weights, key=lambda p: -weights[p]):
        lighter = 0 if loads[0] <= loads[1] else 1
        halves[lighter].add(path)
        loads[lighter] += weights[path]
    return halves


def _render_and_format(
    ir: Ir, templates: Path | None, paths: set[str]
) -> tuple[dict[str, str], set[str], list[Diagnostic]]:
    """The modules of ``paths``, formatted; those of them black formatted; and the
    problems of a user's templates (returned, not raised: this may run in a second
    process). A module a user's template renders that is not Python is one of those
    problems (:func:`pgsqlgen.codegen.render.render`), never formatted or written."""
    try:
        rendered = render(ir, templates, paths)
    except SqlgenError as error:
        return {}, set(), error.diagnostics
    theirs = from_user_templates(ir, templates)
    files: dict[str, str] = {}
    by_black: set[str] = set()
    for path, text in rendered.items():
        files[path], black = format_module(text, ours=path not in theirs)
        if black:
            by_black.add(path)
    return files, by_black, []


def run(config: Config, report: StageReport | None = None) -> Result:
    """Everything the generator would write, by path relative to the output
    directory; ``report`` hears how long each stage took.

    On a large layer, checking the downs, the dump and half of the modules run
    in a second process beside the main chain (:mod:`pgsqlgen.parallel`).
    """
    clock = _Stopwatch(report)
    with clock.stage(STAGES[0]) as detail:
        statements, warnings = parse_schema(config, parallel=available())
        detail.append(f"{len(statements)} statements")
    with clock.stage(STAGES[1]) as detail:
        catalog = build_catalog(statements)
        # The parsed history is garbage once replayed (the catalog keeps what it
        # needs): dropped here, a third of a large run's memory is freed before
        # anything forks.
        long_history = len(statements) >= _PARALLEL_FILES
        del statements
        check_overrides(config, catalog)
        detail.append(f"{len(catalog.tables)} tables, {len(catalog.views)} views")
        detail.append(f"{len(catalog.enums)} enums")
    dump = _later(lambda: render_dump(catalog), available() and long_history)
    with clock.stage(STAGES[2]) as detail:
        plan = plan_ir(catalog, Shape.of(config))
        query_files = load_queries(config.queries, config.root)
        # Files in order: the first part here, the rest beside it.
        split = _split_point(query_files) if available() else len(query_files)
        second = _later(
            lambda: _query_modules(catalog, plan, query_files[split:]), split < len(query_files)
        )
        modules, problems, names = _query_modules(catalog, plan, query_files[:split])
        more_modules, more_problems, more_names = second()
        firsts = {place[0]: place for place in names}
        problems += [
            _duplicate(place, firsts[place[0]]) for place in more_names if place[0] in firsts
        ]
        ir = assemble_ir(plan, config.package, modules + more_modules, problems + more_problems)
        count = sum(len(module.queries) for module in ir.modules)
        detail.append(f"{count} queries, {len(ir.modules)} query modules, {len(ir.models)} models")
    with clock.stage(STAGES[3]) as detail:
        mine, theirs = _halves(ir)
        if not (available() and count >= _PARALLEL_QUERIES):
            mine, theirs = mine | theirs, set()
        other = _later(lambda: _render_and_format(ir, config.templates, theirs), bool(theirs))
        files, by_black, problems = _render_and_format(ir, config.templates, mine)
        more_files, more_by_black, more_problems = other()
        if problems or more_problems:
            raise SqlgenError(problems + more_problems)
        files |= more_files
        files = {path: files[path] for path in pages(ir)}
        detail.append(f"{sum(text.count(chr(10)) for text in files.values())} lines")
        detail.append(f"{len(by_black | more_by_black)} modules through black")
    with clock.stage(STAGES[4]) as detail:
        files["py.typed"] = ""
        files["dump.sql"] = dump()
        detail.append(f"{files['dump.sql'].count(chr(10))} lines")
    return Result(catalog, ir, files, warnings + catalog.warnings)
