"""Rules on the migration directory, checked before any SQL is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen.errors import SqlgenError
from pgsqlgen.inputs import load_schema
from pgsqlgen.migrations.files import scan


def touch(directory: Path, *names: str) -> None:
    for name in names:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("SELECT 1;\n")


def messages(directory: Path) -> list[str]:
    return [f"{d.file}: {d.message}" for d in scan(directory, directory)[1]]


def test_a_clean_set_with_gaps_passes(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "000001_init.up.sql",
        "000001_init.down.sql",
        "000005_more.up.sql",
        "000005_more.down.sql",
        "testdata/fixtures/000005_more.up.sql",
    )
    files, problems = scan(tmp_path, tmp_path)
    assert problems == []
    assert [(f.version, f.direction) for f in files] == [
        (1, "down"),
        (1, "up"),
        (5, "down"),
        (5, "up"),
    ]


def test_the_seeds_renumbering_story(tmp_path: Path) -> None:
    # 000524 was taken on main after merging; the branch's migration must move.
    touch(
        tmp_path,
        "000523_chat_things.up.sql",
        "000523_chat_things.down.sql",
        "000524_aibridge_token_usage_cost.up.sql",
        "000524_aibridge_token_usage_cost.down.sql",
        "000524_chat_context_resources.up.sql",
        "000524_chat_context_resources.down.sql",
    )
    (problem,) = messages(tmp_path)
    assert problem == (
        "000524_chat_context_resources.down.sql: migration number 000524 is used by "
        "000524_aibridge_token_usage_cost and 000524_chat_context_resources; "
        "renumber the one your branch adds to 000525 (sqlgen migrate renumber)"
    )


def test_missing_pairs_bad_names_and_orphan_fixtures(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "000001_init.up.sql",
        "000002_more.down.sql",
        "3_BadName.up.sql",
        "testdata/fixtures/000009_gone.up.sql",
    )
    assert messages(tmp_path) == [
        "3_BadName.up.sql: migration file name must match NNNNNN_snake_name.(up|down).sql",
        "000001_init.up.sql: missing down migration 000001_init.down.sql",
        "000002_more.down.sql: missing up migration 000002_more.up.sql",
        "testdata/fixtures/000009_gone.up.sql: fixture 000009_gone.up.sql does not name an "
        "existing migration (000009_gone)",
    ]


def test_generate_refuses_a_broken_set(tmp_path: Path) -> None:
    touch(tmp_path, "000001_init.up.sql")
    with pytest.raises(SqlgenError, match="missing down migration"):
        load_schema((tmp_path,), tmp_path)
