"""PostgreSQL's SQL commands as its reference names them (``CREATE TABLE``,
``ALTER DEFAULT PRIVILEGES``): what tells a statement this tool does not model
from one PostgreSQL would reject.

sqlglot keeps a statement it has no grammar for as an opaque command, whether
PostgreSQL runs it (``CREATE POLICY``) or refuses it (``CREATE TABLEE``). The
words a statement starts with settle which: a command is known by its words,
with the keywords its synopsis allows between them (``CREATE OR REPLACE
TRIGGER``, ``CREATE UNIQUE INDEX``), and a misspelt one fails at the first word
no command continues, where PostgreSQL's parser fails too. The list comes from
psql's ``\\h`` (``make pgcatalog``, :mod:`pgsqlgen.pg.extract`), never by hand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COMMANDS_FILE = Path(__file__).parent / "data" / "commands.json"

# A statement's leading words, after blanks and comments; anything else ends them.
_LEADING = re.compile(r"\s+|--[^\n]*|/\*.*?\*/|([A-Za-z_][A-Za-z_0-9$]*)|(.)", re.DOTALL)


# The objects whose statements the catalog replays (schema/ddl): one the grammar
# cannot read would leave the catalog wrong, so it stays a syntax error.
_REPLAYED_KINDS = (
    "TABLE",
    "VIEW",
    "MATERIALIZED VIEW",
    "INDEX",
    "SEQUENCE",
    "TYPE",
    "DOMAIN",
    "FUNCTION",
    "PROCEDURE",
    "SCHEMA",
    "TRIGGER",
    "EXTENSION",
)
# The objects a query can see: those, and what the catalog does not model.
_SHAPING_KINDS = (
    *_REPLAYED_KINDS,
    "FOREIGN TABLE",
    "ROUTINE",
    "AGGREGATE",
    "OPERATOR",
    "CAST",
    "COLLATION",
)
# Commands that make or change what a query can see (relations, columns, types,
# functions, operators, casts). One kept as written, which the catalog did not
# read, leaves the catalog unsure; any other (a policy, a role, statistics) changes
# nothing it holds.
SHAPING_COMMANDS = frozenset(
    {
        *(f"{verb} {kind}" for verb in ("CREATE", "ALTER", "DROP") for kind in _SHAPING_KINDS),
        "CREATE TABLE AS",
        "SELECT INTO",
        "IMPORT FOREIGN SCHEMA",
        "COMMENT",
    }
)
"""(Of the names made from every verb and kind, those PostgreSQL lacks, like
``ALTER CAST``, are never read from a statement.)"""


# Commands the grammar must read. A statement of any other command that it cannot
# read is kept as written, for PostgreSQL to judge: nothing here depends on it.
READ_COMMANDS = frozenset(
    {
        *(f"{verb} {kind}" for verb in ("CREATE", "ALTER", "DROP") for kind in _REPLAYED_KINDS),
        *("CREATE TABLE AS", "COMMENT", "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"),
        *("WITH", "VALUES"),
    }
)


@dataclass(frozen=True)
class CommandRead:
    """The command a statement's words name, or where they stop naming one: the
    offset (in the statement's text) and text of the first word, or other token,
    that no command continues (empty at the end of the text)."""

    name: str | None
    offset: int = 0
    near: str = ""

    @property
    def shaping(self) -> bool:
        """Whether the command can change what queries see (:data:`SHAPING_COMMANDS`)."""
        return self.name in SHAPING_COMMANDS

    @property
    def read(self) -> bool:
        """Whether the grammar must read the command (:data:`READ_COMMANDS`)."""
        return self.name in READ_COMMANDS

    @property
    def rejected(self) -> bool:
        """Whether PostgreSQL's parser refuses the words: they name no command (a
        text that starts with no word, a parenthesis, is left to the parser)."""
        return self.name is None and (self.offset > 0 or bool(self.near))


Form = tuple[tuple[str, ...], frozenset[str]]
"""The words a command requires after its first, and the keywords allowed between them."""


@cache
def commands() -> dict[str, dict[str, list[str]]]:
    """Every command's name, and the words that spell it (``required``, ``lead``)."""
    loaded: dict[str, dict[str, list[str]]] = json.loads(COMMANDS_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _forms() -> dict[str, tuple[tuple[str, Form], ...]]:
    """Each command's forms, by the command's first word."""
    forms: dict[str, list[tuple[str, Form]]] = {}
    for name, form in commands().items():
        spelled = (tuple(form["required"]), frozenset(form["lead"]))
        forms.setdefault(name.split()[0], []).append((name, spelled))
    return {first: tuple(named) for first, named in forms.items()}


def _tokens(text: str) -> list[tuple[int, str]]:
    """The offset and text of each leading word, then of the token that ends them
    (none at the end of the text)."""
    found: list[tuple[int, str]] = []
    for match in _LEADING.finditer(text):
        if match.group(1):
            found.append((match.start(1), match.group(1)))
        elif match.group(2):
            found.append((match.start(2), match.group(2)))
            break
    return found


def _reach(words: list[str], form: Form) -> tuple[bool, int]:
    """Whether ``words`` (after the first) spell ``form``, and how many of them it read."""
    rest, lead = form
    expected = list(rest)
    index = 1
    while expected and index < len(words):
        if words[index] == expected[0]:
            expected.pop(0)
        elif words[index] not in lead:
            break
        index += 1
    return not expected, index


def read_command(text: str) -> CommandRead:
    """The command ``text`` starts with (the longest whose words it spells), or
    the first token no command continues. Text that starts with no word (a
    parenthesis) names no command and stops nowhere: ``CommandRead(None)`` at 0."""
    tokens = _tokens(text)
    words = [token.upper() if token[0].isalpha() or token[0] == "_" else "" for _, token in tokens]
    if not words or not words[0]:
        return CommandRead(None)
    known: list[str] = []
    furthest = 0
    for name, form in _forms().get(words[0], ()):
        spelled, read = _reach(words, form)
        if spelled:
            known.append(name)
        furthest = max(furthest, read)
    if known:
        return CommandRead(max(known, key=len))
    if furthest < len(tokens):
        offset, near = tokens[furthest]
        return CommandRead(None, offset, near)
    return CommandRead(None, len(text), "")
