"""An override's ``nullable``, as sqlc reads it: a ``db_type`` override applies to the
NOT NULL values only, unless ``nullable: true``, which makes it apply to the nullable
ones only; a ``column`` override applies to its column whatever ``nullable`` says.
Ours (``sqlgen.toml``, ``gen.python``) without ``nullable`` apply to both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sqlgen_helpers import run_sqlgen

SCHEMA = """
CREATE TABLE people (
    id uuid PRIMARY KEY,
    boss uuid,
    name text NOT NULL,
    nick text
);
"""

QUERIES = """
-- name: FindPeople :many
SELECT id, boss, name FROM people WHERE id = @id OR boss = sqlc.narg(boss);
"""


def _generate(root: Path, config_name: str, config: str) -> dict[str, str]:
    """The annotation of every model field and parameter, by name."""
    (root / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (root / "query.sql").write_text(QUERIES, encoding="utf-8")
    (root / config_name).write_text(config, encoding="utf-8")
    result = run_sqlgen(root, "generate", "-q")
    assert (result.returncode, result.stderr) == (0, "")
    models = (root / "app" / "db" / "models.py").read_text(encoding="utf-8")
    queries = (root / "app" / "db" / "query_sql.py").read_text(encoding="utf-8")
    found = dict(re.findall(r"^    (\w+): (.+)$", models, re.MULTILINE))
    signature = re.search(r"def find_people\(\s*self, \*, (.*?)\s*\)", queries)
    assert signature is not None
    found |= {f"@{k}": v for k, v in (p.split(": ") for p in signature[1].split(", "))}
    return found


def _sqlc(overrides: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "version": "2",
            "sql": [
                {
                    "engine": "postgresql",
                    "schema": "schema.sql",
                    "queries": "query.sql",
                    "gen": {"go": {"out": "app", "package": "db", "overrides": overrides}},
                }
            ],
        }
    )


def test_sqlc_db_type_override_is_for_not_null_values_unless_nullable(tmp_path: Path) -> None:
    types = _generate(
        tmp_path,
        "sqlc.json",
        _sqlc(
            [
                {"db_type": "uuid", "go_type": "x", "python_type": "ids:PersonId"},
                {"db_type": "uuid", "nullable": True, "python_type": "ids:MaybePerson"},
                {"db_type": "text", "nullable": True, "python_type": "ids:Nick"},
            ]
        ),
    )
    assert types["id"] == "ids.PersonId"  # NOT NULL: the override without nullable
    assert types["boss"] == "ids.MaybePerson | None"  # nullable: the nullable: true one
    assert (types["name"], types["nick"]) == ("str", "ids.Nick | None")
    assert (types["@id"], types["@boss"]) == ("ids.PersonId", "ids.MaybePerson | None")


def test_sqlc_column_override_ignores_nullable(tmp_path: Path) -> None:
    types = _generate(
        tmp_path,
        "sqlc.json",
        _sqlc(
            [
                {"column": "people.name", "nullable": True, "python_type": "ids:Name"},
                {"column": "people.nick", "python_type": "ids:Nick"},
            ]
        ),
    )
    assert (types["name"], types["nick"]) == ("ids.Name", "ids.Nick | None")


def test_ours_apply_to_both_unless_nullable_is_given(tmp_path: Path) -> None:
    types = _generate(
        tmp_path,
        "sqlgen.toml",
        'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app/db"\n'
        "overrides = [\n"
        '  { db_type = "uuid", python_type = "ids:PersonId" },\n'
        '  { db_type = "text", python_type = "ids:Text", nullable = false },\n'
        "]\n",
    )
    assert (types["id"], types["boss"]) == ("ids.PersonId", "ids.PersonId | None")
    assert (types["name"], types["nick"]) == ("ids.Text", "str | None")


@pytest.mark.parametrize("value", ["true", '"yes"'])
def test_nullable_with_a_loader_or_not_a_boolean_is_an_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "sqlgen.toml").write_text(
        'schema = ["schema.sql"]\nqueries = ["query.sql"]\nout = "app/db"\n'
        f'overrides = [{{ db_type = "uuid", python_type = "ids:P", loader = "ids:L", '
        f"nullable = {value} }}]\n",
        encoding="utf-8",
    )
    result = run_sqlgen(tmp_path, "generate")
    assert result.returncode == 1
    expected = (
        "nullable cannot limit an override with a loader"
        if value == "true"
        else ("nullable must be true or false")
    )
    assert expected in result.stderr
