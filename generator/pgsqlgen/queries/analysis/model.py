"""What the analysis of a statement produces and works with: result columns, parameters,
FROM-item sources and scopes, embeds, and the error a statement that does not type-check
raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from pgsqlgen.pg.types import PgType

STAR_MARKER = "__sqlgen_star_"


EMBED_MARKER = "__sqlgen_embed_"


class AnalysisError(Exception):
    """A statement that does not type-check against the catalog."""

    def __init__(self, message: str, node: exp.Expr | None = None) -> None:
        super().__init__(message)
        self.node = node


@dataclass(frozen=True)
class Typed:
    """An expression's type (None when not known), nullability and origin."""

    type: PgType | None
    nullable: bool
    table: str | None = None
    column: str | None = None


@dataclass(frozen=True)
class ResultColumn:
    """A result column; ``embed`` is the ``sqlc.embed`` it belongs to, if any."""

    name: str
    type: PgType
    nullable: bool
    table: str | None = None
    column: str | None = None
    embed: int | None = None


@dataclass(frozen=True)
class Embed:
    """A ``sqlc.embed(alias)``: the table or view it names, and whether it is outer-joined."""

    alias: str
    relation: str
    nullable: bool


@dataclass
class Param:
    """A statement parameter; ``type`` is filled in by the analysis."""

    number: int
    name: str
    nullable: bool = False
    type: PgType | None = None
    node: exp.Expr | None = None
    forced_nullable: bool = False
    hint: str | None = None
    is_slice: bool = False
    origin: tuple[str, str] | None = None
    """The (table, column) the parameter is compared with or stored into, when one is."""


def untyped_parameter(param: Param) -> AnalysisError:
    """PostgreSQL's error for a parameter nothing in the query gives a type, with the
    cast that would."""
    number = f"${param.number}"
    shown = number if param.name == number else f"{number} ({param.name})"
    return AnalysisError(
        f"could not determine data type of parameter {shown}; add a cast, "
        f"for example {param.name}::text",
        param.node,
    )


@dataclass
class Source:
    """A FROM item as a query sees it: an alias, columns, and outer-join nullability."""

    alias: str
    columns: list[ResultColumn]
    nullable: bool = False
    relation: str | None = None
    row_type: PgType | None = None
    """The type of the item's whole-row reference where it is not its relation's: the
    composite type a function in FROM returns (``FROM f(x) AS p ... g(p)``)."""


@dataclass
class Scope:
    sources: list[Source] = field(default_factory=list)
    outer: Scope | None = None
    ctes: dict[str, list[ResultColumn]] = field(default_factory=dict)

    def all_ctes(self) -> dict[str, list[ResultColumn]]:
        inherited = self.outer.all_ctes() if self.outer is not None else {}
        return {**inherited, **self.ctes}


@dataclass
class Analysis:
    """What :func:`analyse_statement` learns about one statement."""

    columns: list[ResultColumn]
    params: dict[int, Param]
    star_expansions: dict[int, list[tuple[str, str]]]
    insert_table: str | None = None
    embeds: dict[int, Embed] = field(default_factory=dict)
    exactly_one_row: bool = False
    """PostgreSQL returns exactly one row (see :mod:`.cardinality`)."""
