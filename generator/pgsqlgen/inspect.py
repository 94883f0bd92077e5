"""``sqlgen inspect``: the catalog, the IR and every error of a run, as one JSON document.

This is the documented input of third-party templates and tools (see
``docs/ir.md``). Like a compiler, a run reports every error it finds: queries
that fail analysis are listed under ``errors`` and left out of ``ir``, so one
bad query never hides the rest. Only an unreadable schema leaves ``catalog``
and ``ir`` empty.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pgsqlgen import __version__
from pgsqlgen.catalog.model import Catalog, Column, render_sql
from pgsqlgen.codegen.ir.build import assemble_ir_keep_going, build_modules, plan_ir
from pgsqlgen.codegen.ir.model import Shape
from pgsqlgen.config.model import Config
from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.pipeline import analyse_queries_keep_going, load_catalog

FORMAT_VERSION = 1


def _column(column: Column) -> dict[str, Any]:
    return {
        "name": column.name,
        "pg_type": column.type.name,
        "array_dims": column.type.array_dims,
        "type": column.type.display(),
        "nullable": not column.not_null,
        "default": render_sql(column.default) if column.default is not None else None,
        "identity": column.identity,
        "generated": render_sql(column.generated) if column.generated is not None else None,
        "comment": column.comment,
    }


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """The catalog as plain JSON data, in the schema's own order."""
    return {
        "tables": [
            {
                "name": table.name,
                "comment": table.comment,
                "columns": [_column(c) for c in table.columns],
                "constraints": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "columns": list(c.columns),
                        "definition": c.definition(),
                    }
                    for c in table.constraints
                ],
            }
            for table in catalog.tables.values()
        ],
        "views": [
            {
                "name": view.name,
                "materialized": view.materialized,
                "comment": view.comment,
                "columns": [_column(c) for c in view.columns],
            }
            for view in catalog.views.values()
        ],
        "enums": [
            {"name": e.name, "values": list(e.values), "comment": e.comment}
            for e in catalog.enums.values()
        ],
        "composite_types": [
            {"name": c.name, "comment": c.comment, "columns": [_column(col) for col in c.columns]}
            for c in catalog.composites.values()
        ],
        "domains": [
            {
                "name": d.name,
                "base": d.base.display(),
                "nullable": not d.not_null,
                "comment": d.comment,
            }
            for d in catalog.domains.values()
        ],
        "indexes": [
            {"name": i.name, "table": i.table, "unique": i.unique, "definition": i.definition()}
            for i in catalog.indexes.values()
        ],
    }


def _errors(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(d) for d in diagnostics]


def inspect_document(config: Config) -> dict[str, Any]:
    """Everything ``sqlgen inspect`` prints; never raises for a mistake in the SQL."""
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generator_version": __version__,
        "catalog": None,
        "ir": None,
        "errors": [],
    }
    try:
        catalog = load_catalog(config)
    except SqlgenError as error:
        document["errors"] = _errors(error.diagnostics)
        return document
    document["catalog"] = catalog_document(catalog)
    analysed, problems = analyse_queries_keep_going(config, catalog)
    plan = plan_ir(catalog, Shape.of(config))
    modules, module_problems = build_modules(plan, analysed)
    ir, name_problems = assemble_ir_keep_going(plan, config.package, modules)
    document["ir"] = dataclasses.asdict(ir)
    problems = [*problems, *module_problems, *name_problems]
    document["errors"] = _errors(sorted(problems, key=lambda d: (d.file, d.line, d.col)))
    return document
