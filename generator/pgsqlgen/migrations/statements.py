"""The statements of a migration file, and whether the file can run in a transaction.

golang-migrate sends a file as one multi-statement query, which PostgreSQL runs
as one implicit transaction; a file holding ``CREATE INDEX CONCURRENTLY`` must
then be its only statement. The runner needs the statements one by one anyway
(to name the failing line, and to run a file that cannot be a transaction
statement by statement, as psql and golang-migrate's multi-statement mode do),
so it splits with sqlglot's PostgreSQL tokenizer: semicolons in strings,
quoted names, comments and ``$tag$`` bodies do not split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import TokenType

__all__ = ["Statement", "autocommit_reason", "split_statements", "statements_reason"]

_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")

# Tokens whose text is data or a quoted name, never a keyword.
_QUOTED_TOKENS: Final = frozenset(
    {
        TokenType.STRING,
        TokenType.IDENTIFIER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
        TokenType.NUMBER,
    }
)

_TRANSACTION_CONTROL: Final = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file, as sent in autocommit mode."""

    #: From the first token to the terminating semicolon (inclusive).
    text: str
    #: Character offset of ``text`` in the file, to map error positions back.
    offset: int
    #: 1-based line of the first token, the fallback error line.
    line: int
    #: Upper-cased keywords and unquoted names, for classification.
    words: tuple[str, ...]


def split_statements(script: str) -> list[Statement]:
    """Split ``script`` at top-level semicolons.

    Uses sqlglot's PostgreSQL tokenizer so that semicolons in strings,
    quoted names, comments and ``$tag$`` bodies do not split; a
    ``BEGIN ATOMIC ... END`` function body is tracked like psql does.
    Raises :class:`sqlglot.errors.TokenError` on text it cannot tokenize.
    """
    tokens = Postgres().tokenize(script)
    statements: list[Statement] = []
    current: list[Any] = []
    depth = 0
    for token in tokens:
        kind = token.token_type
        if kind == TokenType.SEMICOLON and depth == 0:
            if current:
                statements.append(_statement(script, current, token.end + 1))
                current = []
            continue
        word = token.text.upper() if kind not in _QUOTED_TOKENS else ""
        opens_body = word == "ATOMIC" and current and current[-1].token_type == TokenType.BEGIN
        if opens_body or (depth and word == "CASE"):
            depth += 1
        elif depth and word == "END":
            depth -= 1
        current.append(token)
    if current:
        statements.append(_statement(script, current, len(script)))
    return statements


def _statement(script: str, tokens: list[Any], end: int) -> Statement:
    start: int = tokens[0].start
    words: list[str] = []
    after_command = False
    for token in tokens:
        if token.token_type == TokenType.COMMAND:
            # sqlglot folds the rest of commands it does not parse (VACUUM,
            # REINDEX, ...) into one string token; its words still matter.
            words.append(token.text.upper())
            after_command = True
            continue
        if after_command and token.token_type == TokenType.STRING:
            words.extend(w.upper() for w in _WORD.findall(token.text))
        elif token.token_type not in _QUOTED_TOKENS and _WORD.fullmatch(token.text):
            words.append(token.text.upper())
        after_command = False
    return Statement(
        text=script[start:end].rstrip(),
        offset=start,
        line=script.count("\n", 0, start) + 1,
        words=tuple(words),
    )


def autocommit_reason(script: str, server_version: int) -> str | None:
    """Why ``script`` cannot run as one transaction, or ``None`` if it can.

    ``server_version`` is libpq's number (e.g. 150004): before PostgreSQL
    12, ``ALTER TYPE ... ADD VALUE`` could not run in a transaction block
    either.  A script that cannot be tokenized is reported as transactional:
    the server will reject it with a proper position anyway.
    """
    try:
        statements = split_statements(script)
    except TokenError:
        return None
    return statements_reason(statements, server_version)


def statements_reason(statements: Sequence[Statement], server_version: int) -> str | None:
    """:func:`autocommit_reason` of a script already split."""
    for statement in statements:
        reason = _statement_reason(statement.words, server_version)
        if reason is not None:
            return reason
    return None


def _statement_reason(words: Sequence[str], server_version: int) -> str | None:
    if not words:
        return None
    first, rest = words[0], list(words[1:])
    if first in _TRANSACTION_CONTROL:
        return f"it controls transactions itself ({first})"
    if first == "VACUUM":
        return "VACUUM"
    if first == "REINDEX" and {"CONCURRENTLY", "SCHEMA", "DATABASE", "SYSTEM"} & set(rest):
        return "REINDEX " + " ".join(rest[:2])
    if first in ("CREATE", "DROP"):
        if rest[:1] and rest[0] in ("DATABASE", "TABLESPACE", "SUBSCRIPTION"):
            return f"{first} {rest[0]}"
        head = rest[:2]
        if "INDEX" in head:
            after = rest[head.index("INDEX") + 1 : head.index("INDEX") + 2]
            if after == ["CONCURRENTLY"]:
                return f"{first} INDEX CONCURRENTLY"
    if first == "ALTER" and rest:
        if rest[0] == "SYSTEM":
            return "ALTER SYSTEM"
        if rest[0] == "TABLE" and "DETACH" in rest and "CONCURRENTLY" in rest:
            return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"
        if rest[0] == "TYPE" and "ADD" in rest and "VALUE" in rest and server_version < 120000:
            return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
    return None
