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


def test_golang_migrate_names_up_only_versions_and_fixtures_by_version_pass(
    tmp_path: Path,
) -> None:
    touch(
        tmp_path,
        "000001_Init.Schema v2.up.sql",
        "000001_Init.Schema v2.down.sql",
        "000002_no_way_back.up.sql",
        "testdata/fixtures/000002_ some name.up.sql",
    )
    files, problems = scan(tmp_path, tmp_path)
    assert problems == []
    assert [(f.version, f.name, f.direction) for f in files] == [
        (1, "Init.Schema v2", "down"),
        (1, "Init.Schema v2", "up"),
        (2, "no_way_back", "up"),
    ]
    assert [len(s.text) for s in load_schema((tmp_path,), tmp_path).up] == [10, 10]


def test_strict_adds_snake_case_names_and_a_down_for_every_up(tmp_path: Path) -> None:
    touch(tmp_path, "000001_Init.up.sql", "000001_Init.down.sql", "000002_more.up.sql")
    assert messages(tmp_path) == []
    assert [f"{d.file}: {d.message}" for d in scan(tmp_path, tmp_path, strict=True)[1]] == [
        "000001_Init.down.sql: migration name 'Init' is not snake_case (--strict)",
        "000001_Init.up.sql: migration name 'Init' is not snake_case (--strict)",
        "000002_more.up.sql: missing down migration 000002_more.down.sql (--strict)",
    ]


def test_broken_sets(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "000001_init.up.sql",
        "000002_more.down.sql",
        "3_no_direction.sql",
        "9223372036854775808_too_far.up.sql",
        "testdata/fixtures/000009_gone.up.sql",
        "testdata/fixtures/000001_a.up.sql",
        "testdata/fixtures/000001_b.up.sql",
        "testdata/fixtures/notes.sql",
    )
    (tmp_path / "000004_folder.up.sql").mkdir()
    assert sorted(messages(tmp_path)) == [
        "000002_more.down.sql: missing up migration 000002_more.up.sql",
        "000004_folder.up.sql: a migration must be a file",
        "3_no_direction.sql: migration file name must match NNN_name.(up|down).sql",
        "9223372036854775808_too_far.up.sql: migration version 9223372036854775808 is out "
        "of range: the version is recorded in a bigint, at most 9223372036854775807",
        "testdata/fixtures/000001_b.up.sql: version 000001 has 2 fixtures; keep one",
        "testdata/fixtures/000009_gone.up.sql: fixture 000009_gone.up.sql does not belong "
        "to an existing migration (no migration 000009)",
        "testdata/fixtures/notes.sql: fixture file name must match NNN_name.up.sql",
    ]


def test_generate_refuses_a_version_beyond_bigint(tmp_path: Path) -> None:
    touch(tmp_path, "99999999999999999999_init.up.sql")
    with pytest.raises(SqlgenError, match="out of range"):
        load_schema((tmp_path,), tmp_path)


def test_invalid_utf8_in_a_migration_is_located(tmp_path: Path) -> None:
    (tmp_path / "000001_init.up.sql").write_bytes(b"\xef\xbb\xbfSELECT 1;\nSELECT '\xff';\n")
    with pytest.raises(SqlgenError) as caught:
        load_schema((tmp_path,), tmp_path)
    assert str(caught.value) == "000001_init.up.sql:2:9: error: invalid UTF-8: byte 0xff"
