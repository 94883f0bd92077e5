"""Reading an existing sqlc configuration (``sqlc.yaml``/``sqlc.yml``/``sqlc.json``,
version 1 or 2) as sqlc reads it.

A team moving from sqlc keeps its file unchanged. A version 1 file is first put
in the version 2 form, as sqlc does: each ``packages[]`` entry becomes a
``sql[]`` entry whose ``gen.go`` holds the package's Go options, and the
top-level ``overrides`` and ``rename`` become ``overrides.go``. Then every
``sql[]`` entry with ``engine: postgresql`` becomes one package. Its ``schema``
is read as sqlc reads it (:mod:`pgsqlgen.sql.sqlc_layout`: a plain directory of
``.sql`` files, down parts left out), ``rename`` and the overrides that name a
``python_type`` carry over, and the Go options that mean something for Python
code are mapped (``docs/coming-from-sqlc.md`` lists every option).

Our own options live in a ``gen.python`` block (or the ``options`` of a Python
``codegen`` plugin entry), which also accepts sqlc-gen-python's names for the
same things. Without one, the package is a directory named after the Go package
inside ``gen.go``'s ``out`` (``postgresql/ondeck``), beside sqlc's Go files.

Nothing is dropped silently, and nothing is reported that did happen: what does
not apply is named in one warning per kind (Go-only options, overrides with no
Python type, entries for other engines, sqlc's own settings). A key sqlc does
not know either is an error, as it is for sqlc.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
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
from pgsqlgen.sql.sqlc_layout import expand_sqlc_patterns, sqlc_reads

# sqlc-gen-python's option names, and ours they mean.
_PLUGIN_ALIASES = {
    "emit_sync_querier": "emit_sync",
    "emit_async_querier": "emit_async",
    "emit_exact_table_names": "exact_table_names",
    "omit_unused_structs": "omit_unused_models",
}
_PYTHON_KEYS = {"package", "out", *OPTION_KEYS, *_PLUGIN_ALIASES, "emit_pydantic_models"}

#: sqlc's Go options that mean the same for Python code, and our names for them
#: (``package``, ``out``, ``rename`` and ``overrides`` are read on their own).
_GO_MAPPED = {
    "emit_exact_table_names": "exact_table_names",
    "omit_unused_structs": "omit_unused_models",
    "query_parameter_limit": "query_parameter_limit",
    "emit_methods_with_db_argument": "emit_methods_with_db_argument",
    "inflection_exclude_table_names": "inflection_exclude_table_names",
}
#: sqlc's Go options that shape Go code only (struct tags, pointers, file names,
#: the database/sql or pgx driver, ...): named in a warning, no effect here.
_GO_ONLY = {
    "build_tags",
    "emit_all_enum_values",
    "emit_db_tags",
    "emit_empty_slices",
    "emit_enum_valid_method",
    "emit_exported_queries",
    "emit_interface",
    "emit_json_tags",
    "emit_params_struct_pointers",
    "emit_pointers_for_null_enum_types",
    "emit_pointers_for_null_types",
    "emit_prepared_queries",
    "emit_query_batch",
    "emit_result_struct_pointers",
    "emit_sql_as_comment",
    "initialisms",
    "json_tags_case_style",
    "json_tags_id_uppercase",
    "omit_sqlc_version",
    "output_batch_file_name",
    "output_copyfrom_file_name",
    "output_db_file_name",
    "output_files_suffix",
    "output_models_file_name",
    "output_querier_file_name",
    "output_query_batch_file_name",
    "sql_driver",
    "sql_package",
    "wrap_errors",
}
_GO_KEYS = {"package", "out", "rename", "overrides", *_GO_MAPPED, *_GO_ONLY}

#: Per-entry settings of sqlc's own checks and analyser: no effect here.
_SQLC_ONLY_ENTRY = ("database", "analyzer", "rules", "strict_function_checks", "strict_order_by")
_SQL_KEYS = {"name", "engine", "schema", "queries", "gen", "codegen", "rename", *_SQLC_ONLY_ENTRY}
_SQLC_ONLY_TOP = ("plugins", "rules", "cloud", "options")
_TOP_KEYS = {"version", "sql", "overrides", "rename", *_SQLC_ONLY_TOP}

_V1_TOP_KEYS = {"version", "packages", "overrides", "rename", "rules", "cloud"}
_V1_PACKAGE_KEYS = (
    {"name", "path", "engine", "schema", "queries", "overrides", *_SQLC_ONLY_ENTRY}
    | set(_GO_MAPPED)
    | _GO_ONLY
)

#: What a sqlc override may say beside a python_type: for the Go code, or the
#: engine it is for (the others are left out before reading).
_GO_OVERRIDE_KEYS = frozenset({"go_type", "go_struct_tag", "unsigned", "engine"})

_GO_ONLY_NOTE = "Go-only options, no effect on the Python code"
_OVERRIDE_NOTE = "overrides with no python_type (Go types), not applied"
_ENGINE_NOTE = "entries for other engines skipped (only postgresql is generated)"
_SQLC_NOTE = "sqlc settings with no effect here"


class _Notes:
    """What a file says that does not apply, collected by kind, one warning each,
    placed at the first of its items in the file so the excerpt shows it."""

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, kind: str, *items: str) -> None:
        known = self.items.setdefault(kind, [])
        known.extend(item for item in items if item not in known)

    def diagnostics(self, path: Path) -> tuple[Diagnostic, ...]:
        lines = path.read_text(encoding="utf-8").splitlines()
        found: list[Diagnostic] = []
        for kind, items in self.items.items():
            if items:
                line, col = _position(lines, items[0])
                message = f"{kind}: {', '.join(items)}"
                found.append(Diagnostic(str(path), line, col, message, severity="warning"))
        return tuple(found)


def _position(lines: list[str], item: str) -> tuple[int, int]:
    """Where a noted item is written: the value it names in parentheses or after
    ``for`` (``packages[1] (mysql)``), else its key (``sql[0].database``)."""
    base, _, value = re.sub(r" for (\S+)$", r" (\1)", item).partition(" (")
    key = re.sub(r"\[\d+\]$", "", base.split(".")[-1])
    patterns = [re.escape(value.removesuffix(")"))] if value else []
    patterns.append(rf"[\"']?{re.escape(key)}[\"']?\s*:")
    for pattern in patterns:
        for number, text in enumerate(lines, start=1):
            if match := re.search(pattern, text):
                return number, match.start() + 1
    return 1, 1


def _v1_as_v2(top: Reader) -> tuple[dict[str, Any], list[str]]:
    """A version 1 document in the version 2 form, as sqlc translates it, and the
    name each ``sql[]`` entry had (``packages[0]``) for messages."""
    top.reject_unknown(_V1_TOP_KEYS)
    packages = top.table.get("packages")
    if not isinstance(packages, list) or not packages:
        raise top.fail("packages must be a non-empty list")
    entries: list[dict[str, Any]] = []
    for index, package in enumerate(packages):
        reader = Reader(top.path, package, f"packages[{index}]")
        if not isinstance(package, dict):
            raise reader.fail("must be a table")
        reader.reject_unknown(_V1_PACKAGE_KEYS)
        out = reader.string("path")
        if not out:
            raise reader.fail("path (where sqlc writes the package) is required")
        go = {k: v for k, v in package.items() if k in _GO_MAPPED or k in _GO_ONLY}
        go |= {"out": out, "package": package.get("name") or PurePosixPath(out).name}
        if "overrides" in package:
            go["overrides"] = package["overrides"]
        entry = {k: package[k] for k in ("schema", "queries", *_SQLC_ONLY_ENTRY) if k in package}
        entries.append(
            {**entry, "engine": package.get("engine") or "postgresql", "gen": {"go": go}}
        )
    shared = {k: top.table[k] for k in ("overrides", "rename") if k in top.table}
    document: dict[str, Any] = {
        "version": "2",
        "sql": entries,
        **{k: top.table[k] for k in ("rules", "cloud") if k in top.table},
    }
    if shared:
        document["overrides"] = {"go": shared}
    return document, [f"packages[{index}]" for index in range(len(entries))]


def _python_block(
    reader: Reader, entry: Mapping[str, Any], notes: _Notes
) -> tuple[dict[str, Any], str]:
    """Our options for one ``sql[]`` entry: ``gen.python``, a Python ``codegen``
    plugin's options, or else what ``gen.go`` says that means something here."""
    gen = entry.get("gen") or {}
    go = gen.get("go") or {}
    block: object = gen.get("python")
    where = f"{reader.where} gen.python"
    plugins = entry.get("codegen") or []
    if not isinstance(plugins, list) or not all(isinstance(p, dict) for p in plugins):
        raise reader.fail("codegen must be a list of tables")
    for index, plugin in enumerate(plugins):
        options = plugin.get("options") or {}
        if not isinstance(options, dict):
            raise reader.fail(f"codegen[{index}].options must be a table")
        if block is None and "py" in str(plugin.get("plugin", "")):
            block = {"out": plugin.get("out"), **options}
            where = f"{reader.where} codegen[{index}]"
        else:
            notes.add(_SQLC_NOTE, f"{reader.where}.codegen[{index}]")
    go_options = sorted(set(go) - {"rename", "overrides"})
    if block is None:
        # sqlc writes only files into gen.go's out, so a directory in it named after
        # the package is ours alone: the Go code and the Python package never meet.
        where = f"{reader.where} gen.go"
        go_out = str(go.get("out", "db"))
        package = go.get("package") or PurePosixPath(go_out).name
        block = {_GO_MAPPED[k]: go[k] for k in go_options if k in _GO_MAPPED}
        block |= {"out": f"{go_out}/{package}", "package": package}
        notes.add(_GO_ONLY_NOTE, *(k for k in go_options if k in _GO_ONLY))
    else:
        notes.add(_GO_ONLY_NOTE, *(f"{reader.where}.gen.go.{k}" for k in go_options))
    if not isinstance(block, dict):
        raise reader.fail("gen.python must be a table of options")
    options = dict(block)
    for alias, ours in _PLUGIN_ALIASES.items():
        if alias in options:
            options[ours] = options.pop(alias)
    if options.pop("emit_pydantic_models", False):
        options["models"] = "pydantic"
    return options, where


def _go_overrides(reader: Reader, table: Mapping[str, Any], where: str, notes: _Notes) -> list[Any]:
    """The overrides of a Go block that name a Python type; the others are noted
    by what they override (``overrides.go[0] (text)``)."""
    listed = table.get("overrides")
    found, _ = read_overrides(
        reader, _for_postgresql(listed, where, notes), _GO_OVERRIDE_KEYS, sqlc_nullable=True
    )
    notes.add(
        _OVERRIDE_NOTE,
        *(
            f"{where}[{index}] ({entry.get('db_type') or entry.get('column')})"
            for index, entry in enumerate(listed if isinstance(listed, list) else [])
            if isinstance(entry, dict)
            and "python_type" not in entry
            and entry.get("engine", "postgresql") == "postgresql"
        ),
    )
    return found


def _for_postgresql(overrides: Any, where: str, notes: _Notes) -> Any:
    """The overrides that apply to PostgreSQL: sqlc's ``engine`` key limits one to
    an engine. The others are noted."""
    if not isinstance(overrides, list):
        return overrides
    others = [
        e
        for e in overrides
        if isinstance(e, dict) and e.get("engine", "postgresql") != "postgresql"
    ]
    notes.add(_ENGINE_NOTE, *(f"{where} for {e['engine']}" for e in others))
    return [e for e in overrides if all(e is not other for other in others)]


def _sqlc_queries(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """The query entries sqlc reads: patterns expanded, and of the files named,
    those sqlc reads (``.sql``, not hidden, not a down file); directories are
    listed the same way when the queries are read."""
    return tuple(p for p in expand_sqlc_patterns(paths) if not p.is_file() or sqlc_reads(p))


def load_sqlc_config(path: Path) -> list[Config]:
    """One :class:`Config` per PostgreSQL entry of a version 1 or 2 sqlc file."""
    document = load_json_or_yaml(path)
    if not isinstance(document, dict):
        raise config_error(path, "a sqlc configuration is a mapping with version and sql")
    top = Reader(path, document, path.name)
    version = str(document.get("version", ""))
    if version == "1":
        document, labels = _v1_as_v2(top)
        top = Reader(path, document, path.name)
    elif version == "2":
        top.reject_unknown(_TOP_KEYS)
        labels = [f"sql[{index}]" for index in range(len(document.get("sql") or []))]
    else:
        raise top.fail(f'version must be "1" or "2", not {document.get("version")!r}')
    notes = _Notes()
    notes.add(_SQLC_NOTE, *(key for key in _SQLC_ONLY_TOP if key in document))
    shared = document.get("overrides") or {}
    if not isinstance(shared, dict):
        raise top.fail("overrides must be a table (overrides.python, overrides.go)")
    notes.add(_SQLC_NOTE, *(f"overrides.{key}" for key in sorted(set(shared) - {"python", "go"})))
    shared_python = shared.get("python") or {}
    go_shared = shared.get("go") or {}
    go_overrides = _go_overrides(top, go_shared, "overrides.go.overrides", notes)
    renames = dict(read_renames(top, document.get("rename")))
    renames |= dict(read_renames(top, go_shared.get("rename")))
    renames |= dict(read_renames(top, shared_python.get("rename")))
    python_overrides = _for_postgresql(shared_python.get("overrides"), "overrides.python", notes)
    shared_overrides, skipped = read_overrides(top, python_overrides, _GO_OVERRIDE_KEYS)
    if skipped:
        raise top.fail(f"overrides.python entries without a python_type: {'; '.join(skipped)}")
    entries = document.get("sql")
    if not isinstance(entries, list) or not entries:
        raise top.fail("sql must be a non-empty list")
    configs: list[Config] = []
    for label, entry in zip(labels, entries, strict=True):
        reader = Reader(path, entry, label)
        if not isinstance(entry, dict):
            raise reader.fail("must be a table")
        reader.reject_unknown(_SQL_KEYS)
        engine = entry.get("engine")
        if engine != "postgresql":
            notes.add(_ENGINE_NOTE, f"{label} ({engine or 'no engine'})")
            continue
        notes.add(_SQLC_NOTE, *(f"{label}.{key}" for key in _SQLC_ONLY_ENTRY if key in entry))
        gen = entry.get("gen") or {}
        go = gen.get("go") or {}
        Reader(path, go, f"{label} gen.go").reject_unknown(_GO_KEYS)
        notes.add(
            _SQLC_NOTE, *(f"{label}.gen.{k}" for k in sorted(gen) if k not in ("python", "go"))
        )
        entry_go_overrides = _go_overrides(reader, go, f"{label}.gen.go.overrides", notes)
        options, where = _python_block(reader, entry, notes)
        block = Reader(path, options, where)
        block.reject_unknown(_PYTHON_KEYS)
        merged = dict(renames) | dict(read_renames(reader, entry.get("rename")))
        merged |= dict(read_renames(reader, go.get("rename")))
        parsed = read_options(block, path.parent)
        out = block.string("out") or "db"
        config = Config(
            root=path.parent,
            schema=expand_sqlc_patterns(reader.paths("schema", path.parent)),
            queries=_sqlc_queries(reader.paths("queries", path.parent)),
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
            schema_layout="sqlc",
        )
        configs.append(config)
    if not configs:
        raise top.fail("no entry with engine: postgresql")
    configs[0] = replace(configs[0], warnings=notes.diagnostics(path))
    return configs
