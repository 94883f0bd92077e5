"""Finding the configuration and reading it: ``sqlgen.toml``, ``[tool.sqlgen]`` in
``pyproject.toml``, or sqlc's files (read by :mod:`pgsqlgen.config.sqlc`).

Paths are relative to the directory of the file that declares them, so the tool
behaves the same from any working directory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgsqlgen.config.model import (
    OPTION_KEYS,
    Config,
    Reader,
    config_error,
    package_name,
    read_options,
)
from pgsqlgen.config.sqlc import load_sqlc_config
from pgsqlgen.sql.source import read_source

_TOML_KEYS = {"schema", "queries", "out", "package", *OPTION_KEYS}
CONFIG_FILES = ("sqlgen.toml", "pyproject.toml", "sqlc.yaml", "sqlc.yml", "sqlc.json")


def _from_toml(path: Path, table: Mapping[str, Any], where: str) -> Config:
    reader = Reader(path, table, where)
    reader.reject_unknown(_TOML_KEYS)
    out = reader.string("out")
    if out is None:
        raise reader.fail("out must be a directory path")
    config = Config(
        root=path.parent,
        schema=reader.paths("schema", path.parent),
        queries=reader.paths("queries", path.parent),
        out=path.parent / out,
        package=package_name(reader, out, reader.string("package")),
        **read_options(reader, path.parent),
    )
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise config_error(path, "configuration file not found")
    try:
        return tomllib.loads(read_source(path, str(path)))
    except tomllib.TOMLDecodeError as exc:
        raise config_error(path, f"invalid TOML: {exc}") from None


def load_config(path: Path) -> Config:
    """The one package of a ``pyproject.toml`` or ``sqlgen.toml``."""
    configs = load_configs(path)
    if len(configs) != 1:
        raise config_error(path, f"{len(configs)} packages configured where one was expected")
    return configs[0]


def _configures_sqlgen(candidate: Path) -> bool:
    if not candidate.is_file():
        return False
    return candidate.name != "pyproject.toml" or "sqlgen" in _read_toml(candidate).get("tool", {})


def find_config(directory: Path) -> Path:
    """The configuration that applies in ``directory``, found as ruff and git find
    theirs: in ``directory``, else in the nearest parent that has one, looking no
    higher than the repository root (the first directory with a ``.git``) or the
    filesystem root. In each directory the first of :data:`CONFIG_FILES` that
    configures sqlgen wins (a pyproject.toml without [tool.sqlgen] does not)."""
    start = directory.resolve()
    for folder in (start, *start.parents):
        found = next((c for name in CONFIG_FILES if _configures_sqlgen(c := folder / name)), None)
        if found is not None:
            return found
        if (folder / ".git").exists():
            break
    raise config_error(
        start / "sqlgen.toml",
        f"no configuration: none of {', '.join(CONFIG_FILES)} configures sqlgen here "
        "or in a parent directory (sqlgen init writes one)",
    )


def load_configs(path: Path | None) -> list[Config]:
    """Every package ``path`` configures (found in the current directory when None)."""
    path = (path if path is not None else find_config(Path.cwd())).resolve()
    if path.suffix in (".yaml", ".yml", ".json"):
        return load_sqlc_config(path)
    document = _read_toml(path)
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("sqlgen")
        if not isinstance(table, dict):
            raise config_error(path, "no [tool.sqlgen] table")
        return [_from_toml(path, table, "[tool.sqlgen]")]
    return [_from_toml(path, document, path.name)]
