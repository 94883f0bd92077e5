"""The IR: plain frozen dataclasses that every template reads and ``sqlgen inspect``
dumps as JSON (docs/ir.md). They carry every decision the templates would otherwise
make: names, Python types, imports, bind expressions.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from pgsqlgen.config.model import Config, TypeOverride

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

    ``arguments`` is the parameter list after ``self`` (``async_arguments`` the
    async class's: they differ in the connection type when each method takes
    its connection); ``forward`` is what a wrapper passes on to the inner
    querier's method (empty: nothing); ``generator`` methods are (async)
    generators, which a protocol declares with a plain ``def``.
    """

    name: str
    template: str
    arguments: str
    async_arguments: str
    forward: str
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
    row_type: str
    """What a row of the query is in Python: its row class, or one column's type."""
    params_class: str | None
    copy_types: tuple[str, ...]
    methods: tuple[Method, ...]
    exactly_one: bool
    """A ``:one`` that PostgreSQL answers with exactly one row: its method returns the
    row (not ``| None``) and raises ``NoRowError`` if a trigger or rule suppressed it."""


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
    row_factory_constants: tuple[tuple[str, str, str], ...]
    """``(name, annotation, expression)`` of each row factory built once per module: a
    cursor is reused per row factory, so the factory must be one object, not one per
    call. ``annotation`` types psycopg's untyped ``scalar_row`` (``: BaseRowFactory[int]``)."""
    uses_jsonb: bool
    params_classes: tuple[ParamsClass, ...]
    row_builders: tuple[RowBuilder, ...]
    import_blocks: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ModulePageSettings:
    """All of the package's IR a query module's page reads besides its module: our
    template is rendered with this as ``ir``, so it can read nothing else, and the
    page is remembered between runs under this and its module alone
    (:mod:`pgsqlgen.incremental`): a migration that changes a model leaves the query
    modules that do not use it as they are."""

    record_decorator: str
    params_decorator: str
    record_base: str
    flavours: tuple[bool, ...]
    connection_argument: str


@dataclass(frozen=True)
class Ir:
    package: str
    generator_version: str
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    models: tuple[Model, ...]
    model_import_blocks: tuple[tuple[str, ...], ...]
    """The import lines of ``models.py``, in blocks as isort orders them."""
    uses_as_is: bool
    """A pydantic model holds a user's own type, marked ``AsIs`` (defined in ``models.py``)."""
    unique_constraints: tuple[ConstraintDef, ...]
    foreign_key_constraints: tuple[ConstraintDef, ...]
    check_constraints: tuple[ConstraintDef, ...]
    modules: tuple[QueryModule, ...]
    querier_stdlib_imports: tuple[str, ...]
    querier_model_imports: tuple[str, ...]
    querier_import_blocks: tuple[tuple[str, ...], ...]
    wrapper_import_blocks: tuple[tuple[str, ...], ...]
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
    connection_argument: str = ""
    """What the query methods pass before the row factory to the base class's cursor
    helpers: nothing when the Queries object holds its connection, ``conn, `` when
    each method takes its connection (emit_methods_with_db_argument)."""
    queries_base: str = "_queries_base.py.j2"
    """The template of ``_runtime``'s ``QueriesBase`` classes: holding one connection,
    or ``_queries_base_per_call.py.j2``, given one per call."""
    queries_docs: tuple[str, str] = (
        "All queries over one psycopg connection.",
        "All queries over one psycopg async connection.",
    )
    """The docstrings of ``Queries`` and ``AsyncQueries``."""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @property
    def module_page_settings(self) -> ModulePageSettings:
        return ModulePageSettings(
            self.record_decorator,
            self.params_decorator,
            self.record_base,
            self.flavours,
            self.connection_argument,
        )


@dataclass(frozen=True)
class Shape:
    """The configuration's say in the output: sqlc's per-package options."""

    query_parameter_limit: int | None = None
    overrides: tuple[TypeOverride, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    exact_table_names: bool = False
    inflection_exclude_table_names: tuple[str, ...] = ()
    omit_unused_models: bool = False
    models: str = "dataclass"
    emit_sync: bool = True
    emit_async: bool = True
    emit_methods_with_db_argument: bool = False

    @classmethod
    def of(cls, config: Config) -> Shape:
        return cls(
            query_parameter_limit=config.query_parameter_limit,
            overrides=config.overrides,
            renames=config.renames,
            exact_table_names=config.exact_table_names,
            inflection_exclude_table_names=config.inflection_exclude_table_names,
            omit_unused_models=config.omit_unused_models,
            models=config.models,
            emit_sync=config.emit_sync,
            emit_async=config.emit_async,
            emit_methods_with_db_argument=config.emit_methods_with_db_argument,
        )
