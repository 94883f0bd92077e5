"""``sqlgen init``: the smallest project that generates, to edit rather than write.

One table, its down migration and a few annotated queries show every
convention a new user needs (golang-migrate names, ``-- name:`` headers,
``@param`` parameters, docstring comments) in files that already pass
``sqlgen generate`` and ``sqlgen check``. Existing files are never touched:
init either writes every file or none.
"""

from __future__ import annotations

from pathlib import Path

from pgsqlgen.config.load import find_config
from pgsqlgen.errors import Diagnostic, SqlgenError

PACKAGE = "db"

FILES = {
    "sqlgen.toml": f"""\
# sqlgen configuration. Paths are relative to this file; the same keys work
# as a [tool.sqlgen] table in pyproject.toml.

# Numbered golang-migrate migrations (or a schema dump file).
schema = ["schema/migrations"]
# Files of annotated queries.
queries = ["queries"]
# The generated package: commit it; `sqlgen check` fails while it is stale.
out = "{PACKAGE}"
package = "{PACKAGE}"
""",
    "schema/migrations/000001_init.up.sql": """\
-- Add the next migration with `sqlgen migrate create <snake_case_name>`.
CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    bio text,
    created_at timestamptz NOT NULL DEFAULT now()
);
""",
    "schema/migrations/000001_init.down.sql": """\
DROP TABLE authors;
""",
    "queries/authors.sql": """\
-- Each query needs a `-- name: MethodName :command` header; the comment
-- lines right after it become the method's docstring.

-- name: GetAuthor :one
-- The author with this id, or None.
SELECT * FROM authors WHERE id = @id;

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :one
INSERT INTO authors (name, bio) VALUES (@name, @bio)
RETURNING *;
""",
}


def _already_configured(directory: Path) -> Path | None:
    """The configuration sqlgen would read in ``directory``, if any: a new
    sqlgen.toml would silently take precedence over it."""
    try:
        return find_config(directory)
    except SqlgenError:
        return None


def scaffold(directory: Path) -> list[Path]:
    """Write the starter project into ``directory``; the paths written.

    Raises SqlgenError, writing nothing, when any file exists or the directory
    is already configured for sqlgen.
    """
    targets = [directory / name for name in FILES]
    problems = [
        Diagnostic(str(path), 1, 1, "already exists; sqlgen init writes only new files")
        for path in targets
        if path.exists()
    ]
    configured = _already_configured(directory)
    if configured is not None and configured not in targets:
        problems.append(
            Diagnostic(str(configured), 1, 1, "sqlgen is already configured here; init not needed")
        )
    if problems:
        raise SqlgenError(problems)
    for path, text in zip(targets, FILES.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    return targets
