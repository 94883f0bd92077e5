"""Source files and positions within them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from pgsqlgen.errors import Diagnostic, SqlgenError

_BOM = b"\xef\xbb\xbf"


def decode_source(data: bytes, path: Path | str) -> str:
    """SQL text as PostgreSQL's clients take it: UTF-8, with or without a byte
    order mark; CRLF and CR line ends read as LF, as text mode reads them.
    Invalid bytes are a located error (``path:line:col``, the column counted in
    characters), never a traceback or a silently replaced character."""
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise SqlgenError(
            [Diagnostic(str(path), line, col, f"invalid UTF-8: byte 0x{data[error.start]:02x}")]
        ) from None


@dataclass(frozen=True)
class SourceFile:
    """A file's text, with the name diagnostics show for it."""

    path: Path
    display: str
    text: str
    _line_starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        object.__setattr__(self, "_line_starts", starts)

    @classmethod
    def read(cls, path: Path, root: Path) -> SourceFile:
        try:
            display = str(path.relative_to(root))
        except ValueError:
            display = str(path)
        return cls(path=path, display=display, text=decode_source(path.read_bytes(), display))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def offset(self, line: int, col: int) -> int:
        """Character offset of a 1-based line and column."""
        line = max(1, min(line, len(self._line_starts)))
        return self._line_starts[line - 1] + max(col - 1, 0)

    def diagnostic(self, offset: int, message: str) -> Diagnostic:
        line, col = self.position(offset)
        return Diagnostic(self.display, line, col, message)
