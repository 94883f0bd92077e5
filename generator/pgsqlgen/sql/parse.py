"""Parse stage: split a SQL file into statements and parse each with sqlglot.

Statements are split on the tokenizer's semicolons (so ``$$`` bodies and
strings are respected) and parsed one at a time, which keeps each statement's
offset for diagnostics and lets one bad statement be reported without hiding
the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from pgsqlgen.errors import Diagnostic
from pgsqlgen.sql.dialect import DIALECT, UnreadTokens, parse_statement
from pgsqlgen.sql.source import SourceFile

# sqlglot logs a warning for every statement it keeps as an opaque Command;
# the catalog handles those deliberately, so the warning is noise.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Statement:
    """One parsed statement and where it stands in its file."""

    expression: exp.Expr
    source: SourceFile
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def diagnostic(self, message: str, node: exp.Expr | None = None) -> Diagnostic:
        """A diagnostic at ``node`` when it carries a position, else at the statement."""
        return self.source.diagnostic(node_offset(node, self.start), message)


def node_offset(node: exp.Expr | None, default: int) -> int:
    """The source offset sqlglot recorded for a node (identifiers carry one)."""
    while node is not None:
        meta = node.meta if isinstance(node, exp.Identifier) else None
        if meta and "start" in meta:
            return int(meta["start"])
        identifier = node.find(exp.Identifier) if not isinstance(node, exp.Identifier) else None
        if identifier is not None and identifier.meta.get("start") is not None:
            return int(identifier.meta["start"])
        return default
    return default


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``; raises TokenError."""
    return list(DIALECT.tokenize(text))


def split_tokens(tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into statements at top-level semicolons."""
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [chunk for chunk in chunks if chunk]


@dataclass(frozen=True)
class ParseFailure:
    """Where in the parsed text a statement stopped parsing, and why."""

    offset: int
    message: str


def parse_chunk(tokens: list[Token], text: str) -> exp.Expr | ParseFailure:
    """Parse one statement's tokens, taken from ``text``, with our PostgreSQL dialect."""
    try:
        return parse_statement(tokens, text)
    except UnreadTokens as error:
        return ParseFailure(error.token.start, f"syntax error at or near {error.token.text!r}")
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        line, col = first.get("line"), first.get("col")
        offset = tokens[0].start
        if isinstance(line, int) and isinstance(col, int):
            # sqlglot reports the column where the offending token ends.
            highlight = str(first.get("highlight") or "")
            offset = _offset_in(text, line, col) - max(len(highlight) - 1, 0)
        message = str(first.get("description") or error).split("\n")[0]
        return ParseFailure(offset, f"syntax error: {message}")


def _offset_in(text: str, line: int, col: int) -> int:
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline < 0:
            break
        offset = newline + 1
    return offset + max(col - 1, 0)


def parse_file(source: SourceFile) -> tuple[list[Statement], list[Diagnostic]]:
    """Every statement of a file, and a diagnostic for each that does not parse."""
    try:
        tokens = tokenize(source.text)
    except TokenError as error:
        return [], [source.diagnostic(0, f"syntax error: {error}")]
    statements: list[Statement] = []
    problems: list[Diagnostic] = []
    for chunk in split_tokens(tokens):
        result = parse_chunk(chunk, source.text)
        if isinstance(result, ParseFailure):
            problems.append(source.diagnostic(result.offset, result.message))
        else:
            statements.append(Statement(result, source, chunk[0].start, chunk[-1].end + 1))
    return statements, problems
