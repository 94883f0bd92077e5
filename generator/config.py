"""Configuration from ``[tool.sqlgen]`` in ``pyproject.toml``.

Paths are relative to the directory of the file that declares them, so the
tool behaves the same from any working directory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Diagnostic, SqlgenError

_KNOWN_KEYS = {"schema", "queries", "out", "package", "query_parameter_limit"}


@dataclass(frozen=True)
class Config:
    """Where the inputs are and where the output goes."""

    root: Path
    schema: tuple[Path, ...]
    queries: tuple[Path, ...]
    out: Path
    package: str
    query_parameter_limit: int | None = None


def _error(path: Path, message: str) -> SqlgenError:
    return SqlgenError([Diagnostic(str(path), 1, 1, message)])


def _paths(path: Path, table: dict[str, object], key: str) -> tuple[Path, ...]:
    value = table.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _error(path, f"[tool.sqlgen] {key} must be a path or a non-empty list of paths")
    return tuple(path.parent / str(v) for v in value)


def load_config(path: Path) -> Config:
    """Read ``[tool.sqlgen]`` from a ``pyproject.toml``."""
    path = path.resolve()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _error(path, "configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise _error(path, f"invalid TOML: {exc}") from None
    table = document.get("tool", {}).get("sqlgen")
    if not isinstance(table, dict):
        raise _error(path, "no [tool.sqlgen] table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise _error(path, f"unknown [tool.sqlgen] keys: {', '.join(unknown)}")
    out = table.get("out")
    if not isinstance(out, str):
        raise _error(path, "[tool.sqlgen] out must be a directory path")
    package = table.get("package", Path(out).name)
    if not isinstance(package, str) or not package.isidentifier():
        raise _error(path, "[tool.sqlgen] package must be a Python identifier")
    limit = table.get("query_parameter_limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise _error(path, "[tool.sqlgen] query_parameter_limit must be a whole number >= 0")
    return Config(
        root=path.parent,
        schema=_paths(path, table, "schema"),
        queries=_paths(path, table, "queries"),
        out=path.parent / out,
        package=package,
        query_parameter_limit=limit,
    )
