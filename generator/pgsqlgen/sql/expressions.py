"""Expressions as PostgreSQL's grammar reads them, where sqlglot's reads the tokens otherwise.

Operators sqlglot's tokenizer splits (``>>=``) or takes for a parameter
(``@ x``), calls of a name sqlglot builds its own node for with more
arguments than that node takes, calls sqlglot folds into another function's
node (``date_part`` into ``EXTRACT``), and type keywords before ``(``, which
PostgreSQL reads as a type name, never a call. Token passes run in the
dialect's tokenizer, tree passes on the parsed statement; each is small and
in sqlglot's terms, so it could go upstream.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokenizer_core import Token, TokenType

# Operators sqlglot's tokenizer splits in two (``>>=`` as ``>`` ``>=``) and has no
# node for: written OPERATOR(>>=), which sqlglot reads as its ``Operator`` node.
_SPLIT_OPERATORS = {
    (TokenType.GT, TokenType.GTE): ">>=",
    (TokenType.LT, TokenType.LTE): "<<=",
}


def _synthetic(kind: TokenType, text: str, at: Token) -> Token:
    """A token standing for part of what ``at`` spells, located where it is."""
    return Token(kind, text, at.line, at.col, at.start, at.end)


def split_operators_named(tokens: list[Token]) -> list[Token]:
    """``a >>= b`` (inet's contains-or-equals, ``<<=`` its converse) as ``a OPERATOR(>>=) b``."""
    named: list[Token] = []
    for token in tokens:
        previous = named[-1] if named else None
        symbol = (
            _SPLIT_OPERATORS.get((previous.token_type, token.token_type))
            if previous is not None and previous.end + 1 == token.start
            else None
        )
        if previous is None or symbol is None:
            named.append(token)
            continue
        if len(named) > 1 and named[-2].token_type in (TokenType.DOT, TokenType.L_PAREN):
            # Already named: OPERATOR(>>=), OPERATOR(pg_catalog.>>=).
            named[-1] = _synthetic(token.token_type, symbol, token)
            continue
        named[-1:] = [
            _synthetic(TokenType.OPERATOR, "OPERATOR", previous),
            _synthetic(TokenType.L_PAREN, "(", previous),
            _synthetic(token.token_type, symbol, token),
            _synthetic(TokenType.R_PAREN, ")", token),
        ]
    return named


# What may follow a prefix operator's operand within it: PostgreSQL's operators of a
# higher precedence (4.1.6) and the parts of a name, a cast, a subscript.
_OPERAND_TOKENS = {
    TokenType.VAR,
    TokenType.IDENTIFIER,
    TokenType.NUMBER,
    TokenType.STRING,
    TokenType.PARAMETER,
    TokenType.DOT,
    TokenType.PLUS,
    TokenType.DASH,
    TokenType.STAR,
    TokenType.SLASH,
    TokenType.MOD,
    TokenType.CARET,
}
_GROUPS = {TokenType.L_PAREN: TokenType.R_PAREN, TokenType.L_BRACKET: TokenType.R_BRACKET}


def _operand_end(tokens: list[Token], first: int) -> int:
    """The index of the last token of a prefix operator's operand starting at ``first``.

    A prefix operator other than ``-`` binds less tightly than ``+ - * / % ^`` and
    ``::`` (``@ a + b`` is ``@ (a + b)``): the operand runs to the first token of
    a lower precedence (a comparison, another operator, a keyword, ``,`` or ``)``).
    """
    index = first
    last = first - 1
    while index < len(tokens):
        kind = tokens[index].token_type
        if kind in _GROUPS:
            index = _closing(tokens, index)
        elif kind == TokenType.DCOLON and index + 1 < len(tokens):
            index += 1  # the type's name, whatever keyword spells it
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.token_type in _GROUPS:
                index = _closing(tokens, index + 1)
        elif kind not in _OPERAND_TOKENS:
            break
        last = index
        index += 1
    return last


def _closing(tokens: list[Token], opening: int) -> int:
    """The index of the token closing the group ``opening`` opens (the last if unclosed)."""
    kind = tokens[opening].token_type
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index].token_type == kind:
            depth += 1
        elif tokens[index].token_type == _GROUPS[kind]:
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def absolute_value_calls(tokens: list[Token], sql: str) -> list[Token]:
    """``@ x`` (absolute value, a prefix operator) as a call of ``"@"``, made an
    ``Operator`` without a left operand once parsed (:func:`_prefix_operators`).

    sqlglot reads ``@`` as the start of a ``@name`` parameter; followed by
    whitespace it is PostgreSQL's operator. sqlglot parses no prefix ``OPERATOR()``.
    """
    result = list(tokens)
    index = len(result) - 1
    while index >= 0:
        token = result[index]
        following = result[index + 1] if index + 1 < len(result) else None
        if (
            token.token_type == TokenType.PARAMETER
            and token.text == "@"
            and following is not None
            and sql[token.end + 1 : following.start].isspace()
        ):
            end = _operand_end(result, index + 1)
            if end > index:
                result[end + 1 : end + 1] = [_synthetic(TokenType.R_PAREN, ")", result[end])]
                result[index : index + 1] = [
                    _synthetic(TokenType.IDENTIFIER, "@", token),
                    _synthetic(TokenType.L_PAREN, "(", token),
                ]
        index -= 1
    return result


def overfull_calls_anonymous(tokens: list[Token]) -> list[Token]:
    """A call with more arguments than sqlglot's node for its name takes stays a call.

    sqlglot builds its typed node (``Lower``) for a known name and rejects
    arguments beyond the node's ("The number of provided arguments (2) is
    greater than the maximum"); PostgreSQL looks the call up by its argument
    types (``function lower(integer, integer) does not exist``, or a
    function of the schema's by that name). sqlglot's own marker, a
    ``/* sqlglot.anonymous */`` comment after the call, keeps it anonymous.
    """
    marked = list(tokens)
    functions = Postgres.Parser.FUNCTIONS
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN or token.token_type not in (
            TokenType.VAR,
            TokenType.IDENTIFIER,
        ):
            continue
        builder = functions.get(token.text.upper())
        if builder is None:
            continue
        close, count = _call_extent(tokens, index + 1)
        if close is not None and _takes_fewer(builder, count):
            closing = marked[close]
            marked[close] = Token(
                closing.token_type,
                closing.text,
                closing.line,
                closing.col,
                closing.start,
                closing.end,
                [*closing.comments, exp.SQLGLOT_ANONYMOUS],
            )
    return marked


def _call_extent(tokens: list[Token], opening: int) -> tuple[int | None, int]:
    """The index of the parenthesis closing ``opening``, and how many arguments it holds."""
    depth = 0
    commas = 0
    for index in range(opening, len(tokens)):
        kind = tokens[index].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                empty = index == opening + 1
                return index, 0 if empty else commas + 1
        elif kind == TokenType.COMMA and depth == 1:
            commas += 1
    return None, 0


def _takes_fewer(builder: Callable[..., exp.Expr], count: int) -> bool:
    """Whether the node ``builder`` makes takes fewer than ``count`` arguments.

    Asked of the node itself, as sqlglot's ``validate_expression`` asks it.
    """
    if count < 2:
        return False
    placeholders: list[exp.Expr] = [exp.column(f"_{i}") for i in range(count)]
    try:
        try:
            node = builder(placeholders)
        except TypeError:
            node = builder(placeholders, dialect=Postgres())
    except Exception:
        # A builder that cannot take placeholders (it asserts their shape): sqlglot decides.
        return False
    return isinstance(node, exp.Func) and any(
        "number of provided arguments" in message for message in node.error_messages(placeholders)
    )


# PostgreSQL's grammar reads these keywords followed by ``(`` as a type name with
# modifiers, never as a call (gram.y's Numeric, Bit, Character and ConstDatetime),
# and a type name in an expression is the type of the string constant after it
# (``numeric(10) '1.5'``). ``int4(x)``, ``"varchar"(x)`` are calls.
_TYPES_WITHOUT_MODIFIERS = frozenset(
    {"INT", "INTEGER", "SMALLINT", "BIGINT", "REAL", "BOOLEAN", "DOUBLE PRECISION"}
)
_TYPES_WITH_A_LENGTH = frozenset(
    {
        "CHAR",
        "CHARACTER",
        "NCHAR",
        "VARCHAR",
        "CHAR VARYING",
        "CHARACTER VARYING",
        "FLOAT",
        "TIME",
        "TIMESTAMP",
        "INTERVAL",
    }
)
_TYPES_WITH_MODIFIERS = frozenset({"NUMERIC", "DECIMAL", "DEC", "BIT"})
# Tokens after which an expression starts (where a type name cannot: not after
# ``::``, ``AS``, ``TYPE`` or a column's name).
_EXPRESSION_OPENERS = frozenset(
    {
        TokenType.L_PAREN,
        TokenType.COMMA,
        TokenType.SELECT,
        TokenType.WHERE,
        TokenType.AND,
        TokenType.OR,
        TokenType.NOT,
        TokenType.WHEN,
        TokenType.THEN,
        TokenType.ELSE,
        TokenType.HAVING,
        TokenType.RETURNING,
        TokenType.DISTINCT,
        TokenType.EQ,
        TokenType.NEQ,
        TokenType.GT,
        TokenType.GTE,
        TokenType.LT,
        TokenType.LTE,
        TokenType.PLUS,
        TokenType.DASH,
        TokenType.STAR,
        TokenType.SLASH,
    }
)
_QUERY_STATEMENTS = frozenset({"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES"})


def type_name_call(tokens: list[Token]) -> Token | None:
    """The token PostgreSQL's grammar stops at in a query's ``numeric(x)``, ``varchar(x)``.

    sqlglot reads ``varchar(name)`` as a cast; PostgreSQL reads a type name whose
    modifiers must be integer constants (``syntax error at or near "name"``) and
    after which a string constant must come (``numeric(id) AS r``: at ``AS``).
    Checked in queries only: a routine's or a column's type is no expression.
    """
    if not tokens or tokens[0].text.upper() not in _QUERY_STATEMENTS:
        return None
    for index in range(1, len(tokens) - 1):
        word = tokens[index].text.upper()
        if (
            tokens[index].token_type in (TokenType.VAR, TokenType.IDENTIFIER)
            or tokens[index + 1].token_type != TokenType.L_PAREN
            or tokens[index - 1].token_type not in _EXPRESSION_OPENERS
        ):
            continue
        if word in _TYPES_WITHOUT_MODIFIERS:
            return tokens[index + 1]
        if word not in _TYPES_WITH_A_LENGTH | _TYPES_WITH_MODIFIERS:
            continue
        close = _closing(tokens, index + 1)
        if close == index + 1:
            return None  # "(" ends the statement: sqlglot's own error says so
        if word in _TYPES_WITH_A_LENGTH:
            length, following = tokens[index + 2], tokens[min(index + 3, close)]
            if length.token_type != TokenType.NUMBER or not length.text.isdigit():
                return length
            if following.token_type != TokenType.R_PAREN:
                return following
        after = close + 1
        if word in ("TIME", "TIMESTAMP") and after < len(tokens):
            after += 3 if tokens[after].text.upper() in ("WITH", "WITHOUT") else 0
        if after >= len(tokens):
            return tokens[close]
        if tokens[after].token_type != TokenType.STRING:
            return tokens[after]
    return None


# Functions PostgreSQL has under each name that sqlglot reads as one node.
_SYNONYMS: dict[type[exp.Func], frozenset[str]] = {
    exp.Length: frozenset({"char_length", "character_length"}),
    exp.Extract: frozenset({"date_part"}),
}


def with_written_function_names(tree: exp.Expr, sql: str) -> exp.Expr:
    """Calls of PostgreSQL functions sqlglot folds into another's node, as written.

    sqlglot reads ``char_length(x)`` as its ``Length`` node, which it spells
    ``length(x)``; PostgreSQL has both as functions of their own
    (``pg_get_constraintdef`` says ``char_length``), so the call keeps its name.
    Likewise ``date_part('year', d)``, which sqlglot reads as ``EXTRACT(year
    FROM d)``: PostgreSQL's ``date_part`` returns ``double precision``,
    ``EXTRACT`` ``numeric``. The marker that kept an over-full call anonymous
    (:func:`overfull_calls_anonymous`) is no comment of the query's.
    """
    for anonymous in tree.find_all(exp.Anonymous):
        if anonymous.comments and exp.SQLGLOT_ANONYMOUS in anonymous.comments:
            anonymous.comments = [c for c in anonymous.comments if c != exp.SQLGLOT_ANONYMOUS]
    tree = _prefix_operators(tree)
    for node_type, names in _SYNONYMS.items():
        for node in list(tree.find_all(node_type)):
            written = _written_name(node, sql)
            if written in names:
                call = exp.Anonymous(this=written, expressions=_written_arguments(node))
                call.meta.update(node.meta or _name_position(node, written, sql))
                if node is tree:
                    return call
                node.replace(call)
    return tree


def _prefix_operators(tree: exp.Expr) -> exp.Expr:
    """``"@"(x)``, made by :func:`absolute_value_calls`, as sqlglot's ``Operator``
    without a left operand (which it writes back as ``OPERATOR(@) x``)."""
    for call in list(tree.find_all(exp.Anonymous)):
        name = call.this
        if isinstance(name, exp.Identifier) and name.quoted and name.name == "@":
            operator = exp.Operator(this=None, operator="@", expression=call.expressions[0])
            if call is tree:
                return operator
            call.replace(operator)
    return tree


def _written_name(node: exp.Func, sql: str) -> str:
    """The name a call was written with, as far as sqlglot kept where it was written.

    sqlglot keeps no position for the ``Extract`` it builds from ``date_part(f, x)``:
    it was written as ``date_part`` when a comma, not ``FROM``, comes before ``x``.
    """
    start, end = node.meta.get("start"), node.meta.get("end")
    if start is not None and end is not None:
        return sql[start : end + 1].lower()
    if isinstance(node, exp.Extract) and isinstance(node.expression, exp.Expr):
        starts = [n.meta["start"] for n in node.expression.walk() if "start" in n.meta]
        if starts and sql[: min(starts)].rstrip(" \t\r\n(").endswith(","):
            return "date_part"
    return ""


def _name_position(node: exp.Func, name: str, sql: str) -> dict[str, int]:
    """Where the call of ``name`` that sqlglot built ``node`` from starts, if found."""
    starts = [n.meta["start"] for n in node.walk() if "start" in n.meta]
    start = sql.lower().rfind(name, 0, min(starts)) if starts else -1
    return {"start": start, "end": start + len(name) - 1} if start >= 0 else {}


def _written_arguments(node: exp.Func) -> list[exp.Expr]:
    """A call's arguments as written: ``date_part``'s field is a string, not EXTRACT's word."""
    arguments: list[exp.Expr] = list(node.iter_expressions())
    if isinstance(node, exp.Extract) and isinstance(node.this, exp.Var):
        arguments[0] = exp.Literal.string(node.this.name.lower())
    return arguments
