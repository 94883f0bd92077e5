"""Result rows: the fields of a query's row class, ``sqlc.embed`` rows nested in it, a
table's or view's model reused when a query returns exactly its columns, and the SQL
text sent at run time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlglot import exp

from pgsqlgen.catalog.model import quote_ident
from pgsqlgen.codegen.ir.model import BuilderArg, Field, Model
from pgsqlgen.codegen.ir.types import TypeNamer, make_field, optional_annotation
from pgsqlgen.codegen.naming import (
    field_name,
    singular,
    unique_names,
)
from pgsqlgen.queries.analysis.model import Analysis, ResultColumn
from pgsqlgen.queries.files import Edit, ParsedQuery, apply_edits


def sql_identifier(node: exp.Expr) -> str:
    if isinstance(node, exp.Column):
        node = node.this
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    return node.name.lower()


def _attribute(namer: TypeNamer, name: str, position: int) -> str:
    """A result column's Python name. PostgreSQL names an unaliased expression it
    cannot name otherwise ``?column?``; like sqlc, the field is ``column_<position>``."""
    return f"column_{position}" if name == "?column?" else namer.attr(name)


def result_fields(namer: TypeNamer, columns: list[ResultColumn]) -> tuple[Field, ...]:
    attrs = unique_names([_attribute(namer, c.name, i) for i, c in enumerate(columns, 1)])
    return tuple(
        make_field(namer, c.name, attr, c.type, c.nullable, c.table, column=c.column)
        for c, attr in zip(columns, attrs, strict=True)
    )


def embedded_row(
    namer: TypeNamer,
    table_models: Mapping[str, Model],
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
                annotation=optional_annotation(model.class_name, embed.nullable),
                table=embed.relation,
                embed=True,
            )
        )
        args.append(BuilderArg(attr, build))
    return tuple(fields), tuple(args)


def matching_model(table_models: Mapping[str, Model], columns: tuple[Field, ...]) -> str | None:
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


def runtime_sql(parsed: ParsedQuery, analysis: Analysis) -> str:
    sql = parsed.source.text[parsed.sql_start : parsed.sql_end]

    def text_of(edit: Edit) -> str:
        if edit.runtime is not None:
            return edit.runtime
        if edit.param is not None:
            return f"${edit.param}"
        assert edit.star is not None
        expansion = analysis.star_expansions.get(edit.star)
        if expansion is None:
            return sql[edit.start : edit.end]
        qualify = "." in edit.analysis or len({alias for alias, _ in expansion}) > 1
        return ", ".join(
            f"{quote_ident(alias)}.{quote_ident(name)}" if qualify else quote_ident(name)
            for alias, name in expansion
        )

    return apply_edits(sql, parsed.edits, text_of)
