"""Python types for PostgreSQL types, columns and parameters: overrides, enums,
composites and arrays named once per package, and the names of model classes and enum
members after renames.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pgsqlgen.catalog.model import Catalog, Column
from pgsqlgen.codegen.ir.model import Field, QueryParam, Shape
from pgsqlgen.codegen.naming import (
    constant_name,
    escape_identifier,
    field_name,
    pascal_case,
    singular,
    unique_names,
)
from pgsqlgen.config.model import TypeOverride
from pgsqlgen.pg.types import PgType, parse_type, python_base_type


def dotted_module(python_type: str) -> str:
    """``myapp.money:Money`` -> ``myapp.money.Money``: what annotations spell."""
    return python_type.replace(":", ".")


class TypeNamer:
    """Python types and names for the catalog's types, columns and labels, with
    the configured overrides and renames applied."""

    def __init__(
        self,
        catalog: Catalog,
        enums: dict[str, str],
        composites: dict[str, str],
        shape: Shape,
    ) -> None:
        self.catalog = catalog
        self.enums = enums
        self.composites = composites
        self.renames = dict(shape.renames)
        self.pydantic = shape.models == "pydantic"
        #: ``db_type`` overrides by (type name, whether the value is nullable).
        self.by_type: dict[tuple[str, bool], TypeOverride] = {}
        self.by_column: dict[tuple[str, str], TypeOverride] = {}
        for override in shape.overrides:
            if override.column is not None:
                table, column = override.column.rsplit(".", 1)
                self.by_column[(table.removeprefix("public."), column)] = override
            elif override.db_type is not None:
                parsed = parse_type(override.db_type)
                name = parsed.name if parsed else override.db_type
                for nullable in (False, True):
                    if override.nullable in (None, nullable):
                        self.by_type[(name, nullable)] = override
        self._attrs: dict[str, str] = {}
        # Modules the override types live in, longest first: ``a.b.C`` imports ``a.b``.
        self.override_modules = sorted(
            {o.python_type.split(":")[0] for o in shape.overrides if ":" in o.python_type},
            key=len,
            reverse=True,
        )

    def attr(self, name: str) -> str:
        """A column's or parameter's Python name: renamed, escaped, and clear of
        pydantic's reserved ``model_`` names when models are pydantic. Each name once:
        a package names the same few columns tens of thousands of times, and the
        answer depends on the renames and the model kind alone (no catalog read)."""
        attr = self._attrs.get(name)
        if attr is None:
            attr = field_name(self.rename(name))
            if self.pydantic and attr.startswith("model_"):
                attr += "_"
            self._attrs[name] = attr
        return attr

    def construct(self, class_name: str) -> str:
        """What builds a model or row class from a row's values, in column order."""
        return f"{class_name}.from_row" if self.pydantic else class_name

    def rename(self, name: str) -> str:
        return self.renames.get(name, name)

    def column_override(self, origin: tuple[str | None, str | None]) -> TypeOverride | None:
        table, column = origin
        if table is None or column is None:
            return None
        return self.by_column.get((table, column))

    @property
    def classes(self) -> set[str]:
        """The Python classes of models.py that stand for enums and composite types."""
        return set(self.enums.values()) | set(self.composites.values())

    def override(
        self, pg_type: PgType, origin: tuple[str | None, str | None], nullable: bool
    ) -> TypeOverride | None:
        """The override that types a value: its column's, else its type's for a
        nullable or a NOT NULL value (sqlc's ``nullable``)."""
        return self.column_override(origin) or self.by_type.get((pg_type.name, nullable))

    def base(self, pg_type: PgType, sent: bool = False, nullable: bool = False) -> str:
        """The Python type of one value; ``sent``: as a parameter, where a json value
        is ``Json``, which excludes None (Python None is SQL NULL, never JSON null);
        ``nullable``: whether the value may be NULL, which picks the override."""
        name = pg_type.name
        override = self.by_type.get((name, nullable))
        if override is not None:
            return self._users(override)
        if sent and name in ("json", "jsonb"):
            return "Json"
        if name in self.enums:
            return self.enums[name]
        if name in self.composites:
            return self.composites[name]
        if name in self.catalog.domains:
            return self.base(self.catalog.domains[name].base.element(), nullable=nullable)
        known = python_base_type(name)
        return known if known is not None else "typing.Any"

    def _users(self, override: TypeOverride) -> str:
        """A user's own type; in a pydantic model, passed through as it is (``AsIs``):
        pydantic cannot build a schema of every type (a ``typing.TypedDict`` before
        Python 3.12), and the value is the user's, adapted by psycopg."""
        python_type = dotted_module(override.python_type)
        return f"Annotated[{python_type}, AsIs]" if self.pydantic else python_type

    def python(
        self,
        pg_type: PgType,
        origin: tuple[str | None, str | None] = (None, None),
        sent: bool = False,
        nullable: bool = False,
    ) -> str:
        """The Python type of a value of ``pg_type``; a column override of
        ``origin`` (table, column) replaces the whole type, arrays included."""
        override = self.column_override(origin)
        if override is not None:
            return self._users(override)
        text = self.base(pg_type, sent and not pg_type.array_dims, nullable)
        for _ in range(pg_type.array_dims):
            text = f"list[{text}]"
        return text

    def imports(self, dotted_names: Iterable[str]) -> tuple[str, ...]:
        """The modules that annotations using ``dotted_names`` (:func:`dotted_names`)
        need: an override's module whole, else the first part."""
        modules: set[str] = set()
        for dotted in dotted_names:
            module = next(
                (m for m in self.override_modules if dotted.startswith(m + ".")),
                dotted.split(".")[0],
            )
            modules.add(module)
        return tuple(sorted(modules))

    def copy_type(self, param: QueryParam) -> str | None:
        """The name binary COPY's ``set_types`` needs for ``param``; None if psycopg lacks it."""
        if param.overridden:
            return None  # the user's type may have only a text dumper: COPY in text
        name, dims = param.pg_type, param.array_dims
        while name in self.catalog.domains:
            base = self.catalog.domains[name].base
            name, dims = base.name, dims + base.array_dims
        import psycopg.postgres  # only layers with COPY pay for importing psycopg

        if name not in self.enums and psycopg.postgres.types.get(name) is None:
            return None
        return name + "[]" * dims


def optional_annotation(python_type: str, nullable: bool) -> str:
    return f"{python_type} | None" if nullable else python_type


def make_field(
    namer: TypeNamer,
    name: str,
    attr: str,
    pg_type: PgType,
    nullable: bool,
    table: str | None = None,
    comment: str | None = None,
    column: str | None = None,
) -> Field:
    python_type = namer.python(pg_type, (table, column or name), nullable=nullable)
    return Field(
        name=name,
        attr=attr,
        pg_type=pg_type.name,
        array_dims=pg_type.array_dims,
        nullable=nullable,
        python_type=python_type,
        annotation=optional_annotation(python_type, nullable),
        table=table,
        comment=comment,
    )


def model_fields(namer: TypeNamer, columns: list[Column], table: str | None) -> tuple[Field, ...]:
    attrs = unique_names([namer.attr(c.name) for c in columns])
    return tuple(
        make_field(namer, c.name, attr, c.type, not c.not_null, table, c.comment)
        for c, attr in zip(columns, attrs, strict=True)
    )


_DOTTED = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def dotted_names(annotation: str) -> list[str]:
    """The dotted names (``decimal.Decimal``, ``myapp.types.Money``) in an annotation."""
    return _DOTTED.findall(annotation)


IDENTIFIER_PATTERN = re.compile(r"\b[A-Za-z_]\w*")


def member_name(renames: dict[str, str], label: str) -> str:
    """An enum label's member: renamed (escaped), else UPPER_SNAKE."""
    return escape_identifier(renames[label]) if label in renames else constant_name(label)


def model_class_name(renames: dict[str, str], relation: str, shape: Shape) -> str:
    """A table's or view's class: renamed by its name or its singular (sqlc looks
    up the singular), else the PascalCase singular, or the exact name."""
    stem = (
        relation
        if shape.exact_table_names
        else singular(relation, shape.inflection_exclude_table_names)
    )
    for key in (relation, stem):
        if key in renames:
            return escape_identifier(renames[key])
    return pascal_case(stem)
