"""Parse every statement of the real-world corpus and report what does not parse.

The corpus (``../shared/realworld``, see its README) holds eight real migration
histories and PostgreSQL's own ``pg_dump -s`` of each; every up migration applies
cleanly to PostgreSQL 15, so every statement in them is one PostgreSQL accepts.
This script measures the parse stage alone (no catalog): a statement counts as
failed when the parser reports an error for it, and as opaque when it is kept as
an unparsed command, which the catalog stage must then recognise by its text.

    .venv/bin/python tests/parse_corpus.py            # counts per project
    .venv/bin/python tests/parse_corpus.py -v         # and every failure, located
    .venv/bin/python tests/parse_corpus.py --opaque   # and the opaque statements by kind
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

from pgsqlgen.sql.parse import parse_file
from pgsqlgen.sql.source import SourceFile

CORPUS = Path(
    os.environ.get("SQLGEN_REALWORLD_DIR", Path(__file__).resolve().parents[2] / "shared/realworld")
)


@dataclass
class Tally:
    """What one project's files parse to."""

    files: int = 0
    statements: int = 0
    failures: list[str] = field(default_factory=list)
    opaque: Counter[str] = field(default_factory=Counter)


def corpus_files(root: Path) -> dict[str, list[Path]]:
    """Every SQL file of every project: its migrations (up and down) and its pg_dump."""
    projects: dict[str, list[Path]] = {}
    for project in sorted(p for p in root.iterdir() if (p / "migrations").is_dir()):
        files = sorted((project / "migrations").glob("*.sql"))
        dump = project / "expected" / "dump.sql"
        projects[project.name] = [*files, *([dump] if dump.exists() else [])]
    return projects


def _opaque_kind(text: str) -> str:
    return " ".join(text.split()[:3]).upper()


def tally(paths: list[Path], root: Path) -> Tally:
    result = Tally()
    for path in paths:
        source = SourceFile.read(path, root)
        statements, problems = parse_file(source)
        result.files += 1
        result.statements += len(statements) + len(problems)
        result.failures.extend(str(problem) for problem in problems)
        for statement in statements:
            if isinstance(statement.expression, exp.Command):
                result.opaque[_opaque_kind(statement.text)] += 1
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    parser.add_argument("--opaque", action="store_true", help="list opaque statements by kind")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS} (set SQLGEN_REALWORLD_DIR)", file=sys.stderr)
        return 2
    total = Tally()
    print(f"{'project':<22} {'files':>6} {'statements':>10} {'failed':>7} {'opaque':>7}")
    for name, paths in corpus_files(CORPUS).items():
        found = tally(paths, CORPUS)
        print(
            f"{name:<22} {found.files:>6} {found.statements:>10} "
            f"{len(found.failures):>7} {sum(found.opaque.values()):>7}"
        )
        total.files += found.files
        total.statements += found.statements
        total.failures.extend(found.failures)
        total.opaque.update(found.opaque)
    print(
        f"{'total':<22} {total.files:>6} {total.statements:>10} "
        f"{len(total.failures):>7} {sum(total.opaque.values()):>7}"
    )
    if args.verbose:
        print(*total.failures, sep="\n")
    if args.opaque:
        for kind, count in total.opaque.most_common():
            print(f"{count:>6}  {kind}")
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
