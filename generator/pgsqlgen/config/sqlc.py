"""Reading an existing sqlc configuration (``sqlc.yaml``/``sqlc.json``, version 2).

A team moving from sqlc keeps its file: every ``sql[]`` entry with
``engine: postgresql`` becomes one package, its ``schema`` and ``queries``
are read as sqlc reads them, and ``rename`` and ``overrides`` carry over.
Our options live in a ``gen.python`` block (or the ``options`` of a Python
``codegen`` plugin entry), which also accepts sqlc-gen-python's names for
the same things. Everything else sqlc understands (``gen.go``, ``rules``,
``plugins``, ...) is named in a warning: the file may still drive sqlc, but
nothing it says is silently dropped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgsqlgen.config.model import (
    OPTION_KEYS,
    Config,
    Reader,
    config_error,
    load_json_or_yaml,
    package_name,
    read_options,
    read_overrides,
    read_renames,
)
from pgsqlgen.errors import Diagnostic

# sqlc-gen-python's option names, and ours they mean.
_PLUGIN_ALIASES = {
    "emit_sync_querier": "emit_sync",
    "emit_async_querier": "emit_async",
    "emit_exact_table_names": "exact_table_names",
    "omit_unused_structs": "omit_unused_models",
}
_PYTHON_KEYS = {"package", "out", *OPTION_KEYS, *_PLUGIN_ALIASES, "emit_pydantic_models"}
_TOP_KEYS = {"version", "sql", "overrides", "rename", "plugins", "rules", "cloud", "options"}
_SQL_KEYS = {
    "engine",
    "schema",
    "queries",
    "gen",
    "codegen",
    "rename",
    "strict_function_checks",
    "strict_order_by",
    "database",
    "analyzer",
    "rules",
    "name",
}


def _python_block(reader: Reader, entry: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Our options for one ``sql[]`` entry, with sqlc-gen-python's names mapped to ours."""
    gen = entry.get("gen") or {}
    block: object = gen.get("python")
    where = f"{reader.where} gen.python"
    if block is None:
        for index, plugin in enumerate(entry.get("codegen") or []):
            if isinstance(plugin, dict) and "py" in str(plugin.get("plugin", "")):
                block = {"out": plugin.get("out"), **(plugin.get("options") or {})}
                where = f"{reader.where} codegen[{index}]"
                break
    if block is None:
        go = gen.get("go") or {}
        block = {"out": go.get("out", "db"), "package": go.get("package")}
        where = f"{reader.where} (no gen.python: gen.go's out and package)"
    if not isinstance(block, dict):
        raise reader.fail("gen.python must be a table of options")
    options = dict(block)
    for alias, ours in _PLUGIN_ALIASES.items():
        if alias in options:
            options[ours] = options.pop(alias)
    if options.pop("emit_pydantic_models", False):
        options["models"] = "pydantic"
    return options, where


def load_sqlc_config(path: Path) -> list[Config]:
    """One :class:`Config` per PostgreSQL ``sql[]`` entry of a version 2 sqlc file."""
    document = load_json_or_yaml(path)
    if not isinstance(document, dict):
        raise config_error(path, "a sqlc configuration is a mapping with version and sql")
    top = Reader(path, document, path.name)
    if str(document.get("version")) != "2":
        raise top.fail(
            f"version {document.get('version')!r}: only version 2 is read "
            "(sqlc's own `sqlc vet`-era files; convert packages[] to sql[])"
        )
    top.reject_unknown(_TOP_KEYS)
    shared = document.get("overrides") or {}
    if not isinstance(shared, dict):
        raise top.fail("overrides must be a table (overrides.python, overrides.go)")
    warnings = [
        f"{key} (sqlc only)" for key in ("plugins", "rules", "cloud", "options") if key in document
    ]
    shared_python = shared.get("python") or {}
    go_shared = shared.get("go") or {}
    warnings += [f"overrides.{key}" for key in sorted(set(shared) - {"python", "go"})]
    go_overrides, skipped = read_overrides(top, go_shared.get("overrides"))
    warnings += [f"overrides.go {s}" for s in skipped]
    renames = dict(read_renames(top, document.get("rename")))
    renames |= dict(read_renames(top, go_shared.get("rename")))
    renames |= dict(read_renames(top, shared_python.get("rename")))
    shared_overrides, skipped = read_overrides(top, shared_python.get("overrides"))
    if skipped:
        raise top.fail(f"overrides.python entries without a python_type: {'; '.join(skipped)}")
    configs: list[Config] = []
    entries = document.get("sql")
    if not isinstance(entries, list) or not entries:
        raise top.fail("sql must be a non-empty list")
    for index, entry in enumerate(entries):
        reader = Reader(path, entry, f"sql[{index}]")
        if not isinstance(entry, dict):
            raise reader.fail("must be a table")
        reader.reject_unknown(_SQL_KEYS)
        engine = entry.get("engine")
        if engine != "postgresql":
            warnings.append(f"sql[{index}] (engine {engine!r}: only postgresql is generated)")
            continue
        warnings += [
            f"sql[{index}].{key} (sqlc only)"
            for key in (
                "strict_function_checks",
                "strict_order_by",
                "database",
                "analyzer",
                "rules",
            )
            if key in entry
        ]
        gen = entry.get("gen") or {}
        go = gen.get("go") or {}
        warnings += [f"sql[{index}].gen.{k}" for k in sorted(gen) if k not in ("python", "go")]
        warnings += [
            f"sql[{index}].gen.go.{k}" for k in sorted(go) if k not in ("rename", "overrides")
        ]
        entry_go_overrides, skipped = read_overrides(reader, go.get("overrides"))
        warnings += [f"sql[{index}].gen.go {s}" for s in skipped]
        options, where = _python_block(reader, entry)
        block = Reader(path, options, where)
        block.reject_unknown(_PYTHON_KEYS)
        merged = dict(renames) | dict(read_renames(reader, entry.get("rename")))
        merged |= dict(read_renames(reader, go.get("rename")))
        parsed = read_options(block, path.parent)
        out = block.string("out") or "db"
        configs.append(
            Config(
                root=path.parent,
                schema=reader.paths("schema", path.parent),
                queries=reader.paths("queries", path.parent),
                out=path.parent / out,
                package=package_name(block, out, block.string("package")),
                **{
                    **parsed,
                    "renames": tuple(sorted((merged | dict(parsed["renames"])).items())),
                    "overrides": (
                        *go_overrides,
                        *shared_overrides,
                        *entry_go_overrides,
                        *parsed["overrides"],
                    ),
                },
                warnings=tuple(
                    Diagnostic(str(path), 1, 1, f"ignored: {item}", severity="warning")
                    for item in warnings
                ),
            )
        )
        warnings = []
    if not configs:
        raise top.fail("no sql[] entry with engine: postgresql")
    return configs
