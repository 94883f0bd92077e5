"""Parse stage: split a SQL file into statements and parse each with sqlglot.

Statements are split on the tokenizer's semicolons (so ``$$`` bodies and
strings are respected) and parsed one at a time, which keeps each statement's
offset for diagnostics and lets one bad statement be reported without hiding
the others.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from pgsqlgen.errors import Diagnostic
from pgsqlgen.sql.commands import read_command
from pgsqlgen.sql.dialect import DIALECT, DialectSyntaxError, UnreadTokens, parse_statement
from pgsqlgen.sql.source import SourceFile

# sqlglot logs a warning for every statement it keeps as an opaque Command;
# the catalog handles those deliberately, so the warning is noise.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

MAX_NESTING = 1000
"""Parentheses (and brackets) nested deeper than this are refused before parsing."""
MAX_DEPTH = 20_000
"""Parsed trees deeper than this (a ``WHERE`` of 20,000 ``OR`` is one) are
refused, so that no later stage can exhaust the stack walking them; the run's
thread is sized for it (:func:`pgsqlgen.parallel.with_deep_stack`)."""
LEVELS_PER_TOKEN = 4
"""More levels of syntax tree than a statement's tokens could make: each nesting
construct spends a token a level or more (a subquery ``(SELECT`` two for its two
levels), so a statement of fewer than ``MAX_DEPTH / LEVELS_PER_TOKEN`` tokens is
never walked for its depth (the walk was a tenth of parsing)."""
_OPENING = {TokenType.L_PAREN, TokenType.L_BRACKET}
_CLOSING = {TokenType.R_PAREN, TokenType.R_BRACKET}


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
    """The source offset sqlglot recorded for a node (identifiers carry one, and a
    call its function's name, where PostgreSQL locates a call's error); else its
    first identifier's; ``default`` for anything else (sqlglot keeps some
    arguments as plain values)."""
    while isinstance(node, exp.Expr):
        meta = node.meta if isinstance(node, exp.Identifier | exp.Func) else None
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


# What opens a token that must be closed, in PostgreSQL's lexer: a block comment, a
# dollar-quoted string, a string constant (E'', B'', X'', U&''), a quoted identifier.
# Line comments are matched so that what they hold is skipped.
_OPENERS = re.compile(
    r"""(?P<line>--[^\n]*)|(?P<comment>/\*)|(?P<dollar>\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$)"""
    r"""|(?P<string>(?:[EeBbXxNn]|[Uu]&)?')|(?P<identifier>(?:[Uu]&)?")"""
)
_COMMENT_MARKS = re.compile(r"/\*|\*/")
_UNTERMINATED = {
    "comment": "unterminated /* comment",
    "dollar": "unterminated dollar-quoted string",
    "string": "unterminated quoted string",
    "identifier": "unterminated quoted identifier",
}


def _closing(text: str, kind: str, opener: str, start: int) -> int:
    """Where the token opened by ``opener`` ends (past its closing), or -1."""
    if kind == "dollar":
        end = text.find(opener, start)
        return end + len(opener) if end >= 0 else -1
    if kind == "comment":  # PostgreSQL's block comments nest
        depth, at = 1, start
        while depth:
            found = _COMMENT_MARKS.search(text, at)
            if found is None:
                return -1
            depth += 1 if found.group() == "/*" else -1
            at = found.end()
        return at
    quote = opener[-1]
    escapes = kind == "string" and opener[0] in "Ee"
    at = start
    while True:
        end = text.find(quote, at)
        if end < 0:
            return -1
        if escapes and text.count("\\", at, end) and _escaped(text, end):
            at = end + 1
        elif text.startswith(quote * 2, end):
            at = end + 2
        else:
            return end + 1


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes."""
    run = len(text[:at]) - len(text[:at].rstrip("\\"))
    return run % 2 == 1


def tokenize_failure(text: str, error: TokenError) -> ParseFailure:
    """Why ``text`` does not tokenize, in PostgreSQL's words and at the token it
    means (``unterminated quoted string at or near "'abc"``): sqlglot's message
    quotes a window of the text, not what is wrong with it."""
    at = 0
    while (found := _OPENERS.search(text, at)) is not None:
        kind = found.lastgroup or "line"
        if kind == "line":
            at = found.end()
            continue
        end = _closing(text, kind, found.group(), found.end())
        if end < 0:
            near = text[found.start() :].split("\n")[0][:40]
            return ParseFailure(found.start(), f'{_UNTERMINATED[kind]} at or near "{near}"')
        at = end
    start = getattr(error, "start", 0) or 0
    offset = start + 50 if start else len(text.rstrip()) - 1
    if 0 <= offset < len(text) and not text[offset].isspace():
        return ParseFailure(offset, f'syntax error at or near "{text[offset]}"')
    return ParseFailure(len(text), "syntax error at end of input")


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


def _too_deep(tokens: list[Token]) -> Token | None:
    """The first parenthesis nested deeper than :data:`MAX_NESTING`, if any."""
    depth = 0
    for token in tokens:
        if token.token_type in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                return token
        elif token.token_type in _CLOSING:
            depth -= 1
    return None


def _tree_depth(tree: exp.Expr) -> int:
    """How deep ``tree`` is, walked without recursion."""
    deepest = 0
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def parse_chunk(tokens: list[Token], text: str) -> exp.Expr | ParseFailure:
    """Parse one statement's tokens, taken from ``text``, with our PostgreSQL dialect;
    input nested too deeply to handle is a failure, located, like a syntax error."""
    deep = _too_deep(tokens)
    if deep is not None:
        return ParseFailure(
            deep.start, f"too deeply nested: more than {MAX_NESTING} levels of parentheses"
        )
    try:
        parsed = _parse_chunk(tokens, text)
    except RecursionError:
        return ParseFailure(tokens[0].start, "too deeply nested to parse")
    if (
        isinstance(parsed, exp.Expr)
        and len(tokens) * LEVELS_PER_TOKEN > MAX_DEPTH
        and _tree_depth(parsed) > MAX_DEPTH
    ):
        return ParseFailure(
            tokens[0].start,
            f"too deeply nested: the statement is more than {MAX_DEPTH} levels deep",
        )
    return parsed


def _parse_chunk(tokens: list[Token], text: str) -> exp.Expr | ParseFailure:
    try:
        return parse_statement(tokens, text)
    except AssertionError:
        # sqlglot's builders assert the shape of what they build from (a string
        # literal for generate_series's interval): input of another shape.
        return ParseFailure(tokens[0].start, "syntax error")
    except UnreadTokens as error:
        return ParseFailure(error.token.start, f'syntax error at or near "{error.token.text}"')
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        line, col = first.get("line"), first.get("col")
        offset = tokens[0].start
        highlight = str(first.get("highlight") or "")
        if isinstance(line, int) and isinstance(col, int):
            # sqlglot reports the column where the offending token ends.
            offset = _offset_in(text, line, col) - max(len(highlight) - 1, 0)
        # PostgreSQL's words for any syntax error; what our grammar can add follows.
        where = f'at or near "{highlight}"' if highlight.strip() else "at end of input"
        if isinstance(error, DialectSyntaxError):
            message = str(first.get("description") or error).split("\n")[0]
            return ParseFailure(offset, f"syntax error {where}: {message}")
        return ParseFailure(offset, f"syntax error {where}")


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
        failure = tokenize_failure(source.text, error)
        return [], [source.diagnostic(failure.offset, failure.message)]
    statements: list[Statement] = []
    problems: list[Diagnostic] = []
    for chunk in split_tokens(tokens):
        result = parse_chunk(chunk, source.text)
        if isinstance(result, ParseFailure):
            result = _as_postgresql_takes_it(chunk, source.text, result)
        if isinstance(result, ParseFailure):
            problems.append(source.diagnostic(result.offset, result.message))
        else:
            statements.append(Statement(result, source, chunk[0].start, chunk[-1].end + 1))
    return statements, problems


def _as_postgresql_takes_it(
    tokens: list[Token], text: str, failure: ParseFailure
) -> exp.Expr | ParseFailure:
    """A schema statement the grammar cannot read, as PostgreSQL takes it: its
    syntax error at the first word that names no command, when that comes first
    (``GRANTT``); a statement of a command the catalog does not replay kept as
    written (``CREATE OPERATOR``, ``SECURITY LABEL``: whether the rest is right
    is PostgreSQL's to say, and the catalog stage warns when it may matter);
    else ``failure``."""
    start, end = tokens[0].start, tokens[-1].end + 1
    read = read_command(text[start:end])
    if read.rejected and start + read.offset <= failure.offset:
        where = f'at or near "{read.near}"' if read.near else "at end of input"
        return ParseFailure(start + read.offset, f"syntax error {where}")
    if read.name is not None and not read.read:
        rest = text[tokens[0].end + 1 : end]
        return exp.Command(this=tokens[0].text.upper(), expression=exp.Literal.string(rest))
    return failure
