"""Class names from table names, singular the way sqlc makes its struct names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsqlgen.codegen.naming import singular

from sqlgen_helpers import write_project


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("users", "user"),
        ("news", "news"),
        ("series", "series"),
        ("analyses", "analysis"),
        ("statuses", "status"),
        ("addresses", "address"),
        ("categories", "category"),
        ("boxes", "box"),
        ("wolves", "wolf"),
        ("knives", "knife"),
        ("people", "person"),
        ("children", "child"),
        ("matrices", "matrix"),
        ("databases", "database"),
        ("workspace_agents", "workspace_agent"),
        # sqlc's own fixes of the inflection library
        ("campus", "campus"),
        ("meta", "meta"),
        ("calories", "calorie"),
        ("waves", "wave"),
        ("metadata", "metadata"),
        # ... which apply to whole names only, as in sqlc
        ("product_meta", "product_metum"),
    ],
)
def test_singular_is_sqlcs(table: str, expected: str) -> None:
    assert singular(table) == expected


def test_inflection_exclude_table_names(tmp_path: Path) -> None:
    from pgsqlgen.codegen.ir.build import build_ir
    from pgsqlgen.codegen.ir.model import Shape
    from pgsqlgen.pipeline import load_catalog

    config = write_project(
        tmp_path, {"000001_init.up.sql": "CREATE TABLE news (id int); CREATE TABLE bars (id int);"}
    )
    catalog = load_catalog(config)
    shape = Shape(inflection_exclude_table_names=("BARS",))
    assert [m.class_name for m in build_ir(catalog, [], "demo", shape=shape).models] == [
        "News",
        "Bars",
    ]


def test_the_exclusions_are_read_from_the_config(tmp_path: Path) -> None:
    from pgsqlgen.config.load import load_config

    write_project(tmp_path, {"000001_init.up.sql": "CREATE TABLE news (id int);"})
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'inflection_exclude_table_names = ["news"]\n', encoding="utf-8"
    )
    assert load_config(pyproject).inflection_exclude_table_names == ("news",)
