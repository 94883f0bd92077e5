"""PostgreSQL's function and operator resolution (manual chapter 10, "Type Conversion",
sections 10.2 and 10.3), as ``parse_func.c``, ``parse_oper.c`` and ``parse_coerce.c``
implement it, over the built-in catalog of :mod:`pgsqlgen.pg.builtins` and the
schema's own functions and types.

Argument types are the analyser's types; None stands for an argument of unknown type
(a parameter, an untyped literal, NULL). Inside, types are typnames (``_int4`` for
``integer[]``) and an unknown argument is ``unknown``, as in PostgreSQL. A call that
resolves gives a :class:`Resolved`; one PostgreSQL rejects raises
:class:`ResolutionError` with PostgreSQL's message. Binding parameters and locating
errors is the analyser's part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from pgsqlgen.pg import builtins
from pgsqlgen.pg.builtins import BuiltinFunction, Operator, TypeInfo
from pgsqlgen.pg.common_type import CommonTypeError, select_common_type
from pgsqlgen.pg.types import PgType

Candidate = TypeVar("Candidate", BuiltinFunction, Operator)

UNKNOWN = "unknown"

# Polymorphic pseudo-types (section 38.2.5): family 1 must match exactly, family 2
# (anycompatible...) is widened to the arguments' common type.
_ELEMENT = {"anyelement", "anynonarray", "anyenum"}
_COMPATIBLE_ELEMENT = {"anycompatible", "anycompatiblenonarray"}
_POLYMORPHIC = _ELEMENT | _COMPATIBLE_ELEMENT | {
    "anyarray", "anyrange", "anymultirange",
    "anycompatiblearray", "anycompatiblerange", "anycompatiblemultirange",
}  # fmt: skip
_FAMILY_1 = _ELEMENT | {"anyarray", "anyrange", "anymultirange"}


class ResolutionError(Exception):
    """A call PostgreSQL rejects; the message is PostgreSQL's."""


@dataclass(frozen=True, slots=True)
class Resolved(Generic[Candidate]):
    """What a call resolves to: the candidate (None for a type name called as a
    function, which PostgreSQL reads as a cast), the type each argument is taken as
    (None where it stays unknown, for a parameter passed as ``"any"``), and the
    result type."""

    candidate: Candidate | None
    params: tuple[PgType | None, ...]
    result: PgType


def _no_schema_types(typname: str) -> str | None:
    return None


@dataclass(frozen=True)
class TypeSystem:
    """The types resolution knows: PostgreSQL's built-in ones and the schema's enums
    and composite types (tables' row types among them), with their array types.

    The schema's types are looked up by name (``schema_typtype`` gives ``e`` for an
    enum, ``c`` for a composite or row type, None for no such type) rather than
    listed, so that a query reads only the types it uses: what it reads is what the
    incremental cache keys it on.
    """

    schema_typtype: Callable[[str], str | None] = _no_schema_types

    def info(self, typname: str) -> TypeInfo | None:
        builtin = builtins.types().get(typname)
        if builtin is not None:
            return builtin
        if typname.startswith("_") and self.schema_typtype(typname[1:]) is not None:
            return TypeInfo(typname, "A", False, typname[1:], None, "b")
        typtype = self.schema_typtype(typname)
        if typtype is None:
            return None
        category = "E" if typtype == "e" else "C"
        return TypeInfo(typname, category, False, None, f"_{typname}", typtype)

    def knows(self, pg_type: PgType) -> bool:
        return self.info(pg_type.name) is not None

    def typname(self, pg_type: PgType | None) -> str:
        """The typname of the analyser's type: an array is its element's array type."""
        if pg_type is None:
            return UNKNOWN
        if not pg_type.array_dims:
            return pg_type.name
        info = self.info(pg_type.name)
        return info.array if info is not None and info.array else f"_{pg_type.name}"

    def pg_type(self, typname: str) -> PgType:
        """The analyser's type for a typname: ``_int4`` is an array of ``int4``."""
        info = self.info(typname)
        if info is not None and info.category == "A" and info.element is not None:
            return self.pg_type(info.element).array_of()
        if info is None and typname.startswith("_"):
            # An array of a type resolution does not know (a domain, an extension's):
            # PostgreSQL names an array type by its element's name with an underscore.
            return self.pg_type(typname[1:]).array_of()
        return PgType(typname)

    def display(self, typname: str) -> str:
        return self.pg_type(typname).display()

    def category(self, typname: str) -> tuple[str, bool]:
        """The type's category and whether it is the category's preferred type."""
        info = self.info(typname)
        return (info.category, info.preferred) if info is not None else ("X", False)

    def element(self, typname: str) -> str | None:
        info = self.info(typname)
        return info.element if info is not None and info.category == "A" else None

    def array(self, typname: str) -> str | None:
        info = self.info(typname)
        return info.array if info is not None else None

    def typtype(self, typname: str) -> str:
        info = self.info(typname)
        return info.typtype if info is not None else ""


BUILTIN_TYPES = TypeSystem()


# -- Coercion (parse_coerce.c) ----------------------------------------------------------


def _pathway(source: str, target: str, types: TypeSystem, explicit: bool) -> str | None:
    """How PostgreSQL coerces ``source`` to ``target`` (find_coercion_pathway):
    ``relabel``, ``function``, ``io``, ``array``, or None when it cannot."""
    if source == target:
        return "relabel"
    context = builtins.casts().get((source, target))
    if context is not None:
        if context != "i" and not explicit:
            return None
        if (source, target) in builtins.binary_casts():
            return "relabel"
        return "function"
    source_element, target_element = types.element(source), types.element(target)
    if (
        source_element
        and target_element
        and target not in ("oidvector", "int2vector")
        and _pathway(source_element, target_element, types, explicit) is not None
    ):
        return "array"
    if explicit and "S" in (types.category(target)[0], types.category(source)[0]):
        return "io"
    return None


def _implicit(source: str, target: str, types: TypeSystem) -> bool:
    """Whether an argument of ``source`` passes as a non-polymorphic ``target``."""
    if source in (target, UNKNOWN) or target == "any":
        return True
    if target == "record" and types.typtype(source) == "c":
        return True
    if target == "_record" and types.typtype(types.element(source) or "") == "c":
        return True
    return _pathway(source, target, types, explicit=False) is not None


def _common_type(inputs: Sequence[str], types: TypeSystem) -> str:
    """The type arguments of the anycompatible family are widened to: their common
    type as UNION and CASE choose it (section 10.5, :func:`select_common_type`)."""
    try:
        common = select_common_type(
            [None if t == UNKNOWN else types.pg_type(t) for t in inputs],
            "anycompatible",
            category=lambda pg_type: types.category(types.typname(pg_type)),
        )
    except CommonTypeError:
        raise ResolutionError(
            "arguments of anycompatible family cannot be cast to a common type"
        ) from None
    return types.typname(common)


def _bind_polymorphic(
    inputs: Sequence[str], declared: Sequence[str], types: TypeSystem
) -> dict[str, str]:
    """What each polymorphic type stands for in a call (check_generic_type_consistency
    and enforce_generic_type_consistency): raises ResolutionError when the arguments
    disagree; a type no known argument determines is left out."""
    found: dict[str, str] = {}
    compatible: list[str] = []
    compatible_range: str | None = None

    def agree(poly: str, actual: str) -> None:
        if found.setdefault(poly, actual) != actual:
            raise ResolutionError(f'arguments declared "{poly}" are not all alike')

    for actual, poly in zip(inputs, declared, strict=True):
        if poly not in _POLYMORPHIC or actual == UNKNOWN:
            continue
        if poly in _ELEMENT:
            agree("anyelement", actual)
        elif poly in ("anyarray", "anyrange", "anymultirange"):
            agree(poly, actual)
        elif poly in _COMPATIBLE_ELEMENT:
            compatible.append(actual)
        elif poly == "anycompatiblearray":
            element = types.element(actual)
            if element is None:
                raise ResolutionError(
                    f"argument declared anycompatiblearray is not an array but type {types.display(actual)}"
                )
            compatible.append(element)
        elif poly == "anycompatiblerange":
            compatible_range = actual
        elif poly == "anycompatiblemultirange":
            compatible_range = (types.info(actual) or _NO_INFO).subtype or ""

    def derive(source: str, target: str, of: str | None, what: str) -> None:
        if source not in found:
            return
        if of is None:
            raise ResolutionError(
                f"argument declared {source} is not {what} but type {types.display(found[source])}"
            )
        agree(target, of)

    def subtype_of(source: str, typtype: str) -> str | None:
        """The range of a multirange (``m``) or the element of a range (``r``)."""
        info = types.info(found[source])
        return info.subtype if info and info.typtype == typtype else None

    if "anymultirange" in found:
        derive("anymultirange", "anyrange", subtype_of("anymultirange", "m"), "a multirange")
    if "anyarray" in found:
        derive("anyarray", "anyelement", types.element(found["anyarray"]), "an array")
    if "anyrange" in found:
        derive("anyrange", "anyelement", subtype_of("anyrange", "r"), "a range")
    element = found.get("anyelement")
    if element is not None:
        if "anynonarray" in declared and types.element(element) is not None:
            raise ResolutionError(
                f"type matched to anynonarray is an array type: {types.display(element)}"
            )
        if "anyenum" in declared and types.typtype(element) != "e":
            raise ResolutionError(
                f"type matched to anyenum is not an enum type: {types.display(element)}"
            )
        found.setdefault("anyarray", types.array(element) or "")
    if compatible or compatible_range:
        range_info = types.info(compatible_range or "")
        subtype = range_info.subtype if range_info is not None else None
        common = _common_type(compatible, types) if compatible else subtype or ""
        if subtype is not None and common != subtype:
            raise ResolutionError(
                "arguments of anycompatible family cannot be cast to a common type"
            )
        if "anycompatiblenonarray" in declared and types.element(common) is not None:
            raise ResolutionError(
                f"type matched to anycompatiblenonarray is an array type: {types.display(common)}"
            )
        found["anycompatible"] = common
        found["anycompatiblearray"] = types.array(common) or ""
        if compatible_range:
            found["anycompatiblerange"] = compatible_range
            found["anycompatiblemultirange"] = range_info.multirange or "" if range_info else ""
    if "anyrange" in found:
        found.setdefault(
            "anymultirange", (types.info(found["anyrange"]) or _NO_INFO).multirange or ""
        )
    for alias in ("anynonarray", "anyenum"):
        if "anyelement" in found:
            found[alias] = found["anyelement"]
    if "anycompatible" in found:
        found["anycompatiblenonarray"] = found["anycompatible"]
    return found


_NO_INFO = TypeInfo("", "", False, None, None, "")


def _coerces(inputs: Sequence[str], declared: Sequence[str], types: TypeSystem) -> bool:
    """Whether a candidate takes the arguments by implicit casts (can_coerce_type)."""
    for actual, target in zip(inputs, declared, strict=True):
        if target not in _POLYMORPHIC and not _implicit(actual, target, types):
            return False
    if any(t in _POLYMORPHIC for t in declared):
        try:
            _bind_polymorphic(inputs, declared, types)
        except ResolutionError:
            return False
    return True


# -- Choosing among candidates (func_select_candidate) ----------------------------------


def _select(
    candidates: list[tuple[Candidate, tuple[str, ...]]], inputs: Sequence[str], types: TypeSystem
) -> tuple[Candidate, tuple[str, ...]] | None:
    """Section 10.3 steps 4c-4f (10.2 steps 3c-3f) over candidates that all take the
    arguments; None when no single one is left."""

    def keep_most(score: list[int]) -> bool:
        best = max(score)
        candidates[:] = [c for c, s in zip(list(candidates), score, strict=True) if s == best]
        return len(candidates) == 1

    if keep_most(
        [
            sum(a != UNKNOWN and a == t for a, t in zip(inputs, p, strict=True))
            for _, p in candidates
        ]
    ):
        return candidates[0]
    input_categories = [types.category(a)[0] for a in inputs]
    if keep_most(
        [
            sum(
                a != UNKNOWN and (a == t or types.category(t) == (category, True))
                for a, t, category in zip(inputs, p, input_categories, strict=True)
            )
            for _, p in candidates
        ]
    ):
        return candidates[0]
    unknowns = [i for i, a in enumerate(inputs) if a == UNKNOWN]
    if not unknowns:
        return None
    # Unknown arguments: the string category if a candidate takes it there, else the one
    # category every candidate takes there; the preferred type if a candidate has it.
    wanted: dict[int, tuple[str, bool]] = {}
    for position in unknowns:
        categories = [types.category(p[position]) for _, p in candidates]
        names = {c for c, _ in categories}
        category = "S" if "S" in names else categories[0][0]
        if len(names) > 1 and category != "S":
            wanted = {}
            break
        wanted[position] = (category, any(p for c, p in categories if c == category))
    if wanted:
        kept = [
            (c, p)
            for c, p in candidates
            if all(
                types.category(p[i])[0] == category and (types.category(p[i])[1] or not preferred)
                for i, (category, preferred) in wanted.items()
            )
        ]
        if len(kept) == 1:
            return kept[0]
        candidates = kept or candidates
    # Unknown arguments taken to be of the one type all the known ones have.
    known = {a for a in inputs if a != UNKNOWN}
    if len(known) == 1:
        assumed = [known.pop()] * len(inputs)
        fitting = [(c, p) for c, p in candidates if _coerces(assumed, p, types)]
        if len(fitting) == 1:
            return fitting[0]
    return None


def _choose(
    candidates: list[tuple[Candidate, tuple[str, ...]]], inputs: Sequence[str], types: TypeSystem
) -> tuple[Candidate, tuple[str, ...]] | str | None:
    """The candidate for the arguments: None when none takes them, ``"ambiguous"``
    when several do and the rules do not choose."""
    fitting = [(c, p) for c, p in candidates if _coerces(inputs, p, types)]
    if len(fitting) <= 1:
        return fitting[0] if fitting else None
    return _select(fitting, inputs, types) or "ambiguous"


def _concrete(
    candidate: Candidate,
    declared: tuple[str, ...],
    returns: str,
    inputs: Sequence[str],
    types: TypeSystem,
) -> Resolved[Candidate]:
    """The chosen candidate with its polymorphic types replaced by what the arguments
    make of them (enforce_generic_type_consistency)."""
    found = _bind_polymorphic(inputs, declared, types)
    polymorphic = [t for t in (*declared, returns) if t in _POLYMORPHIC]
    if any(t in _FAMILY_1 for t in declared) and "anyelement" not in found:
        raise ResolutionError("could not determine polymorphic type because input has type unknown")
    if any(t in _POLYMORPHIC and t not in _FAMILY_1 for t in declared):
        for poly, value in _bind_polymorphic(["text"], ["anycompatible"], types).items():
            found.setdefault(poly, value)
    for poly in polymorphic:
        if not found.get(poly):
            base = found.get("anyelement") or found.get("anycompatible") or UNKNOWN
            what = next(k for k in ("multirange", "range", "array") if poly.endswith(k))
            raise ResolutionError(f"could not find {what} type for data type {types.display(base)}")

    def concrete(typname: str, actual: str) -> PgType | None:
        if typname == "any":
            return None if actual == UNKNOWN else types.pg_type(actual)
        return types.pg_type(found.get(typname, typname))

    params = tuple(concrete(t, a) for t, a in zip(declared, inputs, strict=True))
    return Resolved(candidate, params, types.pg_type(found.get(returns, returns)))


# -- Functions (10.3) --------------------------------------------------------------------


def _aligned(
    function: BuiltinFunction, count: int, names: Sequence[str | None], expand: bool
) -> tuple[str, ...] | None:
    """The candidate's parameter types in the call's argument order, or None when the
    call does not fit it: too few or too many arguments counting defaults, a name it
    does not have, or a missing argument without a default. A VARIADIC candidate
    called without ``VARIADIC`` (``expand``) takes one or more trailing arguments of
    its element type."""
    params = function.args
    if expand and not any(names) and count >= len(params):
        assert function.variadic is not None
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
    name: str,
    count: int,
    names: Sequence[str | None] = (),
    schema_functions: Sequence[BuiltinFunction] = (),
    variadic_array: bool = False,
) -> list[tuple[BuiltinFunction, tuple[str, ...]]]:
    """The overloads of ``name`` a call of ``count`` arguments fits (section 10.3 step
    1), each with its parameter types in the call's argument order: the built-ins and
    the schema's functions of that name (a schema function with a built-in's signature
    is hidden by it, pg_catalog coming first on the search path). ``variadic_array``:
    the last argument is written ``VARIADIC array``, which only a VARIADIC function
    takes, as its array parameter itself."""
    names = list(names) or [None] * count
    candidates: list[tuple[BuiltinFunction, tuple[str, ...]]] = []
    seen: set[tuple[str, ...]] = set()
    for function in (*builtins.functions_named(name), *schema_functions):
        if function.args in seen or (variadic_array and function.variadic is None):
            continue
        seen.add(function.args)
        expand = function.variadic is not None and not variadic_array
        params = _aligned(function, count, names, expand)
        if params is not None:
            candidates.append((function, params))
    return candidates


def _call_text(
    name: str, inputs: Sequence[str], names: Sequence[str | None], types: TypeSystem
) -> str:
    shown = [
        (f"{n} => " if n else "") + types.display(t)
        for t, n in zip(inputs, list(names) or [None] * len(inputs), strict=True)
    ]
    return f"{name}({', '.join(shown)})"


def _as_cast(name: str, source: str, types: TypeSystem, literal: bool) -> PgType | None:
    """The type a one-argument call named like a type casts to, when PostgreSQL reads it
    as a cast (section 10.3 step 2): always for an untyped literal, else when the
    conversion only relabels the value or goes through text, which no function of
    that name would do."""
    if types.info(name) is None or types.typtype(name) == "p":
        return None
    if literal:
        return types.pg_type(name)
    if source == UNKNOWN:
        return None
    pathway = _pathway(source, name, types, explicit=True)
    if pathway == "relabel" or (
        pathway == "io" and not (types.category(name)[0] == "S" and types.typtype(source) == "c")
    ):
        return types.pg_type(name)
    return None


def resolve_function(
    name: str,
    args: Sequence[PgType | None],
    names: Sequence[str | None] = (),
    *,
    types: TypeSystem = BUILTIN_TYPES,
    schema_functions: Sequence[BuiltinFunction] = (),
    variadic_array: bool = False,
    unknown_literal: bool = False,
) -> Resolved[BuiltinFunction]:
    """The function PostgreSQL calls for ``name(args)``: an exact match, else a type
    name read as a cast, else the candidate the arguments fit by implicit casts,
    preferred types and unknown-argument rules; raises ResolutionError with
    PostgreSQL's message when there is none or no single one.

    A candidate fits the call's arity counting its defaults; a VARIADIC one is
    expanded to as many arguments as the call has; ``names`` gives each
    argument's name for ``name => value`` arguments (None for a positional one).
    ``unknown_literal``: the one argument is an untyped literal, which a type name
    called as a function always casts.
    """
    inputs = [types.typname(a) for a in args]
    candidates = function_candidates(name, len(args), names, schema_functions, variadic_array)
    exact = next(((c, p) for c, p in candidates if list(p) == inputs), None)
    if exact is None and len(args) == 1 and not any(names):
        cast = _as_cast(name, inputs[0], types, unknown_literal)
        if cast is not None:
            return Resolved(None, (args[0],), cast)
    chosen = exact or _choose(candidates, inputs, types)
    if chosen is None or chosen == "ambiguous":
        problem = "is not unique" if chosen else "does not exist"
        raise ResolutionError(f"function {_call_text(name, inputs, names, types)} {problem}")
    assert not isinstance(chosen, str)
    function, declared = chosen
    return _concrete(function, declared, function.returns, inputs, types)


# -- Operators (10.2) --------------------------------------------------------------------


@cache
def _operator_candidates(name: str, prefix: bool) -> tuple[tuple[Operator, tuple[str, ...]], ...]:
    """The operators of that name and kind, each with its operand types."""
    return tuple(
        (o, (o.right,) if prefix else (o.left or "", o.right))
        for o in builtins.operators().get(name, ())
        if (o.left is None) == prefix
    )


def resolve_operator(
    name: str,
    left: PgType | None,
    right: PgType | None,
    *,
    prefix: bool = False,
    types: TypeSystem = BUILTIN_TYPES,
) -> Resolved[Operator]:
    """The operator PostgreSQL picks for ``left name right`` (or ``name right`` when
    ``prefix``): an exact match, where an unknown operand next to a known one is
    first taken to be of the known one's type (step 2a), else as for functions;
    raises ResolutionError with PostgreSQL's message when there is none or no
    single one."""
    inputs = [types.typname(right)] if prefix else [types.typname(left), types.typname(right)]
    return _remembered_operator(name, inputs, prefix, types)


_SCHEMA_FREE_OPERATORS: dict[tuple[str, tuple[str, ...], bool], Resolved[Operator] | str] = {}
"""Operator resolutions of built-in operand types, by name, operand typnames and kind:
each outcome, or PostgreSQL's message for an operator that does not resolve."""


def _remembered_operator(
    name: str, inputs: list[str], prefix: bool, types: TypeSystem
) -> Resolved[Operator]:
    """:func:`_resolve_operator`, remembered for the rest of the process when every
    operand is of a built-in type or unknown, as nearly all are: a project compares
    the same few types thousands of times, and each resolution walks every
    candidate of the operator's name through the implicit casts.

    Precondition: with only built-in and unknown operands, resolution reads no schema
    type (the candidates' operand and result types, and every type the polymorphic
    rules derive from built-ins, are built-ins, which :meth:`TypeSystem.info` finds
    before it asks the schema), so the outcome is the same in every schema, and no
    read of the catalog goes unrecorded for the incremental cache. An operand of a
    schema type (an enum, a row type) is resolved each time.
    """
    if not all(t == UNKNOWN or t in builtins.types() for t in inputs):
        return _resolve_operator(name, inputs, prefix, types)
    key = (name, tuple(inputs), prefix)
    outcome = _SCHEMA_FREE_OPERATORS.get(key)
    if outcome is None:
        try:
            outcome = _resolve_operator(name, inputs, prefix, types)
        except ResolutionError as error:
            outcome = str(error)
        _SCHEMA_FREE_OPERATORS[key] = outcome
    if isinstance(outcome, str):
        raise ResolutionError(outcome)
    return outcome


def _resolve_operator(
    name: str, inputs: list[str], prefix: bool, types: TypeSystem
) -> Resolved[Operator]:
    """Section 10.2 for the operand typnames ``inputs`` (:func:`resolve_operator`)."""
    candidates = list(_operator_candidates(name, prefix))
    exact_key = list(inputs)
    if not prefix and inputs.count(UNKNOWN) == 1:
        known = inputs[0] if inputs[1] == UNKNOWN else inputs[1]
        exact_key = [known, known]
    chosen = next(((c, p) for c, p in candidates if list(p) == exact_key), None)
    chosen_or_problem = chosen or _choose(candidates, inputs, types)
    if chosen_or_problem is None or chosen_or_problem == "ambiguous":
        problem = "is not unique" if chosen_or_problem else "does not exist"
        shown = " ".join(types.display(t) for t in inputs)
        text = (
            f"{name} {shown}"
            if prefix
            else f"{types.display(inputs[0])} {name} {types.display(inputs[1])}"
        )
        raise ResolutionError(f"operator {problem}: {text}")
    assert not isinstance(chosen_or_problem, str)
    operator, declared = chosen_or_problem
    return _concrete(operator, declared, operator.result, inputs, types)
