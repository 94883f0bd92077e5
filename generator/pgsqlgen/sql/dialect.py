"""Our PostgreSQL dialect: sqlglot's, extended with the forms real schemas use.

sqlglot's PostgreSQL grammar misses statements that real migration histories
and ``pg_dump -s`` write every day (``COMMENT ON TRIGGER ... ON t``,
``ALTER TABLE ... RESET (...)``, ``CREATE TYPE ... AS RANGE``, psql's
``\\restrict`` lines) and reads one valid form wrongly
(``ALTER TABLE t RENAME a TO b`` as a table rename). Each fix here is small
and written the way sqlglot writes its own dialects, so it could go upstream.

The tokenizer is a subclass, as sqlglot's dialects do it: its ``Tokenizer``
is an interpreted class wrapping the compiled core. The parser cannot be:
with ``sqlglotc`` installed, sqlglot's ``Parser`` is a compiled (mypyc)
class and an interpreted subclass cannot even be instantiated ("interpreted
classes cannot inherit from compiled"; sqlglot keeps it that way for
speed). So the grammar extensions are statement and action parsers in
sqlglot's own style, functions of the parser (``STATEMENT_PARSERS``,
``ALTER_PARSERS`` entries would be the same bodies upstream), that drive
sqlglot's compiled parser through its usual methods; ``parse_statement``
dispatches to them before sqlglot's ``_parse_statement``.

A statement must also be read whole: :func:`parse_statement` rejects a
parse that leaves a name of the statement out of its syntax tree, so a
construct sqlglot skips over is an error, not a guess.

Expressions sqlglot reads otherwise than PostgreSQL (``>>=``, ``@ x``,
``date_part``, ``varchar(x)``) are :mod:`pgsqlgen.sql.expressions`' passes,
run here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import NoReturn

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import Token, TokenType

from pgsqlgen.sql.expressions import (
    absolute_value_calls,
    overfull_calls_anonymous,
    split_operators_named,
    type_name_call,
    with_written_function_names,
)
from pgsqlgen.sql.keywords import KEYWORDS

# PostgreSQL concatenates two string constants separated only by whitespace
# that includes a newline ('a'\n'b' is 'ab'); a -- comment counts as whitespace.
_CONTINUATION = re.compile(r"[ \t\f]*(?:--[^\n]*)?\r?\n(?:\s|--[^\n]*\n)*")


# A string constant's closing quote (or a dollar quote's) followed by blanks, maybe a
# comment, and a newline: where a continued string can start (_join_continued_strings).
_CONTINUED_STRING = re.compile(r"['$][ \t\f]*(?:--[^\n]*)?\r?\n")
# ``@`` then blanks: the absolute value operator, not a ``@name`` parameter.
_PREFIX_AT = re.compile(r"@\s")


class Tokenizer(Postgres.Tokenizer):
    """PostgreSQL's lexical rules that sqlglot's PostgreSQL tokenizer lacks.

    Each pass walks every token in Python, which costs as much as sqlglot's own
    tokenizer; so a pass runs only when the text holds what it rewrites (each
    test is necessary for its pass to change anything, and cheap)."""

    def tokenize(self, sql: str) -> list[Token]:
        tokens = super().tokenize(sql)
        lowered = sql.lower()
        if "\\" in sql:
            tokens = _without_meta_commands(tokens, sql)
        if "deferrable" in lowered:
            tokens = _without_not_deferrable(tokens)
        if "values" in lowered:
            tokens = _values_as_name(tokens)
        if "varying" in lowered:
            tokens = _join_bit_varying(tokens)
        if _CONTINUED_STRING.search(sql):
            tokens = _join_continued_strings(tokens, sql)
        if ">>=" in sql or "<<=" in sql:
            tokens = split_operators_named(tokens)
        if _PREFIX_AT.search(sql):
            tokens = absolute_value_calls(tokens, sql)
        return overfull_calls_anonymous(tokens)


def _without_meta_commands(tokens: list[Token], sql: str) -> list[Token]:
    """Drop psql meta-command lines (``\\restrict key`` in current ``pg_dump -s``).

    psql reads a backslash at the start of a line as a command to itself that
    runs to the end of the line; it is never sent to the server.
    """
    kept: list[Token] = []
    skip_line = -1
    for token in tokens:
        if token.line == skip_line:
            continue
        if token.token_type == TokenType.BACKSLASH and _starts_line(sql, token.start):
            skip_line = token.line
            continue
        kept.append(token)
    return kept


def _without_not_deferrable(tokens: list[Token]) -> list[Token]:
    """Drop ``NOT DEFERRABLE``, a constraint's default timing, which sqlglot's
    constraint grammar lacks (it reads ``DEFERRABLE`` alone). ``DEFERRABLE`` is
    reserved in PostgreSQL, so the pair means nothing else."""
    kept: list[Token] = []
    for token in tokens:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.token_type == TokenType.NOT
            and token.text.upper() == "DEFERRABLE"
        ):
            kept.pop()
        else:
            kept.append(token)
    return kept


def _starts_line(sql: str, offset: int) -> bool:
    line_start = sql.rfind("\n", 0, offset) + 1
    return not sql[line_start:offset].strip()


def _join_continued_strings(tokens: list[Token], sql: str) -> list[Token]:
    """One string token for ``'a'`` newline ``'b'``, as PostgreSQL's lexer makes it."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and token.token_type == TokenType.STRING
            and previous.token_type in (TokenType.STRING, TokenType.BYTE_STRING)
            and _CONTINUATION.fullmatch(sql, previous.end + 1, token.start)
        ):
            joined[-1] = Token(
                previous.token_type,
                previous.text + token.text,
                token.line,
                token.col,
                previous.start,
                token.end,
                [*previous.comments, *token.comments],
            )
        else:
            joined.append(token)
    return joined


def _join_bit_varying(tokens: list[Token]) -> list[Token]:
    """``bit varying`` is the type sqlglot knows by its other name, ``varbit``."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.token_type == TokenType.BIT
            and token.text.upper() == "VARYING"
        ):
            joined[-1] = Token(
                TokenType.VAR, "varbit", token.line, token.col, previous.start, token.end
            )
        else:
            joined.append(token)
    return joined


def _values_as_name(tokens: list[Token]) -> list[Token]:
    """``values`` is a name (``WITH values AS (...)``, ``values.x``) unless a list follows.

    PostgreSQL's ``VALUES`` clause always opens a parenthesis; ``DEFAULT VALUES``
    is the one use without one.
    """
    named = list(tokens)
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.VALUES:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = tokens[index - 1] if index > 0 else None
        if (following is None or following.token_type != TokenType.L_PAREN) and (
            previous is None or previous.token_type != TokenType.DEFAULT
        ):
            named[index] = Token(
                TokenType.VAR,
                token.text,
                token.line,
                token.col,
                token.start,
                token.end,
                token.comments,
            )
    return named


class PostgreSQL(Postgres):
    """sqlglot's PostgreSQL dialect with our tokenizer."""

    Tokenizer = Tokenizer


DIALECT = PostgreSQL()


# --- Statement parsers -----------------------------------------------------------------


def _words(parser: Parser, count: int) -> list[str]:
    """The next ``count`` token texts, upper-cased, without consuming them."""
    tokens = parser._tokens[parser._index : parser._index + count]
    return [
        word
        for token in tokens
        if token.token_type != TokenType.STRING
        for word in token.text.upper().split()
    ]


class DialectSyntaxError(ParseError):
    """A syntax error our grammar explains (``unrecognized object kind in COMMENT
    ON``), apart from sqlglot's own, whose wording is its internals."""


def _error(parser: Parser, message: str) -> NoReturn:
    """A syntax error at the current token, located as sqlglot locates its own."""
    token = parser._curr or parser._prev
    raise DialectSyntaxError.new(
        message, description=message, line=token.line, col=token.col, highlight=token.text
    )


def _expect(parser: Parser, matched: object, message: str) -> None:
    if not matched:
        _error(parser, message)


# COMMENT ON: every object kind PostgreSQL has, longest spelling first.
_COMMENT_KINDS = (
    "ACCESS METHOD",
    "AGGREGATE",
    "CAST",
    "COLLATION",
    "COLUMN",
    "CONSTRAINT",
    "CONVERSION",
    "DATABASE",
    "DOMAIN",
    "EVENT TRIGGER",
    "EXTENSION",
    "FOREIGN DATA WRAPPER",
    "FOREIGN TABLE",
    "FUNCTION",
    "INDEX",
    "LARGE OBJECT",
    "MATERIALIZED VIEW",
    "OPERATOR CLASS",
    "OPERATOR FAMILY",
    "OPERATOR",
    "POLICY",
    "PROCEDURAL LANGUAGE",
    "LANGUAGE",
    "PROCEDURE",
    "PUBLICATION",
    "ROLE",
    "ROUTINE",
    "RULE",
    "SCHEMA",
    "SEQUENCE",
    "SERVER",
    "STATISTICS",
    "SUBSCRIPTION",
    "TABLESPACE",
    "TABLE",
    "TEXT SEARCH CONFIGURATION",
    "TEXT SEARCH DICTIONARY",
    "TEXT SEARCH PARSER",
    "TEXT SEARCH TEMPLATE",
    "TRANSFORM",
    "TRIGGER",
    "TYPE",
    "VIEW",
)
_ROUTINE_KINDS = {"AGGREGATE", "FUNCTION", "PROCEDURE", "ROUTINE"}
# Objects named "name ON relation" (a constraint may also be ON DOMAIN d).
_NAMED_ON_RELATION = {"CONSTRAINT", "POLICY", "RULE", "TRIGGER"}
# Objects whose identity is not a name (an operator's symbol, a cast's two types):
# kept as the text PostgreSQL identifies them by.
_TEXT_IDENTITY = {"CAST", "OPERATOR", "OPERATOR CLASS", "OPERATOR FAMILY", "TRANSFORM"}


def parse_comment(parser: Parser) -> exp.Comment:
    """``COMMENT ON <kind> <object> IS '<text>' | NULL``, for every kind of object.

    The comment's ``this`` is the object's name as a table-like name (a column
    for ``COLUMN``, a function with its argument types for routines); objects
    named relative to a relation (``TRIGGER t ON r``) carry that relation as
    ``on`` (and ``on_domain`` for ``CONSTRAINT c ON DOMAIN d``).
    """
    _expect(parser, parser._match(TokenType.ON), "expected ON after COMMENT")
    kind = next(
        (k for k in _COMMENT_KINDS if parser._match_text_seq(*k.split())),
        None,
    )
    if kind is None:
        _error(parser, "unrecognized object kind in COMMENT ON")
    target: exp.Expr | None
    extra: dict[str, exp.Expr | bool | None] = {}
    if kind == "COLUMN":
        target = parser._parse_column()
    elif kind in _ROUTINE_KINDS:
        target = _parse_routine_signature(parser)
    elif kind == "LARGE OBJECT":
        target = parser._parse_number()
    elif kind in _TEXT_IDENTITY:
        start = parser._curr
        while parser._curr and not parser._match(TokenType.IS, advance=False):
            parser._advance()
        target = exp.var(parser._find_sql(start, parser._prev))
    else:
        target = parser._parse_table_parts(schema=True)
        if kind in _NAMED_ON_RELATION:
            _expect(parser, parser._match(TokenType.ON), f"expected ON after {kind} name")
            extra["on_domain"] = kind == "CONSTRAINT" and parser._match_text_seq("DOMAIN")
            extra["on"] = parser._parse_table_parts(schema=True)
    _expect(parser, parser._match(TokenType.IS), "expected IS")
    text = exp.Null() if parser._match(TokenType.NULL) else parser._parse_string()
    if text is None or target is None:
        _error(parser, "expected a string or NULL after IS")
    materialized = kind == "MATERIALIZED VIEW"
    comment = parser.expression(
        exp.Comment(
            this=target,
            kind="VIEW" if materialized else kind,
            expression=text,
            materialized=materialized,
        )
    )
    for key, value in extra.items():
        comment.set(key, value)
    return comment


def _parse_routine_signature(parser: Parser) -> exp.Expr:
    """``f``, ``f()`` or ``f([mode] [name] type, ...)`` as PostgreSQL names a routine."""
    name = parser._parse_table_parts(schema=True)
    if name is None:
        _error(parser, "expected a routine name")
    if not parser._match(TokenType.L_PAREN):
        return name
    arguments: list[exp.Expr] = []
    while not parser._match(TokenType.R_PAREN):
        if arguments:
            _expect(parser, parser._match(TokenType.COMMA), "expected , or )")
        bare = parser._try_parse(lambda: _argument_type_alone(parser))
        argument = bare or parser._parse_function_parameter()
        if argument is None:
            _error(parser, "expected an argument type")
        arguments.append(argument)
    return parser.expression(
        exp.UserDefinedFunction(this=name, expressions=arguments, wrapped=True)
    )


def _argument_type_alone(parser: Parser) -> exp.Expr | None:
    """An argument written as its type alone (``integer[]``), the usual form."""
    data_type = parser._parse_types(check_func=False, allow_identifiers=True)
    if parser._curr.token_type not in (TokenType.COMMA, TokenType.R_PAREN):
        return None
    return data_type


def parse_create_range(parser: Parser, start: Token) -> exp.Create:
    """``CREATE TYPE name AS RANGE (SUBTYPE = type [, option = value ...])``.

    The range is a ``RANGE(...)`` call whose arguments are its options as
    properties, the subtype (and multirange name) parsed as types.
    """
    name = parser._parse_table_parts(schema=True)
    _expect(parser, parser._match_text_seq("AS", "RANGE"), "expected AS RANGE")

    def option() -> exp.Property:
        key = parser._parse_var(any_token=True)
        _expect(parser, parser._match(TokenType.EQ), "expected =")
        is_type = key is not None and key.name.upper() in ("SUBTYPE", "MULTIRANGE_TYPE_NAME")
        value = (
            parser._parse_types(check_func=False, allow_identifiers=True)
            if is_type
            else parser._parse_primary() or parser._parse_table_parts()
        )
        return parser.expression(exp.Property(this=key, value=value))

    options = parser._parse_wrapped_csv(option)
    if not any(o.name.upper() == "SUBTYPE" for o in options):
        _error(parser, 'type attribute "subtype" is required')
    create = exp.Create(
        this=name, kind="TYPE", expression=exp.Anonymous(this="RANGE", expressions=options)
    )
    return parser.expression(create, token=start)


def parse_drop_list(parser: Parser, kind: str) -> exp.Drop:
    """``DROP EXTENSION | TYPE [IF EXISTS] name [, ...] [CASCADE | RESTRICT]``.

    sqlglot reads one type only, and no extension.
    """
    exists = bool(parser._parse_exists())
    names = parser._parse_csv(lambda: parser._parse_table_parts(schema=True))
    cascade = parser._match_text_seq("CASCADE")
    restrict = not cascade and parser._match_text_seq("RESTRICT")
    return parser.expression(
        exp.Drop(
            tables=names,
            kind=kind,
            exists=exists,
            cascade=cascade,
            restrict=restrict,
        )
    )


def parse_routine_command(parser: Parser) -> exp.Command:
    """``CREATE``/``DROP`` ``FUNCTION``/``PROCEDURE`` kept whole as a command.

    A routine's body is another language and its header has PostgreSQL's own
    argument grammar; the catalog reads both at token level from the text.
    """
    first = parser._tokens[0]
    last = parser._tokens[-1]
    parser._advance(parser._tokens_size - parser._index)
    rest = parser.sql[parser._tokens[1].start : last.end + 1]
    return parser.expression(exp.Command(this=first.text.upper(), expression=rest))


# --- ALTER TABLE actions -----------------------------------------------------------------


def _parse_action_reset(parser: Parser) -> exp.Anonymous:
    """``RESET (storage_parameter [, ...])``: storage only, never the catalog's shape.

    sqlglot has no node for it; the parameters are a ``RESET(...)`` call's arguments.
    """
    names = parser._parse_wrapped_csv(lambda: parser._parse_var(any_token=True))
    return parser.expression(exp.Anonymous(this="RESET", expressions=names))


def _parse_action_validate(parser: Parser) -> exp.Command:
    """``VALIDATE CONSTRAINT name``: the constraint is no longer ``NOT VALID``."""
    _expect(parser, parser._match_text_seq("CONSTRAINT"), "expected CONSTRAINT")
    name = parser._parse_id_var()
    if name is None:
        _error(parser, "expected a constraint name")
    return exp.Command(this="VALIDATE CONSTRAINT", expression=name)


def _parse_action_rename(parser: Parser) -> exp.Expr:
    """``RENAME [COLUMN] a TO b`` (``COLUMN`` is optional in PostgreSQL) or ``RENAME TO t``."""
    if parser._match_text_seq("TO"):
        return parser.expression(exp.AlterRename(this=parser._parse_table(schema=True)))
    parser._match(TokenType.COLUMN)
    old = parser._parse_column()
    _expect(parser, parser._match_text_seq("TO"), "expected TO")
    new = parser._parse_column()
    if old is None or new is None:
        _error(parser, "expected a column name")
    return parser.expression(exp.RenameColumn(this=old, to=new))


def _parse_action_add_using_index(parser: Parser) -> exp.AddConstraint:
    """``ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE USING INDEX index [DEFERRABLE ...]``.

    The key takes over an existing unique index (which PostgreSQL renames to
    the constraint's name); the index is the key's ``USING INDEX`` option.
    """
    name = parser._parse_id_var() if parser._match(TokenType.CONSTRAINT) else None
    primary = parser._match(TokenType.PRIMARY_KEY)
    _expect(parser, primary or parser._match(TokenType.UNIQUE), "expected PRIMARY KEY or UNIQUE")
    _expect(parser, parser._match_text_seq("USING", "INDEX"), "expected USING INDEX")
    index = parser._parse_id_var()
    options: list[exp.Expr] = [exp.IndexConstraintOption(using=exp.Index(this=index))]
    while parser._curr and parser._curr.token_type != TokenType.COMMA:
        deferral = parser._parse_var(any_token=True)
        if deferral is None:
            break
        options.append(deferral)
    key: exp.Expr = (
        exp.PrimaryKeyColumnConstraint(options=options)
        if primary
        else exp.UniqueColumnConstraint(options=options)
    )
    constraint = exp.Constraint(this=name, expressions=[key]) if name is not None else key
    return parser.expression(exp.AddConstraint(expressions=[constraint]))


def _action(parser: Parser) -> Callable[[Parser], exp.Expr] | None:
    """Our parser for the ALTER TABLE action at the cursor, if it is one of ours.

    Each reads its action from after the action's first word.
    """
    words = _words(parser, 6)
    head = words[:1]
    if head == ["RESET"]:
        return _parse_action_reset
    if words[:2] == ["VALIDATE", "CONSTRAINT"]:
        return _parse_action_validate
    if head == ["RENAME"] and words[1:2] != ["CONSTRAINT"]:
        return _parse_action_rename
    after = words[3:] if words[1:2] == ["CONSTRAINT"] else words[1:]
    if head == ["ADD"] and after[:3] in (["PRIMARY", "KEY", "USING"], ["UNIQUE", "USING", "INDEX"]):
        return _parse_action_add_using_index
    return None


def _action_starts(tokens: list[Token]) -> list[int]:
    """Indexes of the first token of each top-level action after ``ALTER TABLE name``."""
    starts: list[int] = []
    depth = 0
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.COMMA and depth == 0:
            starts.append(index + 1)
    return starts


def _needs_our_alter_table(parser: Parser, header_end: int) -> bool:
    """Does any action of this ALTER TABLE need one of our action parsers?"""
    tokens = parser._tokens
    index = parser._index
    try:
        for start in [0, *_action_starts(tokens[header_end:])]:
            parser._retreat(header_end + start)
            if _action(parser) is not None:
                return True
        return False
    finally:
        parser._retreat(index)


def parse_alter_table(parser: Parser, start: Token) -> exp.Expr | None:
    """``ALTER TABLE`` whose actions include one sqlglot lacks or misreads; else None.

    Actions of ours and sqlglot's may be mixed; sqlglot's are parsed by its
    own ``ALTER_PARSERS``.
    """
    begin = parser._index
    exists = parser._parse_exists()
    only = parser._match(TokenType.ONLY)
    this = parser._parse_table_parts(schema=True)
    header_end = parser._index
    if not _needs_our_alter_table(parser, header_end):
        parser._retreat(begin)
        return None
    actions: list[exp.Expr] = []
    while True:
        ours = _action(parser)
        if ours is not None:
            parser._advance()
            actions.append(ours(parser))
        elif parser._match_texts(parser.ALTER_PARSERS):
            found = parser.ALTER_PARSERS[parser._prev.text.upper()](parser)
            if not found:
                _error(parser, "unrecognized ALTER TABLE action")
            actions.extend(found if isinstance(found, list) else [found])
        else:
            _error(parser, "unrecognized ALTER TABLE action")
        if not parser._match(TokenType.COMMA) and parser._prev.token_type != TokenType.COMMA:
            break
    not_valid = parser._match_text_seq("NOT", "VALID")
    alter = exp.Alter(
        this=this, kind="TABLE", exists=exists, actions=actions, only=only, not_valid=not_valid
    )
    return parser.expression(alter, token=start)


# --- Dispatch ----------------------------------------------------------------------------


def _statement(parser: Parser) -> exp.Expr | None:
    """Our statement parsers first, then sqlglot's ``_parse_statement``."""
    start = parser._curr
    words = _words(parser, 4)
    routine = words[1:2] in (["FUNCTION"], ["PROCEDURE"]) or words[1:4] in (
        ["OR", "REPLACE", "FUNCTION"],
        ["OR", "REPLACE", "PROCEDURE"],
    )
    if words[:1] in (["CREATE"], ["DROP"]) and routine:
        return parse_routine_command(parser)
    if words[:1] == ["COMMENT"]:
        parser._advance()
        return parse_comment(parser)
    if words[:2] in (["DROP", "EXTENSION"], ["DROP", "TYPE"]):
        parser._advance(2)
        return parse_drop_list(parser, words[1])
    if words[:2] == ["CREATE", "TYPE"] and _creates_range(parser):
        parser._advance(2)
        return parse_create_range(parser, start)
    if words[:2] == ["ALTER", "TABLE"]:
        parser._advance(2)
        altered = parse_alter_table(parser, start)
        if altered is not None:
            return altered
        parser._retreat(0)
    if words[:2] == ["CREATE", "INDEX"] or words[:3] == ["CREATE", "UNIQUE", "INDEX"]:
        return _parse_create_index(parser)
    if words[:1] == ["INSERT"]:
        return _parse_insert(parser)
    if words[:3] == ["CREATE", "MATERIALIZED", "VIEW"]:
        return _parse_create_materialized_view(parser)
    return parser._parse_statement()


def _parse_create_materialized_view(parser: Parser) -> exp.Expr | None:
    """``CREATE MATERIALIZED VIEW ... AS query WITH [NO] DATA`` (as ``pg_dump -s`` writes it).

    sqlglot reads ``WITH [NO] DATA`` after ``CREATE TABLE ... AS`` only; here
    the query is read up to it and the clause becomes the same property.
    """
    tokens = parser._tokens
    words = [token.text.upper() for token in tokens[-3:]]
    no_data = words == ["WITH", "NO", "DATA"]
    if not no_data and words[1:] != ["WITH", "DATA"]:
        return parser._parse_statement()
    created = _parse_prefix(parser, len(tokens) - (3 if no_data else 2))
    _expect(parser, isinstance(created, exp.Create), "expected a materialized view")
    parser._advance(parser._tokens_size - parser._index)
    properties = created.args.get("properties") if created is not None else None
    if isinstance(properties, exp.Properties):
        properties.append("expressions", exp.WithDataProperty(no=no_data))
    return created


def _parse_prefix(parser: Parser, cut: int) -> exp.Expr | None:
    """The statement's first ``cut`` tokens read as a whole statement.

    For a clause that ends a statement but that sqlglot would read as part
    of what comes before it; the cursor then stands on the clause.
    """
    tokens = parser._tokens
    parser._tokens = tokens[:cut]
    parser._tokens_size = cut
    parser._retreat(0)
    parsed = parser._parse_statement()
    if parser._curr:
        _error(parser, "Invalid expression / Unexpected token")
    parser._tokens = tokens
    parser._tokens_size = len(tokens)
    parser._advance(0)
    return parsed


def _top_level(tokens: list[Token], first: TokenType, second: str) -> int | None:
    """Index of the first ``first second`` token pair outside parentheses."""
    depth = 0
    for index, token in enumerate(tokens[:-1]):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and token.token_type == first and tokens[index + 1].text.upper() == second:
            return index
    return None


def _parse_insert(parser: Parser) -> exp.Expr | None:
    """``INSERT ... SELECT ... FROM a CROSS JOIN b ON CONFLICT ...``: the clause ends the query.

    In PostgreSQL's grammar a top-level ``ON CONFLICT`` always belongs to the
    INSERT; sqlglot takes it for the join's ``ON`` condition when the query
    ends with a join. The query is read up to the clause, then the clause.
    """
    cut = _top_level(parser._tokens, TokenType.ON, "CONFLICT")
    if cut is None:
        return parser._parse_statement()
    insert = _parse_prefix(parser, cut)
    if not isinstance(insert, exp.Insert) or insert.args.get("conflict"):
        _error(parser, "expected ON CONFLICT to end the INSERT's query")
    insert.set("conflict", parser._parse_on_conflict())
    insert.set("returning", parser._parse_returning())
    return insert


def _creates_range(parser: Parser) -> bool:
    words = [token.text.upper() for token in parser._tokens]
    return ("AS", "RANGE") in pairwise(words)


def _parse_create_index(parser: Parser) -> exp.Expr | None:
    """``CREATE INDEX ... ON ONLY table``: the index of a partitioned table alone.

    sqlglot reads ``ON table`` only; ``ONLY`` marks the index's table.
    """
    tokens = parser._tokens
    only = next(
        (
            i
            for i in range(1, len(tokens))
            if tokens[i].token_type == TokenType.ONLY and tokens[i - 1].token_type == TokenType.ON
        ),
        None,
    )
    if only is None:
        return parser._parse_statement()
    # Parse with the ONLY token set aside, then mark the table.
    parser._tokens = [*tokens[:only], *tokens[only + 1 :]]
    parser._tokens_size = len(parser._tokens)
    parser._retreat(0)
    created = parser._parse_statement()
    if isinstance(created, exp.Create) and isinstance(created.this, exp.Index):
        created.this.args["table"].set("only", True)
    return created


# --- Whole statements ----------------------------------------------------------------


class UnreadTokens(ParseError):
    """A parse that left part of its statement out of the syntax tree."""

    def __init__(self, token: Token) -> None:
        super().__init__(f"unexpected {token.text!r}: not part of the statement as read")
        self.token = token


def unread_token(tokens: list[Token], tree: exp.Expr) -> Token | None:
    """The first name of ``tokens`` that ``tree`` does not contain.

    A name is a quoted identifier, or a word that is none of PostgreSQL's
    keywords and does not call a function. sqlglot records where each
    identifier came from; a name at no such place that the tree's SQL does
    not spell either (an option word like ``MODULUS`` is kept by meaning, not
    by position) was skipped by the parse, which then read something else
    than was written. A quoted name that spells a built-in type (``"int4"``)
    is read as that type.
    """
    if isinstance(tree, exp.Command):
        return None
    read = {
        node.meta.get("start")
        for node in tree.walk()
        if isinstance(node, exp.Identifier) and node.meta
    }
    spelled: set[str] | None = None
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        name = (token.token_type == TokenType.IDENTIFIER and not _spells_a_type(token)) or (
            token.token_type == TokenType.VAR
            and token.text.lower() not in KEYWORDS
            and (following is None or following.token_type != TokenType.L_PAREN)
        )
        if not name or token.start in read:
            continue
        if spelled is None:
            spelled = set(re.findall(r"\w+", tree.sql(dialect=DIALECT).lower()))
        if token.text.lower() not in spelled:
            return token
    return None


def _spells_a_type(token: Token) -> bool:
    """A quoted name that spells a built-in type (``"int4"``) is read as that type."""
    keyword = Tokenizer.KEYWORDS.get(token.text.upper())
    return keyword is not None and keyword in Parser.TYPE_TOKENS


def parse_statement(tokens: list[Token], sql: str) -> exp.Expr:
    """One statement's syntax tree; raises ParseError, UnreadTokens for a partial read."""
    misread = type_name_call(tokens)
    if misread is not None:
        raise UnreadTokens(misread)
    parser = DIALECT.parser()
    parsed = [e for e in parser._parse(_statement, tokens, sql) if e is not None]
    if len(parsed) != 1:
        raise ParseError("expected exactly one statement")
    unread = unread_token(tokens, parsed[0])
    if unread is not None:
        raise UnreadTokens(unread)
    return with_written_function_names(parsed[0], sql)
