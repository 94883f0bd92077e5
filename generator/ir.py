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

from generator import __version__
from generator.analyse import Analysis, ResultColumn
from generator.catalog import Catalog, Column, quote_ident
from generator.errors import Diagnostic, SqlgenError
from generator.naming import (
    constant_name,
    field_name,
    pascal_case,
    singular,
    snake_case,
    unique_names,
)
from generator.pgtypes import PgType, python_base_type
from generator.queryfile import Edit, ParsedQuery, apply_edits

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


@dataclass(frozen=True)
class RowClass:
    class_name: str
    fields: tuple[Field, ...]
    query: str


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
    uses_jsonb: bool


@dataclass(frozen=True)
class Ir:
    package: str
    generator_version: str
    enums: tuple[EnumDef, ...]
    models: tuple[Model, ...]
    model_stdlib_imports: tuple[str, ...]
    unique_constraints: tuple[ConstraintDef, ...]
    foreign_key_constraints: tuple[ConstraintDef, ...]
    check_constraints: tuple[ConstraintDef, ...]
    modules: tuple[QueryModule, ...]
    querier_stdlib_imports: tuple[str, ...]
    querier_model_imports: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)


_COMMAND_TEMPLATES = {":one": "one", ":many": "many", ":exec": "exec", ":execrows": "execrows"}


class _TypeNamer:
    """Python types for PostgreSQL types, knowing the catalog's enums and domains."""

    def __init__(self, catalog: Catalog, enums: dict[str, str]) -> None:
        self.catalog = catalog
        self.enums = enums

    def base(self, pg_type: PgType) -> str:
        name = pg_type.name
        if name in self.enums:
            return self.enums[name]
        if name in self.catalog.domains:
            return self.base(self.catalog.domains[name].base.element())
        known = python_base_type(name)
        return known if known is not None else "typing.Any"

    def python(self, pg_type: PgType) -> str:
        text = self.base(pg_type)
        for _ in range(pg_type.array_dims):
            text = f"list[{text}]"
        return text


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
) -> Field:
    python_type = namer.python(pg_type)
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
    attrs = unique_names([field_name(c.name) for c in columns])
    return tuple(
        _field(namer, c.name, attr, c.type, not c.not_null, table, c.comment)
        for c, attr in zip(columns, attrs, strict=True)
    )


def _imports(annotations: list[str]) -> tuple[str, ...]:
    modules = {m for a in annotations for m in re.findall(r"\b([a-z_]+)\.[A-Za-z_]", a)}
    return tuple(sorted(modules))


def build_ir(
    catalog: Catalog,
    queries: list[tuple[ParsedQuery, Analysis]],
    package: str,
) -> Ir:
    """Build the IR; raises SqlgenError for names that cannot become Python."""
    problems: list[Diagnostic] = []
    enum_names = unique_names([pascal_case(name) for name in catalog.enums])
    enum_classes = dict(zip(catalog.enums, enum_names, strict=True))
    namer = _TypeNamer(catalog, enum_classes)
    enums = tuple(
        EnumDef(
            pg_name=enum.name,
            class_name=enum_classes[enum.name],
            members=tuple(
                EnumMember(member, value)
                for member, value in zip(
                    unique_names([constant_name(v) for v in enum.values]), enum.values, strict=True
                )
            ),
            comment=enum.comment,
        )
        for enum in catalog.enums.values()
    )
    taken = set(enum_names)
    models: list[Model] = []
    relations: list[tuple[str, str, list[Column], str | None]] = [
        (t.name, "table", t.columns, t.comment) for t in catalog.tables.values()
    ] + [(v.name, "view", v.columns, v.comment) for v in catalog.views.values()]
    for pg_name, kind, columns, comment in relations:
        class_name = pascal_case(singular(pg_name))
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

    modules = _modules(namer, models, queries, problems)
    if problems:
        raise SqlgenError(problems)
    model_annotations = [f.annotation for m in models for f in m.fields]
    return Ir(
        package=package,
        generator_version=__version__,
        enums=enums,
        models=tuple(models),
        model_stdlib_imports=tuple(sorted({"enum", *_imports(model_annotations)})),
        unique_constraints=tuple(constraints["unique"]),
        foreign_key_constraints=tuple(constraints["foreign_key"]),
        check_constraints=tuple(constraints["check"]),
        modules=modules,
        querier_stdlib_imports=tuple(sorted({i for m in modules for i in m.stdlib_imports})),
        querier_model_imports=tuple(sorted({i for m in modules for i in m.model_imports})),
    )


def _modules(
    namer: _TypeNamer,
    models: list[Model],
    queries: list[tuple[ParsedQuery, Analysis]],
    problems: list[Diagnostic],
) -> tuple[QueryModule, ...]:
    by_file: dict[str, list[tuple[ParsedQuery, Analysis]]] = {}
    for parsed, analysis in queries:
        by_file.setdefault(parsed.source.display, []).append((parsed, analysis))
    table_models = {m.pg_name: m for m in models}
    model_classes = {m.class_name for m in models} | set(namer.enums.values())
    modules = []
    for display, items in by_file.items():
        stem = re.sub(r"\W", "_", display.rsplit("/", 1)[-1].removesuffix(".sql"))
        built: list[Query] = []
        rows: list[RowClass] = []
        for parsed, analysis in items:
            query = _query(namer, table_models, parsed, analysis, problems)
            if query is None:
                continue
            built.append(query)
            if query.row_class is not None and query.row_class not in model_classes:
                rows.append(RowClass(query.row_class, query.columns, query.name))
        annotations = [p.annotation for q in built for p in q.params] + [
            f.annotation for q in built for f in q.columns
        ]
        referenced = {q.row_class for q in built if q.row_class in model_classes}
        referenced |= {
            name
            for a in annotations
            for name in re.findall(r"\b[A-Z]\w*", a)
            if name in model_classes or name == "JsonValue"
        }
        modules.append(
            QueryModule(
                module=f"{stem}_sql",
                source=display,
                mixin=pascal_case(stem) + "Queries",
                queries=tuple(built),
                row_classes=tuple(rows),
                model_imports=tuple(sorted(referenced)),
                stdlib_imports=_imports(annotations),
                row_factories=tuple(
                    sorted({"args_row" if q.row_class else "tuple_row" for q in built})
                ),
                uses_jsonb=any(p.pg_type in JSON_TYPES for q in built for p in q.params),
            )
        )
    return tuple(modules)


def _query(
    namer: _TypeNamer,
    table_models: dict[str, Model],
    parsed: ParsedQuery,
    analysis: Analysis,
    problems: list[Diagnostic],
) -> Query | None:
    params = _params(namer, parsed, analysis)
    columns = _columns(namer, parsed, analysis.columns, problems)
    if columns is None:
        return None
    row_class: str | None = None
    if parsed.command in (":one", ":many"):
        if not columns:
            problems.append(
                parsed.diagnostic(
                    f"query {parsed.name} {parsed.command} returns no columns; use :exec", None
                )
            )
            return None
        row_class = _matching_model(table_models, columns) or f"{parsed.name}Row"
    returns = {
        ":one": f"{row_class} | None",
        ":many": f"list[{row_class}]",
        ":exec": "None",
        ":execrows": "int",
    }[parsed.command]
    return Query(
        name=parsed.name,
        method=field_name(snake_case(parsed.name)),
        command=parsed.command,
        template=_COMMAND_TEMPLATES[parsed.command],
        file=parsed.source.display,
        line=parsed.line,
        sql=_runtime_sql(parsed, analysis),
        sql_constant=snake_case(parsed.name).upper(),
        doc=tuple(parsed.doc),
        params=params,
        columns=columns,
        row_class=row_class,
        return_annotation=returns,
        bind_args=_bind_args(params),
    )


def _params(namer: _TypeNamer, parsed: ParsedQuery, analysis: Analysis) -> tuple[QueryParam, ...]:
    ordered = sorted(analysis.params.values(), key=lambda p: p.number)
    names = unique_names(
        [p.hint or f"p{p.number}" if p.name.startswith("$") else p.name for p in ordered]
    )
    result = []
    for param, name in zip(ordered, names, strict=True):
        assert param.type is not None
        python_type = namer.python(param.type)
        arg = field_name(name)
        bind = arg
        if param.type.name in JSON_TYPES and not param.type.array_dims:
            bind = f"None if {arg} is None else Jsonb({arg})" if param.nullable else f"Jsonb({arg})"
        result.append(
            QueryParam(
                number=param.number,
                name=name,
                arg=arg,
                pg_type=param.type.name,
                array_dims=param.type.array_dims,
                nullable=param.nullable,
                python_type=python_type,
                annotation=_annotation(python_type, param.nullable),
                bind=bind,
            )
        )
    return tuple(result)


def _bind_args(params: tuple[QueryParam, ...]) -> str:
    """The parameter tuple passed to ``execute``, in placeholder order."""
    binds = [p.bind for p in params]
    return f"({binds[0]},)" if len(binds) == 1 else f"({', '.join(binds)})"


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
    attrs = unique_names([field_name(c.name) for c in columns])
    return tuple(
        _field(namer, c.name, attr, c.type, c.nullable, c.table)
        for c, attr in zip(columns, attrs, strict=True)
    )


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
