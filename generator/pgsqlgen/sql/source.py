"""Source files and positions within them.

Every input file is read here, by :func:`read_source` (``generate``, ``check``
and the migration runner alike): UTF-8 with or without a byte-order mark, and
a located error, never a traceback, for bytes that are not UTF-8 or a file
that cannot be read.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import hashlib
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pgsqlgen.errors import Diagnostic, SqlgenError, os_problem


def decode_source(data: bytes, display: Path | str) -> str:
    """The text of a file's bytes: UTF-8, a leading byte-order mark dropped, CRLF and
    CR line ends read as LF (as text mode reads them); ``generate`` and ``migrate``
    both read SQL through here.

    Invalid bytes are reported at their line and column (counted in
    characters of the valid text before them), as an editor shows them; so is
    a NUL character, which no SQL text may hold (nor a generated module).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        bad = data[error.start : error.end].hex(" ")
        raise SqlgenError(
            [Diagnostic(str(display), line, col, f"invalid UTF-8 (byte {bad}): {error.reason}")]
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise SqlgenError(
            [
                Diagnostic(
                    str(display), line, col, "NUL character: PostgreSQL takes none in SQL text"
                )
            ]
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def display_path(path: Path, root: Path) -> str:
    """How diagnostics name ``path``: relative to ``root`` when it lies inside."""
    text, base = os.fspath(path), os.fspath(root) + os.sep
    if text.startswith(base) and base != os.sep:
        return text[len(base) :]  # what relative_to gives, without its cost per file
    try:
        return str(path.relative_to(root))
    except ValueError:
        return text


_READ: dict[str, bytes] = {}
_SIGNATURE = struct.Struct("<IqqqQQ")


def stat_signature(result: os.stat_result) -> bytes:
    """What an edit of a file changes in its ``stat``: its mode, size, modification
    and change times in nanoseconds, inode and device; packed, as a long history
    keeps thousands."""
    return _SIGNATURE.pack(
        result.st_mode,
        result.st_size,
        result.st_mtime_ns,
        result.st_ctime_ns,
        result.st_ino,
        result.st_dev,
    )


class _Read(NamedTuple):
    data: bytes
    signature: bytes
    """Of the file's ``stat`` before the read (:func:`stat_signature`)."""
    changed_ns: int
    """When the file last changed then (:attr:`SourceFile.changed_ns`)."""
    digest: bytes = b""
    """The SHA-256 of ``data``."""


def read_source(path: Path, display: str) -> str:
    """A file's text (see :func:`decode_source`); raises SqlgenError, located,
    when it is a folder, unreadable, missing, or a loop of symbolic links."""
    return decode_source(_read(path, display).data, display)


def _read_bytes(path: Path) -> _Read:
    """The bytes of a file, read without a buffered file object: half the cost of
    ``Path.read_bytes`` on the thousands of small files of a migration history."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        result = os.fstat(handle)
        chunks = []
        while chunk := os.read(handle, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(handle)
    changed = max(result.st_mtime_ns, result.st_ctime_ns)
    return _Read(b"".join(chunks), stat_signature(result), changed)


def _read(path: Path, display: str) -> _Read:
    """The bytes of the file at ``path``, its SHA-256 kept for :func:`digest_as_read`."""
    try:
        read = _read_bytes(path)
    except OSError as error:
        raise SqlgenError([os_problem(display, error)]) from None
    digest = _READ[os.fspath(path)] = hashlib.sha256(read.data).digest()
    return read._replace(digest=digest)


def digest_as_read(path: str) -> bytes | None:
    """The SHA-256 of the file at ``path`` as this process last read it, if it did.
    The drift check's shortcut (:mod:`pgsqlgen.cache`) keys a run's verdict by its
    inputs: taken from here, they are what the run saw, without reading a long
    migration history a second time."""
    return _READ.get(path)


def known_as_read(path: str, digest: bytes) -> None:
    """Count the file at ``path`` as read by this process, with the SHA-256 ``digest``:
    one whose ``stat`` record vouches for it (:mod:`pgsqlgen.known_files`)."""
    _READ[path] = digest


_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class SourceFile:
    """A file's text, with the name diagnostics show for it."""

    path: Path
    display: str
    text: str
    digest: bytes | None = field(default=None, compare=False, repr=False)
    """The SHA-256 of the bytes the text was read from, when it was read from a file:
    what a cache keys the file by, without encoding the text again."""
    signature: bytes | None = field(default=None, compare=False, repr=False)
    """The file's ``stat`` when it was read (:func:`stat_signature`)."""
    changed_ns: int = field(default=0, compare=False, repr=False)
    """When the file had last changed when it was read, by its file system's clock:
    the later of its modification and change times."""

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        """Where each line starts: worked out when a position is first asked for,
        which most files (a migration history read whole at each run) never are."""
        return [0, *(match.end() for match in _NEWLINE.finditer(self.text))]

    @classmethod
    def read(cls, path: Path, root: Path) -> SourceFile:
        display = display_path(path, root)
        read = _read(path, display)
        return cls(
            path=path,
            display=display,
            text=decode_source(read.data, display),
            digest=read.digest,
            signature=read.signature,
            changed_ns=read.changed_ns,
        )

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
