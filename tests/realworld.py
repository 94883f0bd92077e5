"""Real-world acceptance: eight migration histories of open-source projects, each with
what PostgreSQL 15 makes of it (``/work/shared/realworld``, see its README).

For every project it measures the checks issue 12 asks for that need no database:

* **loads**: the migration history builds a catalog, with no error and no stubbing;
* **catalog**: the static catalog against ``expected/catalog.json`` (PostgreSQL's own),
  section by section: relations, their columns at the same position with the same
  ``format_type`` and nullability, enum labels in order, composites, domains,
  constraints by name with ``pg_get_constraintdef``'s text, indexes by
  ``pg_get_indexdef``'s text, sequences, functions by identity arguments, triggers;
* **dump**: ``expected/dump.sql`` (pg_dump's output) loaded as a schema file gives the
  same figures.

``sqlgen verify --schema`` and ``sqlgen migrate up`` need PostgreSQL: the tests
``test_realworld.py`` and ``test_realworld_migrate.py`` run them.

Run as a script for the table (``--write`` updates ``tests/realworld/summary.json``,
the floor ``test_realworld.py`` guards).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import sqlglot.errors

from pgsqlgen.catalog.canonical import canonical_sql, quote_ident, quote_name, split_name
from pgsqlgen.catalog.model import Catalog
from pgsqlgen.config.model import Config
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import load_catalog

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "realworld"
SUMMARY_PATH = Path(__file__).resolve().parent / "realworld" / "summary.json"
SECTIONS = (
    "relations",
    "columns",
    "enums",
    "composites",
    "domains",
    "constraints",
    "indexes",
    "sequences",
    "functions",
    "triggers",
)

Facts = dict[str, dict[Any, Any]]


def projects(corpus: Path = CORPUS) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if (p / "expected" / "catalog.json").is_file())


def corpus_missing_reason(corpus: Path = CORPUS) -> str | None:
    if not corpus.is_dir():
        return (
            f"real-world corpus not found at {corpus} (it is ../shared/realworld beside the repo)"
        )
    return None


def _qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _unqualified_index(definition: str) -> str:
    return definition.replace(" ON public.", " ON ").replace(" ON ONLY public.", " ON ONLY ")


def expected_facts(catalog_json: dict[str, Any]) -> Facts:
    """PostgreSQL's catalog, keyed the way our catalog names things."""
    facts: Facts = {section: {} for section in SECTIONS}
    for relation in [*catalog_json["tables"], *catalog_json["views"]]:
        name = _qualified(relation["schema"], relation["name"])
        facts["relations"][name] = relation["kind"]
        for position, column in enumerate(relation["columns"]):
            not_null = column["not_null"] if relation["kind"] in ("r", "p") else None
            facts["columns"][(name, position)] = (column["name"], column["type"], not_null)
    for enum in catalog_json["enums"]:
        facts["enums"][_qualified(enum["schema"], enum["name"])] = tuple(enum["labels"])
    for composite in catalog_json["composites"]:
        facts["composites"][_qualified(composite["schema"], composite["name"])] = True
    for domain in catalog_json["domains"]:
        facts["domains"][_qualified(domain["schema"], domain["name"])] = True
    for constraint in catalog_json["constraints"]:
        table = _qualified(constraint["schema"], constraint["table"])
        facts["constraints"][(table, constraint["name"])] = constraint["definition"]
    for index in catalog_json["indexes"]:
        name = _qualified(index["schema"], index["name"])
        facts["indexes"][name] = _unqualified_index(index["definition"])
    for sequence in catalog_json["sequences"]:
        facts["sequences"][_qualified(sequence["schema"], sequence["name"])] = True
    for function in catalog_json["functions"]:
        name = _qualified(function["schema"], function["name"])
        facts["functions"][(name, function["arguments"])] = True
    for trigger in catalog_json["triggers"]:
        table = _qualified(trigger["schema"], trigger["table"])
        facts["triggers"][(table, trigger["name"])] = True
    return facts


def our_facts(catalog: Catalog) -> Facts:
    """Our static catalog, in the same keys as :func:`expected_facts`."""
    facts: Facts = {section: {} for section in SECTIONS}
    relations: list[tuple[str, str, list[Any]]] = [
        (t.name, "p" if t.partitioned else "r", t.columns) for t in catalog.tables.values()
    ]
    relations += [
        (v.name, "m" if v.materialized else "v", v.columns) for v in catalog.views.values()
    ]
    for name, kind, columns in relations:
        facts["relations"][name] = kind
        for position, column in enumerate(columns):
            not_null = column.not_null if kind in ("r", "p") else None
            facts["columns"][(name, position)] = (column.name, column.type.display(), not_null)
    for enum in catalog.enums.values():
        facts["enums"][enum.name] = tuple(enum.values)
    for name in catalog.composites:
        facts["composites"][name] = True
    for name in catalog.domains:
        facts["domains"][name] = True
    for table in catalog.tables.values():
        for constraint in table.constraints:
            facts["constraints"][(table.name, constraint.name)] = constraint.definition()
            if constraint.kind in ("primary_key", "unique"):
                # PostgreSQL lists the index behind a key among the indexes too.
                schema, _ = split_name(table.name)
                index = f"{schema}.{constraint.name}" if schema != "public" else constraint.name
                columns = ", ".join(quote_ident(c) for c in constraint.columns)
                facts["indexes"][index] = (
                    f"CREATE UNIQUE INDEX {quote_ident(constraint.name)} ON "
                    f"{quote_name(table.name)} USING btree ({columns})"
                )
    for index in catalog.indexes.values():
        facts["indexes"][index.name] = index.definition()
    for name in catalog.sequences:
        facts["sequences"][name] = True
    for name, overloads in catalog.functions.items():
        for function in overloads:
            # pg_get_function_identity_arguments: names too, and OUT parameters left out.
            arguments = ", ".join(
                f"{a.name} {a.type.display()}" if a.name else a.type.display()
                for a in function.arguments
                if a.is_input
            )
            facts["functions"][(name, arguments)] = True
    for (kind, _), routine in catalog.routines.items():
        if kind == "trigger" and routine.table is not None:
            facts["triggers"][(routine.table, routine.name)] = True
    return facts


@dataclass
class Load:
    """One way of loading a project: its figures, or the error that stopped it."""

    error: str | None = None
    matched: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    misses: dict[str, list[str]] = field(default_factory=dict)


def _same(ours: Any, theirs: Any) -> bool:
    """Equal, or equal once both are read back as PostgreSQL reads them (its casts,
    parentheses and qualification removed: the canonical form ``verify`` compares)."""
    if ours == theirs:
        return True
    if not (isinstance(ours, str) and isinstance(theirs, str)):
        return False
    return _canonical(ours) == _canonical(theirs)


def _canonical(text: str) -> str:
    body = text[len("CHECK ") :] if text.startswith("CHECK ") else text
    try:
        return canonical_sql(sqlglot.parse_one(body, read="postgres"))
    except sqlglot.errors.SqlglotError:
        return text


def compare(ours: Facts, theirs: Facts) -> Load:
    load = Load()
    for section in SECTIONS:
        expected = theirs[section]
        mine = ours[section]
        load.expected[section] = len(expected)
        load.matched[section] = sum(_same(mine.get(k), v) for k, v in expected.items())
        load.misses[section] = [
            f"{k}: ours {mine.get(k)!r}, PostgreSQL {v!r}"
            for k, v in expected.items()
            if not _same(mine.get(k), v)
        ][:5]
    return load


def _load(schema: Path, root: Path, theirs: Facts) -> Load:
    config = Config(root=root, schema=(schema,), queries=(), out=root / "unused", package="x")
    try:
        catalog = load_catalog(config)
    except SqlgenError as error:
        first = error.diagnostics[0] if error.diagnostics else None
        return Load(error=f"{len(error.diagnostics)} errors; first: {first}")
    return compare(our_facts(catalog), theirs)


@dataclass
class ProjectResult:
    name: str
    migrations: Load
    dump: Load


def run_project(name: str, corpus: Path = CORPUS) -> ProjectResult:
    directory = corpus / name
    theirs = expected_facts(json.loads((directory / "expected" / "catalog.json").read_text()))
    return ProjectResult(
        name,
        _load(directory / "migrations", directory, theirs),
        _load(directory / "expected" / "dump.sql", directory, theirs),
    )


def summary(results: Iterable[ProjectResult]) -> dict[str, Any]:
    def figures(load: Load) -> dict[str, Any]:
        return {"loads": load.error is None, "matched": load.matched, "expected": load.expected}

    return {r.name: {"migrations": figures(r.migrations), "dump": figures(r.dump)} for r in results}


def _cell(load: Load, section: str) -> str:
    if load.error is not None:
        return "-"
    matched, expected = load.matched[section], load.expected[section]
    return f"{matched}/{expected}" if matched != expected else f"{expected} ✓"


def table(results: list[ProjectResult], show: int) -> str:
    head = "| project | from | loads | " + " | ".join(SECTIONS) + " |"
    lines = [head, "|" + "---|" * (3 + len(SECTIONS))]
    notes: list[str] = []
    for result in results:
        for source, load in (("migrations", result.migrations), ("dump.sql", result.dump)):
            loads = "yes" if load.error is None else "no"
            cells = " | ".join(_cell(load, s) for s in SECTIONS)
            lines.append(f"| {result.name} | {source} | {loads} | {cells} |")
            if load.error is not None:
                notes.append(f"{result.name} ({source}): {load.error}")
            for section, misses in load.misses.items():
                notes += [f"{result.name} ({source}) {section}: {m}" for m in misses[:show]]
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="update tests/realworld/summary.json")
    parser.add_argument("--show", type=int, default=2, help="differences listed per section")
    parser.add_argument("projects", nargs="*", help="only these projects")
    args = parser.parse_args(argv)
    missing = corpus_missing_reason()
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1
    results = [run_project(name) for name in args.projects or projects()]
    print(table(results, args.show))
    if args.write:
        SUMMARY_PATH.parent.mkdir(exist_ok=True)
        SUMMARY_PATH.write_text(json.dumps(summary(results), indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
