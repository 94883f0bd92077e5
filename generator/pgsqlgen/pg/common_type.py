"""PostgreSQL's rules for a value of one type from several inputs (manual chapter 10,
"Type Conversion", sections 10.4 "Value Storage" and 10.5 "UNION, CASE, and Related
Constructs"), as ``parse_coerce.c`` implements them in ``select_common_type``,
``coerce_to_common_type`` and ``can_coerce_type``.

The functions are pure, over the analyser's types: None (or ``unknown``) stands for
an input of unknown type (an untyped literal, NULL, a parameter not yet typed). What
the built-in catalog cannot know, a schema's domains and the category of its enums
and composite types, the caller passes in. Errors are :class:`CommonTypeError`, with
PostgreSQL's message and the position of the input it is about, for the analyser to
report at that input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pgsqlgen.pg import builtins
from pgsqlgen.pg.types import TEXT, UNKNOWN, PgType

Coercion = Literal["i", "a"]
"""A coercion context, as ``pg_cast.castcontext`` spells it: implicit or assignment."""

TypeMap = Callable[[PgType], PgType]
CategoryOf = Callable[[PgType], tuple[str, bool]]


class CommonTypeError(Exception):
    """An input PostgreSQL cannot bring to the common type: ``message`` is its error,
    ``position`` the index of the input the error points at."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _same(pg_type: PgType) -> PgType:
    return pg_type


def builtin_category(pg_type: PgType) -> tuple[str, bool]:
    """``pg_type.typcategory`` and ``typispreferred`` of a type; an array is of the
    array category, a type the built-in catalog does not know of the user category."""
    if pg_type.array_dims:
        return "A", False
    info = builtins.types().get(pg_type.name)
    return (info.category, info.preferred) if info is not None else ("U", False)


def _is_unknown(pg_type: PgType | None) -> bool:
    return pg_type is None or pg_type.without_modifiers() == UNKNOWN


def can_coerce(
    source: PgType | None,
    target: PgType,
    context: Coercion = "i",
    base_type: TypeMap = _same,
    category: CategoryOf = builtin_category,
) -> bool:
    """Whether a value of ``source`` converts to ``target`` in ``context``
    (``can_coerce_type``): the same type, an unknown input, a domain to or from its
    base type, a ``pg_cast`` cast of that context, an array whose elements convert;
    and in assignment, any type to a string type through its text form."""
    if _is_unknown(source):
        return True
    assert source is not None
    source, target = base_type(source), base_type(target)
    if source.without_modifiers() == target.without_modifiers():
        return True
    if source.array_dims and target.array_dims:
        if source.array_dims != target.array_dims:
            return False
        return can_coerce(source.element(), target.element(), context, base_type, category)
    if not source.array_dims and not target.array_dims:
        allowed = ("i",) if context == "i" else ("i", "a")
        if builtins.casts().get((source.name, target.name)) in allowed:
            return True
    return context == "a" and category(target)[0] == "S"


def select_common_type(
    types: Sequence[PgType | None],
    context: str,
    base_type: TypeMap = _same,
    category: CategoryOf = builtin_category,
) -> PgType:
    """The type PostgreSQL gives ``context`` (``CASE``, ``UNION``, ``COALESCE``...)
    whose inputs are of ``types``, in the order PostgreSQL reads them (for CASE, the
    ELSE first); raises :class:`CommonTypeError` with PostgreSQL's message when the
    inputs cannot be matched or one cannot be converted to the chosen type.

    Section 10.5: inputs all of one type give that type (a domain only then, with
    its modifiers); otherwise domains count as their base types, unknown inputs are
    skipped, and all known inputs must be of one category; the first input of the
    category's preferred type wins, or the last one every earlier choice converts
    to implicitly but not back; all unknown is text. Every input must then convert
    to the choice implicitly. ``base_type`` maps a domain to its base type and
    ``category`` gives a type's category and whether it is preferred, for the
    types of a schema the built-in catalog does not know.
    """
    common = _choose(types, context, base_type, category)
    for position, pg_type in enumerate(types):
        if not can_coerce(pg_type, common, "i", base_type, category):
            assert pg_type is not None
            raise CommonTypeError(
                f"{context} could not convert type {pg_type.display()} to {common.display()}",
                position,
            )
    return common


def _choose(
    types: Sequence[PgType | None], context: str, base_type: TypeMap, category: CategoryOf
) -> PgType:
    """``select_common_type`` proper, before the inputs are converted."""
    first = types[0] if types else None
    if first is not None and not _is_unknown(first):
        if all(t == first for t in types):
            return first
        if all(t is not None and t.without_modifiers() == first.without_modifiers() for t in types):
            return first.without_modifiers()
    chosen: PgType | None = None
    chosen_category, chosen_preferred = "", False
    for position, pg_type in enumerate(types):
        if _is_unknown(pg_type):
            continue
        assert pg_type is not None
        candidate = base_type(pg_type).without_modifiers()
        if candidate == chosen:
            continue
        candidate_category, candidate_preferred = category(candidate)
        if chosen is None:
            chosen, chosen_category, chosen_preferred = (
                candidate,
                candidate_category,
                candidate_preferred,
            )
        elif candidate_category != chosen_category:
            raise CommonTypeError(
                f"{context} types {chosen.display()} and {candidate.display()} cannot be matched",
                position,
            )
        elif (
            not chosen_preferred
            and can_coerce(chosen, candidate, "i", base_type, category)
            and not can_coerce(candidate, chosen, "i", base_type, category)
        ):
            chosen, chosen_preferred = candidate, candidate_preferred
    return chosen if chosen is not None else TEXT
