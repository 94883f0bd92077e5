"""Diagnostics: every user-facing error carries a file, line and column.

The pipeline collects diagnostics instead of stopping at the first, like a
compiler, and raises one :class:`SqlgenError` holding them all at the end of a
stage. The CLI prints them and exits 1; no traceback reaches the user.
"""

from __future__ import annotations

from dataclasses import dataclass


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
