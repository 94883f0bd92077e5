"""Query files: split on ``-- name:`` headers, rewrite parameters, parse.

sqlc's syntax is accepted as is. Each query's parameters (``@name``,
``sqlc.arg(name)``, ``sqlc.narg(name)``, ``sqlc.slice(name)``, ``$N``) are
rewritten to PostgreSQL's ``$N`` placeholders, a name bound once however often
it appears; ``col IN (sqlc.slice(name))`` becomes ``col = ANY($N)`` (and
``NOT IN`` becomes ``<> ALL``), one array parameter. A select-list ``*`` or
``sqlc.embed(t)`` is replaced by a marker column for the analyser and, in the
SQL the generated code sends, by the explicit column list, so a column added
to a table later cannot shift the rows the code reads.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from pgsqlgen.errors import Diagnostic
from pgsqlgen.queries.analysis.model import EMBED_MARKER, STAR_MARKER, Param
from pgsqlgen.sql.parse import (
    ParseFailure,
    node_offset,
    parse_chunk,
    split_tokens,
    tokenize,
    tokenize_failure,
)
from pgsqlgen.sql.source import SourceFile

COMMANDS = (
    ":one", ":many", ":exec", ":execrows", ":execresult",
    ":copyfrom", ":batchexec", ":batchmany", ":batchone",
)  # fmt: skip
UNSUPPORTED_COMMANDS = {
    ":execlastid": ":execlastid is not supported on PostgreSQL; use RETURNING id with :one",
}

# sqlc reads a header from a ``--`` line comment or a one-line ``/* ... */`` block comment.
_HEADER = re.compile(r"^(?:--|/\*)\s*name:\s*(?P<rest>.*?)(?P<close>\s*\*/)?$")
# Statements sqlc skips in a query file: schema changes, which a file holding
# both schema and queries has between its queries.
_DDL = {"CREATE", "ALTER", "DROP", "COMMENT"}
# Utility statements run as they are: no result, no planning by sqlglot.
_UTILITY = {"CALL", "TRUNCATE", "REFRESH", "NOTIFY", "LISTEN", "UNLISTEN", "DO"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MACROS = {"arg", "narg", "slice", "embed"}
_STAR_PREV = {TokenType.SELECT, TokenType.DISTINCT, TokenType.COMMA, TokenType.RETURNING}
_STAR_NEXT_WORDS = {
    "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "UNION", "INTERSECT",
    "EXCEPT", "INTO", "HAVING", "WINDOW", "FETCH", "FOR",
}  # fmt: skip


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (block-relative) with analysis and runtime text."""

    start: int
    end: int
    analysis: str
    star: int | None = None
    param: int | None = None
    runtime: str | None = None


@dataclass
class ParsedQuery:
    """One annotated query, parsed, with what the code generator needs of its text."""

    name: str
    command: str
    source: SourceFile
    line: int
    doc: list[str]
    expression: exp.Expr
    params: dict[int, Param]
    sql_start: int
    sql_end: int
    edits: list[Edit] = field(default_factory=list)
    positional: bool = False

    def offset_in_file(self, analysis_offset: int) -> int:
        """Map an offset in the rewritten text back to the file."""
        shift = 0
        for edit in self.edits:
            new_start = edit.start + shift
            if analysis_offset < new_start:
                break
            if analysis_offset < new_start + len(edit.analysis):
                return self.sql_start + edit.start
            shift += len(edit.analysis) - (edit.end - edit.start)
        return self.sql_start + analysis_offset - shift

    def diagnostic(self, message: str, node: exp.Expr | None) -> Diagnostic:
        if isinstance(node, exp.Parameter) and node.this is not None and node.this.is_int:
            number = int(node.this.name)
            edit = next((e for e in self.edits if e.param == number), None)
            if edit is not None:
                return self.source.diagnostic(self.sql_start + edit.start, message)
        offset = node_offset(node, -1)
        file_offset = self.sql_start if offset < 0 else self.offset_in_file(offset)
        return self.source.diagnostic(file_offset, message)


@dataclass
class QueryBlock:
    """One ``-- name:`` block of a query file. What it parses to depends only on its
    text, the line it starts on and whether it ends the file (a missing semicolon
    is reported as the file's then): a run may reuse an earlier run's result for it."""

    source: SourceFile
    header_offset: int
    header: str
    body_start: int
    body_end: int
    _parsed: ParsedQuery | Diagnostic | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.source.text[self.header_offset : self.body_end]

    @property
    def line(self) -> int:
        return self.source.position(self.header_offset)[0]

    @property
    def ends_file(self) -> bool:
        return self.body_end == len(self.source.text)

    def parsed(self) -> ParsedQuery | Diagnostic:
        """The block's query, or the problem that stops it (parsed once)."""
        if self._parsed is None:
            self._parsed = _parse_block(
                self.source, self.header_offset, self.header, self.body_start, self.body_end
            )
        return self._parsed


def parse_query_file(source: SourceFile) -> tuple[list[ParsedQuery], list[Diagnostic]]:
    """Every query of a file, and a diagnostic for each problem found."""
    blocks, problems = query_blocks(source)
    queries: list[ParsedQuery] = []
    for block in blocks:
        result = block.parsed()
        if isinstance(result, Diagnostic):
            problems.append(result)
        else:
            queries.append(result)
    return queries, problems


def query_blocks(source: SourceFile) -> tuple[list[QueryBlock], list[Diagnostic]]:
    """The ``-- name:`` blocks of a file, unparsed, and the problem of any statement
    before the first (a query without a header)."""
    problems: list[Diagnostic] = []
    blocks: list[QueryBlock] = []
    offset = 0
    for line in source.text.splitlines(keepends=True):
        match = _HEADER.match(line.strip())
        if match and (match["close"] is not None) == line.lstrip().startswith("/*"):
            if blocks:
                blocks[-1].body_end = offset
            header = match["rest"].strip()
            blocks.append(QueryBlock(source, offset, header, offset + len(line), len(source.text)))
        offset += len(line)
    first = blocks[0].header_offset if blocks else len(source.text)
    try:
        stray = split_tokens(tokenize(source.text[:first]))
    except TokenError as error:
        failure = tokenize_failure(source.text[:first], error)
        problems.append(source.diagnostic(failure.offset, failure.message))
        stray = []
    # DDL with no header is skipped, as sqlc skips it: a file may be both schema
    # and queries (sqlc's projects point both at one directory).
    stray = [statement for statement in stray if not _is_ddl(statement)]
    if stray:
        problems.append(
            source.diagnostic(
                stray[0][0].start, "query must start with a '-- name: Name :command' header"
            )
        )
    return blocks, problems


def _is_ddl(statement: list[Token]) -> bool:
    return bool(statement) and statement[0].text.upper() in _DDL


def _parse_block(
    source: SourceFile, header_offset: int, header: str, body_start: int, body_end: int
) -> ParsedQuery | Diagnostic:
    line, _ = source.position(header_offset)
    parts = header.split()
    header_column = source.text.index("name:", header_offset) + len("name:")
    if len(parts) != 2:
        return source.diagnostic(header_column, "header must be '-- name: QueryName :command'")
    name, command = parts
    if not _NAME.match(name):
        return source.diagnostic(header_column, f'invalid query name "{name}"')
    command_offset = source.text.index(command, header_column + len(name))
    if command in UNSUPPORTED_COMMANDS:
        return source.diagnostic(command_offset, UNSUPPORTED_COMMANDS[command])
    if command not in COMMANDS:
        return source.diagnostic(
            command_offset, f'unknown annotation "{command}"; expected one of {", ".join(COMMANDS)}'
        )
    body = source.text[body_start:body_end]
    doc: list[str] = []
    for body_line in body.splitlines():
        stripped = body_line.strip()
        if not stripped.startswith("--"):
            break
        doc.append(stripped[2:].strip())
    try:
        tokens = tokenize(body)
    except TokenError as error:
        failure = tokenize_failure(body, error)
        return source.diagnostic(body_start + failure.offset, failure.message)
    statements = split_tokens(tokens)
    statements = statements[:1] + [s for s in statements[1:] if not _is_ddl(s)]
    if not statements:
        return source.diagnostic(header_offset, f"query {name} has no SQL")
    if len(statements) > 1:
        return source.diagnostic(
            body_start + statements[1][0].start, f"query {name} must contain exactly one statement"
        )
    chunk = statements[0]
    sql_start = body_start + chunk[0].start
    sql_end = body_start + chunk[-1].end + 1
    if not _terminated(tokens, chunk[-1]):
        where = "file" if body_end == len(source.text) else f"query {name}"
        return source.diagnostic(sql_end, f"missing semicolon at end of {where}")
    sql = source.text[sql_start:sql_end]
    try:
        local = _statement_tokens(sql) if _CALL.match(sql) else _shifted(chunk, chunk[0].start)
    except TokenError as error:
        failure = tokenize_failure(sql, error)
        return source.diagnostic(sql_start + failure.offset, failure.message)
    edits, params, problem = _rewrite(local, sql)
    if problem is not None:
        return source.diagnostic(sql_start + problem[0], problem[1])
    analysis_text = apply_edits(sql, edits, lambda e: e.analysis)
    query = ParsedQuery(
        name, command, source, line, doc, exp.Null(), params, sql_start, sql_end, edits
    )
    query.positional = any(p.name.startswith("$") for p in params.values())
    try:
        analysis_tokens = _statement_tokens(analysis_text)
    except TokenError as error:
        failure = tokenize_failure(analysis_text, error)
        return source.diagnostic(query.offset_in_file(failure.offset), failure.message)
    keyword = analysis_tokens[0].text.upper()
    if keyword in _UTILITY:
        parsed = _utility(keyword, analysis_tokens, analysis_text)
    else:
        parsed = parse_chunk(analysis_tokens, analysis_text)
    if isinstance(parsed, ParseFailure):
        return source.diagnostic(query.offset_in_file(parsed.offset), parsed.message)
    if isinstance(parsed, exp.Command) and keyword not in _UTILITY:
        return source.diagnostic(sql_start, f"query {name}: unsupported statement")
    query.expression = parsed
    nodes = _parameter_nodes(parsed)
    for param in params.values():
        param.node = nodes.get(str(param.number))
    return query


def _terminated(tokens: list[Token], last: Token) -> bool:
    """Whether the statement ending with ``last`` is followed by its ``;``."""
    index = next(i for i, token in enumerate(tokens) if token is last)
    return index + 1 < len(tokens) and tokens[index + 1].token_type == TokenType.SEMICOLON


def _shifted(tokens: list[Token], base: int) -> list[Token]:
    """``tokens`` located from ``base``: the statement's tokens as tokenizing its
    text alone gives them (each pass of the tokenizer reads only the statement's
    own tokens), without tokenizing it again."""
    if base == 0:
        return tokens
    return [
        Token(t.token_type, t.text, t.line, t.col, t.start - base, t.end - base, t.comments)
        for t in tokens
    ]


_CALL = re.compile(r"(?i)call\b")


def _statement_tokens(sql: str) -> list[Token]:
    """The tokens of one statement, a CALL's arguments included.

    sqlglot's tokenizer reads everything after CALL as one string; the
    keyword is blanked out so the call is tokenized as an expression (its
    parameters must be found and rewritten), then put back as a token.
    """
    if not _CALL.match(sql):
        return tokenize(sql)
    keyword = Token(TokenType.VAR, sql[:4], 1, 1, 0, 3)
    return [keyword, *tokenize(" " * 4 + sql[4:])]


def _utility(keyword: str, tokens: list[Token], text: str) -> exp.Expr | ParseFailure:
    """A utility statement as an ``exp.Command`` of its keyword.

    sqlglot cannot parse most of them (NOTIFY and LISTEN even read as a
    column alias). The analyser needs only a CALL's procedure call, parsed
    as a select-list item: the tokens keep their offsets for diagnostics.
    """
    if keyword != "CALL":
        rest = text[tokens[1].start :] if len(tokens) > 1 else ""
        return exp.Command(this=keyword, expression=exp.Literal.string(rest))
    first = tokens[0]
    select = Token(TokenType.SELECT, "SELECT", first.line, first.col, first.start, first.end)
    parsed = parse_chunk([select, *tokens[1:]], text)
    if isinstance(parsed, ParseFailure):
        return parsed
    if not isinstance(parsed, exp.Select) or len(parsed.expressions) != 1:
        return ParseFailure(first.start, "CALL must name one procedure call")
    return exp.Command(this=keyword, expression=parsed.expressions[0])


def _parameter_nodes(tree: exp.Expr) -> dict[str, exp.Expr]:
    """The first node of each parameter by its number, found in one walk of the
    tree (a query of 40 parameters walked it 40 times)."""
    nodes: dict[str, exp.Expr] = {}
    for node in tree.find_all(exp.Parameter):
        if node.this is not None:
            nodes.setdefault(node.this.name, node)
    return nodes


def apply_edits(sql: str, edits: list[Edit], text_of: object) -> str:
    """Apply non-overlapping edits, each replaced by ``text_of(edit)``."""
    assert callable(text_of)
    out: list[str] = []
    position = 0
    for edit in edits:
        out.append(sql[position : edit.start])
        out.append(str(text_of(edit)))
        position = edit.end
    out.append(sql[position:])
    return "".join(out)


def _rewrite(
    tokens: list[Token], sql: str
) -> tuple[list[Edit], dict[int, Param], tuple[int, str] | None]:
    edits: list[Edit] = []
    params: dict[int, Param] = {}
    by_name: dict[str, Param] = {}
    positional = False
    index = 0
    stars = 0
    # As in sqlc, named parameters mixed with $N are numbered after the highest $N.
    first_named = max(_positional_numbers(tokens), default=0) + 1

    def named_param(name: str, nullable: bool, is_slice: bool = False) -> Param | None:
        param = by_name.get(name)
        if param is None:
            param = Param(
                first_named + len(by_name),
                name,
                nullable=nullable,
                forced_nullable=nullable,
                is_slice=is_slice,
            )
            by_name[name] = param
            params[param.number] = param
        elif param.is_slice != is_slice:
            return None
        elif nullable:
            param.nullable = param.forced_nullable = True
        return param

    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if (
            token.token_type == TokenType.PARAMETER
            and following is not None
            and following.start == token.end + 1
        ):
            if token.text == "$" and following.token_type == TokenType.NUMBER:
                positional = True
                number = int(following.text)
                params.setdefault(number, Param(number, f"${number}"))
                edits.append(Edit(token.start, following.end + 1, f"${number}", param=number))
                index += 2
                continue
            if token.text == "@" and re.fullmatch(r"[A-Za-z_]\w*", following.text):
                found = named_param(following.text.lower(), nullable=False)
                if found is None:
                    return [], {}, (token.start, _mixed_slice(following.text.lower()))
                edits.append(_param_edit(token.start, following.end + 1, found.number))
                index += 2
                continue
        macro = _macro_at(tokens, index)
        if isinstance(macro, str):
            return [], {}, (token.start, macro)
        if macro is not None:
            kind, name, end_index = macro
            if kind not in _MACROS:
                return [], {}, (token.start, f"unknown macro sqlc.{kind}")
            end = tokens[end_index].end + 1
            if kind == "embed":
                marker = f"{name}.{EMBED_MARKER}{stars}"
                edits.append(Edit(token.start, end, marker, star=stars))
                stars += 1
                index = end_index + 1
                continue
            found = named_param(name, nullable=kind == "narg", is_slice=kind == "slice")
            if found is None:
                return [], {}, (token.start, _mixed_slice(name))
            in_list = _in_list_around(tokens, index, end_index) if kind == "slice" else None
            if in_list is not None:
                start_index, stop_index, negated = in_list
                start, stop = tokens[start_index].start, tokens[stop_index].end + 1
                text = f"{'<> ALL' if negated else '= ANY'}(${found.number})"
                edits.append(
                    Edit(start, stop, text.ljust(stop - start), param=found.number, runtime=text)
                )
                index = stop_index + 1
                continue
            edits.append(_param_edit(token.start, end, found.number))
            index = end_index + 1
            continue
        if token.token_type == TokenType.STAR and _is_select_star(tokens, index):
            # ``t.*`` is replaced whole, so the runtime text can qualify each column.
            start = (
                tokens[index - 2].start
                if tokens[index - 1].token_type == TokenType.DOT
                else token.start
            )
            marker = sql[start : token.start] + f"{STAR_MARKER}{stars}"
            edits.append(Edit(start, token.end + 1, marker, star=stars))
            stars += 1
        index += 1
    if positional:
        expected = set(range(1, first_named))
        if not expected <= set(params):
            missing = min(expected - set(params))
            return [], {}, (0, f"parameter ${missing} is never used")
    return edits, params, None


def _positional_numbers(tokens: list[Token]) -> list[int]:
    return [
        int(following.text)
        for token, following in itertools.pairwise(tokens)
        if token.token_type == TokenType.PARAMETER
        and token.text == "$"
        and following.token_type == TokenType.NUMBER
        and following.start == token.end + 1
    ]


def _mixed_slice(name: str) -> str:
    return f"parameter {name} is used both as sqlc.slice({name}) and as a single value"


def _in_list_around(tokens: list[Token], start: int, end: int) -> tuple[int, int, bool] | None:
    """``(first, last, negated)`` token indexes of ``[NOT] IN (sqlc.slice(x))`` around a macro."""
    if start < 2 or end + 1 >= len(tokens):
        return None
    if tokens[start - 1].token_type != TokenType.L_PAREN or tokens[end + 1].token_type != (
        TokenType.R_PAREN
    ):
        return None
    if tokens[start - 2].token_type != TokenType.IN:
        return None
    negated = start >= 3 and tokens[start - 3].token_type == TokenType.NOT
    return (start - 3 if negated else start - 2), end + 1, negated


def _param_edit(start: int, end: int, number: int) -> Edit:
    text = f"${number}"
    # Pad so columns after the parameter keep their positions for diagnostics.
    return Edit(start, end, text.ljust(end - start), param=number)


_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _macro_at(tokens: list[Token], index: int) -> tuple[str, str, int] | str | None:
    """``(kind, name, last token index)`` of a ``sqlc.kind(name)`` macro at
    ``index``; a message when it is one without exactly one valid name
    (``sqlc.arg()``, ``sqlc.arg(1)``, ``sqlc.arg(a, b)``), which would
    otherwise reach PostgreSQL as a call of a function named sqlc.arg."""
    if len(tokens[index].text) != len("sqlc") or tokens[index].text.lower() != "sqlc":
        return None
    window = tokens[index : index + 4]
    if len(window) < 4 or window[1].token_type != TokenType.DOT:
        return None
    if window[3].token_type != TokenType.L_PAREN:
        return None
    kind = window[2].text.lower()
    inside = list(
        itertools.takewhile(lambda t: t.token_type != TokenType.R_PAREN, tokens[index + 4 :])
    )
    closed = index + 4 + len(inside) < len(tokens)
    if len(inside) != 1 or not closed:
        return f"sqlc.{kind}() takes exactly one parameter name, e.g. sqlc.{kind}(user_id)"
    name = inside[0].text.lower()
    if inside[0].token_type == TokenType.NUMBER or not _PARAM_NAME.match(name):
        return f"sqlc.{kind}({inside[0].text}): the parameter name must be an identifier"
    return kind, name, index + 5


def _is_select_star(tokens: list[Token], index: int) -> bool:
    previous = tokens[index - 1] if index > 0 else None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if previous is None:
        return False
    if previous.token_type == TokenType.DOT:
        before = tokens[index - 3] if index >= 3 else None
        if before is None or before.token_type not in _STAR_PREV:
            return False
    elif previous.token_type not in _STAR_PREV:
        return False
    return (
        following is None
        or following.token_type in (TokenType.COMMA, TokenType.R_PAREN, TokenType.FROM)
        or following.text.upper() in _STAR_NEXT_WORDS
    )
