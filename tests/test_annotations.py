"""sqlc's commands and macros: how they parse, what they generate, and how it runs.

The unit tests build small projects in ``tmp_path`` and look at the IR and
the generated text. The end-to-end tests generate a package for a schema of
their own with ``query_parameter_limit=1`` (so calls take ``<Query>Params``
dataclasses), check it with ``mypy --strict``, and run it on PostgreSQL, sync
and async. The chat example's use of every command is in
``test_example_queries.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.rows import TupleRow

from pgsqlgen.codegen.fmt import format_python
from pgsqlgen.codegen.ir.build import build_ir
from pgsqlgen.codegen.ir.model import Ir, Query, Shape
from pgsqlgen.codegen.render import render
from pgsqlgen.errors import SqlgenError
from pgsqlgen.pipeline import analyse_queries, load_catalog

from sqlgen_helpers import write_project

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN score AS integer CHECK (VALUE >= 0);
CREATE TYPE point2 AS (x integer, y integer);
CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    bio text
);
CREATE TABLE books (
    id bigserial PRIMARY KEY,
    author_id bigint REFERENCES authors (id),
    title text NOT NULL,
    moods mood[] NOT NULL DEFAULT '{}',
    score score,
    tags text[] NOT NULL DEFAULT '{}',
    meta jsonb,
    cover bytea,
    published_at timestamptz,
    uid uuid NOT NULL DEFAULT gen_random_uuid()
);
CREATE TABLE places (
    name text PRIMARY KEY,
    origin point2
);
"""

QUERIES = """
-- name: CreateAuthor :one
INSERT INTO authors (name, bio) VALUES (@name, sqlc.narg(bio)) RETURNING *;

-- name: GetAuthor :one
SELECT * FROM authors WHERE id = $1;

-- name: CopyBooks :copyfrom
INSERT INTO books (author_id, title, moods, score, tags, meta, cover, published_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: ListBooks :many
SELECT * FROM books WHERE author_id = @author_id ORDER BY id;

-- name: ListBooksByIDs :many
SELECT id, title FROM books WHERE id IN (sqlc.slice(ids)) AND title NOT IN (sqlc.slice(skip)) ORDER BY id;

-- name: BooksWithAuthors :many
SELECT sqlc.embed(b), sqlc.embed(a), b.title AS heading
FROM books b LEFT JOIN authors a ON a.id = b.author_id
ORDER BY b.id;

-- name: RetitleBooks :batchexec
UPDATE books SET title = @title WHERE id = @id;

-- name: GetBooks :batchone
SELECT * FROM books WHERE id = @id;

-- name: ListBooksOfAuthors :batchmany
SELECT id, title FROM books WHERE author_id = @author_id AND title <> @not_title ORDER BY id;

-- name: DeleteBook :execresult
DELETE FROM books WHERE id = @id RETURNING id, title;

-- name: CopyPlaces :copyfrom
INSERT INTO places (name, origin) VALUES (@name, @origin);
"""


def project_ir(tmp_path: Path, queries: str, schema: str = SCHEMA, limit: int | None = None) -> Ir:
    config = write_project(tmp_path, {"000001_init.up.sql": schema}, {"q.sql": queries})
    catalog = load_catalog(config)
    return build_ir(
        catalog, analyse_queries(config, catalog), "demo", shape=Shape(query_parameter_limit=limit)
    )


def queries_of(ir: Ir) -> dict[str, Query]:
    return {q.name: q for m in ir.modules for q in m.queries}


def errors(tmp_path: Path, queries: str, schema: str = SCHEMA) -> str:
    with pytest.raises(SqlgenError) as caught:
        project_ir(tmp_path, textwrap.dedent(queries).lstrip(), schema)
    return str(caught.value)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


def test_execlastid_says_to_use_returning(tmp_path: Path) -> None:
    message = errors(
        tmp_path, "-- name: AddAuthor :execlastid\nINSERT INTO authors (name) VALUES (@name);\n"
    )
    assert message == (
        "queries/q.sql:1:20: error: :execlastid is not supported on PostgreSQL; "
        "use RETURNING id with :one"
    )


def test_unknown_command_lists_every_command(tmp_path: Path) -> None:
    message = errors(tmp_path, "-- name: X :execmany\nSELECT 1 AS one;\n")
    for command in (":execresult", ":copyfrom", ":batchexec", ":batchmany", ":batchone"):
        assert command in message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM authors WHERE name = @name;",
        "INSERT INTO authors (name) VALUES (@name) RETURNING id;",
        "INSERT INTO authors (name) VALUES (@name) ON CONFLICT DO NOTHING;",
        "INSERT INTO authors (name, bio) VALUES (@name, 'literal');",
        "INSERT INTO authors (name) VALUES (@a), (@b);",
        "INSERT INTO authors VALUES (@id, @name, @bio);",
        "INSERT INTO authors (name, bio) VALUES (@name, @name);",
        "INSERT INTO authors (name, bio) SELECT name, bio FROM authors WHERE id = @id;",
    ],
)
def test_copyfrom_needs_insert_values_of_parameters(tmp_path: Path, sql: str) -> None:
    message = errors(tmp_path, f"-- name: Bulk :copyfrom\n{sql}\n")
    assert message.startswith("queries/q.sql:2:1: error: query Bulk :copyfrom must be INSERT INTO")


def test_batches_need_parameters_and_row_batches_need_columns(tmp_path: Path) -> None:
    message = errors(
        tmp_path,
        """
        -- name: Nothing :batchexec
        DELETE FROM authors;

        -- name: NoRows :batchone
        DELETE FROM authors WHERE id = @id;

        -- name: NoRowsEither :batchmany
        UPDATE authors SET bio = NULL WHERE id = @id;
        """,
    )
    assert message.splitlines() == [
        "queries/q.sql:2:1: error: query Nothing :batchexec has no parameters; "
        "a batch needs at least one",
        "queries/q.sql:5:1: error: query NoRows :batchone returns no columns; use :batchexec",
        "queries/q.sql:8:1: error: query NoRowsEither :batchmany returns no columns; "
        "use :batchexec",
    ]


def test_command_signatures_and_returns(tmp_path: Path) -> None:
    queries = queries_of(project_ir(tmp_path, QUERIES))
    shapes = {
        name: [(m.name, m.arguments, m.returns, m.async_returns) for m in q.methods]
        for name, q in queries.items()
    }
    assert shapes["ListBooks"] == [
        ("list_books", ", *, author_id: int", "list[Book]", "list[Book]"),
        (
            "iter_books",
            ", *, author_id: int",
            "Generator[Book, None, None]",
            "AsyncGenerator[Book, None]",
        ),
    ]
    assert shapes["BooksWithAuthors"][1][0] == "iter_books_with_authors"
    assert shapes["CopyBooks"] == [
        ("copy_books", ", rows: Iterable[CopyBooksParams], /", "int", "int")
    ]
    assert shapes["RetitleBooks"] == [
        ("retitle_books", ", batch: Iterable[RetitleBooksParams], /", "None", "None")
    ]
    assert shapes["GetBooks"] == [
        (
            "get_books",
            ", batch: Iterable[GetBooksParams], /",
            "list[Book | None]",
            "list[Book | None]",
        )
    ]
    assert shapes["ListBooksOfAuthors"][0][2] == "list[list[ListBooksOfAuthorsRow]]"
    assert shapes["DeleteBook"] == [
        (
            "delete_book",
            ", *, id: int",
            "psycopg.RawCursor[DeleteBookRow]",
            "psycopg.AsyncRawCursor[DeleteBookRow]",
        )
    ]
    assert [m.generator for q in queries.values() for m in q.methods].count(True) == 3


def test_copy_is_binary_when_psycopg_knows_every_type(tmp_path: Path) -> None:
    queries = queries_of(project_ir(tmp_path, QUERIES))
    books = queries["CopyBooks"]
    assert books.statement == (
        "COPY books (author_id, title, moods, score, tags, meta, cover, published_at) "
        "FROM STDIN (FORMAT BINARY)"
    )
    # Enums by name (registered before the COPY), domains as their base type.
    assert books.copy_types == (
        "int8", "text", "mood[]", "int4", "text[]", "jsonb", "bytea", "timestamptz"
    )  # fmt: skip
    # The SQL that PostgreSQL can describe stays the INSERT.
    assert books.sql.startswith("INSERT INTO books")
    # A composite type psycopg has no adapter for: text COPY, values dumped by Python type.
    places = queries["CopyPlaces"]
    assert places.statement == "COPY places (name, origin) FROM STDIN"
    assert places.copy_types == ()


def test_copy_follows_the_column_order_of_positional_parameters(tmp_path: Path) -> None:
    query = queries_of(
        project_ir(
            tmp_path, "-- name: C :copyfrom\nINSERT INTO authors (bio, name) VALUES ($2, $1);\n"
        )
    )["C"]
    assert [(p.number, p.name) for p in query.params] == [(1, "name"), (2, "bio")]
    assert query.bind_args == "(row.bio, row.name)"  # one COPY row, written per row in rows


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def test_slice_becomes_one_array_parameter(tmp_path: Path) -> None:
    query = queries_of(project_ir(tmp_path, QUERIES))["ListBooksByIDs"]
    assert "WHERE id = ANY($1) AND title <> ALL($2) ORDER BY id" in query.sql
    assert [(p.name, p.pg_type, p.array_dims, p.annotation) for p in query.params] == [
        ("ids", "int8", 1, "list[int]"),
        ("skip", "text", 1, "list[str]"),
    ]
    # Written directly as an array, it is an array parameter too.
    direct = queries_of(
        project_ir(
            tmp_path,
            "-- name: D :many\nSELECT id FROM books WHERE moods && sqlc.slice(m)::mood[];\n"
            "-- name: E :many\nSELECT id FROM books WHERE uid = ANY(sqlc.slice(uids));\n",
        )
    )
    assert direct["D"].params[0].annotation == "list[Mood]"
    assert direct["E"].params[0].annotation == "list[uuid.UUID]"


def test_slice_misuse_is_reported(tmp_path: Path) -> None:
    assert errors(
        tmp_path, "-- name: S :many\nSELECT id FROM books WHERE id = sqlc.slice(ids);\n"
    ) == (
        "queries/q.sql:2:33: error: query S: sqlc.slice(ids) must be a list of values: "
        "use it as col IN (sqlc.slice(ids)) or col = ANY(sqlc.slice(ids))"
    )
    assert errors(
        tmp_path,
        "-- name: S :many\nSELECT id FROM books WHERE id IN (sqlc.slice(ids)) OR id = @ids;\n",
    ) == (
        "queries/q.sql:2:60: error: parameter ids is used both as sqlc.slice(ids) "
        "and as a single value"
    )


def test_embed_nests_models_and_outer_joins_make_them_optional(tmp_path: Path) -> None:
    ir = project_ir(tmp_path, QUERIES)
    module = ir.modules[0]
    query = queries_of(ir)["BooksWithAuthors"]
    (row,) = [r for r in module.row_classes if r.class_name == "BooksWithAuthorsRow"]
    assert [(f.attr, f.annotation, f.embed) for f in row.fields] == [
        ("book", "Book", True),
        ("author", "Author | None", True),
        ("heading", "str", False),
    ]
    assert [c.name for c in query.columns][:2] == ["id", "author_id"]  # flat, as sent
    assert "SELECT b.id, b.author_id, b.title," in query.sql
    assert "a.id, a.name, a.bio, b.title AS heading" in query.sql
    (builder,) = module.row_builders
    assert [(a.attr, a.expr) for a in builder.args] == [
        ("book", "Book(*values[0:10])"),
        ("author", "None if values[10] is None else Author(*values[10:13])"),
        ("heading", "values[13]"),
    ]
    assert query.row_factory == "_ROW_BOOKS_WITH_AUTHORS_ROW"
    assert query.row_factory_expression == "args_row(_books_with_authors_row)"


def test_embed_of_one_table_twice_is_named_by_alias(tmp_path: Path) -> None:
    ir = project_ir(
        tmp_path,
        "-- name: Pair :one\n"
        "SELECT sqlc.embed(first), sqlc.embed(second) FROM authors first, authors second "
        "WHERE first.id = @a AND second.id = @b;\n",
    )
    (row,) = ir.modules[0].row_classes
    assert [(f.attr, f.annotation) for f in row.fields] == [
        ("first", "Author"),
        ("second", "Author"),
    ]


def test_embed_misuse_is_reported(tmp_path: Path) -> None:
    assert 'no table "x" in FROM' in errors(
        tmp_path, "-- name: E :many\nSELECT sqlc.embed(x) FROM authors;\n"
    )
    assert "embed a table or view, not a subquery or CTE" in errors(
        tmp_path, "-- name: E :many\nSELECT sqlc.embed(s) FROM (SELECT id FROM authors) s;\n"
    )
    assert "only allowed in a select list" in errors(
        tmp_path, "-- name: E :many\nSELECT id FROM authors WHERE sqlc.embed(authors) IS NULL;\n"
    )


def test_positional_parameters_are_named_from_context(tmp_path: Path) -> None:
    queries = queries_of(
        project_ir(
            tmp_path,
            """
            -- name: Ins :exec
            INSERT INTO authors (name, bio) VALUES ($1, $2);

            -- name: Upd :exec
            UPDATE authors SET bio = $1 WHERE id = $2 AND name = $3;

            -- name: Sel :many
            SELECT a.id FROM authors a
            WHERE a.id = $1 OR a.id IN ($2, $3) OR a.id = ANY($4) OR a.id BETWEEN $5 AND $6
                OR a.name LIKE $7 OR lower(a.name) = $8 OR $9::int > 0
            LIMIT $10 OFFSET $11;

            -- name: Reserved :exec
            UPDATE authors SET name = @self WHERE id = @cur;
            """,
        )
    )
    names = {name: [(p.name, p.arg) for p in q.params] for name, q in queries.items()}
    assert names["Ins"] == [("name", "name"), ("bio", "bio")]
    assert names["Upd"] == [("bio", "bio"), ("id", "id"), ("name", "name")]
    assert [n for n, _ in names["Sel"]] == [
        "id", "id_2", "id_3", "id_4", "id_5", "id_6", "name", "p8", "p9", "limit", "offset",
    ]  # fmt: skip
    assert names["Reserved"] == [("self", "self_"), ("cur", "cur_")]


def test_parameters_inside_ctes_and_subqueries_are_typed(tmp_path: Path) -> None:
    queries = queries_of(
        project_ir(
            tmp_path,
            """
            -- name: Deep :many
            WITH recent AS (
                SELECT author_id, count(*) AS n FROM books WHERE published_at >= @since
                GROUP BY author_id
            ), renamed AS (
                UPDATE authors SET bio = @bio WHERE id = @touched RETURNING id
            )
            SELECT a.id,
                (SELECT max(b.title) FROM books b WHERE b.author_id = a.id AND b.score > @score)
                    AS best
            FROM authors a
            JOIN recent r ON r.author_id = a.id
            WHERE a.id IN (SELECT author_id FROM books WHERE title = @title)
                AND EXISTS (SELECT 1 FROM books b WHERE b.author_id = a.id AND @mood = ANY(b.moods))
                AND a.id NOT IN (SELECT id FROM renamed);
            """,
        )
    )
    assert [(p.name, p.annotation) for p in queries["Deep"].params] == [
        ("since", "datetime.datetime"),
        ("bio", "str | None"),
        ("touched", "int"),
        ("score", "int"),
        ("title", "str"),
        ("mood", "Mood"),
    ]


@pytest.mark.parametrize(
    ("limit", "with_params_class"),
    [(None, set()), (0, {"CreateAuthor", "GetAuthor", "ListBooks"}), (1, {"CreateAuthor"})],
)
def test_query_parameter_limit(
    tmp_path: Path, limit: int | None, with_params_class: set[str]
) -> None:
    blocks = QUERIES.split("\n\n")
    ir = project_ir(tmp_path, "\n".join([blocks[0], blocks[1], blocks[3]]), limit=limit)
    queries = queries_of(ir)
    assert {n for n, q in queries.items() if q.params_class} == with_params_class
    if "CreateAuthor" in with_params_class:
        create = queries["CreateAuthor"]
        assert create.methods[0].arguments == ", params: CreateAuthorParams, /"
        assert create.bind_args == "(params.name, params.bio)"
        text = render(ir)["q_sql.py"]
        assert "class CreateAuthorParams:" in text
        assert "@dataclass(frozen=True, slots=True, kw_only=True)" in text
    else:
        assert queries["CreateAuthor"].methods[0].arguments == ", *, name: str, bio: str | None"


def test_method_name_collisions_are_reported(tmp_path: Path) -> None:
    assert "method iter_authors is also generated for query ListAuthors" in errors(
        tmp_path,
        """
        -- name: ListAuthors :many
        SELECT id FROM authors;

        -- name: IterAuthors :one
        SELECT id FROM authors LIMIT 1;
        """,
    )


# --------------------------------------------------------------------------
# End to end: a generated package of its own, type-checked and run
# --------------------------------------------------------------------------

PACKAGE = "sqlgen_annotations_demo"
USAGE = f'''
"""Calls that must type-check against the generated package."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Generator

import psycopg

from {PACKAGE}.models import Author, Book, Mood
from {PACKAGE}.q_sql import (
    BooksWithAuthorsRow,
    CopyBooksParams,
    CreateAuthorParams,
    DeleteBookRow,
    GetBooksParams,
    ListBooksOfAuthorsRow,
)
from {PACKAGE}.querier import AsyncQueries, AsyncQuerier, Queries, Querier


def sync(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    q: Querier = Queries(conn)
    author: Author | None = q.create_author(CreateAuthorParams(name="n", bio=None))
    count: int = q.copy_books([])
    rows: Generator[Book, None, None] = q.iter_books(author_id=1)
    with contextlib.closing(rows):
        pass
    nested: list[BooksWithAuthorsRow] = q.books_with_authors()
    optional: Author | None = nested[0].author
    found: list[Book | None] = q.get_books([GetBooksParams(id=1)])
    many: list[list[ListBooksOfAuthorsRow]] = q.list_books_of_authors([])
    cur: psycopg.RawCursor[DeleteBookRow] = q.delete_book(id=1)
    moods: list[Mood] = CopyBooksParams(
        author_id=None, title="t", moods=[Mood.OK], score=None, tags=[], meta=None,
        cover=None, published_at=None,
    ).moods
    del author, count, optional, found, many, cur, moods


async def asynchronous(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
    q: AsyncQuerier = AsyncQueries(conn, iter_size=10)
    rows: AsyncGenerator[Book, None] = q.iter_books(author_id=1)
    async with contextlib.aclosing(rows):
        pass
    cur: psycopg.AsyncRawCursor[DeleteBookRow] = await q.delete_book(id=1)
    del cur
'''


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, importable, for ``SCHEMA``/``QUERIES`` and a limit of 1."""
    root = tmp_path_factory.mktemp("annotations")
    ir = project_ir(root / "project", QUERIES, limit=1)
    out = root / "site" / PACKAGE
    out.mkdir(parents=True)
    for name, text in render(ir).items():
        (out / name).write_text(format_python(text), encoding="utf-8")
    (out / "py.typed").write_text("", encoding="utf-8")
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module(f"{PACKAGE}.querier")
    finally:
        sys.path.remove(str(out.parent))
        for module in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[module]


def test_generated_package_passes_mypy_strict(demo: ModuleType) -> None:
    site = Path(demo.__file__ or "").parents[1]
    (site / "usage.py").write_text(USAGE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", PACKAGE, "usage.py"],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def demo_conn(empty_db: str) -> Iterator[psycopg.Connection[TupleRow]]:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        yield conn


def _models(demo: ModuleType) -> Any:
    return sys.modules[f"{PACKAGE}.models"]


def _q(demo: ModuleType) -> Any:
    return sys.modules[f"{PACKAGE}.q_sql"]


PUBLISHED = datetime.datetime(
    2024, 2, 29, 12, 30, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
)


def book_rows(demo: ModuleType, author_id: int) -> list[Any]:
    m, q = _models(demo), _q(demo)
    return [
        q.CopyBooksParams(
            author_id=author_id,
            title="Everything",
            moods=[m.Mood.HAPPY, m.Mood.SAD],
            score=7,
            tags=["a", "b,c", 'd"e', ""],
            meta={"k": [1, 2.5, None, {"x": "y"}]},
            cover=b"\x00\x01\xff",
            published_at=PUBLISHED,
        ),
        q.CopyBooksParams(
            author_id=None,
            title="Nothing",
            moods=[],
            score=None,
            tags=[],
            meta=None,
            cover=None,
            published_at=None,
        ),
    ]


def test_generated_package_runs(demo: ModuleType, demo_conn: psycopg.Connection[TupleRow]) -> None:
    m, q = _models(demo), _q(demo)
    queries = demo.Queries(demo_conn)
    author = queries.create_author(q.CreateAuthorParams(name="Ann", bio=None))  # limit 1
    assert type(author) is m.Author and author.bio is None
    assert queries.get_author(id=author.id) == author  # one parameter: a keyword

    sent = book_rows(demo, author.id)
    assert queries.copy_books(sent) == 2
    books = queries.list_books(author_id=author.id)
    assert len(books) == 1
    (book,) = books
    everything = sent[0]
    assert (book.title, book.moods, book.score, book.tags, book.meta, book.cover) == (
        everything.title,
        everything.moods,
        everything.score,
        everything.tags,
        everything.meta,
        everything.cover,
    )
    assert all(isinstance(mood, m.Mood) for mood in book.moods)
    assert book.published_at == PUBLISHED and book.published_at.tzinfo is not None
    assert isinstance(book.uid, uuid.UUID)
    assert list(queries.iter_books(author_id=author.id)) == books

    nested = queries.books_with_authors()
    assert [(r.book.title, r.author, r.heading) for r in nested] == [
        ("Everything", author, "Everything"),
        ("Nothing", None, "Nothing"),  # LEFT JOIN without a match: no Author
    ]
    ids = [r.book.id for r in nested]
    assert [
        r.title for r in queries.list_books_by_ids(q.ListBooksByIDsParams(ids=ids, skip=[]))
    ] == [
        "Everything",
        "Nothing",
    ]
    assert (
        queries.list_books_by_ids(q.ListBooksByIDsParams(ids=ids, skip=["Nothing"]))[0].id == ids[0]
    )

    assert queries.retitle_books(q.RetitleBooksParams(id=i, title=f"#{i}") for i in ids) is None
    found = queries.get_books([q.GetBooksParams(id=i) for i in (ids[1], -1, ids[0])])
    assert [b.title if b else None for b in found] == [f"#{ids[1]}", None, f"#{ids[0]}"]
    per_author = queries.list_books_of_authors(
        [
            q.ListBooksOfAuthorsParams(author_id=author.id, not_title="x"),
            q.ListBooksOfAuthorsParams(author_id=author.id, not_title=f"#{ids[0]}"),
        ]
    )
    assert [[r.id for r in rows] for rows in per_author] == [[ids[0]], []]

    with queries.delete_book(id=ids[1]) as cur:
        assert cur.rowcount == 1
        assert cur.fetchone() == q.DeleteBookRow(id=ids[1], title=f"#{ids[1]}")

    # Text COPY: psycopg has no adapter for the composite, so the server parses its text.
    places = [
        q.CopyPlacesParams(name="origin", origin=(0, 0)),
        q.CopyPlacesParams(name="nowhere", origin=None),
    ]
    assert queries.copy_places(places) == 2
    assert demo_conn.execute("SELECT name, origin::text FROM places ORDER BY name").fetchall() == [
        ("nowhere", None),
        ("origin", "(0,0)"),
    ]


async def test_generated_package_runs_async(demo: ModuleType, empty_db: str) -> None:
    m, q = _models(demo), _q(demo)
    async with await psycopg.AsyncConnection.connect(empty_db, autocommit=True) as conn:
        await conn.execute(SCHEMA.encode())
        queries = demo.AsyncQueries(conn, iter_size=1)
        author = await queries.create_author(q.CreateAuthorParams(name="Ann", bio="bio"))
        assert author.bio == "bio"
        assert await queries.copy_books(book_rows(demo, author.id)) == 2
        books = await queries.list_books(author_id=author.id)
        assert [b.moods for b in books] == [[m.Mood.HAPPY, m.Mood.SAD]]
        assert [b async for b in queries.iter_books(author_id=author.id)] == books
        nested = await queries.books_with_authors()
        assert [r.author for r in nested] == [author, None]
        await queries.retitle_books([q.RetitleBooksParams(id=books[0].id, title="T")])
        assert [
            b.title if b else None
            for b in await queries.get_books([q.GetBooksParams(id=books[0].id)])
        ] == ["T"]
        assert await queries.list_books_of_authors([]) == []
        async with await queries.delete_book(id=-1) as cur:
            assert (cur.rowcount, await cur.fetchall()) == (0, [])
        assert await queries.copy_places([q.CopyPlacesParams(name="p", origin=(1, 2))]) == 1


def test_params_dataclasses_are_frozen_and_keyword_only(demo: ModuleType) -> None:
    q = _q(demo)
    params = q.CreateAuthorParams(name="a", bio=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.name = "b"
    with pytest.raises(TypeError):
        q.CreateAuthorParams("a", None)


def test_generated_class_names_must_not_shadow_models(tmp_path: Path) -> None:
    message = errors(
        tmp_path,
        "-- name: Shelf :one\nSELECT count(*) AS n, max(id) AS m FROM shelf_rows;\n",
        schema="CREATE TABLE shelf_rows (id int PRIMARY KEY);",
    )
    assert message == (
        "queries/q.sql:2:1: error: query Shelf: the generated class ShelfRow would shadow "
        "the model ShelfRow; rename the query"
    )
