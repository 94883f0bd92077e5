"""How many rows a statement returns, where PostgreSQL guarantees exactly one.

``:one`` is ``Row | None`` because a query may find nothing; some cannot. An
``INSERT ... VALUES (one row) ... RETURNING`` returns its row (unless a trigger or a
rule suppresses it, which the generated code reports as an error), and so does an
upsert whose ``DO UPDATE`` has no ``WHERE``; a ``SELECT`` of aggregates without
``GROUP BY`` returns one row even over no rows, and so does a ``SELECT`` without
``FROM`` or ``WHERE``. Anything that could cut rows (``HAVING``, ``LIMIT``,
``OFFSET``, a set-returning function, a set operation) makes no promise.
"""

from __future__ import annotations

from sqlglot import exp

# sqlglot's nodes for set-returning functions in a select list.
_SET_RETURNING = (exp.Unnest, exp.Explode, exp.GenerateSeries, exp.ExplodingGenerateSeries)


def returns_exactly_one_row(statement: exp.Expr) -> bool:
    if isinstance(statement, exp.Insert):
        return _one_inserted_row(statement)
    if isinstance(statement, exp.Select):
        return _one_selected_row(statement)
    return False


def _one_inserted_row(insert: exp.Insert) -> bool:
    source = insert.args.get("expression")
    if insert.args.get("returning") is None or not isinstance(source, exp.Values):
        return False
    if len(source.expressions) != 1:
        return False
    conflict = insert.args.get("conflict")
    if conflict is None:
        return True
    action = conflict.args.get("action")
    return (
        isinstance(action, exp.Expr)
        and action.name.upper() == "DO UPDATE"
        and conflict.args.get("where") is None
    )


def _one_selected_row(select: exp.Select) -> bool:
    if any(select.args.get(key) for key in ("group", "having", "limit", "offset", "qualify")):
        return False
    items = select.expressions
    if any(isinstance(node, _SET_RETURNING) for item in items for node in item.walk()):
        return False
    if not (select.args.get("from_") or select.args.get("from")):
        return select.args.get("where") is None
    return bool(items) and all(_aggregated(item) for item in items)


def _aggregated(item: exp.Expr) -> bool:
    """Whether a select-list item is computed from aggregates only (no window)."""
    if any(isinstance(node, exp.Window) for node in item.walk()):
        return False
    return any(isinstance(node, exp.AggFunc) for node in item.walk())
