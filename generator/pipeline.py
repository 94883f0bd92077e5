"""The whole job: load, parse, catalog, analyse, IR, render, format.

Every stage reports all the problems it finds before the run stops, and
nothing here touches the output directory: writing is the caller's choice
(``generate`` writes, ``check`` compares).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from generator.analyse import Analysis, AnalysisError, analyse_statement
from generator.catalog import Catalog
from generator.config import Config
from generator.ddl import build_catalog, check_command
from generator.dump import render_dump
from generator.errors import Diagnostic, DiagnosticSink, SqlgenError
from generator.fmt import format_python
from generator.ir import Ir, Shape, build_ir
from generator.load import load_queries, load_schema
from generator.parse import Statement, parse_file
from generator.queryfile import ParsedQuery, parse_query_file
from generator.render import render


@dataclass(frozen=True)
class Result:
    catalog: Catalog
    ir: Ir
    files: dict[str, str]


@dataclass(frozen=True)
class Stage:
    """How long one stage of a run took, and what it handled (``generate -v``)."""

    name: str
    seconds: float
    detail: str


StageReport = Callable[[Stage], None]


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


def parse_schema(config: Config) -> list[Statement]:
    """Parse the schema files (downs too, to report their errors); raises SqlgenError."""
    sources = load_schema(config.schema, config.root)
    sink = DiagnosticSink()
    statements: list[Statement] = []
    for source in sources.up:
        parsed, problems = parse_file(source)
        statements.extend(parsed)
        for problem in problems:
            sink.add(problem)
    for source in sources.down:
        parsed, problems = parse_file(source)
        for problem in problems:
            sink.add(problem)
        for statement in parsed:
            unsupported = check_command(statement)
            if unsupported is not None:
                sink.add(unsupported)
    sink.raise_if_any()
    return statements


def load_catalog(config: Config) -> Catalog:
    """Parse the schema files and build the catalog; raises SqlgenError."""
    return build_catalog(parse_schema(config))


def analyse_queries_keep_going(
    config: Config, catalog: Catalog
) -> tuple[list[tuple[ParsedQuery, Analysis]], list[Diagnostic]]:
    """Parse and analyse every query; the ones that fail become diagnostics."""
    sink = DiagnosticSink()
    analysed: list[tuple[ParsedQuery, Analysis]] = []
    seen: dict[str, ParsedQuery] = {}
    for source in load_queries(config.queries, config.root):
        queries, problems = parse_query_file(source)
        for problem in problems:
            sink.add(problem)
        for query in queries:
            first = seen.setdefault(query.name, query)
            if first is not query:
                sink.add(
                    Diagnostic(
                        query.source.display,
                        query.line,
                        1,
                        f'duplicate query name "{query.name}" (first defined at '
                        f"{first.source.display}:{first.line})",
                    )
                )
                continue
            try:
                analysed.append((query, analyse_statement(catalog, query.expression, query.params)))
            except AnalysisError as error:
                sink.add(query.diagnostic(f"query {query.name}: {error}", error.node))
    return analysed, sink.diagnostics


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


def run(config: Config, report: StageReport | None = None) -> Result:
    """Everything the generator would write, by path relative to the output
    directory; ``report`` hears how long each stage took."""
    clock = _Stopwatch(report)
    with clock.stage("parse schema") as detail:
        statements = parse_schema(config)
        detail.append(f"{len(statements)} statements")
    with clock.stage("catalog") as detail:
        catalog = build_catalog(statements)
        detail.append(f"{len(catalog.tables)} tables, {len(catalog.views)} views")
        detail.append(f"{len(catalog.enums)} enums")
    with clock.stage("analyse queries") as detail:
        analysed = analyse_queries(config, catalog)
        detail.append(f"{len(analysed)} queries")
    with clock.stage("build IR") as detail:
        ir = build_ir(catalog, analysed, config.package, shape=Shape.of(config))
        detail.append(f"{len(ir.modules)} query modules, {len(ir.models)} models")
    with clock.stage("render") as detail:
        rendered = render(ir, config.templates)
        detail.append(f"{sum(text.count(chr(10)) for text in rendered.values())} lines")
    with clock.stage("format") as detail:
        files = {path: format_python(text) for path, text in rendered.items()}
        detail.append(f"{len(files)} modules")
    with clock.stage("dump") as detail:
        files["py.typed"] = ""
        files["dump.sql"] = render_dump(catalog)
        detail.append(f"{files['dump.sql'].count(chr(10))} lines")
    return Result(catalog, ir, files)
