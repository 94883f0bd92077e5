"""Diagnostics: every user-facing error carries a file, line and column.

The pipeline collects diagnostics instead of stopping at the first, like a
compiler, and raises one :class:`SqlgenError` holding them all at the end of a
stage. The CLI prints them (:func:`format_diagnostics`) and exits 1; no
traceback reaches the user.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in the user's input, located in a source file."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


class SqlgenError(Exception):
    """A mistake in the user's SQL or configuration, with every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.col))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class DiagnosticSink:
    """Collects diagnostics during a stage and raises them together."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise SqlgenError(list(self.diagnostics))


_RESET, _BOLD = "\x1b[0m", "\x1b[1m"
_SEVERITY_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m"}


def use_colour(stream: TextIO) -> bool:
    """Colour only for a person at a terminal: never in logs, CI or hooks.

    ``NO_COLOR`` (no-color.org) always wins; ``FORCE_COLOR`` (other than 0)
    asks for colour where the stream is not a terminal (a pager, a CI log
    that renders it).
    """
    if os.environ.get("NO_COLOR"):
        return False
    return os.environ.get("FORCE_COLOR", "") not in ("", "0") or stream.isatty()


def _source_lines(file: str) -> list[str] | None:
    """The lines of a diagnostic's file (relative to the working directory, or
    absolute); None when it cannot be read, e.g. ``<command line>``."""
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


def format_diagnostics(diagnostics: Iterable[Diagnostic], *, colour: bool) -> str:
    """Every diagnostic as a compiler prints it: ``file:line:col: severity: message``,
    then the source line and a caret under the column, so the problem is seen
    without opening the file. Each file is read once however many problems it has.
    """
    sources: dict[str, list[str] | None] = {}
    blocks: list[str] = []
    for diagnostic in diagnostics:
        where = f"{diagnostic.file}:{diagnostic.line}:{diagnostic.col}:"
        severity = f"{diagnostic.severity}:"
        tint = _SEVERITY_COLOURS.get(diagnostic.severity, _BOLD)
        if colour:
            where, severity = f"{_BOLD}{where}{_RESET}", f"{tint}{severity}{_RESET}"
        block = [f"{where} {severity} {diagnostic.message}"]
        if diagnostic.file not in sources:
            sources[diagnostic.file] = _source_lines(diagnostic.file)
        lines = sources[diagnostic.file]
        if lines is not None and 1 <= diagnostic.line <= len(lines):
            text = lines[diagnostic.line - 1]
            # Tabs are kept in the caret's indent so it lines up however they render.
            indent = "".join(c if c == "\t" else " " for c in text[: diagnostic.col - 1])
            indent += " " * (diagnostic.col - 1 - len(indent))
            caret = f"{tint}^{_RESET}" if colour else "^"
            gutter = f"{diagnostic.line:>5}"
            block.append(f"{gutter} | {text}")
            block.append(f"{' ' * len(gutter)} | {indent}{caret}")
        blocks.append("\n".join(block))
    return "".join(f"{block}\n" for block in blocks)
