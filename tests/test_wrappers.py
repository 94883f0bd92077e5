"""The generated wrappers (``chatdb.wrappers``) on a real PostgreSQL, sync and async.

A wrapper written by overriding the one hook, ``_around``, sees every query
(authorization here, in the role of Coder's dbauthz); one overriding a single
method leaves the rest delegating; ``MetricsQuerier`` counts calls, errors and
latency per query and lets iterators stream. Introspection checks that every
query method of the protocols goes through the hook under its own name, so a
new query cannot bypass it.

Typing: the wrappers subclass ``Querier``/``AsyncQuerier``, so ``make
typecheck`` (mypy --strict on the package) checks every delegating method
against the protocol; the annotated assignments below are the caller's side.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import inspect
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import TypeVar, cast

import psycopg
import psycopg.errors
import pytest
from psycopg.rows import TupleRow

import chatdb
from chatdb.models import Chat, User, UserStatus
from chatdb.wrappers import (
    AsyncMetricsQuerier,
    AsyncQuerierWrapper,
    MetricsQuerier,
    QuerierWrapper,
    QueryMetrics,
)

T = TypeVar("T")

#: How long a consumer dawdles between two rows; the metrics must not count it.
PAUSE = 0.2
FAR_FUTURE = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)


def no_deletes(name: str) -> bool:
    return not name.startswith("delete_")


def no_iterators(name: str) -> bool:
    return not name.startswith("iter_")


class Authorizer(QuerierWrapper):
    """Refuses the queries ``allowed`` rejects before they reach the database,
    written as the one override of ``_around``; remembers what it was asked."""

    def __init__(self, inner: chatdb.Querier, allowed: Callable[[str], bool]) -> None:
        super().__init__(inner)
        self.allowed = allowed
        self.asked: list[str] = []

    def _around(self, name: str, call: Callable[[], T]) -> T:
        self.asked.append(name)
        if not self.allowed(name):
            raise PermissionError(name)
        return call()


class AsyncAuthorizer(AsyncQuerierWrapper):
    """``Authorizer`` for an ``AsyncQuerier``."""

    def __init__(self, inner: chatdb.AsyncQuerier, allowed: Callable[[str], bool]) -> None:
        super().__init__(inner)
        self.allowed = allowed
        self.asked: list[str] = []

    async def _around(self, name: str, call: Callable[[], Awaitable[T]]) -> T:
        self.asked.append(name)
        if not self.allowed(name):
            raise PermissionError(name)
        return await call()


class HideArchived(MetricsQuerier):
    """Overrides one query (archived chats are not found by id); the others
    delegate, and ``super()`` still goes through the metrics hook."""

    def get_chat_by_id(self, *, id: uuid.UUID) -> Chat | None:
        chat = super().get_chat_by_id(id=id)
        return None if chat is None or chat.archived else chat


class PullCounter(QuerierWrapper):
    """Counts the users ``iter_users`` has pulled from the database, and
    whether the stream was closed: it shows what the wrapper above it pulls."""

    def __init__(self, inner: chatdb.Querier) -> None:
        super().__init__(inner)
        self.pulled = 0
        self.closed = False

    def iter_users(
        self, *, status: UserStatus | None, limit_count: int, offset_count: int
    ) -> Generator[User, None, None]:
        rows = self._inner.iter_users(
            status=status, limit_count=limit_count, offset_count=offset_count
        )
        try:
            with contextlib.closing(rows):
                for user in rows:
                    self.pulled += 1
                    yield user
        finally:
            self.closed = True


class AsyncPullCounter(AsyncQuerierWrapper):
    """``PullCounter`` for an ``AsyncQuerier``."""

    def __init__(self, inner: chatdb.AsyncQuerier) -> None:
        super().__init__(inner)
        self.pulled = 0
        self.closed = False

    async def iter_users(
        self, *, status: UserStatus | None, limit_count: int, offset_count: int
    ) -> AsyncGenerator[User, None]:
        rows = self._inner.iter_users(
            status=status, limit_count=limit_count, offset_count=offset_count
        )
        try:
            async with contextlib.aclosing(rows):
                async for user in rows:
                    self.pulled += 1
                    yield user
        finally:
            self.closed = True


def must(value: T | None) -> T:
    assert value is not None, "a :one query returned None for a row that exists"
    return value


def new_user(q: chatdb.Querier, handle: str) -> User:
    return must(
        q.create_user(
            email=f"{handle}@example.com",
            username=handle,
            name=handle.title(),
            hashed_password=b"hash",
            rbac_roles=["member"],
        )
    )


async def anew_user(q: chatdb.AsyncQuerier, handle: str) -> User:
    return must(
        await q.create_user(
            email=f"{handle}@example.com",
            username=handle,
            name=handle.title(),
            hashed_password=b"hash",
            rbac_roles=["member"],
        )
    )


def new_chat(q: chatdb.Querier, owner: User) -> Chat:
    return must(
        q.insert_chat(
            owner_id=owner.id, workspace_id=None, agent_id=None, title="Chat", model_config={}
        )
    )


async def anew_chat(q: chatdb.AsyncQuerier, owner: User) -> Chat:
    return must(
        await q.insert_chat(
            owner_id=owner.id, workspace_id=None, agent_id=None, title="Chat", model_config={}
        )
    )


def check_metrics(metrics: QueryMetrics, calls: int, errors: int) -> None:
    assert (metrics.calls, metrics.errors) == (calls, errors)
    assert 0 < metrics.max_seconds <= metrics.total_seconds
    assert metrics.mean_seconds == pytest.approx(metrics.total_seconds / calls)


# --------------------------------------------------------------------------
# Authorization: one override of _around
# --------------------------------------------------------------------------


def test_an_authorizer_refuses_a_query_before_the_database(
    conn: psycopg.Connection[TupleRow],
) -> None:
    q = Authorizer(chatdb.Queries(conn), no_deletes)
    chat = new_chat(q, new_user(q, "alice"))

    found = q.get_chat_by_id(id=chat.id)
    assert type(found) is Chat
    assert found == chat
    with pytest.raises(PermissionError, match="delete_old_chats"):
        q.delete_old_chats(before=FAR_FUTURE)
    assert chatdb.Queries(conn).get_chat_by_id(id=chat.id) == chat  # the DELETE never ran
    assert q.asked == ["create_user", "insert_chat", "get_chat_by_id", "delete_old_chats"]

    refused = Authorizer(chatdb.Queries(conn), no_iterators).iter_chats_by_owner(
        owner_id=chat.owner_id, limit_count=10
    )
    with pytest.raises(PermissionError, match="iter_chats_by_owner"):
        next(refused)  # an iterator starts, and is refused, on its first row


async def test_an_async_authorizer_refuses_a_query_before_the_database(
    aconn: psycopg.AsyncConnection[TupleRow],
) -> None:
    q = AsyncAuthorizer(chatdb.AsyncQueries(aconn), no_deletes)
    chat = await anew_chat(q, await anew_user(q, "alice"))

    found = await q.get_chat_by_id(id=chat.id)
    assert type(found) is Chat
    assert found == chat
    with pytest.raises(PermissionError, match="delete_old_chats"):
        await q.delete_old_chats(before=FAR_FUTURE)
    assert await chatdb.AsyncQueries(aconn).get_chat_by_id(id=chat.id) == chat
    assert q.asked == ["create_user", "insert_chat", "get_chat_by_id", "delete_old_chats"]

    refused = AsyncAuthorizer(chatdb.AsyncQueries(aconn), no_iterators).iter_chats_by_owner(
        owner_id=chat.owner_id, limit_count=10
    )
    with pytest.raises(PermissionError, match="iter_chats_by_owner"):
        await anext(refused)


# --------------------------------------------------------------------------
# One method overridden, the rest delegating
# --------------------------------------------------------------------------


def test_a_wrapper_overriding_one_method_delegates_the_others(
    conn: psycopg.Connection[TupleRow],
) -> None:
    inner = chatdb.Queries(conn)
    q = HideArchived(inner)
    chat = new_chat(q, new_user(q, "alice"))
    assert q.get_chat_by_id(id=chat.id) == chat

    q.archive_chat(id=chat.id)
    assert q.get_chat_by_id(id=chat.id) is None
    assert must(inner.get_chat_by_id(id=chat.id)).archived
    assert q.metrics()["get_chat_by_id"].calls == 2
    assert set(q.metrics()) == {"create_user", "insert_chat", "get_chat_by_id", "archive_chat"}


# --------------------------------------------------------------------------
# MetricsQuerier
# --------------------------------------------------------------------------


def test_metrics_count_calls_errors_and_latency_per_query(
    conn: psycopg.Connection[TupleRow],
) -> None:
    q = MetricsQuerier(chatdb.Queries(conn))
    alice = new_user(q, "alice")
    assert q.get_user_by_id(id=alice.id) == alice
    assert q.get_user_by_id(id=uuid.uuid4()) is None
    with pytest.raises(psycopg.errors.UniqueViolation):
        new_user(q, "alice")

    metrics = q.metrics()
    assert set(metrics) == {"create_user", "get_user_by_id"}
    check_metrics(metrics["create_user"], calls=2, errors=1)
    check_metrics(metrics["get_user_by_id"], calls=2, errors=0)

    q.get_user_by_id(id=alice.id)
    assert metrics["get_user_by_id"].calls == 2  # a snapshot, which later calls leave alone
    assert q.metrics()["get_user_by_id"].calls == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics["get_user_by_id"].calls = 0  # type: ignore[misc]


async def test_async_metrics_count_calls_errors_and_latency_per_query(
    aconn: psycopg.AsyncConnection[TupleRow],
) -> None:
    q = AsyncMetricsQuerier(chatdb.AsyncQueries(aconn))
    alice = await anew_user(q, "alice")
    assert await q.get_user_by_id(id=alice.id) == alice
    assert await q.get_user_by_id(id=uuid.uuid4()) is None
    with pytest.raises(psycopg.errors.UniqueViolation):
        await anew_user(q, "alice")

    metrics = q.metrics()
    assert set(metrics) == {"create_user", "get_user_by_id"}
    check_metrics(metrics["create_user"], calls=2, errors=1)
    check_metrics(metrics["get_user_by_id"], calls=2, errors=0)


def test_metrics_time_an_iterator_to_its_first_row_and_let_it_stream(
    conn: psycopg.Connection[TupleRow],
) -> None:
    pulls = PullCounter(chatdb.Queries(conn, iter_size=1))
    q = MetricsQuerier(pulls)
    for handle in ("ann", "ben", "cat", "dan", "eve"):
        new_user(q, handle)

    with contextlib.closing(q.iter_users(status=None, limit_count=10, offset_count=0)) as users:
        assert "iter_users" not in q.metrics()  # nothing runs before the first row
        assert next(users).username == "ann"
        time.sleep(PAUSE)  # the consumer's time, not the query's
        assert next(users).username == "ben"
    assert (pulls.pulled, pulls.closed) == (2, True)  # streamed, and closed when left early
    check_metrics(q.metrics()["iter_users"], calls=1, errors=0)
    assert q.metrics()["iter_users"].total_seconds < PAUSE


async def test_async_metrics_time_an_iterator_to_its_first_row_and_let_it_stream(
    aconn: psycopg.AsyncConnection[TupleRow],
) -> None:
    pulls = AsyncPullCounter(chatdb.AsyncQueries(aconn, iter_size=1))
    q = AsyncMetricsQuerier(pulls)
    for handle in ("ann", "ben", "cat", "dan", "eve"):
        await anew_user(q, handle)

    users = q.iter_users(status=None, limit_count=10, offset_count=0)
    async with contextlib.aclosing(users):
        assert "iter_users" not in q.metrics()
        assert (await anext(users)).username == "ann"
        time.sleep(PAUSE)  # blocking on purpose: a consumer busy between rows
        assert (await anext(users)).username == "ben"
    assert (pulls.pulled, pulls.closed) == (2, True)
    check_metrics(q.metrics()["iter_users"], calls=1, errors=0)
    assert q.metrics()["iter_users"].total_seconds < PAUSE


# --------------------------------------------------------------------------
# Every query goes through the hook; typing
# --------------------------------------------------------------------------


class Refused(Exception):
    """Raised by the hook of ``RefuseAll``, carrying the name it was called with."""


class Unreachable:
    """An inner querier whose methods fail the test: the hook must refuse first."""

    def __getattr__(self, name: str) -> Callable[..., object]:
        def query(*args: object, **kwargs: object) -> object:
            pytest.fail(f"{name} reached the inner querier")

        return query


class RefuseAll(QuerierWrapper):
    def _around(self, name: str, call: Callable[[], T]) -> T:
        raise Refused(name)


class AsyncRefuseAll(AsyncQuerierWrapper):
    async def _around(self, name: str, call: Callable[[], Awaitable[T]]) -> T:
        raise Refused(name)


def query_methods(cls: type) -> dict[str, Callable[..., object]]:
    """The public methods ``cls`` itself defines, by name."""
    return {
        name: value
        for name, value in vars(cls).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }


def dummy_arguments(method: Callable[..., object]) -> tuple[list[object], dict[str, object]]:
    """Arguments a method accepts, never used: the hook refuses before the query."""
    parameters = list(inspect.signature(method).parameters.values())[1:]  # after self
    args: list[object] = [[] for p in parameters if p.kind is p.POSITIONAL_ONLY]
    kwargs: dict[str, object] = {p.name: None for p in parameters if p.kind is p.KEYWORD_ONLY}
    return args, kwargs


@pytest.mark.parametrize(
    ("protocol", "wrapper"),
    [(chatdb.Querier, QuerierWrapper), (chatdb.AsyncQuerier, AsyncQuerierWrapper)],
)
def test_the_wrappers_define_every_query_of_the_protocol(protocol: type, wrapper: type) -> None:
    queries, wrapped = query_methods(protocol), query_methods(wrapper)
    assert "iter_users" in queries and "copy_chat_messages" in queries
    assert set(wrapped) == set(queries)  # none inherited from the protocol's stubs
    for name, method in wrapped.items():
        assert inspect.signature(method) == inspect.signature(queries[name]), name
        assert inspect.iscoroutinefunction(method) == inspect.iscoroutinefunction(queries[name])


def test_every_query_goes_through_the_hook_under_its_own_name() -> None:
    q = RefuseAll(cast(chatdb.Querier, Unreachable()))
    for name, method in query_methods(QuerierWrapper).items():
        args, kwargs = dummy_arguments(method)
        with pytest.raises(Refused) as refused:
            result = getattr(q, name)(*args, **kwargs)
            next(result)  # reached by iterators only, which start on their first row
        assert refused.value.args == (name,)


async def test_every_async_query_goes_through_the_hook_under_its_own_name() -> None:
    q = AsyncRefuseAll(cast(chatdb.AsyncQuerier, Unreachable()))
    for name, method in query_methods(AsyncQuerierWrapper).items():
        args, kwargs = dummy_arguments(method)
        with pytest.raises(Refused) as refused:
            result = getattr(q, name)(*args, **kwargs)
            await (anext(result) if inspect.isasyncgen(result) else result)
        assert refused.value.args == (name,)


async def test_a_wrapper_is_a_querier(
    conn: psycopg.Connection[TupleRow], aconn: psycopg.AsyncConnection[TupleRow]
) -> None:
    """Wrappers stack, and stand wherever a querier is expected (mypy checks the annotations)."""
    sync_querier: chatdb.Querier = Authorizer(MetricsQuerier(chatdb.Queries(conn)), no_deletes)
    async_querier: chatdb.AsyncQuerier = AsyncAuthorizer(
        AsyncMetricsQuerier(chatdb.AsyncQueries(aconn)), no_deletes
    )
    assert new_user(sync_querier, "alice").username == "alice"
    assert (await anew_user(async_querier, "bob")).username == "bob"
