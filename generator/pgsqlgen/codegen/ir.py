"""IR stage: the one intermediate form every template reads.

Plain frozen dataclasses, built from the catalog and the analysed queries,
carrying every decision the templates would otherwise have to make (names,
Python types, imports, bind expressions), and dumpable as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

from sqlglot import exp

from pgsqlgen import __version__
from pgsqlgen.catalog.model import Catalog, Column, quote_ident
from pgsqlgen.codegen import reserved
from pgsqlgen.codegen.naming import (
    constant_name,
    escape_identifier,
    field_name,
    pascal_case,
    singular,
    snake_case,
    unique_names,
)
from pgsqlgen.config.model import Config, TypeOverride
from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.pg.types import PgType, parse_type, python_base_type
from pgsqlgen.queries.analyse import Analysis, ResultColumn
from pgsqlgen.queries.files import Edit, ParsedQuery, apply_edits

JSON_TYPES = ("json", "jsonb")


@dataclass(frozen=True)
class Field:
    name: str
    attr: str
    pg_type: str
    array_dims: int
    nullable: bool
    python_type: str
    annotation: str
    table: str | None = None
    comment: str | None = None
    embed: bool = False


@dataclass(frozen=True)
class EnumMember:
    name: str
    value: str


@dataclass(frozen=True)
class EnumDef:
    pg_name: str
    class_name: str
    members: tuple[EnumMember, ...]
    comment: str | None


@dataclass(frozen=True)
class CompositeDef:
    """A PostgreSQL composite type and the frozen dataclass that stands for it."""

    pg_name: str
    class_name: str
    fields: tuple[Field, ...]
    comment: str | None


@dataclass(frozen=True)
class Model:
    pg_name: str
    class_name: str
    kind: str
    fields: tuple[Field, ...]
    comment: str | None


@dataclass(frozen=True)
class ConstraintDef:
    name: str
    member: str
    table: str
    kind: str
    definition: str


@dataclass(frozen=True)
class QueryParam:
    number: int
    name: str
    arg: str
    pg_type: str
    array_dims: int
    nullable: bool
    python_type: str
    annotation: str
    bind: str
    wrap_jsonb: bool = False
    """Sent wrapped in ``Jsonb``: json/jsonb without an override that has its own dumper."""
    overridden: bool = False
    """Its Python type comes from a type override."""


@dataclass(frozen=True)
class RowClass:
    """A ``<Query>Row`` dataclass; a ``sqlc.embed`` is one field holding a model."""

    class_name: str
    fields: tuple[Field, ...]
    query: str


@dataclass(frozen=True)
class ParamsClass:
    """A ``<Query>Params`` dataclass: one parameter set of a batch, a COPY row, or a call."""

    class_name: str
    fields: tuple[QueryParam, ...]
    query: str


@dataclass(frozen=True)
class BuilderArg:
    attr: str
    expr: str


@dataclass(frozen=True)
class RowBuilder:
    """The function that turns a result row into a row class holding embedded models."""

    function: str
    row_class: str
    args: tuple[BuilderArg, ...]


@dataclass(frozen=True)
class Method:
    """One generated method: ``templates/command_<template>.py.j2`` writes its body.

    ``arguments`` is the parameter list after ``self``; ``generator`` methods are
    (async) generators, which a protocol declares with a plain ``def``.
    """

    name: str
    template: str
    arguments: str
    returns: str
    async_returns: str
    generator: bool
    doc: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    name: str
    method: str
    command: str
    template: str
    file: str
    line: int
    sql: str
    sql_constant: str
    doc: tuple[str, ...]
    params: tuple[QueryParam, ...]
    columns: tuple[Field, ...]
    row_class: str | None
    return_annotation: str
    bind_args: str
    statement: str
    row_factory: str
    """The name of the module-level row factory (``tuple_row`` or a ``_ROW_...`` constant)."""
    row_factory_expression: str
    params_class: str | None
    copy_types: tuple[str, ...]
    methods: tuple[Method, ...]


@dataclass(frozen=True)
class QueryModule:
    module: str
    source: str
    mixin: str
    queries: tuple[Query, ...]
    row_classes: tuple[RowClass, ...]
    model_imports: tuple[str, ...]
    stdlib_imports: tuple[str, ...]
    row_factories: tuple[str, ...]
    row_factory_constants: tuple[tuple[str, str], ...]
    """``(name, expression)`` of each row factory built once per module: a cursor
    is reused per row factory, so the factory must be one object, not one per call."""
    uses_jsonb: bool
    params_classes: tuple[ParamsClass, ...]
    row_builders: tuple[RowBuilder, ...]
    import_blocks: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Ir:
    package: str
    generator_version: str
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    models: tuple[Model, ...]
    model_stdlib_imports: tuple[str, ...]
    unique_constraints: tuple[ConstraintDef, ...]
    foreign_key_constraints: tuple[ConstraintDef, ...]
    check_constraints: tuple[ConstraintDef, ...]
    modules: tuple[QueryModule, ...]
    querier_stdlib_imports: tuple[str, ...]
    querier_model_imports: tuple[str, ...]
    querier_import_blocks: tuple[tuple[str, ...], ...]
    record_decorator: str = "@dataclass(frozen=True, slots=True)"
    """Above each model and row class; empty for pydantic models, which subclass ``RowModel``."""
    params_decorator: str = "@dataclass(frozen=True, slots=True, kw_only=True)"
    record_base: str = ""
    """``(RowModel)`` for pydantic models: frozen, and built from a row by ``from_row``."""
    flavours: tuple[bool, ...] = (False, True)
    """Which query classes to emit: ``False`` is sync, ``True`` async (emit_sync, emit_async)."""
    exports: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``__init__``'s imports: (module, names), in the order written."""
    loaders: tuple[tuple[str, str], ...] = ()
    """(PostgreSQL type, loader class) each Queries registers on its connection (overrides)."""
    dumpers: tuple[tuple[str, str], ...] = ()
    """(Python type, dumper class) each Queries registers on its connection (overrides)."""
    runtime_imports: tuple[str, ...] = ()
    """Modules ``_runtime`` imports for the override adapters."""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)


@dataclass(frozen=True)
class Shape:
    """The configuration's say in the output: sqlc's per-package options."""

    query_parameter_limit: int | None = None
    overrides: tuple[TypeOverride, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    exact_table_names: bool = False
    omit_unused_models: bool = False
    models: str = "dataclass"
    emit_sync: bool = True
    emit_async: bool = True

    @classmethod
    def of(cls, config: Config) -> Shape:
        return cls(
            query_parameter_limit=config.query_parameter_limit,
            overrides=config.overrides,
            renames=config.renames,
            exact_table_names=config.exact_table_names,
            omit_unused_models=config.omit_unused_models,
            models=config.models,
            emit_sync=config.emit_sync,
            emit_async=config.emit_async,
        )


def _dotted(python_type: str) -> str:
    """``myapp.money:Money`` -> ``myapp.money.Money``: what annotations spell."""
    return python_type.replace(":", ".")


class _TypeNamer:
    """Python types and names for the catalog's types, columns and labels, with
    the configured overrides and renames applied."""

    def __init__(
        self,
        catalog: Catalog,
        enums: dict[str, str],
        composites: dict[str, str],
        shape: Shape,
    ) -> None:
        self.catalog = catalog
        self.enums = enums
        self.composites = composites
        self.renames = dict(shape.renames)
        self.pydantic = shape.models == "pydantic"
        self.by_type: dict[str, TypeOverride] = {}
        self.by_column: dict[tuple[str, str], TypeOverride] = {}
        for override in shape.overrides:
            if override.column is not None:
                table, column = override.column.rsplit(".", 1)
                self.by_column[(table.removeprefix("public."), column)] = override
            elif override.db_type is not None:
                parsed = parse_type(override.db_type)
                self.by_type[parsed.name if parsed else override.db_type] = override
        # Modules the override types live in, longest first: ``a.b.C`` imports ``a.b``.
        self.override_modules = sorted(
            {o.python_type.split(":")[0] for o in shape.overrides if ":" in o.python_type},
            key=len,
            reverse=True,
        )

    def attr(self, name: str) -> str:
        """A column's or parameter's Python name: renamed, escaped, and clear of
        pydantic's reserved ``model_`` names when models are pydantic."""
        attr = field_name(self.rename(name))
        return attr + "_" if self.pydantic and attr.startswith("model_") else attr

    def construct(self, class_name: str) -> str:
        """What builds a model or row class from a row's values, in column order."""
        return f"{class_name}.from_row" if self.pydantic else class_name

    def rename(self, name: str) -> str:
        return self.renames.get(name, name)

    def column_override(self, origin: tuple[str | None, str | None]) -> TypeOverride | None:
        table, column = origin
        if table is None or column is None:
            return None
        return self.by_column.get((table, column))

    @property
    def classes(self) -> set[str]:
        """The Python classes of models.py that stand for enums and composite types."""
        return set(self.enums.values()) | set(self.composites.values())

    def base(self, pg_type: PgType) -> str:
        name = pg_type.name
        override = self.by_type.get(name)
        if override is not None:
            return _dotted(override.python_type)
        if name in self.enums:
            return self.enums[name]
        if name in self.composites:
            return self.composites[name]
        if name in self.catalog.domains:
            return self.base(self.catalog.domains[name].base.element())
        known = python_base_type(name)
        return known if known is not None else "typing.Any"

    def python(self, pg_type: PgType, origin: tuple[str | None, str | None] = (None, None)) -> str:
        """The Python type of a value of ``pg_type``; a column override of
        ``origin`` (table, column) replaces the whole type, arrays included."""
        override = self.column_override(origin)
        if override is not None:
            return _dotted(override.python_type)
        text = self.base(pg_type)
        for _ in range(pg_type.array_dims):
            text = f"list[{text}]"
        return text

    def imports(self, annotations: list[str]) -> tuple[str, ...]:
        """The modules ``annotations`` need: an override's module whole, else the first part."""
        modules: set[str] = set()
        for annotation in annotations:
            for dotted in _DOTTED.findall(annotation):
                module = next(
                    (m for m in self.override_modules if dotted.startswith(m + ".")),
                    dotted.split(".")[0],
                )
                modules.add(module)
        return tuple(sorted(modules))

    def copy_type(self, param: QueryParam) -> str | None:
        """The name binary COPY's ``set_types`` needs for ``param``; None if psycopg lacks it."""
        if param.overridden:
            return None  # the user's type may have only a text dumper: COPY in text
        name, dims = param.pg_type, param.array_dims
        while name in self.catalog.domains:
            base = self.catalog.domains[name].base
            name, dims = base.name, dims + base.array_dims
        import psycopg.postgres  # only layers with COPY pay for importing psycopg

        if name not in self.enums and psycopg.postgres.types.get(name) is None:
            return None
        return name + "[]" * dims


def _annotation(python_type: str, nullable: bool) -> str:
    return f"{python_type} | None" if nullable else python_type


def _field(
    namer: _TypeNamer,
    name: str,
    attr: str,
    pg_type: PgType,
    nullable: bool,
    table: str | None = None,
    comment: str | None = None,
    column: str | None = None,
) -> Field:
    python_type = namer.python(pg_type, (table, column or name))
    return Field(
        name=name,
        attr=attr,
        pg_type=pg_type.name,
        array_dims=pg_type.array_dims,
        nullable=nullable,
        python_type=python_type,
        annotation=_annotation(python_type, nullable),
        table=table,
        comment=comment,
    )


def _model_fields(namer: _TypeNamer, columns: list[Column], table: str | None) -> tuple[Field, ...]:
    attrs = unique_names([namer.attr(c.name) for c in columns])
    return tuple(
        _field(namer, c.name, attr, c.type, not c.not_null, table, c.comment)
        for c, attr in zip(columns, attrs, strict=True)
    )


_DOTTED = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_NAME = re.compile(r"\b[A-Za-z_]\w*")


@dataclass(frozen=True)
class IrPlan:
    """What the catalog and the configuration decide before any query is seen:
    names and types of the models, enums, composites and constraints."""

    shape: Shape
    namer: _TypeNamer
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    models: tuple[Model, ...]
    constraints: dict[str, list[ConstraintDef]]

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
    namer = _TypeNamer(catalog, enum_classes, composite_classes, shape)
    enums = tuple(
        EnumDef(
            pg_name=enum.name,
            class_name=enum_classes[enum.name],
            members=tuple(
                EnumMember(member, value)
                for member, value in zip(
                    unique_names([_member_name(renames, v) for v in enum.values]),
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
            fields=_model_fields(namer, composite.columns, None),
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
        class_name = _model_class_name(renames, pg_name, shape.exact_table_names)
        while class_name in taken:
            class_name += "Row" if kind == "view" else "Model"
        taken.add(class_name)
        models.append(
            Model(pg_name, class_name, kind, _model_fields(namer, columns, pg_name), comment)
        )
    constraints: dict[str, list[ConstraintDef]] = {"unique": [], "foreign_key": [], "check": []}
    for table in catalog.tables.values():
        for constraint in table.constraints:
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
        constraints[kind].sort(key=lambda c: c.name)

    return IrPlan(shape, namer, enums, composites, tuple(models), constraints)


def build_modules(
    plan: IrPlan, queries: list[tuple[ParsedQuery, Analysis]]
) -> tuple[tuple[QueryModule, ...], list[Diagnostic]]:
    """One module per query file, and the problems found making them; the
    files are independent of one another, so a part of them can be built alone."""
    problems: list[Diagnostic] = []
    modules = _modules(
        plan.namer,
        list(plan.models),
        queries,
        problems,
        plan.shape.query_parameter_limit,
        plan.flavours,
    )
    return modules, problems


def assemble_ir(
    plan: IrPlan, package: str, modules: tuple[QueryModule, ...], problems: list[Diagnostic]
) -> Ir:
    """The IR of all query modules; raises SqlgenError with every problem."""
    problems = list(problems)
    _check_names(modules, problems)
    if problems:
        raise SqlgenError(problems)
    shape, namer, flavours = plan.shape, plan.namer, plan.flavours
    models, enums, composites = list(plan.models), plan.enums, plan.composites
    constraints = plan.constraints
    if shape.omit_unused_models:
        models, enums, composites = _reached(modules, models, enums, composites)
    model_annotations = [f.annotation for c in composites for f in c.fields]
    model_annotations += [f.annotation for m in models for f in m.fields]
    return Ir(
        package=package,
        generator_version=__version__,
        enums=enums,
        composites=composites,
        models=tuple(models),
        model_stdlib_imports=tuple(sorted({"enum", *namer.imports(model_annotations)})),
        unique_constraints=tuple(constraints["unique"]),
        foreign_key_constraints=tuple(constraints["foreign_key"]),
        check_constraints=tuple(constraints["check"]),
        modules=modules,
        querier_stdlib_imports=tuple(sorted({i for m in modules for i in m.stdlib_imports})),
        querier_model_imports=tuple(sorted({i for m in modules for i in m.model_imports})),
        querier_import_blocks=_querier_imports(
            namer, modules, {m.class_name for m in models} | namer.classes, flavours
        ),
        flavours=flavours,
        exports=_exports(flavours),
        **(
            {"record_decorator": "", "params_decorator": "", "record_base": "(RowModel)"}
            if namer.pydantic
            else {}
        ),
        loaders=tuple(
            (o.db_type, _dotted(o.loader)) for o in shape.overrides if o.db_type and o.loader
        ),
        dumpers=tuple(
            (_dotted(o.python_type), _dotted(o.dumper)) for o in shape.overrides if o.dumper
        ),
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


_COMMAND_TEMPLATES = {
    ":one": "one",
    ":many": "many",
    ":exec": "exec",
    ":execrows": "execrows",
    ":execresult": "execresult",
    ":copyfrom": "copyfrom",
    ":batchexec": "batchexec",
    ":batchmany": "batchmany",
    ":batchone": "batchone",
}
_ROW_COMMANDS = {":one", ":many", ":batchone", ":batchmany"}
_ROWS_INPUT = {":copyfrom", ":batchexec", ":batchone", ":batchmany"}
_INPUT_NAME = {
    ":copyfrom": "rows",
    ":batchexec": "batch",
    ":batchone": "batch",
    ":batchmany": "batch",
}
# ``self`` and the locals of methods taking keyword arguments (``cur``; ``rows`` and
# ``row`` in iterators): a parameter of one of these names gets a trailing "_".
_RESERVED_ARGS = {"self", "cur", "rows", "row"}

_NOTES: dict[str, tuple[str, ...]] = {
    ":execresult": (
        "Returns the cursor the statement ran on (rowcount, statusmessage, and any",
        "RETURNING rows); it stays open until closed or garbage-collected.",
    ),
    ":copyfrom": (
        "Inserts every row with one COPY ... FROM STDIN and returns how many were",
        "copied. COPY fires the table's triggers and checks its constraints like",
        "INSERT does, but has no ON CONFLICT and no RETURNING.",
    ),
    ":batchexec": (
        "Runs the statement once per parameter set with psycopg's executemany(),",
        "pipelined: one round trip for the whole batch.",
    ),
    ":batchmany": (
        "Runs the statement once per parameter set with psycopg's",
        "executemany(returning=True), pipelined: one round trip for the whole",
        "batch. Returns the rows of each parameter set, in order.",
    ),
    ":batchone": (
        "Runs the statement once per parameter set with psycopg's",
        "executemany(returning=True), pipelined: one round trip for the whole",
        "batch. Returns the first row of each parameter set (None when it has",
        "none), in order.",
    ),
}
_ITER_NOTE = (
    "Streams the rows through a server-side cursor (WITH HOLD), ``iter_size`` rows",
    "per round trip; other queries may run on the connection meanwhile. In",
    "autocommit mode PostgreSQL materialises the result server-side first. Close",
    "an iterator you leave early (contextlib.closing, contextlib.aclosing).",
)


def _modules(
    namer: _TypeNamer,
    models: list[Model],
    queries: list[tuple[ParsedQuery, Analysis]],
    problems: list[Diagnostic],
    limit: int | None,
    flavours: tuple[bool, ...],
) -> tuple[QueryModule, ...]:
    by_file: dict[str, list[tuple[ParsedQuery, Analysis]]] = {}
    for parsed, analysis in queries:
        by_file.setdefault(parsed.source.display, []).append((parsed, analysis))
    table_models = {m.pg_name: m for m in models}
    model_classes = {m.class_name for m in models} | namer.classes
    modules = []
    for display, items in by_file.items():
        stem = re.sub(r"\W", "_", display.rsplit("/", 1)[-1].removesuffix(".sql"))
        built: list[Query] = []
        rows: list[RowClass] = []
        params_classes: list[ParamsClass] = []
        builders: list[RowBuilder] = []
        for parsed, analysis in items:
            result = _query(namer, table_models, parsed, analysis, problems, limit)
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
        annotations = _module_annotations(built, rows)
        model_imports = _names_in(annotations, model_classes | {"JsonValue"})
        constants = {q.row_factory: q.row_factory_expression for q in built}
        constants.pop("tuple_row", None)
        row_factories = tuple(
            sorted(
                {
                    f
                    for q in built
                    for f in ("args_row", "tuple_row")
                    if f in q.row_factory_expression
                }
            )
        )
        binds = " ".join(q.bind_args for q in built)
        uses_jsonb = "Jsonb(" in binds
        stdlib = tuple(m for m in namer.imports(annotations) if m != "psycopg")
        modules.append(
            QueryModule(
                module=f"{stem}_sql",
                source=display,
                mixin=pascal_case(stem) + "Queries",
                queries=tuple(built),
                row_classes=tuple(rows),
                model_imports=model_imports,
                stdlib_imports=stdlib,
                row_factories=row_factories,
                row_factory_constants=tuple(sorted(constants.items())),
                uses_jsonb=uses_jsonb,
                params_classes=tuple(params_classes),
                row_builders=tuple(builders),
                import_blocks=_import_blocks(
                    namer,
                    annotations,
                    dataclass=bool(rows or params_classes) and not namer.pydantic,
                    typing_names=("Any",) if builders else (),
                    row_factories=row_factories,
                    jsonb=uses_jsonb,
                    local={
                        "._runtime": (
                            *sorted(("QueriesBase", "AsyncQueriesBase")[flag] for flag in flavours),
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
        )
    return tuple(modules)


def _module_annotations(queries: list[Query], rows: list[RowClass]) -> list[str]:
    annotations = [p.annotation for q in queries for p in q.params]
    annotations += [f.annotation for r in rows for f in r.fields]
    annotations += [f.annotation for q in queries for f in q.columns]
    annotations += [q.row_class for q in queries if q.row_class is not None]
    for query in queries:
        for method in query.methods:
            annotations += [method.arguments, method.returns, method.async_returns]
    return annotations


def _names_in(annotations: list[str], names: set[str]) -> tuple[str, ...]:
    return tuple(sorted({n for a in annotations for n in _NAME.findall(a)} & names))


_ABC = {"AsyncGenerator", "Generator", "Iterable"}


def _import_blocks(
    namer: _TypeNamer,
    annotations: list[str],
    *,
    dataclass: bool = False,
    typing_names: tuple[str, ...] = (),
    row_factories: tuple[str, ...] = (),
    jsonb: bool = False,
    local: dict[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], ...]:
    """Import lines in isort's order: standard library, psycopg, then the package."""
    modules = namer.imports(annotations)
    stdlib = [f"import {m}" for m in modules if m != "psycopg"]
    abc = _names_in(annotations, _ABC)
    if abc:
        stdlib.append(f"from collections.abc import {', '.join(abc)}")
    if dataclass:
        stdlib.append("from dataclasses import dataclass")
    if typing_names:
        stdlib.append(f"from typing import {', '.join(typing_names)}")
    third = ["import psycopg"] if "psycopg" in modules else []
    rows = sorted({*row_factories, *_names_in(annotations, {"TupleRow"})})
    if rows:
        third.append(f"from psycopg.rows import {', '.join(rows)}")
    if jsonb:
        third.append("from psycopg.types.json import Jsonb")
    own = [f"from {m} import {', '.join(names)}" for m, names in local.items() if names]
    return tuple(tuple(block) for block in (stdlib, third, own) if block)


def _querier_imports(
    namer: _TypeNamer,
    modules: tuple[QueryModule, ...],
    model_classes: set[str],
    flavours: tuple[bool, ...],
) -> tuple[tuple[str, ...], ...]:
    annotations = [
        text
        for module in modules
        for q in module.queries
        for m in q.methods
        for text in (m.arguments, m.returns, m.async_returns)
    ]
    local = {
        f".{module.module}": (
            *sorted(("", "Async")[flag] + module.mixin for flag in flavours),
            *sorted(
                {r.class_name for r in module.row_classes}
                | {p.class_name for p in module.params_classes}
            ),
        )
        for module in modules
    }
    local[".models"] = _names_in(annotations, model_classes | {"JsonValue"})
    return _import_blocks(namer, annotations, typing_names=("Protocol",), local=local)


def _check_names(modules: tuple[QueryModule, ...], problems: list[Diagnostic]) -> None:
    """Every query's methods end up in the same Queries classes: no name twice,
    and none that the package generates for itself (:mod:`.reserved`)."""
    methods: dict[str, Query] = {}
    for module in modules:
        for query in module.queries:
            own = {c.class_name for c in module.row_classes} | {
                p.class_name for p in module.params_classes
            }
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
                if first is not query:
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
    used = set(_NAME.findall(" ".join(texts)))
    kept = [m for m in models if m.class_name in used]
    used |= set(_NAME.findall(" ".join(f.annotation for m in kept for f in m.fields)))
    while True:  # a composite's fields can reach further enums and composites
        reached = {
            name
            for c in composites
            if c.class_name in used
            for f in c.fields
            for name in _NAME.findall(f.annotation)
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
        ("._runtime", tuple(runtime[flag] for flag in flavours)),
        (".querier", tuple(sorted(name for flag in flavours for name in querier[flag]))),
    )


def _member_name(renames: dict[str, str], label: str) -> str:
    """An enum label's member: renamed (escaped), else UPPER_SNAKE."""
    return escape_identifier(renames[label]) if label in renames else constant_name(label)


def _model_class_name(renames: dict[str, str], relation: str, exact: bool) -> str:
    """A table's or view's class: renamed by its name or its singular (sqlc looks
    up the singular), else the PascalCase singular, or the exact name."""
    stem = relation if exact else singular(relation)
    for key in (relation, stem):
        if key in renames:
            return escape_identifier(renames[key])
    return pascal_case(stem)


def _row_factory_name(expression: str) -> str:
    """``args_row(ChatOverview)`` -> ``_ROW_CHAT_OVERVIEW``; ``tuple_row`` stays."""
    if expression == "tuple_row":
        return expression
    inner = expression.removeprefix("args_row(").removesuffix(")").removesuffix(".from_row")
    inner = inner.strip("_")
    return "_ROW_" + snake_case(inner).upper()


def _iter_name(method: str) -> str:
    """``list_chat_messages`` -> ``iter_chat_messages``; ``search`` -> ``iter_search``."""
    return "iter_" + method.removeprefix("list_")


def _query(
    namer: _TypeNamer,
    table_models: dict[str, Model],
    parsed: ParsedQuery,
    analysis: Analysis,
    problems: list[Diagnostic],
    limit: int | None,
) -> tuple[Query, tuple[Field, ...], RowBuilder | None] | None:
    command = parsed.command
    params = _params(namer, parsed, analysis, problems)
    columns = _columns(namer, parsed, analysis.columns, problems)
    if columns is None or params is None:
        return None
    if command in _ROW_COMMANDS and not columns:
        fix = ":exec" if command in (":one", ":many") else ":batchexec"
        problems.append(
            parsed.diagnostic(f"query {parsed.name} {command} returns no columns; use {fix}", None)
        )
        return None
    if command in _ROWS_INPUT and not params:
        problems.append(
            parsed.diagnostic(
                f"query {parsed.name} {command} has no parameters; a batch needs at least one",
                None,
            )
        )
        return None
    copy_order: list[int] = []
    copy_sql = ""
    copy_types: tuple[str, ...] = ()
    if command == ":copyfrom":
        copy = _copy_from(namer, parsed, analysis, params, problems)
        if copy is None:
            return None
        copy_sql, copy_order, copy_types = copy

    method_name = field_name(snake_case(parsed.name))
    row_class: str | None = None
    own_row = False  # a <Query>Row class of its own, rather than a model
    row_fields: tuple[Field, ...] = ()
    builder: RowBuilder | None = None
    row_factory = "tuple_row"
    if command in _ROW_COMMANDS or (command == ":execresult" and columns):
        if analysis.embeds:
            row_class, own_row = f"{parsed.name}Row", True
            row_fields, args = _embedded_row(namer, table_models, analysis, columns)
            builder = RowBuilder(f"_{method_name}_row", row_class, args)
            row_factory = f"args_row({builder.function})"
        else:
            model = _matching_model(table_models, columns)
            row_class, own_row = model or f"{parsed.name}Row", model is None
            row_fields = columns
            row_factory = f"args_row({namer.construct(row_class)})"

    params_class: str | None = None
    input_name = _INPUT_NAME.get(command)
    if input_name is not None:
        params_class = f"{parsed.name}Params"
        arguments = f", {input_name}: Iterable[{params_class}], /"
        ordered = [next(p for p in params if p.number == n) for n in copy_order] or list(params)
        if command == ":copyfrom":
            # Binary COPY with set_types dumps each value by its column's type
            # (a dict as jsonb): no wrapping, nothing to build per value.
            binds = [f"row.{p.arg}" if copy_types else _bind(p, "row.") for p in ordered]
            bind_args = _tuple(binds)
        else:
            values = _tuple([_bind(p, "row.") for p in ordered])
            comprehension = (
                "[{} for row in {}]"
                if command in (":batchone", ":batchmany")
                else "({} for row in {})"
            )
            bind_args = comprehension.format(values, input_name)
    elif limit is not None and len(params) > limit:
        params_class = f"{parsed.name}Params"
        arguments = f", params: {params_class}, /"
        bind_args = _tuple([_bind(p, "params.") for p in params])
    else:
        arguments = (
            f", *, {', '.join(f'{p.arg}: {p.annotation}' for p in params)}" if params else ""
        )
        bind_args = _tuple([p.bind for p in params])

    taken = {m.class_name for m in table_models.values()} | namer.classes
    own_classes = [params_class, row_class if own_row else None]
    clash = next((c for c in own_classes if c is not None and c in taken), None)
    if clash is not None:
        problems.append(
            parsed.diagnostic(
                f"query {parsed.name}: the generated class {clash} would shadow the model "
                f"{clash}; rename the query",
                None,
            )
        )
        return None
    row = row_class or "TupleRow"
    returns, async_returns = {
        ":one": (f"{row} | None",) * 2,
        ":many": (f"list[{row}]",) * 2,
        ":exec": ("None",) * 2,
        ":execrows": ("int",) * 2,
        ":execresult": (f"psycopg.RawCursor[{row}]", f"psycopg.AsyncRawCursor[{row}]"),
        ":copyfrom": ("int",) * 2,
        ":batchexec": ("None",) * 2,
        ":batchmany": (f"list[list[{row}]]",) * 2,
        ":batchone": (f"list[{row} | None]",) * 2,
    }[command]
    doc = tuple(parsed.doc) or (f"{parsed.name} ({parsed.source.display}:{parsed.line}).",)
    note = _NOTES.get(command)
    methods = [
        Method(
            name=method_name,
            template=_COMMAND_TEMPLATES[command],
            arguments=arguments,
            returns=returns,
            async_returns=async_returns,
            generator=False,
            doc=(*doc, "", *note) if note else doc,
        )
    ]
    if command == ":many":
        methods.append(
            Method(
                name=_iter_name(method_name),
                template="iter",
                arguments=arguments,
                returns=f"Generator[{row}, None, None]",
                async_returns=f"AsyncGenerator[{row}, None]",
                generator=True,
                doc=(*doc, "", *_ITER_NOTE),
            )
        )
    sql = _runtime_sql(parsed, analysis)
    query = Query(
        name=parsed.name,
        method=method_name,
        command=command,
        template=_COMMAND_TEMPLATES[command],
        file=parsed.source.display,
        line=parsed.line,
        sql=sql,
        sql_constant=snake_case(parsed.name).upper(),
        doc=tuple(parsed.doc),
        params=params,
        columns=columns,
        row_class=row_class,
        return_annotation=returns,
        bind_args=bind_args,
        statement=copy_sql or sql,
        row_factory=_row_factory_name(row_factory),
        row_factory_expression=row_factory,
        params_class=params_class,
        copy_types=copy_types,
        methods=tuple(methods),
    )
    return query, row_fields, builder


def _params(
    namer: _TypeNamer, parsed: ParsedQuery, analysis: Analysis, problems: list[Diagnostic]
) -> tuple[QueryParam, ...] | None:
    ordered = sorted(analysis.params.values(), key=lambda p: p.number)
    names = unique_names(
        [p.hint or f"p{p.number}" if p.name.startswith("$") else p.name for p in ordered]
    )
    args = unique_names(
        [n + "_" if n in _RESERVED_ARGS else n for n in (namer.attr(n) for n in names)]
    )
    result = []
    for param, name, arg in zip(ordered, names, args, strict=True):
        assert param.type is not None
        if param.is_slice and not param.type.array_dims:
            problems.append(
                parsed.diagnostic(
                    f"query {parsed.name}: sqlc.slice({name}) must be a list of values: use it "
                    f"as col IN (sqlc.slice({name})) or col = ANY(sqlc.slice({name}))",
                    param.node,
                )
            )
            return None
        origin = param.origin or (None, None)
        python_type = namer.python(param.type, origin)
        override = namer.column_override(origin) or namer.by_type.get(param.type.name)
        param_ = QueryParam(
            number=param.number,
            name=name,
            arg=arg,
            pg_type=param.type.name,
            array_dims=param.type.array_dims,
            nullable=param.nullable,
            python_type=python_type,
            annotation=_annotation(python_type, param.nullable),
            bind="",
        )
        # A type with a dumper of its own is sent as it is; psycopg finds the dumper.
        wrap = param.type.name in JSON_TYPES and not param.type.array_dims
        param_ = dataclasses.replace(
            param_,
            wrap_jsonb=wrap and not (override is not None and override.dumper),
            overridden=override is not None,
        )
        result.append(dataclasses.replace(param_, bind=_bind(param_, "")))
    return tuple(result)


def _bind(param: QueryParam, prefix: str) -> str:
    """The value passed for ``param``, read from ``prefix + param.arg``."""
    value = prefix + param.arg
    if param.wrap_jsonb:
        return f"jsonb_or_none({value})" if param.nullable else f"Jsonb({value})"
    return value


def _tuple(items: list[str]) -> str:
    """A tuple display of ``items``, in placeholder order."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _copy_from(
    namer: _TypeNamer,
    parsed: ParsedQuery,
    analysis: Analysis,
    params: tuple[QueryParam, ...],
    problems: list[Diagnostic],
) -> tuple[str, list[int], tuple[str, ...]] | None:
    """The COPY statement, the parameter numbers in column order, and the binary COPY types.

    sqlc's rule: the query must be ``INSERT INTO t (cols) VALUES (...)`` with a
    parameter, and nothing else, for each column. The COPY is binary when
    psycopg knows every column type (built-in types and the schema's enums);
    otherwise it is text, and psycopg picks each value's dumper.
    """
    statement = parsed.expression
    shape = (
        f"query {parsed.name} :copyfrom must be INSERT INTO table (columns) VALUES (...) "
        "with one parameter per column"
    )
    values = statement.args.get("expression") if isinstance(statement, exp.Insert) else None
    target = statement.this if isinstance(statement, exp.Insert) else None
    extra = [
        key
        for key in ("returning", "conflict", "with_", "with", "where")
        if statement.args.get(key) is not None
    ]
    if (
        not isinstance(values, exp.Values)
        or len(values.expressions) != 1
        or not isinstance(target, exp.Schema)
        or not target.expressions
        or extra
        or analysis.insert_table is None
    ):
        suffix = "; COPY has no RETURNING, ON CONFLICT or WITH" if extra else ""
        problems.append(parsed.diagnostic(shape + suffix, None))
        return None
    row = values.expressions[0]
    items = row.expressions if isinstance(row, exp.Tuple) else [row]
    numbers = []
    for item in items:
        if not (isinstance(item, exp.Parameter) and item.this is not None and item.this.is_int):
            problems.append(parsed.diagnostic(shape, item))
            return None
        numbers.append(int(item.this.name))
    if len(set(numbers)) != len(numbers) or len(numbers) != len(target.expressions):
        problems.append(parsed.diagnostic(shape, None))
        return None
    by_number = {p.number: p for p in params}
    types = [namer.copy_type(by_number[n]) for n in numbers]
    binary = all(t is not None for t in types)
    table = ".".join(quote_ident(part) for part in analysis.insert_table.split("."))
    columns = ", ".join(quote_ident(_identifier(c)) for c in target.expressions)
    sql = f"COPY {table} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    return sql, numbers, tuple(t for t in types if t is not None) if binary else ()


def _identifier(node: exp.Expr) -> str:
    if isinstance(node, exp.Column):
        node = node.this
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    return node.name.lower()


def _columns(
    namer: _TypeNamer, parsed: ParsedQuery, columns: list[ResultColumn], problems: list[Diagnostic]
) -> tuple[Field, ...] | None:
    unnamed = [c for c in columns if c.name == "?column?"]
    if unnamed:
        problems.append(
            parsed.diagnostic(
                f"query {parsed.name}: every computed result column needs an alias (AS name)", None
            )
        )
        return None
    attrs = unique_names([namer.attr(c.name) for c in columns])
    return tuple(
        _field(namer, c.name, attr, c.type, c.nullable, c.table, column=c.column)
        for c, attr in zip(columns, attrs, strict=True)
    )


def _embedded_row(
    namer: _TypeNamer,
    table_models: dict[str, Model],
    analysis: Analysis,
    columns: tuple[Field, ...],
) -> tuple[tuple[Field, ...], tuple[BuilderArg, ...]]:
    """Row fields and constructor arguments: each ``sqlc.embed`` becomes one model field.

    An embedded model is None when its table is outer-joined and the row has no
    match, told by a NOT NULL column of the model being NULL (or, for a model
    without one, by every column being NULL).
    """
    groups: list[tuple[int | None, int, int]] = []  # (embed marker, start, end)
    for index, column in enumerate(analysis.columns):
        if column.embed is not None and groups and groups[-1][0] == column.embed:
            groups[-1] = (column.embed, groups[-1][1], index + 1)
        else:
            groups.append((column.embed, index, index + 1))
    relations = [analysis.embeds[m].relation for m, _, _ in groups if m is not None]
    names = []
    for marker, start, _ in groups:
        if marker is None:
            names.append(columns[start].attr)
            continue
        embed = analysis.embeds[marker]
        twice = relations.count(embed.relation) > 1
        names.append(field_name(embed.alias if twice else singular(embed.relation)))
    attrs = unique_names(names)
    fields: list[Field] = []
    args: list[BuilderArg] = []
    for (marker, start, end), attr in zip(groups, attrs, strict=True):
        if marker is None:
            fields.append(dataclasses.replace(columns[start], attr=attr))
            args.append(BuilderArg(attr, f"values[{start}]"))
            continue
        embed = analysis.embeds[marker]
        model = table_models[embed.relation]
        assert len(model.fields) == end - start
        build = f"{namer.construct(model.class_name)}(*values[{start}:{end}])"
        if embed.nullable:
            required = next((i for i, f in enumerate(model.fields) if not f.nullable), None)
            absent = (
                f"values[{start + required}] is None"
                if required is not None
                else f"all(v is None for v in values[{start}:{end}])"
            )
            build = f"None if {absent} else {build}"
        fields.append(
            Field(
                name=embed.alias,
                attr=attr,
                pg_type=embed.relation,
                array_dims=0,
                nullable=embed.nullable,
                python_type=model.class_name,
                annotation=_annotation(model.class_name, embed.nullable),
                table=embed.relation,
                embed=True,
            )
        )
        args.append(BuilderArg(attr, build))
    return tuple(fields), tuple(args)


def _matching_model(table_models: dict[str, Model], columns: tuple[Field, ...]) -> str | None:
    """The table or view model whose columns the query returns exactly, in order."""
    tables = {c.table for c in columns}
    if len(tables) != 1:
        return None
    model = table_models.get(next(iter(tables)) or "")
    if model is None:
        return None
    signature = [(f.name, f.annotation) for f in model.fields]
    if signature == [(c.name, c.annotation) for c in columns]:
        return model.class_name
    return None


def _runtime_sql(parsed: ParsedQuery, analysis: Analysis) -> str:
    sql = parsed.source.text[parsed.sql_start : parsed.sql_end]

    def text_of(edit: Edit) -> str:
        if edit.runtime is not None:
            return edit.runtime
        if edit.param is not None:
            return f"${edit.param}"
        assert edit.star is not None
        expansion = analysis.star_expansions.get(edit.star, [])
        qualify = "." in edit.analysis or len({alias for alias, _ in expansion}) > 1
        return ", ".join(
            f"{quote_ident(alias)}.{quote_ident(name)}" if qualify else quote_ident(name)
            for alias, name in expansion
        )

    return apply_edits(sql, parsed.edits, text_of)
