"""Names the generated package defines besides the queries' own, which a
query's method or classes must not take.

A query ``Metrics`` would generate a method ``metrics()`` that silently
replaces ``MetricsQuerier.metrics()``; a query ``Tuple`` a row class
``TupleRow`` that shadows psycopg's. ``tests/test_attack.py`` reads the
generated package and fails when a template adds a name missing here.
"""

from __future__ import annotations

QUERIER_METHODS = frozenset({"metrics"})
"""Public methods of the classes the query methods live beside (``Queries``,
``Querier``, ``QuerierWrapper``, ``MetricsQuerier`` and their async twins)."""

PACKAGE_CLASSES = frozenset(
    {
        "Querier", "AsyncQuerier", "Queries", "AsyncQueries", "QueriesBase", "AsyncQueriesBase",
        "QuerierWrapper", "AsyncQuerierWrapper", "MetricsQuerier", "AsyncMetricsQuerier",
        "MetricsRecorder", "QueryMetrics", "TupleRow", "Row", "T", "NoRowError",
    }
)  # fmt: skip
"""Classes and type names the package's modules define or import beside the queries' own."""


def clash(method: str, classes: tuple[str | None, ...]) -> str | None:
    """What a query's method or one of its own classes would replace, if anything."""
    if method in QUERIER_METHODS:
        return f"method {method}() would replace the generated MetricsQuerier.{method}()"
    taken = next((c for c in classes if c in PACKAGE_CLASSES), None)
    if taken is not None:
        return f"its class {taken} would replace the generated {taken}"
    return None
