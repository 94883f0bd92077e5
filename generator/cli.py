"""The ``sqlgen`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.config import load_config
from generator.errors import SqlgenError
from generator.pipeline import run
from generator.write import compare, write_all


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqlgen",
        description="Generate typed psycopg 3 code from PostgreSQL migrations and annotated queries.",
    )
    parser.add_argument("--version", action="version", version=f"sqlgen {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("pyproject.toml"),
        help="pyproject.toml holding [tool.sqlgen] (default: ./pyproject.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "generate",
        help="write the generated package",
        description="Regenerate the output directory from the schema and queries. Example: sqlgen generate",
    )
    commands.add_parser(
        "check",
        help="fail when the generated files are stale, missing or extra",
        description="Regenerate in memory and compare with disk; exit 1 with a diff on drift. Example: sqlgen check",
    )
    inspect = commands.add_parser(
        "inspect",
        help="print the intermediate representation as JSON",
        description="Print the IR the templates read, as JSON. Example: sqlgen inspect > ir.json",
    )
    inspect.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        result = run(config)
    except SqlgenError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        return 1
    if args.command == "generate":
        changed = write_all(config.out, result.files)
        for path in changed:
            print(
                f"wrote {config.out.relative_to(config.root) / path}"
                if (config.out / path).exists()
                else f"removed {path}"
            )
        return 0
    if args.command == "check":
        drift = compare(config.out, result.files)
        if drift.clean:
            return 0
        out = (
            config.out.relative_to(config.root)
            if config.out.is_relative_to(config.root)
            else config.out
        )
        print(
            f"generated code in {out} is out of date; run `make gen` (or `sqlgen generate`)",
            file=sys.stderr,
        )
        for label, paths in (
            ("stale", drift.stale),
            ("missing", drift.missing),
            ("extra", drift.extra),
        ):
            for path in paths:
                print(f"  {label}: {out / path}", file=sys.stderr)
        sys.stderr.write(drift.diff)
        return 1
    text = result.ir.to_json() + "\n"
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
