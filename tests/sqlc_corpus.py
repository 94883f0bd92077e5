"""Does an existing sqlc project generate as it is? The sqlc corpus, case by case.

For every PostgreSQL case of sqlc's end-to-end corpus (``../shared/conformance``,
see its README) the case's files are laid out again in a scratch directory as
sqlc's suite had them (the original file names, from ``schema_files`` and
``query_files`` in ``meta.json``) next to the case's own config file
(``sqlc.json`` or ``sqlc.yaml``, its content unchanged), and ``sqlgen generate``
runs there with no option, finding the config as a user's run would.

Each failure gets a reason, so the figure reads right:

* ``sqlc errors too``: the case is one of the corpus's expected-error cases;
* ``PostgreSQL rejects``: PostgreSQL refused a query of the case (``{error}`` in
  ``pg.json``);
* ``ours``: everything else, a bug or a gap of ours, listed with our message.

Run as a script (``make sqlc-corpus``) for the figures and the list;
``tests/test_sqlc_corpus.py`` guards the rate against the floor committed there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import corpus_dir, corpus_missing_reason

SQLC_ERRORS, PG_REJECTS, OURS = "sqlc errors too", "PostgreSQL rejects", "ours"


@dataclass(frozen=True)
class Outcome:
    case: str
    kind: str
    generated: bool
    reason: str = ""
    message: str = ""


def _write_config(directory: Path, name: str, config: dict[str, Any]) -> None:
    """The case's config under its own name; a YAML one is written back as YAML."""
    path = directory / name
    if name.endswith(".json"):
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def lay_out(case: Path, scratch: Path) -> Path:
    """The case's original files (schema and queries) and config under ``scratch``;
    the directory of the config.

    Some cases name files above their own directory (``../../../schema.sql``, as
    in sqlc's test tree): the config goes deep enough below ``scratch`` that every
    file stays inside it. A file that is both schema and queries is taken from
    ``query.sql``, which the corpus keeps unmodified.
    """
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    listed = [e["path"] for e in (*meta["schema_files"], *meta["query_files"])]
    depth = max(Path(path).parts.count("..") for path in listed)
    directory = scratch.joinpath(*(f"up{level}" for level in range(depth)))
    directory.mkdir(parents=True, exist_ok=True)
    for listing, combined in (("schema_files", "schema.sql"), ("query_files", "query.sql")):
        lines = (case / combined).read_text(encoding="utf-8").split("\n")
        for entry in meta[listing]:
            start = entry["start_line"] - 1
            target = (directory / entry["path"]).resolve()
            if not target.is_relative_to(scratch.resolve()):
                raise ValueError(f"{case.name}: {entry['path']} leaves the scratch directory")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(lines[start : start + entry["lines"]]) + "\n", "utf-8")
    _write_config(directory, meta["config_file"], meta["config"])
    return directory


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def _reason(case: Path, kind: str) -> str:
    if kind == "error":
        return SQLC_ERRORS
    pg = json.loads((case / "pg.json").read_text(encoding="utf-8"))
    if any("error" in query for query in pg.values()):
        return PG_REJECTS
    return OURS


def run_case(case: Path, kind: str) -> Outcome:
    """``sqlgen generate`` in a scratch copy of ``case``; what it said when it failed."""
    from pgsqlgen.cli import main

    with tempfile.TemporaryDirectory(prefix="sqlc-corpus-") as scratch:
        directory = lay_out(case, Path(scratch))
        stderr = io.StringIO()
        quiet = contextlib.redirect_stdout(io.StringIO())
        with _inside(directory), quiet, contextlib.redirect_stderr(stderr):
            try:
                code = main(["generate"])
            except Exception as error:  # a crash is one of our bugs, reported as such
                code, stderr = 2, io.StringIO(f"crash: {type(error).__name__}: {error}")
    if code == 0:
        return Outcome(case.name, kind, True)
    errors = [line for line in stderr.getvalue().splitlines() if ": error:" in line]
    message = (errors or stderr.getvalue().splitlines() or ["(no message)"])[0]
    return Outcome(
        case.name, kind, False, _reason(case, kind), message.replace(str(directory), ".")
    )


def cases(corpus: Path) -> list[tuple[Path, str]]:
    """Every PostgreSQL case with files: the ones sqlc generates and the ones it refuses."""
    index = json.loads((corpus / "index.json").read_text(encoding="utf-8"))
    return [(corpus / e["case"], e["kind"]) for e in index if e["kind"] in ("ok", "error")]


def run_all(corpus: Path, jobs: int | None = None) -> list[Outcome]:
    todo = cases(corpus)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_case, *zip(*todo, strict=True), chunksize=8))


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures: the cases sqlc generates and how many of them we generate, the
    cases sqlc refuses and how many of them we refuse, and the failures by reason."""
    ok = [o for o in outcomes if o.kind == "ok"]
    refused = [o for o in outcomes if o.kind == "error"]
    return {
        "sqlc_generates": len(ok),
        "generated": sum(o.generated for o in ok),
        "sqlc_refuses": len(refused),
        "refused": sum(not o.generated for o in refused),
        "failures": dict(Counter(o.reason for o in ok if not o.generated).most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    corpus = corpus_dir()
    missing = corpus_missing_reason(corpus)
    if missing is not None:
        print(missing, file=sys.stderr)
        return 2
    outcomes = run_all(corpus, args.jobs)
    figures = summary(outcomes)
    print(
        f"{figures['generated']} of the {figures['sqlc_generates']} cases sqlc generates generate"
    )
    for reason, count in figures["failures"].items():
        print(f"  {count} fail: {reason}")
    print(f"{figures['refused']} of the {figures['sqlc_refuses']} cases sqlc refuses fail too")
    for outcome in sorted(outcomes, key=lambda o: (o.reason, o.case)):
        if outcome.kind == "ok" and not outcome.generated:
            print(f"{outcome.reason:20} {outcome.case:55} {outcome.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
