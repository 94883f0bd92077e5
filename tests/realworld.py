"""Real-world acceptance: eight migration histories of open-source projects, each with
what PostgreSQL 15 makes of it (``../shared/realworld``, see its README).

For every project it measures the checks issue 12 asks for:

* **loads**: the migration history builds a catalog, with no error and no stubbing;
* **catalog**: our catalog, written in PostgreSQL's JSON shape
  (:mod:`pgsqlgen.schema.catalog_json`), against ``expected/catalog.json`` section by
  section: extensions; relations and their kind; columns at the same position with the
  same name, ``format_type``, element type and array-ness, nullability, default,
  generation and identity; enum labels in order; composites; domains; constraints by
  name with ``pg_get_constraintdef``'s text; indexes by ``pg_get_indexdef``'s text;
  sequences with their owner; functions by identity arguments; triggers by table and
  name;
* **dump**: ``expected/dump.sql`` (pg_dump's output) loaded as a schema file gives the
  same catalog: the same figures, and our dump of it equals our dump of the history;
* **verify** (``--verify``, needs PostgreSQL: ``DATABASE_URL`` or local binaries): what
  ``sqlgen verify --schema`` checks, our dump of the history against our dump of the
  database PostgreSQL built (``expected/dump.sql`` applied).

``sqlgen migrate up`` on each history is ``test_realworld_migrate.py``'s.

Text is compared as written, or failing that, once both sides are read back as
PostgreSQL reads them (its casts, parentheses and qualification removed): the
canonical form the dump and ``verify`` compare.

Run as a script for the table (``--write`` updates ``tests/realworld/summary.json``,
the floor ``test_realworld.py`` guards).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlglot
import sqlglot.errors

from pgsqlgen.catalog.canonical import canonical_sql
from pgsqlgen.catalog.model import Catalog
from pgsqlgen.config.model import Config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pg.cluster import database_server_url, scratch_database
from pgsqlgen.pipeline import load_catalog
from pgsqlgen.schema.catalog_json import catalog_json
from pgsqlgen.schema.dump import render_dump
from pgsqlgen.verify import live_dump

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "realworld"
SUMMARY_PATH = Path(__file__).resolve().parent / "realworld" / "summary.json"

Item = dict[str, Any]
Keyed = dict[tuple[Any, ...], Item]


def projects(corpus: Path = CORPUS) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if (p / "expected" / "catalog.json").is_file())


def corpus_missing_reason(corpus: Path = CORPUS) -> str | None:
    if not corpus.is_dir():
        return f"real-world corpus not found at {corpus} (../shared/realworld beside the repo)"
    return None


def _canonical(text: str) -> str:
    """A check's expression read back, with its ``NOT VALID`` kept apart from it."""
    body = text.removeprefix("CHECK ")
    not_valid = body.endswith(" NOT VALID")
    try:
        expression = canonical_sql(
            sqlglot.parse_one(body.removesuffix(" NOT VALID"), read="postgres")
        )
    except sqlglot.errors.SqlglotError:
        return text
    return expression + (" NOT VALID" if not_valid else "")


def same_text(ours: Any, theirs: Any) -> bool:
    """Equal, or equal once both are read back as PostgreSQL reads them."""
    if ours == theirs:
        return True
    if not (isinstance(ours, str) and isinstance(theirs, str)):
        return False
    return _canonical(ours) == _canonical(theirs)


# -- the sections: how to key the items of each, and which fields must agree ----------


def _columns(catalog: Item) -> Keyed:
    """One item per column, keyed by relation and position."""
    keyed: Keyed = {}
    for relation in [*catalog["tables"], *catalog["views"]]:
        table = relation["kind"] in ("r", "p")
        for position, column in enumerate(relation["columns"], start=1):
            item = {
                k: column[k]
                for k in ("name", "type", "elem_typname", "is_array", "generated", "identity")
            }
            if table:
                # View columns have no nullability, defaults or stored array depth.
                item |= {k: column[k] for k in ("not_null", "default", "array_dims")}
            keyed[(relation["schema"], relation["name"], position)] = item
    return keyed


def _by(*key: str, fields: tuple[str, ...] = ()) -> Callable[[list[Item]], Keyed]:
    def keyed(items: list[Item]) -> Keyed:
        return {tuple(i[k] for k in key): {f: i[f] for f in fields} for i in items}

    return keyed


SECTIONS: dict[str, Callable[[Item], Keyed]] = {
    "extensions": lambda c: _by("name")(c["extensions"]),
    "relations": lambda c: _by("schema", "name", fields=("kind",))([*c["tables"], *c["views"]]),
    "columns": _columns,
    "enums": lambda c: _by("schema", "name", fields=("labels",))(c["enums"]),
    "composites": lambda c: _by("schema", "name", fields=("attributes",))(c["composites"]),
    "domains": lambda c: _by(
        "schema", "name", fields=("base_type", "not_null", "default", "constraints")
    )(c["domains"]),
    "constraints": lambda c: _by("schema", "table", "name", fields=("type", "definition"))(
        [x for x in c["constraints"] if x["type"] != "t"]
    ),
    "indexes": lambda c: _by("schema", "name", fields=("definition",))(c["indexes"]),
    "sequences": lambda c: _by("schema", "name", fields=("type", "owned_by"))(c["sequences"]),
    "functions": lambda c: _by("schema", "name", "arguments", fields=("kind",))(c["functions"]),
    "triggers": lambda c: _by("schema", "table", "name")(c["triggers"]),
}


def _same_item(ours: Item | None, theirs: Item) -> bool:
    if ours is None:
        return False
    return all(_same_value(ours.get(k), v) for k, v in theirs.items())


def _same_value(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, list) and isinstance(ours, list) and len(ours) == len(theirs):
        return all(
            _same_item(o, t) if isinstance(t, dict) else o == t
            for o, t in zip(ours, theirs, strict=True)
        )
    return same_text(ours, theirs)


def _differences(ours: Item | None, theirs: Item) -> str:
    if ours is None:
        return "missing"
    return ", ".join(
        f"{k}: ours {ours.get(k)!r}, PostgreSQL {v!r}"
        for k, v in theirs.items()
        if not _same_value(ours.get(k), v)
    )


@dataclass
class Load:
    """One way of loading a project: its figures, or the error that stopped it."""

    error: str | None = None
    matched: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    misses: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    dump: str | None = None


def compare(ours: Item, theirs: Item) -> Load:
    """Section by section, how many of PostgreSQL's items ours has, and which differ."""
    load = Load()
    for section, keyed in SECTIONS.items():
        mine, expected = keyed(ours), keyed(theirs)
        load.expected[section] = len(expected)
        misses = [
            f"{'.'.join(map(str, k))}: {_differences(mine.get(k), v)}"
            for k, v in expected.items()
            if not _same_item(mine.get(k), v)
        ]
        load.matched[section] = len(expected) - len(misses)
        load.misses[section] = misses
        load.extra[section] = [".".join(map(str, k)) for k in mine if k not in expected]
    return load


def _load(schema: Path, root: Path, theirs: Item) -> Load:
    config = Config(root=root, schema=(schema,), queries=(), out=root / "unused", package="x")
    try:
        catalog: Catalog = load_catalog(config)
    except SqlgenError as error:
        first = error.diagnostics[0] if error.diagnostics else None
        return Load(error=f"{len(error.diagnostics)} errors; first: {first}")
    load = compare(catalog_json(catalog), theirs)
    load.dump = render_dump(catalog)
    return load


@dataclass
class ProjectResult:
    name: str
    migrations: Load
    dump: Load
    verify: str | None = None
    """The first lines of ``verify --schema``'s diff ("" when clean), or None when not run."""

    @property
    def dump_equal(self) -> bool:
        """Whether the history and PostgreSQL's dump of it give us the same catalog."""
        return self.migrations.dump is not None and self.migrations.dump == self.dump.dump


def _postgresql_script(dump_sql: Path) -> bytes:
    """pg_dump's output without psql's meta-commands (``\\restrict``), as one script."""
    lines = dump_sql.read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"\\"))


def verify_diff(result: ProjectResult, corpus: Path, server_url: str) -> str:
    """``verify --schema``: our dump of the history against the live one PostgreSQL built."""
    if result.migrations.dump is None:
        return "the history does not load"
    with scratch_database(server_url, "sqlgen_realworld") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(_postgresql_script(corpus / result.name / "expected" / "dump.sql"))
        # No runner made a version table here: every table is the history's.
        live = live_dump(url, None)
    diff = difflib.unified_diff(
        result.migrations.dump.splitlines(keepends=True),
        live.splitlines(keepends=True),
        "static",
        "live",
    )
    return "".join(diff)


def run_project(name: str, corpus: Path = CORPUS, server_url: str | None = None) -> ProjectResult:
    directory = corpus / name
    theirs = json.loads((directory / "expected" / "catalog.json").read_text())
    result = ProjectResult(
        name,
        _load(directory / "migrations", directory, theirs),
        _load(directory / "expected" / "dump.sql", directory, theirs),
    )
    if server_url is not None:
        result.verify = verify_diff(result, corpus, server_url)
    return result


def summary(results: Iterable[ProjectResult]) -> dict[str, Any]:
    def figures(load: Load) -> dict[str, Any]:
        return {"loads": load.error is None, "matched": load.matched, "expected": load.expected}

    out: dict[str, Any] = {}
    for r in results:
        out[r.name] = {
            "migrations": figures(r.migrations),
            "dump": figures(r.dump),
            "dump_equal": r.dump_equal,
        }
        if r.verify is not None:
            out[r.name]["verify_clean"] = r.verify == ""
    return out


def _cell(load: Load, section: str) -> str:
    if load.error is not None:
        return "-"
    matched, expected = load.matched[section], load.expected[section]
    return f"{matched}/{expected}" if matched != expected else f"{expected} ✓"


def table(results: list[ProjectResult], show: int) -> str:
    sections = list(SECTIONS)
    head = "| project | from | loads | " + " | ".join(sections) + " | same catalog | verify |"
    lines = [head, "|" + "---|" * (5 + len(sections))]
    notes: list[str] = []
    for result in results:
        verify = "-" if result.verify is None else ("clean" if result.verify == "" else "diff")
        for source, load in (("migrations", result.migrations), ("dump.sql", result.dump)):
            loads = "yes" if load.error is None else "no"
            cells = " | ".join(_cell(load, s) for s in sections)
            same = "yes" if result.dump_equal else "no"
            lines.append(f"| {result.name} | {source} | {loads} | {cells} | {same} | {verify} |")
            if load.error is not None:
                notes.append(f"{result.name} ({source}): {load.error}")
            for section, misses in load.misses.items():
                notes += [f"{result.name} ({source}) {section}: {m}" for m in misses[:show]]
                extra = load.extra[section]
                if extra:
                    notes.append(
                        f"{result.name} ({source}) {section}: {len(extra)} not in PostgreSQL's, "
                        f"e.g. {', '.join(extra[:show])}"
                    )
        if result.verify:
            notes.append(
                f"{result.name} verify --schema:\n"
                + "\n".join(result.verify.splitlines()[: 4 + 4 * show])
            )
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="update tests/realworld/summary.json")
    parser.add_argument(
        "--verify", action="store_true", help="also run verify --schema (needs PostgreSQL)"
    )
    parser.add_argument("--show", type=int, default=2, help="differences listed per section")
    parser.add_argument("projects", nargs="*", help="only these projects")
    args = parser.parse_args(argv)
    missing = corpus_missing_reason()
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1
    names = args.projects or projects()
    if args.verify:
        with database_server_url() as server_url:
            results = [run_project(name, server_url=server_url) for name in names]
    else:
        results = [run_project(name) for name in names]
    print(table(results, args.show))
    if args.write:
        SUMMARY_PATH.parent.mkdir(exist_ok=True)
        SUMMARY_PATH.write_text(json.dumps(summary(results), indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
