"""The whole job: load, parse, catalog, analyse, IR, render, format.

Every stage reports all the problems it finds before the run stops, and
nothing here touches the output directory: writing is the caller's choice
(``generate`` writes, ``check`` compares).
"""

from __future__ import annotations

import dataclasses
import pickle
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pgsqlgen.catalog.model import Catalog
from pgsqlgen.codegen.fmt import Formatted, forget_layouts, format_module
from pgsqlgen.codegen.ir.build import (
    BuiltQuery,
    IrPlan,
    ModuleBuilder,
    assemble_ir,
    build_ir,
    plan_ir,
)
from pgsqlgen.codegen.ir.imports import Annotations
from pgsqlgen.codegen.ir.model import Ir, Shape
from pgsqlgen.codegen.render import from_user_templates, pages, prepare, render
from pgsqlgen.config.model import Config
from pgsqlgen.errors import Diagnostic, DiagnosticSink, SqlgenError
from pgsqlgen.incremental import (
    FileUnit,
    Fingerprints,
    QueryOutcome,
    QueryPiece,
    QueryPlace,
    Read,
    ReadLog,
    Replay,
    SchemaState,
    Snapshot,
    Store,
    modules_digest,
    piece_key,
    recording,
)
from pgsqlgen.inputs import SchemaSources, load_queries, load_schema
from pgsqlgen.parallel import (
    FedChild,
    Later,
    available,
    collect_garbage,
    in_background,
    in_background_each,
)
from pgsqlgen.queries.analysis.model import Analysis, AnalysisError
from pgsqlgen.queries.analysis.statements import analyse_statement
from pgsqlgen.queries.files import ParsedQuery, QueryBlock, parse_query_file, query_blocks
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

STAGES = (
    "parse schema",
    "catalog",
    "analyse queries, build IR",
    "render and format",
    "dump",
    "remember for the next run",
)
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
_PARALLEL_RENDER = 1000


def _later(work: Callable[[], T], worth_it: bool, *, collect: bool = True) -> Callable[[], T]:
    """``work`` started in a second process when that is worth it (see
    :func:`pgsqlgen.parallel.in_background` for ``collect``); else done when its
    result is asked for."""
    return in_background(work, collect=collect) if worth_it else work


def _parse_ups(sources: Sequence[SourceFile]) -> tuple[list[Statement], list[Diagnostic]]:
    statements: list[Statement] = []
    problems: list[Diagnostic] = []
    for source in sources:
        parsed, found = parse_file(source)
        statements.extend(parsed)
        problems.extend(found)
    return statements, problems


def _check_downs(
    sources: Sequence[SourceFile], known: Sequence[tuple[Diagnostic, ...] | None]
) -> list[tuple[Diagnostic, ...]]:
    """The problems of each down migration (they are parsed only to report them),
    taken from ``known`` where it has them."""
    from pgsqlgen.schema.ddl import check_command  # see _replay

    problems: list[tuple[Diagnostic, ...]] = []
    for source, found in zip(sources, known, strict=True):
        if found is None:
            parsed, errors = parse_file(source)
            checked = (p for p in map(check_command, parsed) if p is not None)
            found = (*errors, *checked)
        problems.append(found)
    return problems


DownProblems = list[tuple[Diagnostic, ...]]
"""The problems of each down migration (:func:`_check_downs`)."""


def _downs_checked(
    sources: SchemaSources, known: Sequence[tuple[Diagnostic, ...] | None], *, parallel: bool
) -> Callable[[], DownProblems]:
    """The check of the down migrations, started in a second process when a long
    history makes that worth it (see also :func:`_parsed`)."""
    unknown = sum(found is None for found in known)
    return _later(
        lambda: _check_downs(sources.down, known), parallel and unknown >= _PARALLEL_FILES
    )


def _parse_sources(
    sources: SchemaSources, start: Replay, downs: Callable[[], DownProblems]
) -> tuple[list[Statement], list[Statement], DownProblems]:
    """The statements of the up migrations after the ``start.files`` first (those of
    the last one apart), and the problems of each down migration (``downs``, checked
    meanwhile); raises SqlgenError for the ups."""
    head, problems = _parse_ups(sources.up[start.files : -1])
    last, more = _parse_ups(sources.up[max(start.files, len(sources.up) - 1) :])
    if problems or more:
        raise SqlgenError(problems + more)
    return head, last, downs()


def _dump_and_keep(store: Store | None, state: SchemaState, before_last: Snapshot | None) -> str:
    """The schema dump of ``state``'s catalog; with a ``store``, ``state`` with it is
    remembered. Beside the run on a large layer: pickling the catalog there keeps
    its cost, and its memory, out of the run's."""
    from pgsqlgen.schema.dump import render_dump  # see _replay

    dump = render_dump(state.catalog)
    if store is not None:
        store.keep_schema(dataclasses.replace(state, dump=dump), before_last)
    return dump


def _as_warnings(downs: Sequence[tuple[Diagnostic, ...]]) -> list[Diagnostic]:
    """The problems of the down migrations, as warnings: they never stop a run."""
    return [dataclasses.replace(d, severity="warning") for found in downs for d in found]


def _replay(
    sources: SchemaSources,
    start: Replay,
    head: list[Statement],
    last: list[Statement],
    snapshot: bool,
) -> tuple[Catalog, Snapshot | None]:
    """The catalog: ``head`` then ``last`` replayed after ``start``; and with
    ``snapshot``, the catalog before ``last`` for the next run to start from when
    only the last migration changes.

    A schema that does not apply is replayed again whole, so that its errors are
    exactly those of a run without the cache."""
    # Imported when the schema is replayed: a run with the schema's catalog
    # remembered (after a query edit) never needs the replay's modules.
    from pgsqlgen.schema.ddl import build_catalog

    try:
        catalog = build_catalog(head, start=start.catalog)
        before_last = None
        if snapshot and last:
            files = max(start.files, len(sources.up) - 1)
            before_last = Snapshot.of(catalog, files, start.statements + len(head))
        return build_catalog(last, start=catalog), before_last
    except SqlgenError:
        statements, _ = _parse_ups(sources.up)
        return build_catalog(statements), None


def parse_schema(
    config: Config, *, parallel: bool = False
) -> tuple[list[Statement], list[Diagnostic]]:
    """Parse the schema files: the statements of the ups, and the problems of the downs
    as warnings (reported, never stopping a run); raises SqlgenError for the ups. With
    ``parallel``, a long history's downs are checked in a second process meanwhile."""
    sources = load_schema(config.schema, config.root, config.schema_layout)
    downs = _downs_checked(sources, [None] * len(sources.down), parallel=parallel)
    head, last, checked = _parse_sources(sources, Replay(None, 0, 0), downs)
    return head + last, _as_warnings(checked)


def load_catalog(config: Config) -> Catalog:
    """Parse the schema files and build the catalog; raises SqlgenError, also
    for an override of a column the schema does not have."""
    from pgsqlgen.schema.ddl import build_catalog  # see _replay

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
) -> tuple[list[tuple[ParsedQuery, Analysis]], list[Diagnostic]]:
    """Parse and analyse the queries of ``sources``: the analysed ones, and the problems."""
    sink = DiagnosticSink()
    analysed: list[tuple[ParsedQuery, Analysis]] = []
    seen: dict[str, ParsedQuery] = {}
    for source in sources:
        queries, problems = parse_query_file(source)
        for problem in problems:
            sink.add(problem)
        for query in queries:
            first = seen.setdefault(query.name, query)
            if first is not query:
                sink.add(_duplicate(_where(query), _where(first)))
                continue
            try:
                analysed.append((query, analyse_statement(catalog, query.expression, query.params)))
            except AnalysisError as error:
                sink.add(query.diagnostic(f"query {query.name}: {error}", error.node))
    return analysed, sink.diagnostics


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
    analysed, problems = _analyse_sources(catalog, load_queries(config.queries, config.root))
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


def _worth_a_second_process(files: Sequence[SourceFile]) -> bool:
    return (
        sum(f.text.count("-- name:") + f.text.count("/* name:") for f in files) >= _PARALLEL_QUERIES
    )


def _split_point(files: Sequence[SourceFile], share: float = 0.5) -> int:
    """Where to cut the query files so that about ``share`` of their text comes
    after the cut, or ``len(files)`` when they are too few queries to be worth a
    second process."""
    sizes = [len(f.text) for f in files]
    if not _worth_a_second_process(files):
        return len(files)
    total, running = sum(sizes), 0
    for index, size in enumerate(sizes):
        if running + size / 2 >= total * (1 - share):
            return max(index, 1)
        running += size
    return len(files)


Blocks = tuple[list[QueryBlock], list[Diagnostic]]
"""A query file's blocks, and the problem of any statement before the first
(:func:`pgsqlgen.queries.files.query_blocks`)."""

Pieces = Callable[[SourceFile], Mapping[bytes, QueryPiece]]
"""The pieces an earlier run left for a file's blocks, by :func:`piece_key`."""


def _no_pieces(source: SourceFile) -> Mapping[bytes, QueryPiece]:
    return {}


def _parsed_piece(block: QueryBlock) -> QueryPiece:
    parsed = block.parsed()
    return QueryPiece(parsed if isinstance(parsed, Diagnostic) else _where(parsed))


def _outcome(catalog: Catalog, builder: ModuleBuilder, block: QueryBlock) -> QueryOutcome:
    """What analysing and building the query of ``block`` (which parses) gives."""
    query = block.parsed()
    assert isinstance(query, ParsedQuery), "only a block that parses is analysed"
    try:
        analysis = analyse_statement(catalog, query.expression, query.params)
    except AnalysisError as error:
        problem = query.diagnostic(f"query {query.name}: {error}", error.node)
        return QueryOutcome(False, None, (problem,))
    built, problems = builder.query(query, analysis)
    return QueryOutcome(True, built, tuple(problems))


def _file_unit(
    catalog: Catalog,
    plan: IrPlan,
    source: SourceFile,
    blocks: Blocks,
    earlier: Mapping[bytes, QueryPiece],
    log: ReadLog,
) -> tuple[FileUnit, dict[bytes, QueryPiece]]:
    """One query file analysed and built into its IR module, on its own: what it
    gives depends on nothing but its text, the catalog and the plan. A block with a
    piece in ``earlier`` is not parsed again, nor analysed unless it was a repeated
    name then; each analysis's reads are recorded in ``log``, and a reused one's
    noted there. Also returns the piece of each block."""
    found, parse_problems = blocks[0], list(blocks[1])
    analysis_problems: list[Diagnostic] = []
    build_problems: list[Diagnostic] = []
    builder = ModuleBuilder(plan)
    results: list[BuiltQuery | None] = []
    places: list[QueryPlace] = []
    seen: dict[str, QueryPlace] = {}
    pieces: dict[bytes, QueryPiece] = {}
    keys = [piece_key(block) for block in found]
    # Parsed together before any is analysed: parsing one after the other is a
    # tenth faster than interleaved with the analyses (measured).
    fresh = {
        key: _parsed_piece(block)
        for key, block in zip(keys, found, strict=True)
        if key not in earlier
    }
    for key, block in zip(keys, found, strict=True):
        piece = earlier.get(key) or fresh[key]
        pieces[key] = piece
        if isinstance(piece.parsed, Diagnostic):
            parse_problems.append(piece.parsed)
            continue
        place = piece.parsed
        places.append(place)
        first = seen.setdefault(place[0], place)
        if first is not place:
            analysis_problems.append(_duplicate(place, first))
            continue
        if piece.outcome is None:
            with log.recording() as reads:
                outcome = _outcome(catalog, builder, block)
            piece = pieces[key] = QueryPiece(place, outcome, reads)
        else:
            outcome = piece.outcome
            log.note_all(piece.reads)
        if outcome.analysed:
            results.append(outcome.built)
            build_problems.extend(outcome.problems)
        else:
            analysis_problems.extend(outcome.problems)
    modules = (builder.module(source.display, results),) if results else ()
    problems = parse_problems + analysis_problems + build_problems
    return FileUnit.of(modules, tuple(problems), tuple(places)), pieces


Analysed = list[tuple[FileUnit, set[Read], dict[bytes, QueryPiece]]]
"""Each file's unit, with what analysing it read and the pieces of its blocks."""


def _file_units(
    catalog: Catalog,
    plan: IrPlan,
    sources: Sequence[SourceFile],
    log: ReadLog,
    blocks: Callable[[SourceFile], Blocks] = query_blocks,
    earlier: Pieces = _no_pieces,
) -> Analysed:
    """The units of ``sources``, each with what it read through ``log`` (nothing
    unless ``catalog`` and ``plan`` record their reads there) and its pieces."""
    units = []
    for source in sources:
        with log.recording() as reads:
            unit, pieces = _file_unit(catalog, plan, source, blocks(source), earlier(source), log)
        units.append((unit, reads, pieces))
    return units


# The share of the query files a child parses while the schema is replayed (the
# second core is idle then) and then analyses: it comes to the analysis with
# that much done, so it takes more than half.
_AHEAD_SHARE = 0.7


AheadUnits = list[tuple[str, FileUnit, bytes]]
"""Each file the child analysed: its unit, and with a store, its modules' digest."""


class _Ahead:
    """Query files a child parses while the schema is replayed, and analyses once
    fed the catalog, as soon as the replay ends (:func:`_run`); the run takes their
    units in :func:`_query_units`."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        shape: Shape,
        store: Store | None,
        migrations: _Migrations,
    ) -> None:
        self.files = {source.display: source for source in files}
        self.child: FedChild[DownProblems, _Replayed, AheadUnits] = FedChild(
            lambda tell: _parsed(files, shape, store, migrations, tell)
        )


@dataclass(frozen=True)
class _Migrations:
    """What the query child needs of the schema files: the down migrations, with the
    problems of those an earlier run checked, and the up migrations, of which it may
    replay the last (:class:`_Replayed`)."""

    downs: Sequence[SourceFile]
    known_downs: Sequence[tuple[Diagnostic, ...] | None]
    ups: Sequence[SourceFile]


@dataclass(frozen=True)
class _Replayed:
    """The catalog, as the query child is fed it: when the run kept the catalog
    before the last migration (:class:`Snapshot`), those bytes, and the child
    replays the last migration itself: the run then pickles the catalog once, not
    twice."""

    catalog: Catalog | None
    before_last: Snapshot | None = None

    def replayed(self, ups: Sequence[SourceFile]) -> Catalog:
        if self.catalog is not None:
            return self.catalog
        from pgsqlgen.schema.ddl import build_catalog  # see _replay

        assert self.before_last is not None
        catalog = pickle.loads(self.before_last.catalog)
        last, _ = _parse_ups(ups[self.before_last.files :])
        return build_catalog(last, start=catalog)


def _parsed(
    files: Sequence[SourceFile],
    shape: Shape,
    store: Store | None,
    migrations: _Migrations,
    tell: Callable[[DownProblems], None],
) -> Callable[[_Replayed], tuple[AheadUnits, Later]]:
    """The down migrations checked (told at once: the run needs them when its ups
    are parsed, and checked here they leave it a core of its own for that);
    ``files`` parsed; and what analyses those of them the run needs once the
    catalog exists: the plan, and with a ``store`` the files whose entries still
    hold, are worked out again from it, as the run does (cheaper than sending
    them, and the child starts sooner). With a ``store``, it remembers its units
    there once the run has them: their pickles never cross to the run, nor hold it
    up."""
    tell(_check_downs(migrations.downs, migrations.known_downs))
    parsed = {source.display: query_blocks(source) for source in files}
    for blocks, _ in parsed.values():
        for block in blocks:
            block.parsed()

    def analyse(fed: _Replayed) -> tuple[AheadUnits, Later]:
        catalog = fed.replayed(migrations.ups)
        plan, log = plan_ir(catalog, shape), ReadLog()
        kept = store.reusable(files, catalog, plan) if store is not None else {}
        todo = [source for source in files if source.display not in kept]
        if store is None:
            units = _file_units(catalog, plan, todo, log, lambda source: parsed[source.display])
            return [(s.display, unit, b"") for s, (unit, _, _) in zip(todo, units, strict=True)], (
                lambda: None
            )
        known = Fingerprints(catalog, plan)
        catalog, plan, log = recording(catalog, plan)
        units = _file_units(
            catalog,
            plan,
            todo,
            log,
            lambda source: parsed[source.display],
            lambda source: store.earlier_pieces(source, known),
        )
        # The run needs only the digests now; what the entries read is worked out after.
        digests = [modules_digest(unit) for unit, _, _ in units]
        done = [(s.display, u[0], d) for s, u, d in zip(todo, units, digests, strict=True)]

        def remember() -> None:
            for source, (unit, reads, pieces), digest in zip(todo, units, digests, strict=True):
                store.keep_entry(source, store.file_entry(unit, reads, pieces, known, digest))

        return done, remember

    return analyse


def _parse_ahead(
    files: Sequence[SourceFile], shape: Shape, store: Store | None, migrations: _Migrations
) -> _Ahead | None:
    """A child checking the down ``migrations`` and parsing the last :data:`_AHEAD_SHARE` of
    ``files`` now, when that is worth a second process."""
    split = _split_point(files, _AHEAD_SHARE)
    if not (available() and split < len(files)):
        return None
    return _Ahead(files[split:], shape, store, migrations)


def _query_units(
    catalog: Catalog,
    plan: IrPlan,
    files: Sequence[SourceFile],
    store: Store | None,
    ahead: _Ahead | None,
    while_waiting: Callable[[], None],
) -> tuple[list[FileUnit], int]:
    """The unit of every query file, in order, and how many were analysed: with a
    ``store``, the files whose entries still hold are taken from it, and only the
    rest analysed (and remembered). The files ``ahead`` parsed are analysed there;
    ``while_waiting`` is done while this run waits for them."""
    kept = store.reusable(files, catalog, plan) if store is not None else {}
    todo = [source for source in files if source.display not in kept]
    log = ReadLog()
    earlier: Pieces = store.earlier_pieces if store is not None else _no_pieces
    if store is not None:
        catalog, plan, log = recording(catalog, plan)
    if ahead is not None:
        # The child was fed the catalog when it was replayed; it analyses those of
        # its files that this run's store does not hold, as found here too.
        here = [source for source in todo if source.display not in ahead.files]
        _keep(kept, store, here, _file_units(catalog, plan, here, log, earlier=earlier))
        collect_garbage()  # the schema's parsed history, while the child works on
        while_waiting()
        for display, unit, digest in ahead.child.wait():
            kept[display] = unit
            if store is not None:
                store.note_kept(ahead.files[display], unit, digest)
    else:
        # Files in order: the first part here, the rest beside it.
        split = _split_point(todo) if available() else len(todo)
        second = _later(
            lambda: _file_units(catalog, plan, todo[split:], log, earlier=earlier),
            split < len(todo),
        )
        first = _file_units(catalog, plan, todo[:split], log, earlier=earlier)
        _keep(kept, store, todo, first + second())
    return [kept[source.display] for source in files], len(todo)


def _keep(
    kept: dict[str, FileUnit],
    store: Store | None,
    sources: Sequence[SourceFile],
    done: Analysed,
) -> None:
    """The units of ``sources`` analysed here, put in ``kept`` and remembered."""
    for source, (unit, reads, pieces) in zip(sources, done, strict=True):
        kept[source.display] = unit
        if store is not None:
            store.keep_file(source, unit, reads, pieces)


def _duplicates(units: Sequence[FileUnit]) -> list[Diagnostic]:
    """A query name used in an earlier file (each file reports its own repeats)."""
    firsts: dict[str, QueryPlace] = {}
    problems: list[Diagnostic] = []
    for unit in units:
        local: set[str] = set()
        for place in unit.places:
            first = firsts.setdefault(place[0], place)
            if first[1] != place[1] and place[0] not in local:
                problems.append(_duplicate(place, first))
            local.add(place[0])
    return problems


def _prepare_render(config: Config, store: Store | None) -> None:
    """Our templates compiled before the render stage needs them (a user's are
    compiled as they are rendered, each run anew)."""
    if config.templates is None:
        prepare(store.compiled_templates if store is not None else None)


def _render_costs(ir: Ir, paths: set[str]) -> dict[str, int]:
    """What rendering each page of ``paths`` costs, in queries: a query module's
    queries, and for the pages that gather every query, the queries of the modules
    rendered again (the other modules' parts are the cache's, :class:`ModuleParts`)."""
    again = sum(len(m.queries) for m in ir.modules if f"{m.module}.py" in paths)
    costs = {path: 1 for path in paths}
    costs |= {f"{m.module}.py": 2 * len(m.queries) for m in ir.modules}
    # Measured at 4x: a module costs 2 a query; querier.py, a half; wrappers.py, 1.5.
    costs |= {"querier.py": again // 2, "wrappers.py": 3 * again // 2}
    costs |= {"models.py": len(ir.models) // 4}
    return {path: costs[path] for path in paths}


def _halves(costs: dict[str, int]) -> tuple[set[str], set[str]]:
    """The pages of ``costs`` split in two of about equal rendering cost."""
    halves: tuple[set[str], set[str]] = (set(), set())
    loads = [0, 0]
    for path in sorted(costs, key=lambda p: -costs[p]):
        lighter = 0 if loads[0] <= loads[1] else 1
        halves[lighter].add(path)
        loads[lighter] += costs[path]
    return halves


@dataclass(frozen=True)
class _Page:
    """A module of the package, formatted."""

    path: str
    formatted: Formatted


def _render_and_format(
    ir: Ir,
    templates: Path | None,
    paths: set[str],
    known: Mapping[bytes, str] | None,
    store: Store | None,
) -> Iterator[_Page | list[Diagnostic]]:
    """The modules of ``paths``, each formatted (by parts, with ``known`` parts); or
    the problems of a user's templates (given, not raised: this may run in a second
    process). With a ``store``, compiled templates and module parts are taken from
    and kept there. A module a user's template renders that is not Python is one of
    those problems (:func:`pgsqlgen.codegen.render.render`), never formatted or
    written."""
    compiled = store.compiled_templates if store is not None else None
    module_parts = store.module_parts() if store is not None else None
    try:
        rendered = render(ir, templates, paths, compiled, module_parts)
    except SqlgenError as error:
        yield error.diagnostics
        return
    segments = module_parts.segments if module_parts is not None else {}
    if store is not None and module_parts is not None:
        store.keep_module_parts(module_parts)
        del module_parts  # its texts are in the pages: not held while they are formatted
    theirs = from_user_templates(ir, templates)
    for path in list(rendered):
        text = rendered.pop(path)  # each rendered text freed once formatted
        earlier = store.earlier_segments(path) if store is not None else {}
        yield _Page(
            path,
            format_module(
                text,
                ours=path not in theirs,
                known=known,
                segments=segments.get(path, ()),
                earlier=earlier,
            ),
        )
    forget_layouts()


def _package_modules(
    ir: Ir, templates: Path | None, store: Store | None, *, collected: bool
) -> tuple[dict[str, str], set[str], int, dict[str, Formatted]]:
    """Every module of the package, formatted; those black formatted; how many were
    rendered (with a ``store``, the others are the ones it holds for this IR); and
    those rendered as formatted, with their parts. Unless the garbage of the analysis was
    ``collected``, it is before a second process forks."""
    every = pages(ir)
    kept = store.pages(ir, custom=templates is not None) if store is not None else {}
    known = store.known_parts() if store is not None else None
    costs = _render_costs(ir, set(every) - kept.keys())
    mine, theirs = _halves(costs)
    if not (available() and sum(costs.values()) >= _PARALLEL_RENDER):
        mine, theirs = mine | theirs, set()
    other: Callable[[], list[_Page | list[Diagnostic]]] = (
        in_background_each(
            lambda: _render_and_format(ir, templates, theirs, known, store), collect=not collected
        )
        if theirs
        else list
    )
    done = [*_render_and_format(ir, templates, mine, known, store), *other()]
    problems = [problem for item in done if isinstance(item, list) for problem in item]
    if problems:
        raise SqlgenError(problems)
    formatted = {page.path: page.formatted for page in done if isinstance(page, _Page)}
    files = kept | {path: page.text for path, page in formatted.items()}
    by_black = {path for path, page in formatted.items() if page.by_black}
    return {path: files[path] for path in every}, by_black, len(every) - len(kept), formatted


def run(config: Config, report: StageReport | None = None, *, incremental: bool = False) -> Result:
    """Everything the generator would write, by path relative to the output
    directory; ``report`` hears how long each stage took.

    On a large layer, checking the downs, the dump and half of the modules run
    in a second process beside the main chain (:mod:`pgsqlgen.parallel`). With
    ``incremental``, the schema's catalog and each query file's module are
    taken from the cache when what decides them is unchanged, and remembered
    for the next run (:mod:`pgsqlgen.incremental`).
    """
    started: list[_Ahead] = []
    try:
        return _run(config, _Stopwatch(report), Store(config) if incremental else None, started)
    finally:
        for ahead in started:
            ahead.child.end()


def _query_files_ahead(
    config: Config, store: Store | None, migrations: _Migrations
) -> tuple[tuple[SourceFile, ...] | None, _Ahead | None]:
    """The query files, and a child checking the down ``migrations`` and parsing a share of them
    while the schema is parsed and replayed (:func:`_parse_ahead`); none when they
    cannot be read (the error is raised where it always was, after the schema's)."""
    try:
        files = load_queries(config.queries, config.root)
    except SqlgenError:
        return None, None
    return files, _parse_ahead(files, Shape.of(config), store, migrations)


def _run(config: Config, clock: _Stopwatch, store: Store | None, started: list[_Ahead]) -> Result:
    """:func:`run`; a child it starts is put in ``started``, to be ended if the run stops."""
    with clock.stage(STAGES[0]) as detail:
        state = store.known_schema(config) if store is not None else None
        sources = SchemaSources((), ())
        if state is None:
            sources = load_schema(config.schema, config.root, config.schema_layout)
            state = store.schema(sources) if store is not None else None
        query_files, ahead = None, None
        if state is None:
            known = store.known_downs() if store is not None else [None] * len(sources.down)
            start = store.replay_start() if store is not None else Replay(None, 0, 0)
            # A replay that goes on from an earlier run's catalog is short (no core
            # idles during it) and most query files keep their units: none is parsed
            # ahead then.
            if not start.files:
                migrations = _Migrations(sources.down, known, sources.up)
                query_files, ahead = _query_files_ahead(config, store, migrations)
                started.extend([ahead] if ahead is not None else [])
            checked = (
                ahead.child.told
                if ahead is not None
                else _downs_checked(sources, known, parallel=available())
            )
            head, last, downs = _parse_sources(sources, start, checked)
            warnings = _as_warnings(downs)
            statements = start.statements + len(head) + len(last)
            detail.append(f"{statements} statements")
            if start.files:
                detail.append(f"{start.statements} of them remembered")
        else:
            detail.append(f"{state.statements} statements, remembered")
    with clock.stage(STAGES[1]) as detail:
        before_last: Snapshot | None = None
        if state is None:
            catalog, before_last = _replay(sources, start, head, last, store is not None)
            if ahead is not None:
                ahead.child.feed(
                    _Replayed(None, before_last) if before_last else _Replayed(catalog)
                )
            # The parsed history is garbage once replayed (the catalog keeps what it
            # needs): dropped here, a third of a large run's memory is freed, before
            # the dump's fork or, with a query child, while this run waits for it.
            del head, last
            check_overrides(config, catalog)
            plan = plan_ir(catalog, Shape.of(config))
            dump = _later(
                lambda: _dump_and_keep(
                    store, SchemaState(catalog, plan, "", tuple(downs), statements), before_last
                ),
                available() and statements >= _PARALLEL_FILES,
                collect=ahead is None,
            )
        else:
            catalog, plan, downs = state.catalog, state.plan, list(state.downs)
            warnings = _as_warnings(downs)
            dump = _later(lambda: state.dump, worth_it=False)
        detail.append(f"{len(catalog.tables)} tables, {len(catalog.views)} views")
        detail.append(f"{len(catalog.enums)} enums")
    with clock.stage(STAGES[2]) as detail:
        if query_files is None:
            query_files = load_queries(config.queries, config.root)
        units, analysed = _query_units(
            catalog, plan, query_files, store, ahead, lambda: _prepare_render(config, store)
        )
        modules = tuple(module for unit in units for module in unit.modules)
        problems = [problem for unit in units for problem in unit.problems]
        methods = Annotations.merged(unit.methods for unit in units)
        ir = assemble_ir(plan, config.package, modules, problems + _duplicates(units), methods)
        count = sum(len(module.queries) for module in ir.modules)
        detail.append(f"{count} queries, {len(ir.modules)} query modules, {len(ir.models)} models")
        if store is not None:
            detail.append(f"{analysed} of {len(query_files)} query files analysed")
    with clock.stage(STAGES[3]) as detail:
        # A query child's run collected its garbage while it waited for the child.
        collected = ahead is not None
        files, by_black, rendered, formatted = _package_modules(
            ir, config.templates, store, collected=collected
        )
        detail.append(f"{sum(text.count(chr(10)) for text in files.values())} lines")
        if store is not None:
            detail.append(f"{rendered} of {len(files)} modules rendered")
        detail.append(f"{len(by_black)} modules through black")
    with clock.stage(STAGES[4]) as detail:
        files["py.typed"] = ""
        files["dump.sql"] = dump()
        detail.append(f"{files['dump.sql'].count(chr(10))} lines")
    with clock.stage(STAGES[5]) as detail:
        if store is None:
            detail.append("nothing (no cache)")
        else:
            store.keep_pages(files, formatted)
            store.prune()
            detail.append("pages and their parts")
    return Result(catalog, ir, files, warnings + catalog.warnings)
