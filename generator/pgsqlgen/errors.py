"""Diagnostics: every user-facing error carries a file, line and column.

The pipeline collects diagnostics instead of stopping at the first, like a
compiler, and raises one :class:`SqlgenError` holding them all at the end of a
stage. The CLI prints them (:func:`format_diagnostics`) and exits 1; no
traceback reaches the user.
"""

from __future__ import annotations

import errno
import os
import re
import stat
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
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {shorten(self.message)}"


_LONG_NAME = re.compile(r"[\w$]{81,}")


def shorten(message: str) -> str:
    """``message`` on one line (a library's message can quote several lines of
    SQL), with every name longer than 80 characters (a generated or hostile
    identifier; a path is left whole) cut in its middle, so one diagnostic stays one line."""
    one_line = " ".join(message.splitlines())
    return _LONG_NAME.sub(lambda m: f"{m[0][:60]}...{m[0][-17:]}", one_line)


_OS_REASONS = {
    errno.ENOENT: "does not exist",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "is not a folder",
    errno.ELOOP: "is a loop of symbolic links",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the name is too long",
}


def os_problem(display: str, error: OSError, doing: str = "cannot read") -> Diagnostic:
    """What the operating system refused, located at the file it concerns."""
    reason = _OS_REASONS.get(error.errno or 0) or error.strerror or type(error).__name__
    return Diagnostic(display, 1, 1, f"{doing}: {reason}")


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


_LARGEST_SHOWN_FILE = 64 * 1024 * 1024


def _source_lines(file: str) -> list[str] | None:
    """The lines of a diagnostic's file (relative to the working directory, or
    absolute); None when it is no regular file of a sane size (``<command
    line>``, a folder, ``/dev/full``, which would never end) or cannot be read."""
    try:
        status = os.stat(file)
        if not stat.S_ISREG(status.st_mode) or status.st_size > _LARGEST_SHOWN_FILE:
            return None
        return Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, ValueError):
        return None


_SHOWN = 120


def _window(text: str, col: int) -> tuple[str, int]:
    """At most 120 characters of a source line around ``col`` (a minified or
    generated line can be megabytes long), and the column within them."""
    if len(text) <= _SHOWN:
        return text, col
    start = max(0, min(col - 1 - _SHOWN // 2, len(text) - _SHOWN))
    return text[start : start + _SHOWN], col - start


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
        block = [f"{where} {severity} {shorten(diagnostic.message)}"]
        if diagnostic.file not in sources:
            sources[diagnostic.file] = _source_lines(diagnostic.file)
        lines = sources[diagnostic.file]
        if lines is not None and 1 <= diagnostic.line <= len(lines):
            text, col = _window(lines[diagnostic.line - 1], diagnostic.col)
            # Tabs are kept in the caret's indent so it lines up however they render.
            indent = "".join(c if c == "\t" else " " for c in text[: col - 1])
            indent += " " * (col - 1 - len(indent))
            caret = f"{tint}^{_RESET}" if colour else "^"
            gutter = f"{diagnostic.line:>5}"
            block.append(f"{gutter} | {text}")
            block.append(f"{' ' * len(gutter)} | {indent}{caret}")
        blocks.append("\n".join(block))
    return "".join(f"{block}\n" for block in blocks)
