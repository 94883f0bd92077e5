"""The documentation says what the code does: tables derived from the code are
regenerated here and must equal what is committed."""

from __future__ import annotations

from pathlib import Path

from pgsqlgen.pg.types import PYTHON_TYPES, PgType

DOCS = Path(__file__).resolve().parents[1] / "docs"
BEGIN, END = "<!-- type-table:begin -->\n", "<!-- type-table:end -->\n"


def type_table() -> str:
    rows = [
        f"| `{name}` | `{PgType(name).display()}` | `{python}` |"
        for name, python in sorted(PYTHON_TYPES.items())
    ]
    head = "| PostgreSQL (`typname`) | as `format_type` writes it | Python |\n|---|---|---|\n"
    return head + "\n".join(rows) + "\n"


def test_the_type_mapping_table_is_the_codes() -> None:
    text = (DOCS / "type-mapping.md").read_text(encoding="utf-8")
    table = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    assert table == type_table(), "docs/type-mapping.md: paste tests/test_docs.py's type_table()"
