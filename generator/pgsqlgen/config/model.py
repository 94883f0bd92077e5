"""The configuration every file format reads into (``Config``), and the readers of
keys, paths, renames, overrides and options that the formats share.

Paths are relative to the directory of the file that declares them, so the
tool behaves the same from any working directory. Keys this tool does not
know are reported by name: a misspelt option must never be silently ignored.
sqlc's own Go options are not errors in a sqlc file (the same file may still
drive sqlc), but each one is named in a warning.
"""

from __future__ import annotations

import difflib
import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pgsqlgen.errors import Diagnostic, SqlgenError
from pgsqlgen.sql.source import read_source

ModelKind = Literal["dataclass", "pydantic"]
#: How a schema directory is read: as golang-migrate migrations (``NNN_name.up.sql``
#: in version order, downs checked) or as sqlc reads one (every ``.sql`` file in
#: name order, down files and down sections left out).
SchemaLayout = Literal["migrations", "sqlc"]
_PYTHON_TYPE = re.compile(r"^(?:[A-Za-z_][\w.]*:)?[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class TypeOverride:
    """A PostgreSQL type, or one ``table.column``, generated as a Python type of
    the user's (``module:Name``), with the psycopg adapters it needs."""

    python_type: str
    db_type: str | None = None
    column: str | None = None
    loader: str | None = None
    dumper: str | None = None
    nullable: bool | None = None
    """Which values of a ``db_type`` it applies to: the nullable ones (True), the
    NOT NULL ones (False, sqlc's default), or both (None: ours, and an override
    with a loader, which converts every value of the type). A ``column`` override
    applies to its column whatever this says, as in sqlc."""
    declared_in: tuple[str, str] = field(default=("", ""), compare=False)
    """The configuration file and the entry in it that declare it, for diagnostics."""


@dataclass(frozen=True)
class Config:
    """Where the inputs are, where the output goes, and how it is shaped."""

    root: Path
    schema: tuple[Path, ...]
    queries: tuple[Path, ...]
    out: Path
    package: str
    query_parameter_limit: int | None = None
    overrides: tuple[TypeOverride, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    emit_sync: bool = True
    emit_async: bool = True
    models: ModelKind = "dataclass"
    omit_unused_models: bool = False
    exact_table_names: bool = False
    inflection_exclude_table_names: tuple[str, ...] = ()
    templates: Path | None = None
    #: sqlc's ``emit_methods_with_db_argument``: each query method takes the
    #: connection as its first argument instead of one queries object holding it.
    emit_methods_with_db_argument: bool = False
    schema_layout: SchemaLayout = "migrations"
    #: The table ``sqlgen migrate`` records the version in (golang-migrate's
    #: ``x-migrations-table``); another name for a history that has its own.
    migrations_table: str = "schema_migrations"
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False)


def config_error(path: Path, message: str, line: int = 1) -> SqlgenError:
    return SqlgenError([Diagnostic(str(path), line, 1, message)])


class Reader:
    """Typed access to one table of options, reporting problems against ``path``."""

    def __init__(self, path: Path, table: Mapping[str, Any], where: str) -> None:
        self.path = path
        self.table = table
        self.where = where

    def fail(self, message: str) -> SqlgenError:
        return config_error(self.path, f"{self.where}: {message}")

    def paths(self, key: str, base: Path) -> tuple[Path, ...]:
        value = self.table.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key} must be a path or a non-empty list of paths")
        return tuple(base / str(v) for v in value)

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{key} must be a string")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false")
        return value

    def names(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key} must be a list of names")
        return tuple(value)

    def limit(self, key: str) -> int | None:
        value = self.table.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise self.fail(f"{key} must be a whole number >= 0")
        return value

    def reject_unknown(self, known: set[str]) -> None:
        """Fail naming every key not in ``known``: a misspelt option is never ignored."""
        unknown = sorted(set(self.table) - known)
        if unknown:
            raise self.fail(unknown_keys_message(unknown, known))


def unknown_keys_message(unknown: list[str], known: set[str]) -> str:
    """``unknown key: emit_sycn (did you mean emit_sync?)``, for each key that is
    close to a known one."""
    guesses = {
        key: match[0]
        for key in unknown
        if (match := difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.7))
    }
    message = f"unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
    if len(unknown) == 1 and guesses:
        return f"{message} (did you mean {guesses[unknown[0]]}?)"
    if guesses:
        hints = ", ".join(f"{guess} for {key}" for key, guess in guesses.items())
        return f"{message} (did you mean {hints}?)"
    return message


OPTION_KEYS = {
    "query_parameter_limit",
    "emit_sync",
    "emit_async",
    "models",
    "omit_unused_models",
    "exact_table_names",
    "inflection_exclude_table_names",
    "templates",
    "rename",
    "overrides",
    "emit_methods_with_db_argument",
    "migrations_table",
}


def read_renames(reader: Reader, value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise reader.fail("rename must map names to names")
    return tuple(sorted(value.items()))


def _python_type(reader: Reader, entry: Mapping[str, Any]) -> str:
    """``module:Name`` from ``python_type``: a string, or sqlc's ``{import, type}`` form."""
    value = entry.get("python_type")
    if isinstance(value, dict):
        module, name = value.get("import"), value.get("type")
        if not isinstance(name, str) or not (module is None or isinstance(module, str)):
            raise reader.fail("python_type needs a string type (and optionally an import)")
        value = f"{module}:{name}" if module else name
    if not isinstance(value, str):
        raise reader.fail("python_type must be a string like module:Name (e.g. decimal:Decimal)")
    if not _PYTHON_TYPE.match(value):
        raise reader.fail(
            f"python_type must look like module:Name (e.g. decimal:Decimal), not {value!r}"
        )
    return value


_OVERRIDE_KEYS = {"db_type", "column", "python_type", "loader", "dumper", "nullable"}


def read_overrides(
    reader: Reader,
    value: object,
    foreign: frozenset[str] = frozenset(),
    *,
    sqlc_nullable: bool = False,
) -> tuple[list[TypeOverride], list[str]]:
    """The overrides that name a Python type; the keys of the others, to report.
    ``foreign`` keys belong to another generator (sqlc's ``go_type``) and are left aside.

    ``nullable`` limits a ``db_type`` override to the nullable values (true) or the
    NOT NULL ones (false). Left out, ours applies to both (Python spells the
    nullable type ``T | None``, no second type needed); ``sqlc_nullable`` reads
    sqlc's own overrides as sqlc does, where left out means false."""
    if value is None:
        return [], []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise reader.fail("overrides must be a list of tables")
    found: list[TypeOverride] = []
    skipped: list[str] = []
    for index, entry in enumerate(value):
        item = Reader(reader.path, entry, f"{reader.where} overrides[{index}]")
        if "python_type" not in entry:
            skipped.append(f"overrides[{index}] ({', '.join(sorted(entry))}: no python_type)")
            continue
        item.reject_unknown(_OVERRIDE_KEYS | foreign)
        db_type, column = item.string("db_type"), item.string("column")
        if (db_type is None) == (column is None):
            raise item.fail("give exactly one of db_type and column")
        if column is not None and column.count(".") not in (1, 2):
            raise item.fail(f"column must be table.column (or schema.table.column), not {column!r}")
        adapters = {key: item.string(key) for key in ("loader", "dumper")}
        for key, adapter in adapters.items():
            if adapter is not None and not _PYTHON_TYPE.match(adapter):
                raise item.fail(f"{key} must look like module:Name")
        if column is not None and adapters["loader"] is not None:
            raise item.fail("a loader adapts a type, not one column: override the db_type instead")
        nullable = entry.get("nullable")
        if nullable is not None and not isinstance(nullable, bool):
            raise item.fail("nullable must be true or false")
        if nullable is not None and adapters["loader"] is not None:
            raise item.fail(
                "nullable cannot limit an override with a loader: the loader converts "
                "every value of the type, nullable or not"
            )
        if nullable is None and sqlc_nullable and adapters["loader"] is None:
            nullable = False
        found.append(
            TypeOverride(
                _python_type(item, entry),
                db_type=db_type.lower() if db_type else None,
                column=column,
                loader=adapters["loader"],
                dumper=adapters["dumper"],
                nullable=None if column is not None else nullable,
                declared_in=(str(reader.path), item.where),
            )
        )
    return found, skipped


def read_options(reader: Reader, base: Path) -> dict[str, Any]:
    """The shaping options shared by every configuration format."""
    models = reader.string("models", "dataclass")
    if models not in ("dataclass", "pydantic"):
        raise reader.fail('models must be "dataclass" or "pydantic"')
    emit_sync, emit_async = reader.flag("emit_sync", True), reader.flag("emit_async", True)
    if not (emit_sync or emit_async):
        raise reader.fail("emit_sync and emit_async cannot both be false")
    templates = reader.string("templates")
    if templates and not (base / templates).is_dir():
        raise reader.fail(f"templates folder {templates!r} does not exist")
    overrides, skipped = read_overrides(reader, reader.table.get("overrides"))
    if skipped:
        raise reader.fail(f"overrides without a python_type: {'; '.join(skipped)}")
    return {
        "query_parameter_limit": reader.limit("query_parameter_limit"),
        "emit_sync": emit_sync,
        "emit_async": emit_async,
        "models": models,
        "omit_unused_models": reader.flag("omit_unused_models", False),
        "exact_table_names": reader.flag("exact_table_names", False),
        "emit_methods_with_db_argument": reader.flag("emit_methods_with_db_argument", False),
        "inflection_exclude_table_names": reader.names("inflection_exclude_table_names"),
        "templates": base / templates if templates else None,
        "renames": read_renames(reader, reader.table.get("rename")),
        "overrides": tuple(overrides),
        "migrations_table": reader.string("migrations_table", "schema_migrations"),
    }


def package_name(reader: Reader, out: str, package: str | None) -> str:
    name = package if package is not None else Path(out).name
    if not name.isidentifier() or keyword.iskeyword(name):
        raise reader.fail(f"package must be a Python identifier, not {name!r}")
    return name


def load_json_or_yaml(path: Path) -> Any:
    """A sqlc configuration document; a syntax error is reported at its line."""
    text = read_source(path, str(path))
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise config_error(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise config_error(path, f"invalid YAML: {getattr(exc, 'problem', exc)}", line) from None
