"""PostgreSQL's function and operator resolution (manual chapter 10, "Type Conversion",
sections 10.2 and 10.3) over the built-in catalog of :mod:`pgsqlgen.pg.builtins`.

Argument types are the analyser's types; None stands for an argument of unknown type
(a parameter, an untyped literal, NULL), which PostgreSQL lets match any candidate.
The functions here are pure: they pick a candidate and say what it makes of the
arguments, and leave binding parameters and reporting errors to the analyser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pgsqlgen.pg import builtins
from pgsqlgen.pg.builtins import BuiltinFunction, Operator
from pgsqlgen.pg.types import PgType

Candidate = TypeVar("Candidate", BuiltinFunction, Operator)

# Polymorphic pseudo-types: the element-like ones take an argument's type, the
# array-like ones an array of it (section 38.2.5).
_ELEMENT_LIKE = {"anyelement", "anynonarray", "anycompatible", "anycompatiblenonarray"}
_ARRAY_LIKE = {"anyarray", "anycompatiblearray"}


@dataclass(frozen=True, slots=True)
class Resolved(Generic[Candidate]):
    """The candidate a call resolves to, its parameter types with polymorphic types
    replaced by the arguments', and its result type (None when still polymorphic)."""

    candidate: Candidate
    params: tuple[PgType | None, ...]
    result: PgType | None


def known_type(pg_type: PgType) -> bool:
    """Whether the built-in catalog knows the type (user types and domains it does not)."""
    return pg_type.name in builtins.types()


def _coerces(source: PgType | None, target: str) -> bool:
    """Whether an argument of type ``source`` can be passed as ``target`` implicitly."""
    if source is None or target == "any":
        return True
    if target in _ELEMENT_LIKE:
        return not (target.endswith("nonarray") and source.array_dims)
    if target in _ARRAY_LIKE:
        return bool(source.array_dims)
    name = builtins.typname(source.without_modifiers())
    return name == target or builtins.casts().get((name, target)) == "i"


def _exact(source: PgType | None, target: str) -> bool:
    return source is not None and builtins.typname(source.without_modifiers()) == target


def _category(typname: str) -> tuple[str, bool]:
    info = builtins.types().get(typname)
    return (info.category, info.preferred) if info is not None else ("", False)


def _choose(
    candidates: Sequence[tuple[Candidate, tuple[str, ...]]], args: Sequence[PgType | None]
) -> tuple[Candidate, tuple[str, ...]] | None:
    """Section 10.3 steps 4a-4f over candidates already of the call's arity."""
    for _, params in candidates:
        if all(_exact(a, p) for a, p in zip(args, params, strict=True)):
            return next((c, p) for c, p in candidates if p == params)
    fitting = [
        (c, p) for c, p in candidates if all(_coerces(a, t) for a, t in zip(args, p, strict=True))
    ]
    if len(fitting) <= 1:
        return fitting[0] if fitting else None

    def keep_most(score: list[int]) -> None:
        best = max(score)
        fitting[:] = [f for f, s in zip(list(fitting), score, strict=True) if s == best]

    keep_most([sum(_exact(a, t) for a, t in zip(args, p, strict=True)) for _, p in fitting])
    keep_most(
        [
            sum(
                a is not None and not _exact(a, t) and _category(t)[1]
                for a, t in zip(args, p, strict=True)
            )
            for _, p in fitting
        ]
    )
    # Unknown arguments: the string category if any candidate takes one there, else the
    # one category every candidate takes there; among those, the preferred type.
    for position, arg in enumerate(args):
        if arg is not None or len(fitting) <= 1:
            continue
        categories = {_category(p[position])[0] for _, p in fitting}
        wanted = "S" if "S" in categories else categories.pop() if len(categories) == 1 else None
        if wanted is None:
            return None
        fitting = [(c, p) for c, p in fitting if _category(p[position])[0] == wanted]
        preferred = [(c, p) for c, p in fitting if _category(p[position])[1]]
        fitting = preferred or fitting
    return fitting[0] if len(fitting) == 1 else None


def _polymorphic(
    params: tuple[str, ...], args: Sequence[PgType | None], result: str
) -> tuple[tuple[PgType | None, ...], PgType | None]:
    """Parameter and result types with polymorphic types replaced by the arguments'."""
    element: PgType | None = None
    for param, arg in zip(params, args, strict=True):
        if arg is None or element is not None:
            continue
        if param in _ELEMENT_LIKE:
            element = arg
        elif param in _ARRAY_LIKE and arg.array_dims:
            element = arg.element() if arg.array_dims == 1 else PgType(arg.name, arg.modifiers)

    def concrete(typname: str) -> PgType | None:
        if typname in _ELEMENT_LIKE:
            return element
        if typname in _ARRAY_LIKE:
            return element.array_of() if element is not None else None
        if typname.startswith("any") or typname in ("record", "internal"):
            return None
        return builtins.to_pg_type(typname)

    return tuple(concrete(p) for p in params), concrete(result)


def _aligned(
    function: BuiltinFunction, count: int, names: Sequence[str | None]
) -> tuple[str, ...] | None:
    """The candidate's parameter types in the call's argument order, or None when the
    call does not fit it: too few or too many arguments counting defaults, a name it
    does not have, or a missing argument without a default."""
    params = function.args
    if function.variadic is not None and not any(names) and count >= len(params) - 1:
        return params[:-1] + (function.variadic,) * (count - len(params) + 1)
    positional = len(names) - sum(1 for n in names if n is not None)
    if positional > len(params):
        return None
    chosen = list(params[:positional])
    given = set(range(positional))
    for name in names[positional:]:
        if name is None or name not in function.arg_names[positional:]:
            return None
        position = function.arg_names.index(name, positional)
        chosen.append(params[position])
        given.add(position)
    required = len(params) - function.defaults
    if not all(position in given for position in range(required)):
        return None
    return tuple(chosen)


def function_candidates(
    name: str, count: int, names: Sequence[str | None] = ()
) -> list[tuple[BuiltinFunction, tuple[str, ...]]]:
    """The overloads of ``name`` a call of ``count`` arguments fits (section 10.3 step
    1), each with its parameter types in the call's argument order."""
    names = list(names) or [None] * count
    candidates = []
    for function in builtins.functions_named(name):
        params = _aligned(function, count, names)
        if params is not None:
            candidates.append((function, params))
    return candidates


def resolve_function(
    name: str, args: Sequence[PgType | None], names: Sequence[str | None] = ()
) -> Resolved[BuiltinFunction] | None:
    """The built-in overload PostgreSQL picks for ``name(args)``, None if none or several.

    A candidate fits the call's arity counting its defaults; a VARIADIC one is
    expanded to as many arguments as the call has; ``names`` gives each
    argument's name for ``name => value`` arguments (None for a positional one).
    """
    chosen = _choose(function_candidates(name, len(args), names), args)
    if chosen is None:
        return None
    function, params = chosen
    param_types, result = _polymorphic(params, args, function.returns)
    return Resolved(function, param_types, result)


def resolve_operator(
    name: str, left: PgType | None, right: PgType | None
) -> Resolved[Operator] | None:
    """The built-in operator PostgreSQL picks for ``left name right`` (section 10.2).

    An unknown operand next to a known one is first taken to be of the known
    one's type, as step 2a says.
    """
    candidates = [
        (o, (o.left, o.right)) for o in builtins.operators().get(name, ()) if o.left is not None
    ]
    typed: list[tuple[Operator, tuple[str, ...]]] = [
        (o, (lt, rt)) for o, (lt, rt) in candidates if lt is not None
    ]
    args = (left, right)
    chosen: tuple[Operator, tuple[str, ...]] | None = None
    if (left is None) != (right is None):
        known = builtins.typname((left or right or PgType("unknown")).without_modifiers())
        chosen = next(((o, p) for o, p in typed if p == (known, known)), None)
    chosen = chosen or _choose(typed, args)
    if chosen is None:
        return None
    operator, params = chosen
    param_types, result = _polymorphic(params, args, operator.result)
    return Resolved(operator, param_types, result)
