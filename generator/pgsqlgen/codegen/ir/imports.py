"""The import lines each generated module needs, worked out from the annotations its
queries and rows use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pgsqlgen.codegen.ir.model import Query, QueryModule, RowClass
from pgsqlgen.codegen.ir.types import IDENTIFIER_PATTERN, TypeNamer, dotted_names


def module_annotations(queries: list[Query], rows: list[RowClass]) -> list[str]:
    annotations = [p.annotation for q in queries for p in q.params]
    annotations += [f.annotation for r in rows for f in r.fields]
    annotations += [q.row_class for q in queries if q.row_class is not None]
    for query in queries:
        for method in query.methods:
            annotations += [
                method.arguments,
                method.async_arguments,
                method.returns,
                method.async_returns,
            ]
    return annotations


@dataclass(frozen=True)
class Annotations:
    """The distinct spellings of a module's annotations and the names they use. A
    package repeats a few hundred spellings tens of thousands of times, and its
    imports ask several questions of them: each spelling is read once."""

    spellings: frozenset[str]
    names: frozenset[str]
    dotted: frozenset[str]
    """The dotted names used, whose modules are imported (:meth:`TypeNamer.imports`)."""

    @classmethod
    def of(cls, annotations: Iterable[str]) -> Annotations:
        spellings = frozenset(annotations)
        names = frozenset(n for a in spellings for n in IDENTIFIER_PATTERN.findall(a))
        dotted = frozenset(d for a in spellings if "." in a for d in dotted_names(a))
        return cls(spellings, names, dotted)

    @classmethod
    def merged(cls, parts: Iterable[Annotations]) -> Annotations:
        """The annotations of several modules together, each module's read once."""
        parts = list(parts)
        return cls(
            frozenset().union(*(p.spellings for p in parts)),
            frozenset().union(*(p.names for p in parts)),
            frozenset().union(*(p.dotted for p in parts)),
        )

    def using(self, names: set[str]) -> tuple[str, ...]:
        """Those of ``names`` the annotations use, in order."""
        return tuple(sorted(self.names & names))


_ABC = {"AsyncGenerator", "Generator", "Iterable"}


def isort_order(names: tuple[str, ...] | list[str]) -> list[str]:
    """Imported names in isort's (and ruff's) default order: constants, then classes,
    then the rest, each group compared without case (``getObligationsByFQNsRow``
    before ``getObligationTriggerRow``)."""

    def key(name: str) -> tuple[int, str, str]:
        group = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
        return group, name.lower(), name

    return sorted(names, key=key)


def module_import_blocks(
    namer: TypeNamer,
    annotations: Annotations,
    *,
    dataclass: bool = False,
    typing_names: tuple[str, ...] = (),
    row_factories: tuple[str, ...] = (),
    jsonb: bool = False,
    local: dict[str, tuple[str, ...]],
    stdlib_modules: tuple[str, ...] = (),
    abc_names: tuple[str, ...] = (),
) -> tuple[tuple[str, ...], ...]:
    """Import lines in isort's order: standard library, psycopg, the user's own modules
    (those of type overrides), then the package; ``stdlib_modules`` and ``abc_names``
    are what the module's own code uses beside its annotations."""
    modules = namer.imports(annotations.dotted)
    users = [f"import {m}" for m in modules if m in namer.override_modules]
    stdlib = [
        f"import {m}"
        for m in sorted({*modules, *stdlib_modules})
        if m != "psycopg" and m not in namer.override_modules
    ]
    abc = sorted({*annotations.using(_ABC), *abc_names})
    if abc:
        stdlib.append(f"from collections.abc import {', '.join(abc)}")
    if dataclass:
        stdlib.append("from dataclasses import dataclass")
    typing = sorted({*typing_names, *annotations.using({"Annotated", "Any"})})
    if typing:
        stdlib.append(f"from typing import {', '.join(typing)}")
    third = ["import psycopg"] if "psycopg" in modules else []
    rows = sorted({*row_factories, *annotations.using({"TupleRow"})})
    if rows:
        third.append(f"from psycopg.rows import {', '.join(rows)}")
    if jsonb:
        third.append("from psycopg.types.json import Jsonb")
    own = [
        f"from {m} import {', '.join(isort_order(names))}" for m, names in local.items() if names
    ]
    return tuple(tuple(block) for block in (stdlib, third, users, own) if block)


def querier_imports(
    namer: TypeNamer,
    annotations: Annotations,
    modules: tuple[QueryModule, ...],
    model_classes: set[str],
    flavours: tuple[bool, ...],
) -> tuple[tuple[str, ...], ...]:
    """``querier.py``'s imports; ``annotations`` are those of every query method
    (:func:`method_annotations`)."""
    local = {
        f".{module.module}": tuple(
            sorted(
                {("", "Async")[flag] + module.mixin for flag in flavours}
                | {r.class_name for r in module.row_classes}
                | {p.class_name for p in module.params_classes}
            )
        )
        for module in modules
    }
    local[".models"] = annotations.using(model_classes | {"AsIs", "Json", "JsonValue"})
    local = dict(sorted(local.items()))
    return module_import_blocks(namer, annotations, typing_names=("Protocol",), local=local)


def wrapper_imports(
    namer: TypeNamer,
    annotations: Annotations,
    modules: tuple[QueryModule, ...],
    model_classes: set[str],
    flavours: tuple[bool, ...],
) -> tuple[tuple[str, ...], ...]:
    """``wrappers.py``'s imports: the querier's, less its protocol and mixins, plus what
    the wrappers' own code uses."""
    local = {
        f".{module.module}": tuple(
            sorted(
                {r.class_name for r in module.row_classes}
                | {p.class_name for p in module.params_classes}
            )
        )
        for module in modules
    }
    local[".models"] = annotations.using(model_classes | {"AsIs", "Json", "JsonValue"})
    local[".querier"] = tuple(sorted(("Querier", "AsyncQuerier")[flag] for flag in flavours))
    sync, asynchronous = False in flavours, True in flavours
    return module_import_blocks(
        namer,
        annotations,
        dataclass=True,
        typing_names=("TypeVar",),
        local=dict(sorted(local.items())),
        stdlib_modules=("contextlib", "functools", "threading", "time")
        + (("itertools",) if sync else ()),
        abc_names=("Callable",)
        + (("Generator",) if sync else ())
        + (("AsyncGenerator", "Awaitable") if asynchronous else ()),
    )


def method_annotations(modules: tuple[QueryModule, ...]) -> Annotations:
    """The annotations of every query method of ``modules``."""
    return Annotations.of(
        text
        for module in modules
        for q in module.queries
        for m in q.methods
        for text in (m.arguments, m.async_arguments, m.returns, m.async_returns)
    )
