"""One spelling for expressions that PostgreSQL may have rewritten.

PostgreSQL stores parsed trees and prints them back with casts on literals
(``'active'::user_status``), implicit coercions (``(name)::text``), doubled
parentheses, schema-qualified names, every column of a view qualified,
names folded and quoted its own way, and ``IN (...)`` as ``= ANY (ARRAY[...])``.
Migrations say the same things more plainly. Both the static catalog and the
live one are rendered through :func:`canonical_sql`, which removes exactly
those differences, so equal schemas dump to equal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
import sqlglot.errors
from sqlglot import exp

_TEXT_TYPES = {"text", "varchar", "bpchar", "character varying", "character"}
_NUMBER_TYPES = {"int", "smallint", "bigint", "decimal", "real", "double precision"}
# Operators whose result is text.
_TEXT_RESULTS = (exp.JSONExtractScalar, exp.JSONBExtractScalar)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

# PostgreSQL's reserved, column-name and type/function-name keywords: the ones
# ``quote_ident()`` quotes (unreserved keywords may stand as plain identifiers).
_KEYWORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user dec decimal default deferrable desc distinct do else end except
    exists extract false fetch float for foreign freeze from full grant greatest group grouping
    having ilike in initially inner inout int integer intersect interval into is isnull join
    lateral leading least left like limit localtime localtimestamp national nchar natural none
    normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
    placing position precision primary real references returning right row select session_user
    setof similar smallint some substring symmetric system_user table tablesample then time
    timestamp to trailing treat trim true union unique user using values varchar variadic verbose
    when where window with
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)


def quote_ident(name: str) -> str:
    """Quote an identifier when PostgreSQL needs it to keep its spelling, as ``quote_ident()``."""
    plain = name.isidentifier() and name == name.lower() and name.isascii()
    if plain and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def split_name(name: str) -> tuple[str, str]:
    """A catalog key's schema and its name within the schema.

    Keys are qualified only outside ``public`` (as PostgreSQL prints names
    with ``public`` on the search path), so a key without a dot is in
    ``public``. A name that itself holds a dot reads as qualified: the one
    spelling the keys cannot tell apart.
    """
    schema, dot, local = name.partition(".")
    return (schema, local) if dot else ("public", name)


def quote_name(name: str) -> str:
    """A catalog key as SQL: each part quoted as ``quote_ident()`` would."""
    schema, local = split_name(name)
    if schema == "public":
        return quote_ident(local)
    return f"{quote_ident(schema)}.{quote_ident(local)}"


# Parents under which parentheses around an expression never change its
# meaning: clauses, aliases, list items and function arguments.
_PAREN_FREE = (
    exp.Paren,
    exp.Where,
    exp.Having,
    exp.Check,
    exp.CheckColumnConstraint,
    exp.Join,
    exp.TriggerProperties,
    exp.Alias,
    exp.If,
    exp.Group,
    exp.Ordered,
    exp.Select,
    exp.Func,
    exp.Array,
)


def _is_literal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Literal | exp.Null | exp.Boolean):
        return True
    if isinstance(node, exp.Array):
        return all(_is_literal(e) for e in node.expressions)
    return isinstance(node, exp.Neg) and _is_literal(node.this)


def _is_atom(node: exp.Expr) -> bool:
    return isinstance(
        node, exp.Column | exp.Literal | exp.Null | exp.Boolean | exp.Func | exp.Paren | exp.Cast
    ) and not isinstance(node, exp.Binary)


def _regclass_argument(node: exp.Expr) -> bool:
    """Whether ``node`` is the text of a ``regclass``: cast to one, or nextval's argument."""
    parent = node.parent
    if isinstance(parent, exp.Cast):
        return parent.to.sql(dialect="postgres").lower() == "regclass"
    return (
        isinstance(parent, exp.Anonymous)
        and parent.name.lower() in ("nextval", "currval", "setval")
        and parent.expressions[:1] == [node]
    )


def _strip(node: exp.Expr) -> exp.Expr:
    if (
        isinstance(node, exp.Literal)
        and node.is_string
        and node.name.startswith("public.")
        and _regclass_argument(node)
    ):
        # A regclass prints its relation qualified only off the search path:
        # pg_dump's 'public.t_id_seq'::regclass is PostgreSQL's 't_id_seq'.
        return exp.Literal.string(node.name.removeprefix("public."))
    if isinstance(node, exp.Cast):
        inner: exp.Expr = node.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        target = node.to.sql(dialect="postgres").lower().split("(")[0]
        if _NUMBER.fullmatch(inner.name) and inner.is_string and target in _NUMBER_TYPES:
            # A number written as a string is the number ('0'::integer is 0); PostgreSQL
            # prints a negative constant as a cast string: '-100'::integer.
            number = exp.Literal.number(inner.name.lstrip("-"))
            return exp.Neg(this=number) if inner.name.startswith("-") else number
        if _is_literal(inner) or (isinstance(inner, exp.Column) and target in _TEXT_TYPES):
            return inner
        if isinstance(inner, _TEXT_RESULTS) and target in _TEXT_TYPES and not node.to.expressions:
            # Text to varchar is binary coercible: PostgreSQL prints the implicit
            # cast it adds to ->> passed as a varchar argument, which is not written.
            return inner
    if isinstance(node, exp.Paren):
        inner = node.this
        assert isinstance(inner, exp.Expr)
        parent = node.parent
        # (sqlglot's AND, OR and -> are Func subclasses, but operators all the same.)
        operator = _precedence(parent) is not None if parent is not None else False
        paren_free = isinstance(parent, _PAREN_FREE) and not operator
        if _is_atom(inner) or parent is None or paren_free:
            return inner
        if _binds_tighter(inner, parent):
            return inner
        level = _precedence(inner)
        left = parent.this is node and not isinstance(inner, exp.Predicate)
        if left and level is not None and level == _precedence(parent):
            # Operators associate to the left: (a -> 'x') -> 'y' is a -> 'x' -> 'y'
            # (comparisons do not associate at all: theirs stay).
            return inner
    if isinstance(node, exp.Join) and str(node.args.get("kind") or "").upper() == "INNER":
        # PostgreSQL prints an inner join as JOIN.
        node.set("kind", None)
    negated = isinstance(node, exp.Not) and isinstance(node.this, exp.Between)
    between = node.this if negated else node
    if isinstance(between, exp.Between) and not between.args.get("symmetric"):
        # PostgreSQL stores BETWEEN as two comparisons, NOT BETWEEN as their negation.
        value, low, high = between.this, between.args["low"], between.args["high"]
        if negated:
            return exp.Paren(this=exp.or_(value < low, value.copy() > high))
        return exp.Paren(this=exp.and_(value >= low, value.copy() <= high))
    if isinstance(node, exp.Case) and node.args.get("default") is None:
        # PostgreSQL stores a CASE without ELSE with ELSE NULL.
        node.set("default", exp.Null())
    if isinstance(node, exp.Interval) and isinstance(node.this, exp.Literal):
        # INTERVAL '7 days' is the constant PostgreSQL prints as '7 days'::interval.
        unit = node.args.get("unit")
        text = node.this.name + (f" {unit.name.lower()}" if unit is not None else "")
        return exp.Literal.string(text)
    if isinstance(node, exp.Table) and node.args.get("db") and node.args["db"].name == "public":
        node.set("db", None)
    if (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name == "public"
        and isinstance(node.expression, exp.Func)
    ):
        # public.f() is f(): public is on the search path.
        return node.expression
    if isinstance(node, exp.Identifier):
        # PostgreSQL folds unquoted names (OLD, NEW, VALUE too) to lower case,
        # and quotes a name when it prints it only where the name needs it.
        name = node.name if node.quoted else node.name.lower()
        quoted = quote_ident(name) != name
        if (name, quoted) != (node.name, bool(node.quoted)):
            return exp.Identifier(this=name, quoted=quoted)
    return _in_list(node)


# Operator precedence, loosest first, as PostgreSQL's grammar has it.
_PRECEDENCE: tuple[tuple[type[exp.Expr], ...], ...] = (
    (exp.Or,),
    (exp.And,),
    (exp.Not,),
    (exp.Predicate,),
    # "Any other operator": ||, and the JSON operators (->, ->>, #>, #>>, @>, <@).
    (
        exp.DPipe,
        exp.JSONExtract,
        exp.JSONExtractScalar,
        exp.JSONBExtract,
        exp.JSONBExtractScalar,
        exp.JSONBContains,
        exp.ArrayContains,
        exp.ArrayContainsAll,
        exp.ArrayContainedBy,
    ),
    (exp.Add, exp.Sub),
    (exp.Mul, exp.Div, exp.Mod),
    (exp.Neg,),
)


def _precedence(node: exp.Expr) -> int | None:
    return next((i for i, kinds in enumerate(_PRECEDENCE) if isinstance(node, kinds)), None)


def _binds_tighter(inner: exp.Expr, parent: exp.Expr) -> bool:
    """Whether ``inner`` binds tighter than its operator parent, so needs no parentheses."""
    inner_level, parent_level = _precedence(inner), _precedence(parent)
    return inner_level is not None and parent_level is not None and inner_level > parent_level


def _in_list(node: exp.Expr) -> exp.Expr:
    """``x = ANY (ARRAY[a, b])`` is how PostgreSQL stores ``x IN (a, b)``; ``<> ALL`` is ``NOT IN``.

    A list of one is stored as the plain comparison: ``x IN (a)`` is ``x = a``.
    """
    negated = isinstance(node, exp.Not) and isinstance(node.this, exp.In)
    in_list = node.this if negated else node
    if (
        isinstance(in_list, exp.In)
        and len(in_list.expressions) == 1
        and not in_list.args.get("query")
    ):
        operator = exp.NEQ if negated else exp.EQ
        return operator(this=in_list.this, expression=in_list.expressions[0])
    quantifier = node.args.get("expression")
    operand: exp.Expr | None = None
    if (isinstance(node, exp.EQ) and isinstance(quantifier, exp.Any)) or (
        isinstance(node, exp.NEQ) and isinstance(quantifier, exp.All)
    ):
        operand = quantifier.this
    elif (
        isinstance(node, exp.NEQ)
        and isinstance(quantifier, exp.Anonymous)
        and quantifier.name.upper() == "ALL"
        and len(quantifier.expressions) == 1
    ):
        # sqlglot reads ``ALL (...)`` after ``<>`` as a function call.
        operand = quantifier.expressions[0]
    items = _array_items(operand) if operand is not None else None
    if items is None:
        return node
    in_list = exp.In(this=node.this, expressions=items)
    return in_list if isinstance(node, exp.EQ) else exp.Not(this=in_list)


def _array_items(node: exp.Expr) -> list[exp.Expr] | None:
    while isinstance(node, exp.Paren):
        node = node.this
    return list(node.expressions) if isinstance(node, exp.Array) else None


def _folded(identifier: exp.Expr | None) -> str | None:
    if not isinstance(identifier, exp.Identifier):
        return None
    return identifier.name if identifier.quoted else identifier.name.lower()


def _unqualify_single_source(node: exp.Expr) -> exp.Expr:
    """In a ``SELECT`` over one table, ``t.col`` is ``col``.

    PostgreSQL qualifies every column of a stored view, migrations often do
    not; with one source (and no joins) the qualifier says nothing. Columns
    of nested queries, which have their own sources, are left alone.
    """
    if not isinstance(node, exp.Select) or node.args.get("joins"):
        return node
    from_ = node.args.get("from_")
    source = from_.this if from_ is not None else None
    if not isinstance(source, exp.Table | exp.Subquery):
        return node
    alias = source.args.get("alias")
    qualifier = _folded(alias.this if alias is not None else source.this)
    for column in list(node.find_all(exp.Column)):
        if (
            column.find_ancestor(exp.Select) is node
            and _folded(column.args.get("table")) == qualifier
        ):
            column.set("table", None)
    return node


def _flatten_join_trees(node: exp.Expr) -> exp.Expr:
    """``FROM ((a JOIN b ON ..) LEFT JOIN c ON ..)`` is ``FROM a JOIN b ON .. LEFT JOIN c ON ..``."""
    if not isinstance(node, exp.Select):
        return node
    from_ = node.args.get("from_")
    if from_ is None:
        return node
    joins: list[exp.Expr] = []
    item = from_.this
    while isinstance(item, exp.Subquery) and not item.args.get("alias"):
        joins = list(item.args.get("joins") or []) + joins
        item = item.this
    if not joins and not item.args.get("joins"):
        return node
    joins = list(item.args.get("joins") or []) + joins
    item.set("joins", None)
    from_.set("this", item)
    node.set("joins", joins + list(node.args.get("joins") or []))
    return node


def canonical(node: exp.Expr) -> exp.Expr:
    """A copy of ``node`` in canonical form."""
    # The tree is a private copy, so the generator need not copy it again
    # (sqlglot's default copy was a third of a large run's time).
    tree = node.copy()
    tree = tree.transform(_flatten_join_trees, copy=False)
    tree = tree.transform(_unqualify_single_source, copy=False)
    # Repeat until stable: removing one layer can expose the next. Each change
    # replaces a node for good (a layer removed, a literal rewritten), so a pass
    # that replaces none is the last.
    while True:
        changed = False

        def strip(node: exp.Expr) -> exp.Expr:
            nonlocal changed
            stripped = _strip(node)
            changed = changed or stripped is not node
            return stripped

        tree = tree.transform(strip, copy=False)
        if not changed:
            return tree


def canonical_sql(node: exp.Expr, pretty: bool = False) -> str:
    """The canonical PostgreSQL text of an expression or statement."""
    return canonical(node).sql(
        dialect="postgres", pretty=pretty, normalize_functions="lower", comments=False, copy=False
    )


_FUNCTION_DEFAULTS = {
    "VOLATILE",
    "CALLED ON NULL INPUT",
    "SECURITY INVOKER",
    "PARALLEL UNSAFE",
    "NOT LEAKPROOF",
}
_OPTION_WORDS = {
    "LANGUAGE", "AS", "IMMUTABLE", "STABLE", "VOLATILE", "STRICT", "CALLED", "SECURITY",
    "PARALLEL", "COST", "ROWS", "SET", "WINDOW", "LEAKPROOF", "NOT", "EXTERNAL", "SUPPORT",
    "TRANSFORM", "RETURNS", "BEGIN", "RETURN",
}  # fmt: skip


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _canonical_type(text: str) -> str:
    """A type in a function's signature, which PostgreSQL keeps without modifiers."""
    from pgsqlgen.pg.types import parse_type

    parsed = parse_type(text)
    if parsed is None:
        return " ".join(text.lower().split())
    return parsed.without_modifiers().display()


def _canonical_default(text: str) -> str:
    """A parameter's default as PostgreSQL prints it back: a constant without its cast."""
    try:
        return canonical_sql(sqlglot.parse_one(text, dialect="postgres"))
    except sqlglot.errors.SqlglotError:
        return " ".join(text.split())


@dataclass(frozen=True)
class FunctionArgument:
    """One parameter of a function as written: ``[mode] [name] type [DEFAULT expr]``."""

    mode: str
    name: str | None
    type: str
    default: str | None


# A name, quoted or not, at the start of a parameter: ``a int``, ``"My Arg" text``.
_LEADING_NAME = re.compile(r'^("(?:[^"]|"")+"|[\w$]+)\s+(.*)$', re.S)


def split_argument(text: str) -> FunctionArgument:
    """Read a parameter; its mode is ``IN`` when not written.

    A name is optional, so the words are a name and a type only when they
    do not read as a type as a whole (``double precision`` is a type,
    ``value mood`` a name and a type).
    """
    from pgsqlgen.pg.types import parse_type

    default = None
    match = re.search(r"\s+DEFAULT\s+|\s*=\s*", text, re.I)
    if match:
        default = text[match.end() :].strip()
        text = text[: match.start()]
    text = text.strip()
    mode = "IN"
    first = text.split(None, 1)
    if len(first) == 2 and first[0].upper() in ("IN", "OUT", "INOUT", "VARIADIC"):
        mode, text = first[0].upper(), first[1].strip()
    named = _LEADING_NAME.match(text)
    if named is not None and parse_type(text) is None:
        return FunctionArgument(mode, named[1], named[2].strip(), default)
    return FunctionArgument(mode, None, text, default)


def _render_argument(argument: FunctionArgument, kind: str) -> str:
    """A parameter as ``pg_get_functiondef`` prints it (``IN`` only for procedures)."""
    parts = [] if argument.mode == "IN" and kind != "PROCEDURE" else [argument.mode]
    if argument.name is not None:
        name = argument.name
        parts.append(name if name.startswith('"') else name.lower())
    parts.append(_canonical_type(argument.type))
    if argument.default is not None:
        parts += ["DEFAULT", _canonical_default(argument.default)]
    return " ".join(parts)


@dataclass(frozen=True)
class FunctionHeader:
    """A ``CREATE FUNCTION`` or ``CREATE PROCEDURE`` read at token level.

    The parts are kept as written: the dump renders them canonically
    (:func:`canonical_function`), the catalog reads the signature from them
    (``pgsqlgen.schema.ddl``). ``options`` are the non-default options, each one
    phrase (``STRICT``, ``STABLE``, ``SECURITY DEFINER``).
    """

    kind: str
    replace: bool
    name: str
    arguments: list[FunctionArgument]
    returns: str | None
    language: str
    options: list[str]
    body: str | None


def read_function(text: str) -> FunctionHeader | None:
    """The parts of a function or procedure definition, or None when it is not one."""
    from sqlglot.dialects.postgres import Postgres
    from sqlglot.tokenizer_core import TokenType

    tokens = list(Postgres().tokenize(text))
    words = [t.text.upper() for t in tokens]
    try:
        start = next(i for i, w in enumerate(words) if w in ("FUNCTION", "PROCEDURE"))
        open_paren = words.index("(", start)
    except (StopIteration, ValueError):
        return None
    kind = words[start]
    name = text[tokens[start + 1].start : tokens[open_paren - 1].end + 1]
    depth, close = 0, open_paren
    for index in range(open_paren, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[index].text, 0)
        if depth == 0:
            close = index
            break
    args = text[tokens[open_paren].end + 1 : tokens[close].start]
    arguments = [split_argument(a) for a in split_top_level(args)]
    returns, language, body = None, "", None
    options: list[str] = []
    index = close + 1
    while index < len(tokens):
        word = words[index]
        if word == "RETURNS" and index + 1 < len(tokens) and words[index + 1] != "NULL":
            end = index + 1
            depth = 0
            while end < len(tokens) and (depth or words[end] not in _OPTION_WORDS - {"SET"}):
                depth += {"(": 1, ")": -1}.get(tokens[end].text, 0)
                end += 1
            returns = text[tokens[index + 1].start : tokens[end - 1].end + 1]
            index = end
            continue
        if word == "LANGUAGE":
            language = tokens[index + 1].text.lower().strip("'\"")
            index += 2
            continue
        if word == "AS":
            token = tokens[index + 1]
            if token.token_type not in (TokenType.STRING, TokenType.HEREDOC_STRING):
                return None
            body = token.text
            index += 2
            continue
        phrase = word
        for size in (5, 4, 3, 2):
            candidate = " ".join(words[index : index + size])
            if candidate in (
                "RETURNS NULL ON NULL INPUT",
                "CALLED ON NULL INPUT",
                "NOT LEAKPROOF",
            ) or (size == 2 and words[index] in ("SECURITY", "PARALLEL", "COST", "ROWS")):
                phrase = candidate
                index += size - 1
                break
        index += 1
        phrase = "STRICT" if phrase == "RETURNS NULL ON NULL INPUT" else phrase
        if phrase.startswith("COST ") and phrase in ("COST 100", "COST 1"):
            continue
        if phrase not in _FUNCTION_DEFAULTS:
            options.append(phrase)
    replace = "REPLACE" in words[:start]
    return FunctionHeader(kind, replace, name, arguments, returns, language, options, body)


def _render_returns(header: FunctionHeader) -> str | None:
    """What follows ``RETURNS``, as ``pg_get_functiondef`` prints it.

    ``SETOF`` and ``TABLE(...)`` are kept, each type canonical; a function
    with OUT parameters and no ``RETURNS`` returns its one output's type,
    or ``record``.
    """
    returns = header.returns
    if returns is None:
        outputs = [a for a in header.arguments if a.mode in ("OUT", "INOUT")]
        if header.kind != "FUNCTION" or not outputs:
            return None
        return _canonical_type(outputs[0].type) if len(outputs) == 1 else "record"
    head, _, rest = returns.strip().partition(" ")
    if head.upper() == "SETOF":
        return f"SETOF {_canonical_type(rest)}"
    table = re.match(r"^TABLE\s*\((.*)\)$", returns.strip(), re.I | re.S)
    if table is not None:
        columns = [split_argument(c) for c in split_top_level(table[1])]
        return f"TABLE({', '.join(_render_argument(c, 'FUNCTION') for c in columns)})"
    return _canonical_type(returns)


# The order pg_get_functiondef prints options in; the rest (SET, SUPPORT) follow as written.
_OPTION_ORDER = (
    "WINDOW", "IMMUTABLE", "STABLE", "PARALLEL", "STRICT", "SECURITY", "LEAKPROOF", "COST", "ROWS",
)  # fmt: skip


def _option_rank(option: str) -> int:
    first = option.split(None, 1)[0]
    return _OPTION_ORDER.index(first) if first in _OPTION_ORDER else len(_OPTION_ORDER)


def canonical_function(text: str, name: str) -> str | None:
    """``CREATE FUNCTION`` in one spelling, whether written by hand or by ``pg_get_functiondef``.

    ``name`` is the function's catalog key (``f``, or ``schema.f`` outside
    ``public``), which may have changed since ``text`` was written (a
    schema renamed). Returns None when the text is not a function
    definition this can read; the caller then keeps the text as written.
    """
    header = read_function(text)
    if header is None or header.body is None:
        return None
    name = quote_name(name)
    arguments = ", ".join(_render_argument(a, header.kind) for a in header.arguments)
    head = f"CREATE {header.kind} {name}({arguments})"
    returns = _render_returns(header)
    if returns:
        head += f" RETURNS {returns}"
    lines = [head, f"    LANGUAGE {header.language}"]
    if header.options:
        lines.append("    " + " ".join(sorted(header.options, key=_option_rank)))
    return "\n".join(lines) + f"\n    AS $$\n{header.body.strip(chr(10))}\n$$"
