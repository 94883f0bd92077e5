"""IR stage: the one intermediate form every template reads, built from the catalog and
the analysed queries: a plan of the package's models and types, then one module per
query file, assembled with the names checked for clashes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pgsqlgen import __version__
from pgsqlgen.catalog.model import Catalog, Column, quote_ident
from pgsqlgen.codegen import reserved
from pgsqlgen.codegen.ir.imports import (
    Annotations,
    method_annotations,
    module_annotations,
    module_import_blocks,
    querier_imports,
    wrapper_imports,
)
from pgsqlgen.codegen.ir.methods import build_query
from pgsqlgen.codegen.ir.model import (
    CompositeDef,
    ConstraintDef,
    EnumDef,
    EnumMember,
    Field,
    Ir,
    Model,
    ParamsClass,
    Query,
    QueryModule,
    RowBuilder,
    RowClass,
    Shape,
)
from pgsqlgen.codegen.ir.types import (
    IDENTIFIER_PATTERN,
    TypeNamer,
    dotted_module,
    member_name,
    model_class_name,
    model_fields,
)
from pgsqlgen.codegen.naming import (
    constant_name,
    escape_identifier,
    pascal_case,
    unique_names,
)
from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.queries.analysis.model import Analysis
from pgsqlgen.queries.files import ParsedQuery


@dataclass(frozen=True)
class IrPlan:
    """What the catalog and the configuration decide before any query is seen:
    names and types of the models, enums, composites and constraints."""

    shape: Shape
    namer: TypeNamer
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    models: tuple[Model, ...]
    constraints: dict[str, list[ConstraintDef]]
    table_models: Mapping[str, Model]
    """The model of each table and view by its name: a query returning exactly a
    relation's row returns its model (a mapping, so that reads can be recorded,
    :mod:`pgsqlgen.incremental`)."""

    @property
    def flavours(self) -> tuple[bool, ...]:
        wanted = ((False, self.shape.emit_sync), (True, self.shape.emit_async))
        return tuple(flag for flag, emit in wanted if emit)


def build_ir(
    catalog: Catalog,
    queries: list[tuple[ParsedQuery, Analysis]],
    package: str,
    *,
    shape: Shape | None = None,
) -> Ir:
    """Build the IR; raises SqlgenError for names that cannot become Python.

    A query with more than ``shape.query_parameter_limit`` parameters takes
    them as one ``<Query>Params`` dataclass instead of keyword arguments
    (sqlc's setting of the same name; 0 means always, None never).
    """
    plan = plan_ir(catalog, shape or Shape())
    modules, problems = build_modules(plan, queries)
    return assemble_ir(plan, package, modules, problems)


def plan_ir(catalog: Catalog, shape: Shape) -> IrPlan:
    """The query-independent part of the IR."""
    if shape.query_parameter_limit is not None and shape.query_parameter_limit < 0:
        raise ValueError("query_parameter_limit must be None or at least 0")
    renames = dict(shape.renames)

    def class_name_of(name: str) -> str:
        """A type's class: renamed, else PascalCase (keywords and digits escaped)."""
        return escape_identifier(renames[name]) if name in renames else pascal_case(name)

    enum_names = unique_names([class_name_of(name) for name in catalog.enums])
    enum_classes = dict(zip(catalog.enums, enum_names, strict=True))
    composite_classes: dict[str, str] = {}
    for name in catalog.composites:
        class_name = class_name_of(name)
        while class_name in set(enum_names) | set(composite_classes.values()):
            class_name += "Type"
        composite_classes[name] = class_name
    namer = TypeNamer(catalog, enum_classes, composite_classes, shape)
    enums = tuple(
        EnumDef(
            pg_name=enum.name,
            class_name=enum_classes[enum.name],
            members=tuple(
                EnumMember(member, value)
                for member, value in zip(
                    unique_names([member_name(renames, v) for v in enum.values]),
                    enum.values,
                    strict=True,
                )
            ),
            comment=enum.comment,
        )
        for enum in catalog.enums.values()
    )
    composites = tuple(
        CompositeDef(
            pg_name=composite.name,
            class_name=composite_classes[composite.name],
            fields=model_fields(namer, composite.columns, None),
            comment=composite.comment,
        )
        for composite in catalog.composites.values()
    )
    taken = namer.classes
    models: list[Model] = []
    relations: list[tuple[str, str, list[Column], str | None]] = [
        (t.name, "table", t.columns, t.comment) for t in catalog.tables.values()
    ] + [(v.name, "view", v.columns, v.comment) for v in catalog.views.values()]
    for pg_name, kind, columns, comment in relations:
        class_name = model_class_name(renames, pg_name, shape)
        while class_name in taken:
            class_name += "Row" if kind == "view" else "Model"
        taken.add(class_name)
        models.append(
            Model(pg_name, class_name, kind, model_fields(namer, columns, pg_name), comment)
        )
    constraints: dict[str, list[ConstraintDef]] = {"unique": [], "foreign_key": [], "check": []}
    for table in catalog.tables.values():
        for constraint in table.constraints:
            if constraint.kind == "exclude":
                continue  # Generated code names keys, references and checks only.
            kind = "unique" if constraint.kind == "primary_key" else constraint.kind
            definition = f"ALTER TABLE ONLY {quote_ident(table.name)} ADD CONSTRAINT {quote_ident(constraint.name)} {constraint.definition()};"
            constraints[kind].append(
                ConstraintDef(
                    constraint.name, constant_name(constraint.name), table.name, kind, definition
                )
            )
    for index in catalog.indexes.values():
        if index.unique and index.name not in {c.name for c in constraints["unique"]}:
            constraints["unique"].append(
                ConstraintDef(
                    index.name,
                    constant_name(index.name),
                    index.table,
                    "unique",
                    index.definition() + ";",
                )
            )
    for kind in constraints:
        constraints[kind] = _distinct_members(sorted(constraints[kind], key=lambda c: c.name))

    table_models = {m.pg_name: m for m in models}
    return IrPlan(shape, namer, enums, composites, tuple(models), constraints, table_models)


def build_modules(
    plan: IrPlan, queries: list[tuple[ParsedQuery, Analysis]]
) -> tuple[tuple[QueryModule, ...], list[Diagnostic]]:
    """One module per query file, and the problems found making them; the
    files are independent of one another, so a part of them can be built alone."""
    builder = ModuleBuilder(plan)
    by_file: dict[str, list[BuiltQuery | None]] = {}
    problems: list[Diagnostic] = []
    for parsed, analysis in queries:
        built, found = builder.query(parsed, analysis)
        by_file.setdefault(parsed.source.display, []).append(built)
        problems.extend(found)
    return tuple(builder.module(display, built) for display, built in by_file.items()), problems


def assemble_ir(
    plan: IrPlan,
    package: str,
    modules: tuple[QueryModule, ...],
    problems: list[Diagnostic],
    methods: Annotations | None = None,
) -> Ir:
    """The IR of all query modules; raises SqlgenError with every problem. ``methods``
    are the annotations of their methods, when known (:func:`method_annotations`)."""
    ir, name_problems = assemble_ir_keep_going(plan, package, modules, methods)
    if problems or name_problems:
        raise SqlgenError([*problems, *name_problems])
    return ir


def assemble_ir_keep_going(
    plan: IrPlan,
    package: str,
    modules: tuple[QueryModule, ...],
    methods: Annotations | None = None,
) -> tuple[Ir, list[Diagnostic]]:
    """The IR of all query modules, and the names in it that clash (what ``sqlgen
    inspect`` shows: one bad query or name never hides the rest)."""
    problems: list[Diagnostic] = []
    _check_names(modules, problems)
    shape, namer, flavours = plan.shape, plan.namer, plan.flavours
    models, enums, composites = list(plan.models), plan.enums, plan.composites
    constraints = plan.constraints
    if shape.omit_unused_models:
        models, enums, composites = _reached(modules, models, enums, composites)
    model_annotations = [f.annotation for c in composites for f in c.fields]
    model_annotations += [f.annotation for m in models for f in m.fields]
    methods = methods if methods is not None else method_annotations(modules)
    ir = Ir(
        package=package,
        generator_version=__version__,
        enums=enums,
        composites=composites,
        models=tuple(models),
        model_import_blocks=_model_import_blocks(
            namer, model_annotations, bool(enums), bool(composites), bool(models)
        ),
        uses_as_is=_uses_as_is(model_annotations, modules),
        unique_constraints=tuple(constraints["unique"]),
        foreign_key_constraints=tuple(constraints["foreign_key"]),
        check_constraints=tuple(constraints["check"]),
        modules=modules,
        querier_stdlib_imports=tuple(sorted({i for m in modules for i in m.stdlib_imports})),
        querier_model_imports=tuple(sorted({i for m in modules for i in m.model_imports})),
        querier_import_blocks=querier_imports(
            namer, methods, modules, {m.class_name for m in models} | namer.classes, flavours
        ),
        wrapper_import_blocks=wrapper_imports(
            namer, methods, modules, {m.class_name for m in models} | namer.classes, flavours
        ),
        flavours=flavours,
        exports=_exports(flavours),
        **(_PYDANTIC if namer.pydantic else {}),
        loaders=tuple(
            (o.db_type, dotted_module(o.loader)) for o in shape.overrides if o.db_type and o.loader
        ),
        dumpers=tuple(
            (dotted_module(o.python_type), dotted_module(o.dumper))
            for o in shape.overrides
            if o.dumper
        ),
        **(_PER_CALL if shape.emit_methods_with_db_argument else {}),
        runtime_imports=tuple(
            sorted(
                {
                    adapter.split(":")[0]
                    for o in shape.overrides
                    for adapter in (o.loader, o.dumper, o.python_type if o.dumper else None)
                    if adapter and ":" in adapter
                }
            )
        ),
    )
    return ir, problems


#: The IR fields of a package of pydantic models: no decorator, a ``RowModel`` base.
_PYDANTIC: dict[str, Any] = {
    "record_decorator": "",
    "params_decorator": "",
    "record_base": "(RowModel)",
}
#: The IR fields of a package whose query methods take the connection
#: (sqlc's ``emit_methods_with_db_argument``).
_PER_CALL: dict[str, Any] = {
    "connection_argument": "conn, ",
    "queries_base": "_queries_base_per_call.py.j2",
    "queries_docs": (
        "All queries; each method runs on the psycopg connection it is given.",
        "All queries; each method runs on the psycopg async connection it is given.",
    ),
}


BuiltQuery = tuple[Query, tuple[Field, ...], RowBuilder | None]
"""A query built: its IR, its row's fields and how its rows are built."""


class ModuleBuilder:
    """Builds each query of a file on its own (:meth:`query`: a run may reuse an
    earlier run's result for a query whose text and reads are unchanged), then the
    file's module from them (:meth:`module`)."""

    def __init__(self, plan: IrPlan) -> None:
        self._plan = plan
        self._model_classes = {m.class_name for m in plan.models} | plan.namer.classes

    def query(
        self, parsed: ParsedQuery, analysis: Analysis
    ) -> tuple[BuiltQuery | None, list[Diagnostic]]:
        """The query built, or None, and the problems found building it."""
        problems: list[Diagnostic] = []
        built = build_query(
            self._plan.namer,
            self._plan.table_models,
            self._model_classes,
            parsed,
            analysis,
            problems,
            self._plan.shape.query_parameter_limit,
            db_argument=self._plan.shape.emit_methods_with_db_argument,
        )
        return built, problems

    def module(self, display: str, results: Sequence[BuiltQuery | None]) -> QueryModule:
        """The module of the query file ``display``, from its analysed queries."""
        namer, model_classes = self._plan.namer, self._model_classes
        flavours = self._plan.flavours
        stem = re.sub(r"\W", "_", display.rsplit("/", 1)[-1].removesuffix(".sql"))
        built: list[Query] = []
        rows: list[RowClass] = []
        params_classes: list[ParamsClass] = []
        builders: list[RowBuilder] = []
        for result in results:
            if result is None:
                continue
            query, row_fields, builder = result
            built.append(query)
            if query.row_class is not None and query.row_class not in model_classes:
                rows.append(RowClass(query.row_class, row_fields, query.name))
            if query.params_class is not None:
                params_classes.append(ParamsClass(query.params_class, query.params, query.name))
            if builder is not None:
                builders.append(builder)
        annotations = Annotations.of(module_annotations(built, rows))
        model_imports = annotations.using(model_classes | {"AsIs", "Json", "JsonValue"})
        constants = {
            q.row_factory: (
                f": BaseRowFactory[{q.row_type}]"
                if q.row_factory_expression == "scalar_row"
                else "",
                q.row_factory_expression,
            )
            for q in built
            if q.row_factory != "tuple_row"
        }
        row_factories = tuple(
            sorted(
                {
                    f
                    for q in built
                    for f in ("args_row", "scalar_row", "tuple_row")
                    if f in q.row_factory_expression
                }
                | (
                    {"BaseRowFactory"}
                    if "scalar_row" in (q.row_factory_expression for q in built)
                    else set()
                )
            )
        )
        binds = " ".join(q.bind_args for q in built)
        uses_jsonb = "Jsonb(" in binds
        stdlib = tuple(m for m in namer.imports(annotations.dotted) if m != "psycopg")
        return QueryModule(
            module=f"{stem}_sql",
            source=display,
            mixin=pascal_case(stem) + "Queries",
            queries=tuple(built),
            row_classes=tuple(rows),
            model_imports=model_imports,
            stdlib_imports=stdlib,
            row_factories=row_factories,
            row_factory_constants=tuple(
                (name, *constant) for name, constant in sorted(constants.items())
            ),
            uses_jsonb=uses_jsonb,
            params_classes=tuple(params_classes),
            row_builders=tuple(builders),
            import_blocks=module_import_blocks(
                namer,
                annotations,
                dataclass=bool(rows or params_classes) and not namer.pydantic,
                typing_names=("Any",) if builders else (),
                row_factories=row_factories,
                jsonb=uses_jsonb,
                local={
                    "._runtime": (
                        *sorted(("QueriesBase", "AsyncQueriesBase")[flag] for flag in flavours),
                        *(("exactly_one",) if any(q.exactly_one for q in built) else ()),
                        *(("jsonb_or_none",) if "jsonb_or_none(" in binds else ()),
                    ),
                    ".models": tuple(
                        sorted(
                            {*model_imports}
                            | (
                                {"RowModel"}
                                if namer.pydantic and (rows or params_classes)
                                else set()
                            )
                        )
                    ),
                },
            ),
        )


def _check_names(modules: tuple[QueryModule, ...], problems: list[Diagnostic]) -> None:
    """Every query's methods end up in the same Queries classes: no name twice,
    and none that the package generates for itself (:mod:`pgsqlgen.codegen.reserved`)."""
    methods: dict[str, Query] = {}
    for module in modules:
        own = {c.class_name for c in module.row_classes} | {
            p.class_name for p in module.params_classes
        }
        for query in module.queries:
            taken = reserved.clash(
                query.method, tuple(c for c in (query.row_class, query.params_class) if c in own)
            )
            if taken is not None:
                problems.append(
                    Diagnostic(
                        query.file, query.line, 1, f"query {query.name}: {taken}; rename the query"
                    )
                )
            for method in query.methods:
                first = methods.setdefault(method.name, query)
                # Two queries of one name are reported as a duplicate name already.
                if first is not query and first.name != query.name:
                    problems.append(
                        Diagnostic(
                            query.file,
                            query.line,
                            1,
                            f"query {query.name}: method {method.name} is also generated for "
                            f"query {first.name} ({first.file}:{first.line}); rename one",
                        )
                    )


def _reached(
    modules: tuple[QueryModule, ...],
    models: list[Model],
    enums: tuple[EnumDef, ...],
    composites: tuple[CompositeDef, ...],
) -> tuple[list[Model], tuple[EnumDef, ...], tuple[CompositeDef, ...]]:
    """sqlc's ``omit_unused_structs``: only the models, enums and composite types
    some query reaches, directly or through a model or composite it returns."""
    texts: list[str] = []
    for module in modules:
        for query in module.queries:
            texts.append(query.row_factory_expression)
            texts += [p.annotation for p in query.params] + [f.annotation for f in query.columns]
        texts += [f.annotation for row in module.row_classes for f in row.fields]
        texts += [arg.expr for builder in module.row_builders for arg in builder.args]
    used = set(IDENTIFIER_PATTERN.findall(" ".join(texts)))
    kept = [m for m in models if m.class_name in used]
    used |= set(IDENTIFIER_PATTERN.findall(" ".join(f.annotation for m in kept for f in m.fields)))
    while True:  # a composite's fields can reach further enums and composites
        reached = {
            name
            for c in composites
            if c.class_name in used
            for f in c.fields
            for name in IDENTIFIER_PATTERN.findall(f.annotation)
        }
        if reached <= used:
            break
        used |= reached
    return (
        kept,
        tuple(e for e in enums if e.class_name in used),
        tuple(c for c in composites if c.class_name in used),
    )


def _exports(flavours: tuple[bool, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What the package's ``__init__`` re-exports: the querier and registration of each flavour."""
    runtime = ("register_types", "register_types_async")
    querier = (("Querier", "Queries"), ("AsyncQuerier", "AsyncQueries"))
    return (
        ("._runtime", ("NoRowError", *(runtime[flag] for flag in flavours))),
        (".querier", tuple(sorted(name for flag in flavours for name in querier[flag]))),
    )


def _model_import_blocks(
    namer: TypeNamer,
    annotations: list[str],
    enums: bool,
    composites: bool,
    models: bool,
) -> tuple[tuple[str, ...], ...]:
    """``models.py``'s imports: what its enums, dataclasses or pydantic models, json
    aliases and field types use, and nothing else (ruff's defaults pass)."""
    modules = namer.imports(Annotations.of(annotations).dotted)
    stdlib = sorted(
        {m for m in modules if m not in namer.override_modules} | ({"enum"} if enums else set())
    )
    lines = [f"import {m}" for m in stdlib]
    if not namer.pydantic:
        lines.append("from collections.abc import Mapping, Sequence")
    if composites or (models and not namer.pydantic):
        lines.append("from dataclasses import dataclass")
    as_is = _uses_as_is(annotations, ())
    typing = {"TypeAlias", *(("Any", "Self") if namer.pydantic else ())}
    typing |= {"Annotated"} if as_is else set()
    lines.append(f"from typing import {', '.join(sorted(typing))}")
    third: list[str] = []
    if namer.pydantic:
        pydantic = ["BaseModel", "ConfigDict", *(("GetCoreSchemaHandler",) if as_is else ())]
        third.append(f"from pydantic import {', '.join(pydantic)}")
        third.append("from pydantic import JsonValue as PydanticJsonValue")
        if as_is:
            third.append("from pydantic_core import core_schema")
    own = [f"import {m}" for m in modules if m in namer.override_modules]
    return tuple(tuple(block) for block in (lines, third, own) if block)


def _uses_as_is(annotations: list[str], modules: tuple[QueryModule, ...]) -> bool:
    """Whether a model field or a query's row or parameter holds a type marked ``AsIs``."""
    texts = [
        *annotations,
        *(f.annotation for m in modules for r in m.row_classes for f in r.fields),
    ]
    texts += [p.annotation for m in modules for q in m.queries for p in q.params]
    return any("AsIs]" in text for text in texts)


def _distinct_members(constraints: list[ConstraintDef]) -> list[ConstraintDef]:
    """Constraint names are unique per table, not per schema: a name two tables use
    becomes one member per table, named ``<TABLE>_<NAME>``."""
    counts: dict[str, int] = {}
    for constraint in constraints:
        counts[constraint.member] = counts.get(constraint.member, 0) + 1
    return [
        dataclasses.replace(c, member=constant_name(f"{c.table}__{c.name}"))
        if counts[c.member] > 1
        else c
        for c in constraints
    ]
