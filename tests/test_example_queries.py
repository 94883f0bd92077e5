"""Every generated query of ``chatdb``, run against a real PostgreSQL, sync and async.

There is one scenario per query file (``users_sql``, ``chats_sql``, ...), written
once for ``chatdb.Queries`` and once for ``chatdb.AsyncQueries``. Each builds the
rows it needs through the generated methods themselves and checks both the
values and the Python types that come back.

Coverage is enforced in two halves that together mean "every generated method
is called by the suite", whatever order or subset of tests pytest runs:

* each scenario runs on a recording subclass of ``Queries``/``AsyncQueries``
  and fails unless it called every method of its own query file's mixin
  (a query added to ``chats.sql`` without a test fails ``chats_sql``);
* ``test_every_query_file_has_a_scenario`` fails when a query file (a
  ``*_sql`` mixin of ``Queries``) has no scenario, and checks that the mixins'
  methods are exactly the query methods of ``Queries`` and ``AsyncQueries``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import hashlib
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final, TypedDict, TypeVar

import psycopg
import psycopg.errors
import pytest
from psycopg.rows import TupleRow

import chatdb
from chatdb.chat_debug_sql import CopyChatDebugStepsParams
from chatdb.chat_messages_sql import (
    CopyChatMessagesParams,
    GetChatTokenUsageRow,
    ListChatMessagesForChatsParams,
    ListQueuedChatMessagesRow,
)
from chatdb.chat_usage_sql import ListChatsOverBudgetRow
from chatdb.chats_sql import (
    ArchiveChatsOfOwnerRow,
    CountChatsByStatusRow,
    GetChatHeartbeatsParams,
    GetChatWithOwnerRow,
    GetChatWithWorkspaceRow,
    ListActiveChatsRow,
    ListBusyChatsRow,
    ListChatsWithWorkspaceRow,
    UpsertChatHeartbeatsParams,
)
from chatdb.constraints import (
    CheckConstraint,
    ForeignKeyConstraint,
    UniqueConstraint,
    constraint_name,
    is_check_violation,
    is_foreign_key_violation,
    is_unique_violation,
)
from chatdb.context_resources_sql import (
    CopyChatContextResourcesParams,
    GetChatContextResourceStatusesRow,
)
from chatdb.models import (
    Chat,
    ChatContextResource,
    ChatDebugRun,
    ChatDebugStep,
    ChatHeartbeat,
    ChatMessage,
    ChatMessageRole,
    ChatOverview,
    ChatStatus,
    ChatUsage,
    ChatUsageReport,
    JsonValue,
    QueuedMessage,
    User,
    UserStatus,
    Workspace,
    WorkspaceAgent,
    WorkspaceAgentContextBodyKind,
    WorkspaceAgentContextResource,
    WorkspaceAgentContextResourceStatus,
    WorkspaceAgentLifecycleState,
)
from chatdb.workspaces_sql import GetWorkspaceWithOwnerRow
from chatdb_types import ModelConfig

Conn = psycopg.Connection[TupleRow]
AConn = psycopg.AsyncConnection[TupleRow]

UTC: Final = datetime.UTC
#: A fixed instant in a non-UTC zone: timestamptz must round-trip the instant.
SEEN_AT: Final = datetime.datetime(
    2026, 6, 16, 21, 28, 5, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
)
LONG_AGO: Final = datetime.datetime(2000, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------
# Which methods exist, and recording which ones a scenario calls
# --------------------------------------------------------------------------


def _query_mixins(cls: type) -> dict[str, frozenset[str]]:
    """The ``*_sql`` mixins of ``cls`` by module name, with their public methods."""
    mixins: dict[str, frozenset[str]] = {}
    for base in cls.__mro__:
        module = base.__module__
        if module.startswith("chatdb.") and module.endswith("_sql"):
            mixins[module.removeprefix("chatdb.")] = frozenset(
                name
                for name, value in vars(base).items()
                if not name.startswith("_") and inspect.isfunction(value)
            )
    return mixins


SYNC_MIXINS: Final = _query_mixins(chatdb.Queries)
ASYNC_MIXINS: Final = _query_mixins(chatdb.AsyncQueries)
SYNC_METHODS: Final = frozenset[str]().union(*SYNC_MIXINS.values())
ASYNC_METHODS: Final = frozenset[str]().union(*ASYNC_MIXINS.values())


class _Recording:
    """Remembers which of ``query_methods`` were called (async ones return the coroutine)."""

    query_methods: frozenset[str] = frozenset()
    called: set[str]

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name not in type(self).query_methods:
            return attr
        called: set[str] = super().__getattribute__("called")

        def record(*args: Any, **kwargs: Any) -> Any:
            called.add(name)
            return attr(*args, **kwargs)

        return record


class RecordingQueries(_Recording, chatdb.Queries):
    """``chatdb.Queries`` that remembers which query methods were called."""

    query_methods = SYNC_METHODS

    def __init__(self, conn: Conn) -> None:
        super().__init__(conn)
        self.called = set()


class RecordingAsyncQueries(_Recording, chatdb.AsyncQueries):
    """``chatdb.AsyncQueries`` that remembers which query methods were called."""

    query_methods = ASYNC_METHODS

    def __init__(self, conn: AConn) -> None:
        super().__init__(conn)
        self.called = set()


# --------------------------------------------------------------------------
# Small checking helpers
# --------------------------------------------------------------------------


T = TypeVar("T")


def must(value: T | None) -> T:
    """``value``, which a ``:one`` query must have found."""
    assert value is not None, "a :one query returned None for a row that exists"
    return value


def assert_aware(value: object) -> None:
    """``value`` is a timezone-aware datetime (how timestamptz must load)."""
    assert isinstance(value, datetime.datetime), f"{value!r} is not a datetime"
    assert value.tzinfo is not None and value.utcoffset() is not None, f"{value!r} is naive"


def returns_none(call: Callable[[], object]) -> None:
    """An ``:exec`` method returns None."""
    result = call()
    assert result is None, f":exec returned {result!r}"


async def returns_none_async(call: Awaitable[object]) -> None:
    """An async ``:exec`` method returns None."""
    result = await call
    assert result is None, f":exec returned {result!r}"


def assert_rowcount(value: object, expected: int) -> None:
    """An ``:execrows`` method returns the affected row count as an int."""
    assert type(value) is int, f":execrows returned {type(value).__name__}, not int"
    assert value == expected


def scalar(conn: Conn, query: str, *params: object) -> object:
    """First column of the first row of a plain SQL query (for checks only)."""
    row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return row[0]


async def ascalar(conn: AConn, query: str, *params: object) -> object:
    """First column of the first row of a plain SQL query (for checks only)."""
    cur = await conn.execute(query.encode(), params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


def same_rows(rows: Iterator[T], expected: list[T]) -> None:
    """An ``iter_*`` method is a lazy iterator yielding what its list twin returns."""
    assert isinstance(rows, Iterator) and not isinstance(rows, list)
    assert list(rows) == expected


async def asame_rows(rows: AsyncIterator[T], expected: list[T]) -> None:
    """An async ``iter_*`` method is an async iterator yielding what its list twin returns."""
    assert isinstance(rows, AsyncIterator)
    assert [row async for row in rows] == expected


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --------------------------------------------------------------------------
# Shared inputs and checks of created rows (used by sync and async scenarios)
# --------------------------------------------------------------------------


class UserArgs(TypedDict):
    email: str
    username: str
    name: str
    hashed_password: bytes
    rbac_roles: list[str]


ALICE: Final[UserArgs] = {
    "email": "alice@example.com",
    "username": "alice",
    "name": "Alice",
    "hashed_password": b"\x00$2a$10$bcrypt\xff",
    "rbac_roles": ["owner", "auditor"],
}
BOB: Final[UserArgs] = {
    "email": "bob@example.com",
    "username": "bob",
    "name": "",
    "hashed_password": b"",
    "rbac_roles": [],
}


def user_args(handle: str) -> UserArgs:
    return {
        "email": f"{handle}@example.com",
        "username": handle,
        "name": handle.title(),
        "hashed_password": b"hash-" + handle.encode(),
        "rbac_roles": ["member"],
    }


def check_created_user(user: User, args: UserArgs) -> None:
    assert type(user) is User
    assert isinstance(user.id, uuid.UUID)
    assert (user.email, user.username, user.name) == (args["email"], args["username"], args["name"])
    assert type(user.hashed_password) is bytes
    assert user.hashed_password == args["hashed_password"]
    assert type(user.rbac_roles) is list
    assert user.rbac_roles == args["rbac_roles"]
    assert isinstance(user.status, UserStatus)
    assert user.status is UserStatus.ACTIVE
    assert user.deleted is False
    assert_aware(user.created_at)
    assert_aware(user.updated_at)
    assert user.last_seen_at is None


AGENT_ENV: Final[JsonValue] = {
    "PATH": "/usr/local/bin:/usr/bin",
    "CODER": {"nested": [1, 2.5, None, True, "x"], "empty": {}},
}


def check_created_agent(agent: WorkspaceAgent, workspace: Workspace) -> None:
    assert type(agent) is WorkspaceAgent
    assert isinstance(agent.id, uuid.UUID)
    assert agent.workspace_id == workspace.id
    assert (agent.name, agent.architecture, agent.operating_system, agent.directory) == (
        "main",
        "amd64",
        "linux",
        "/home/coder",
    )
    assert isinstance(agent.lifecycle_state, WorkspaceAgentLifecycleState)
    assert agent.lifecycle_state is WorkspaceAgentLifecycleState.CREATED
    assert type(agent.environment_variables) is dict
    assert agent.environment_variables == AGENT_ENV
    assert agent.connection_timeout_seconds == 120
    assert agent.first_connected_at is None
    assert agent.last_connected_at is None
    assert_aware(agent.created_at)
    assert_aware(agent.updated_at)


MODEL_CONFIG: Final[ModelConfig] = {
    "provider": "anthropic",
    "model": "claude-sonnet",
    "temperature": 0.2,
    "max_tokens": 8192,
    "tools": ["bash", "edit"],
    "thinking": None,
}


def check_created_chat(
    chat: Chat, owner: User, workspace: Workspace | None, agent: WorkspaceAgent | None
) -> None:
    assert type(chat) is Chat
    assert isinstance(chat.id, uuid.UUID)
    assert chat.owner_id == owner.id
    assert chat.workspace_id == (workspace.id if workspace else None)
    assert chat.agent_id == (agent.id if agent else None)
    assert isinstance(chat.status, ChatStatus)
    assert chat.status is ChatStatus.WAITING
    assert chat.last_injected_context is None
    assert chat.archived is False
    assert_aware(chat.created_at)
    assert_aware(chat.updated_at)


def check_message(
    message: ChatMessage,
    chat: Chat,
    role: ChatMessageRole,
    content: JsonValue,
    tokens: tuple[int | None, int | None],
) -> None:
    assert type(message) is ChatMessage
    assert type(message.id) is int
    assert message.chat_id == chat.id
    assert isinstance(message.role, ChatMessageRole)
    assert message.role is role
    assert message.content == content
    assert type(message.content) is type(content)
    assert (message.input_tokens, message.output_tokens) == tokens
    assert_aware(message.created_at)


class ResourceArgs(TypedDict):
    source: str
    body_kind: WorkspaceAgentContextBodyKind
    body: JsonValue
    content_hash: bytes
    size_bytes: int
    status: WorkspaceAgentContextResourceStatus
    error: str
    source_path: str


# Sources are chosen so that ORDER BY source agrees in the C locale and in
# natural-language collations.
INSTRUCTIONS: Final[ResourceArgs] = {
    "source": "/home/coder/AGENTS.md",
    "body_kind": WorkspaceAgentContextBodyKind.INSTRUCTION_FILE,
    "body": {"content": "# Rules\nRun the tests.\n", "truncated": False},
    "content_hash": sha256(b"# Rules\nRun the tests.\n"),
    "size_bytes": 23,
    "status": WorkspaceAgentContextResourceStatus.OK,
    "error": "",
    "source_path": "AGENTS.md",
}
INSTRUCTIONS_V2: Final[ResourceArgs] = {
    **INSTRUCTIONS,
    "body": {"content": "# Rules\nRun all tests.\n", "truncated": False},
    "content_hash": sha256(b"# Rules\nRun all tests.\n"),
    "size_bytes": 23,
}
SKILL: Final[ResourceArgs] = {
    "source": "/home/coder/skills/deploy/SKILL.md",
    "body_kind": WorkspaceAgentContextBodyKind.SKILL,
    "body": {"name": "deploy", "description": "Ship it", "content": "steps", "files": []},
    "content_hash": sha256(b"skill"),
    "size_bytes": 5,
    "status": WorkspaceAgentContextResourceStatus.OK,
    "error": "description truncated to 1024 characters",
    "source_path": "skills/deploy/SKILL.md",
}
MCP_SERVER: Final[ResourceArgs] = {
    "source": "postgres",
    "body_kind": WorkspaceAgentContextBodyKind.MCP_SERVER,
    "body": {},
    "content_hash": sha256(b""),
    "size_bytes": 0,
    "status": WorkspaceAgentContextResourceStatus.INVALID,
    "error": "missing command",
    "source_path": "/home/coder/.mcp.json",
}


def check_resource(
    row: WorkspaceAgentContextResource | ChatContextResource, args: ResourceArgs
) -> None:
    assert row.source == args["source"]
    assert isinstance(row.body_kind, WorkspaceAgentContextBodyKind)
    assert row.body_kind is args["body_kind"]
    assert row.body == args["body"]
    assert type(row.content_hash) is bytes
    assert row.content_hash == args["content_hash"]
    assert type(row.size_bytes) is int
    assert row.size_bytes == args["size_bytes"]
    assert isinstance(row.status, WorkspaceAgentContextResourceStatus)
    assert row.status is args["status"]
    assert (row.error, row.source_path) == (args["error"], args["source_path"])
    assert_aware(row.created_at)
    assert_aware(row.updated_at)


EXPECTED_STATUSES: Final = [
    GetChatContextResourceStatusesRow(
        source=SKILL["source"],
        body_kind=WorkspaceAgentContextBodyKind.SKILL,
        status=WorkspaceAgentContextResourceStatus.OK,
        error=SKILL["error"],
        size_bytes=5,
    ),
    GetChatContextResourceStatusesRow(
        source="postgres",
        body_kind=WorkspaceAgentContextBodyKind.MCP_SERVER,
        status=WorkspaceAgentContextResourceStatus.INVALID,
        error="missing command",
        size_bytes=0,
    ),
]


# --------------------------------------------------------------------------
# Sync factories (through the generated code)
# --------------------------------------------------------------------------


def new_user(q: chatdb.Queries, handle: str) -> User:
    return must(q.create_user(**user_args(handle)))


def new_workspace(q: chatdb.Queries, owner: User, name: str = "dev") -> Workspace:
    return must(
        q.create_workspace(owner_id=owner.id, name=name, autostart_schedule=None, ttl_ms=None)
    )


def new_agent(q: chatdb.Queries, workspace: Workspace, name: str = "main") -> WorkspaceAgent:
    return must(
        q.insert_workspace_agent(
            workspace_id=workspace.id,
            name=name,
            architecture="amd64",
            operating_system="linux",
            directory="/home/coder",
            environment_variables=AGENT_ENV,
            connection_timeout_seconds=120,
        )
    )


def new_chat(
    q: chatdb.Queries,
    owner: User,
    workspace: Workspace | None = None,
    agent: WorkspaceAgent | None = None,
    title: str = "New chat",
) -> Chat:
    return must(
        q.insert_chat(
            owner_id=owner.id,
            workspace_id=workspace.id if workspace else None,
            agent_id=agent.id if agent else None,
            title=title,
            model_config=MODEL_CONFIG,
        )
    )


async def anew_user(q: chatdb.AsyncQueries, handle: str) -> User:
    return must(await q.create_user(**user_args(handle)))


async def anew_workspace(q: chatdb.AsyncQueries, owner: User, name: str = "dev") -> Workspace:
    return must(
        await q.create_workspace(owner_id=owner.id, name=name, autostart_schedule=None, ttl_ms=None)
    )


async def anew_agent(
    q: chatdb.AsyncQueries, workspace: Workspace, name: str = "main"
) -> WorkspaceAgent:
    return must(
        await q.insert_workspace_agent(
            workspace_id=workspace.id,
            name=name,
            architecture="amd64",
            operating_system="linux",
            directory="/home/coder",
            environment_variables=AGENT_ENV,
            connection_timeout_seconds=120,
        )
    )


async def anew_chat(
    q: chatdb.AsyncQueries,
    owner: User,
    workspace: Workspace | None = None,
    agent: WorkspaceAgent | None = None,
    title: str = "New chat",
) -> Chat:
    return must(
        await q.insert_chat(
            owner_id=owner.id,
            workspace_id=workspace.id if workspace else None,
            agent_id=agent.id if agent else None,
            title=title,
            model_config=MODEL_CONFIG,
        )
    )


# --------------------------------------------------------------------------
# users.sql
# --------------------------------------------------------------------------


def users_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = must(q.create_user(**ALICE))
    check_created_user(alice, ALICE)
    bob = must(q.create_user(**BOB))  # empty bytea and empty text[] round-trip too
    check_created_user(bob, BOB)

    assert q.get_user_by_id(id=alice.id) == alice
    assert q.get_user_by_id(id=uuid.uuid4()) is None

    by_email = q.get_active_user_by_email_or_username(email=ALICE["email"], username="nobody")
    assert by_email == alice
    by_name = q.get_active_user_by_email_or_username(email="nobody@example.com", username="bob")
    assert by_name == bob
    assert q.get_active_user_by_email_or_username(email="x@example.com", username="x") is None

    everyone = q.list_users(status=None, limit_count=10, offset_count=0)  # sqlc.narg: None
    assert type(everyone) is list
    assert everyone == [alice, bob]
    same_rows(q.iter_users(status=None, limit_count=10, offset_count=0), everyone)
    assert q.list_users(status=None, limit_count=1, offset_count=1) == [bob]
    assert q.list_users(status=None, limit_count=10, offset_count=2) == []
    conn.execute("UPDATE users SET status = 'dormant' WHERE id = %s", (bob.id,))
    dormant = q.list_users(status=UserStatus.DORMANT, limit_count=10, offset_count=0)
    assert [u.id for u in dormant] == [bob.id]
    assert dormant[0].status is UserStatus.DORMANT
    assert q.list_users(status=UserStatus.ACTIVE, limit_count=10, offset_count=0) == [alice]
    assert q.list_users(status=UserStatus.SUSPENDED, limit_count=10, offset_count=0) == []

    renamed = must(q.update_user_profile(name="Alice Liddell", username="alice.l", id=alice.id))
    assert type(renamed) is User
    assert (renamed.id, renamed.name, renamed.username) == (alice.id, "Alice Liddell", "alice.l")
    assert renamed.email == alice.email
    assert renamed.updated_at > alice.updated_at  # set by the updated_at trigger
    assert q.update_user_profile(name="x", username="x", id=uuid.uuid4()) is None

    returns_none(lambda: q.update_user_last_seen_at(id=alice.id, last_seen_at=SEEN_AT))
    seen = must(q.get_user_by_id(id=alice.id)).last_seen_at
    assert_aware(seen)
    assert seen == SEEN_AT
    returns_none(lambda: q.update_user_last_seen_at(id=alice.id, last_seen_at=None))
    assert must(q.get_user_by_id(id=alice.id)).last_seen_at is None

    assert_rowcount(q.soft_delete_user(id=bob.id), 1)
    assert_rowcount(q.soft_delete_user(id=bob.id), 0)  # already deleted
    assert must(q.get_user_by_id(id=bob.id)).deleted is True
    assert q.get_active_user_by_email_or_username(email=BOB["email"], username="bob") is None
    assert [u.id for u in q.list_users(status=None, limit_count=10, offset_count=0)] == [alice.id]
    # The unique index on email is partial: a soft-deleted email can be reused.
    bob_again = must(q.create_user(**BOB))
    assert bob_again.id != bob.id


async def ausers_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = must(await q.create_user(**ALICE))
    check_created_user(alice, ALICE)
    bob = must(await q.create_user(**BOB))
    check_created_user(bob, BOB)

    assert await q.get_user_by_id(id=alice.id) == alice
    assert await q.get_user_by_id(id=uuid.uuid4()) is None

    assert await q.get_active_user_by_email_or_username(email=BOB["email"], username="-") == bob
    assert await q.get_active_user_by_email_or_username(email="-", username="alice") == alice
    assert await q.get_active_user_by_email_or_username(email="-", username="-") is None

    everyone = await q.list_users(status=None, limit_count=10, offset_count=0)
    assert type(everyone) is list
    assert everyone == [alice, bob]
    await asame_rows(q.iter_users(status=None, limit_count=1, offset_count=1), [bob])
    assert await q.list_users(status=None, limit_count=1, offset_count=0) == [alice]
    await conn.execute("UPDATE users SET status = 'suspended' WHERE id = %s", (alice.id,))
    suspended = await q.list_users(status=UserStatus.SUSPENDED, limit_count=10, offset_count=0)
    assert [u.id for u in suspended] == [alice.id]
    assert suspended[0].status is UserStatus.SUSPENDED
    assert await q.list_users(status=UserStatus.DORMANT, limit_count=10, offset_count=0) == []

    renamed = must(await q.update_user_profile(name="Bobby", username="bobby", id=bob.id))
    assert type(renamed) is User
    assert (renamed.name, renamed.username, renamed.email) == ("Bobby", "bobby", BOB["email"])
    assert await q.update_user_profile(name="x", username="x", id=uuid.uuid4()) is None

    await returns_none_async(q.update_user_last_seen_at(id=bob.id, last_seen_at=SEEN_AT))
    seen = must(await q.get_user_by_id(id=bob.id)).last_seen_at
    assert_aware(seen)
    assert seen == SEEN_AT
    await returns_none_async(q.update_user_last_seen_at(id=bob.id, last_seen_at=None))
    assert must(await q.get_user_by_id(id=bob.id)).last_seen_at is None

    assert_rowcount(await q.soft_delete_user(id=bob.id), 1)
    assert_rowcount(await q.soft_delete_user(id=bob.id), 0)
    assert must(await q.get_user_by_id(id=bob.id)).deleted is True
    assert [u.id for u in await q.list_users(status=None, limit_count=9, offset_count=0)] == [
        alice.id
    ]


# --------------------------------------------------------------------------
# workspaces.sql
# --------------------------------------------------------------------------


def workspaces_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = must(q.create_user(**ALICE))
    bob = must(q.create_user(**BOB))

    dev = must(
        q.create_workspace(
            owner_id=alice.id,
            name="dev",
            autostart_schedule="CRON_TZ=Europe/Berlin 30 9 * * 1-5",
            ttl_ms=8 * 3600 * 1000,
        )
    )
    assert type(dev) is Workspace
    assert isinstance(dev.id, uuid.UUID)
    assert (dev.owner_id, dev.name) == (alice.id, "dev")
    assert dev.autostart_schedule == "CRON_TZ=Europe/Berlin 30 9 * * 1-5"
    assert type(dev.ttl_ms) is int
    assert dev.ttl_ms == 28_800_000
    assert dev.deleted is False
    for ts in (dev.created_at, dev.updated_at, dev.last_used_at):
        assert_aware(ts)
    build = must(
        q.create_workspace(owner_id=alice.id, name="build", autostart_schedule=None, ttl_ms=None)
    )
    assert (build.autostart_schedule, build.ttl_ms) == (None, None)
    alpha = must(
        q.create_workspace(owner_id=bob.id, name="alpha", autostart_schedule=None, ttl_ms=0)
    )
    assert alpha.ttl_ms == 0

    assert q.get_workspace_by_id(id=dev.id) == dev
    assert q.get_workspace_by_id(id=uuid.uuid4()) is None

    assert q.list_workspaces(owner_id=None) == [alpha, build, dev]  # ordered by name
    assert q.list_workspaces(owner_id=alice.id) == [build, dev]
    same_rows(q.iter_workspaces(owner_id=None), [alpha, build, dev])
    assert q.list_workspaces(owner_id=uuid.uuid4()) == []
    conn.execute("UPDATE workspaces SET deleted = true WHERE id = %s", (build.id,))
    assert [w.id for w in q.list_workspaces(owner_id=None)] == [alpha.id, dev.id]

    with_owner = q.get_workspace_with_owner(id=dev.id)
    assert with_owner == GetWorkspaceWithOwnerRow(
        id=dev.id,
        name="dev",
        ttl_ms=28_800_000,
        last_used_at=dev.last_used_at,
        owner_username="alice",
        owner_email="alice@example.com",
    )
    assert type(with_owner) is GetWorkspaceWithOwnerRow
    assert q.get_workspace_with_owner(id=uuid.uuid4()) is None

    returns_none(lambda: q.update_workspace_ttl(ttl_ms=None, id=dev.id))
    assert must(q.get_workspace_by_id(id=dev.id)).ttl_ms is None
    returns_none(lambda: q.update_workspace_ttl(ttl_ms=2**40, id=dev.id))  # bigint
    assert must(q.get_workspace_by_id(id=dev.id)).ttl_ms == 2**40

    returns_none(lambda: q.update_workspace_last_used_at(id=dev.id))
    used = must(q.get_workspace_by_id(id=dev.id))
    assert_aware(used.last_used_at)
    assert used.last_used_at > dev.last_used_at


async def aworkspaces_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = must(await q.create_user(**ALICE))
    bob = must(await q.create_user(**BOB))

    dev = must(
        await q.create_workspace(
            owner_id=alice.id, name="dev", autostart_schedule="0 9 * * *", ttl_ms=60_000
        )
    )
    assert type(dev) is Workspace
    assert isinstance(dev.id, uuid.UUID)
    assert (dev.name, dev.autostart_schedule, dev.ttl_ms) == ("dev", "0 9 * * *", 60_000)
    assert_aware(dev.last_used_at)
    other = must(
        await q.create_workspace(owner_id=bob.id, name="box", autostart_schedule=None, ttl_ms=None)
    )
    assert (other.autostart_schedule, other.ttl_ms) == (None, None)

    assert await q.get_workspace_by_id(id=other.id) == other
    assert await q.get_workspace_by_id(id=uuid.uuid4()) is None
    assert await q.list_workspaces(owner_id=None) == [other, dev]
    assert await q.list_workspaces(owner_id=bob.id) == [other]
    await asame_rows(q.iter_workspaces(owner_id=None), [other, dev])

    with_owner = await q.get_workspace_with_owner(id=other.id)
    assert with_owner == GetWorkspaceWithOwnerRow(
        id=other.id,
        name="box",
        ttl_ms=None,
        last_used_at=other.last_used_at,
        owner_username="bob",
        owner_email="bob@example.com",
    )
    assert await q.get_workspace_with_owner(id=uuid.uuid4()) is None

    await returns_none_async(q.update_workspace_ttl(ttl_ms=5, id=other.id))
    assert must(await q.get_workspace_by_id(id=other.id)).ttl_ms == 5
    await returns_none_async(q.update_workspace_ttl(ttl_ms=None, id=other.id))
    assert must(await q.get_workspace_by_id(id=other.id)).ttl_ms is None

    await returns_none_async(q.update_workspace_last_used_at(id=dev.id))
    assert must(await q.get_workspace_by_id(id=dev.id)).last_used_at > dev.last_used_at
    assert await ascalar(conn, "SELECT count(*) FROM workspaces") == 2


# --------------------------------------------------------------------------
# workspace_agents.sql
# --------------------------------------------------------------------------


def workspace_agents_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = new_user(q, "alice")
    ws = new_workspace(q, alice)
    empty_ws = new_workspace(q, alice, "empty")

    main = must(
        q.insert_workspace_agent(
            workspace_id=ws.id,
            name="main",
            architecture="amd64",
            operating_system="linux",
            directory="/home/coder",
            environment_variables=AGENT_ENV,
            connection_timeout_seconds=120,
        )
    )
    check_created_agent(main, ws)
    sidecar = must(
        q.insert_workspace_agent(
            workspace_id=ws.id,
            name="sidecar",
            architecture="arm64",
            operating_system="darwin",
            directory="",
            environment_variables={},
            connection_timeout_seconds=0,
        )
    )
    assert sidecar.environment_variables == {}

    assert q.get_workspace_agent_by_id(id=main.id) == main
    assert q.get_workspace_agent_by_id(id=uuid.uuid4()) is None

    agents = q.list_workspace_agents_by_workspace_id(workspace_id=ws.id)
    assert agents == [main, sidecar]
    same_rows(q.iter_workspace_agents_by_workspace_id(workspace_id=ws.id), agents)
    assert q.list_workspace_agents_by_workspace_id(workspace_id=empty_ws.id) == []

    returns_none(
        lambda: q.update_workspace_agent_lifecycle_state(
            lifecycle_state=WorkspaceAgentLifecycleState.SHUTTING_DOWN, id=main.id
        )
    )
    state = must(q.get_workspace_agent_by_id(id=main.id)).lifecycle_state
    assert isinstance(state, WorkspaceAgentLifecycleState)
    assert state is WorkspaceAgentLifecycleState.SHUTTING_DOWN
    assert scalar(
        conn, "SELECT lifecycle_state::text FROM workspace_agents WHERE id = %s", main.id
    ) == ("shutting_down")

    first = datetime.datetime(2026, 6, 16, 19, 0, tzinfo=UTC)
    second = first + datetime.timedelta(hours=1, microseconds=7)
    returns_none(lambda: q.update_workspace_agent_connection(connected_at=first, id=main.id))
    connected = must(q.get_workspace_agent_by_id(id=main.id))
    assert (connected.first_connected_at, connected.last_connected_at) == (first, first)
    assert_aware(connected.first_connected_at)
    returns_none(lambda: q.update_workspace_agent_connection(connected_at=second, id=main.id))
    reconnected = must(q.get_workspace_agent_by_id(id=main.id))
    assert (reconnected.first_connected_at, reconnected.last_connected_at) == (first, second)
    returns_none(lambda: q.update_workspace_agent_connection(connected_at=None, id=main.id))
    cleared = must(q.get_workspace_agent_by_id(id=main.id))
    assert (cleared.first_connected_at, cleared.last_connected_at) == (first, None)
    untouched = must(q.get_workspace_agent_by_id(id=sidecar.id))
    assert (untouched.first_connected_at, untouched.last_connected_at) == (None, None)


async def aworkspace_agents_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = await anew_user(q, "alice")
    ws = await anew_workspace(q, alice)

    main = must(
        await q.insert_workspace_agent(
            workspace_id=ws.id,
            name="main",
            architecture="amd64",
            operating_system="linux",
            directory="/home/coder",
            environment_variables=AGENT_ENV,
            connection_timeout_seconds=120,
        )
    )
    check_created_agent(main, ws)

    assert await q.get_workspace_agent_by_id(id=main.id) == main
    assert await q.get_workspace_agent_by_id(id=uuid.uuid4()) is None
    assert await q.list_workspace_agents_by_workspace_id(workspace_id=ws.id) == [main]
    await asame_rows(q.iter_workspace_agents_by_workspace_id(workspace_id=ws.id), [main])
    assert await q.list_workspace_agents_by_workspace_id(workspace_id=uuid.uuid4()) == []

    await returns_none_async(
        q.update_workspace_agent_lifecycle_state(
            lifecycle_state=WorkspaceAgentLifecycleState.READY, id=main.id
        )
    )
    ready = must(await q.get_workspace_agent_by_id(id=main.id))
    assert isinstance(ready.lifecycle_state, WorkspaceAgentLifecycleState)
    assert ready.lifecycle_state is WorkspaceAgentLifecycleState.READY

    first = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    second = datetime.datetime(
        2026, 1, 2, 9, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=6))
    )
    await returns_none_async(q.update_workspace_agent_connection(connected_at=first, id=main.id))
    await returns_none_async(q.update_workspace_agent_connection(connected_at=second, id=main.id))
    agent = must(await q.get_workspace_agent_by_id(id=main.id))
    assert (agent.first_connected_at, agent.last_connected_at) == (first, second)
    assert_aware(agent.last_connected_at)
    await returns_none_async(q.update_workspace_agent_connection(connected_at=None, id=main.id))
    agent = must(await q.get_workspace_agent_by_id(id=main.id))
    assert (agent.first_connected_at, agent.last_connected_at) == (first, None)
    assert await ascalar(conn, "SELECT count(*) FROM workspace_agents") == 1


# --------------------------------------------------------------------------
# chats.sql
# --------------------------------------------------------------------------


def chats_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = new_user(q, "alice")
    bob = new_user(q, "bob")
    ws = new_workspace(q, alice)
    agent = new_agent(q, ws)

    fix = must(
        q.insert_chat(
            owner_id=alice.id,
            workspace_id=ws.id,
            agent_id=agent.id,
            title="Fix flaky test",
            model_config=MODEL_CONFIG,
        )
    )
    check_created_chat(fix, alice, ws, agent)
    assert fix.title == "Fix flaky test"
    assert type(fix.model_config) is dict
    assert fix.model_config == MODEL_CONFIG
    scratch = must(
        q.insert_chat(
            owner_id=alice.id, workspace_id=None, agent_id=None, title="Scratch", model_config=[]
        )
    )
    check_created_chat(scratch, alice, None, None)
    assert scratch.model_config == []
    review = new_chat(q, alice, ws, None, "Review PR")

    got = q.get_chat_by_id(id=fix.id)
    assert type(got) is Chat  # SELECT * FROM chats -> the table's model
    assert got == fix
    assert q.get_chat_by_id(id=uuid.uuid4()) is None

    running = must(q.update_chat_status(status=ChatStatus.RUNNING, id=fix.id))
    assert type(running) is Chat
    assert running.status is ChatStatus.RUNNING
    assert running.updated_at > fix.updated_at
    # requires_action was added later with ALTER TYPE ... ADD VALUE AFTER 'running'.
    needs_user = must(q.update_chat_status(status=ChatStatus.REQUIRES_ACTION, id=scratch.id))
    assert needs_user.status is ChatStatus.REQUIRES_ACTION
    assert q.update_chat_status(status=ChatStatus.ERROR, id=uuid.uuid4()) is None

    active = q.list_active_chats()
    assert active == [
        ListActiveChatsRow(
            id=fix.id,
            owner_id=alice.id,
            agent_id=agent.id,
            status=ChatStatus.RUNNING,
            updated_at=running.updated_at,
        ),
        ListActiveChatsRow(
            id=scratch.id,
            owner_id=alice.id,
            agent_id=None,
            status=ChatStatus.REQUIRES_ACTION,
            updated_at=needs_user.updated_at,
        ),
    ]
    assert all(isinstance(row.status, ChatStatus) for row in active)
    same_rows(q.iter_active_chats(), active)

    with_ws = q.get_chat_with_workspace(id=fix.id)
    assert with_ws == GetChatWithWorkspaceRow(
        id=fix.id,
        title="Fix flaky test",
        status=ChatStatus.RUNNING,
        workspace_name="dev",
        agent_name="main",
        agent_lifecycle_state=WorkspaceAgentLifecycleState.CREATED,
    )
    assert with_ws is not None
    assert isinstance(with_ws.agent_lifecycle_state, WorkspaceAgentLifecycleState)
    without = must(q.get_chat_with_workspace(id=scratch.id))  # LEFT JOINs: NULL names
    assert (without.workspace_name, without.agent_name, without.agent_lifecycle_state) == (
        None,
        None,
        None,
    )
    assert q.get_chat_with_workspace(id=uuid.uuid4()) is None

    # Grouped by status and ordered by the enum's declaration order, not by text.
    assert q.count_chats_by_status(owner_id=alice.id) == [
        CountChatsByStatusRow(status=ChatStatus.WAITING, chat_count=1),
        CountChatsByStatusRow(status=ChatStatus.RUNNING, chat_count=1),
        CountChatsByStatusRow(status=ChatStatus.REQUIRES_ACTION, chat_count=1),
    ]
    assert q.count_chats_by_status(owner_id=bob.id) == []
    same_rows(q.iter_count_chats_by_status(owner_id=bob.id), [])

    by_owner = q.list_chats_by_owner(owner_id=alice.id, limit_count=10)
    same_rows(q.iter_chats_by_owner(owner_id=alice.id, limit_count=2), by_owner[:2])
    assert [c.id for c in by_owner] == [scratch.id, fix.id, review.id]  # updated_at DESC
    assert all(type(c) is Chat for c in by_owner)
    assert q.list_chats_by_owner(owner_id=alice.id, limit_count=1) == [needs_user]
    assert q.list_chats_by_owner(owner_id=bob.id, limit_count=10) == []

    hello = must(
        q.insert_chat_message(
            chat_id=fix.id,
            role=ChatMessageRole.USER,
            content={"text": "hi"},
            input_tokens=None,
            output_tokens=None,
        )
    )
    reply = must(
        q.insert_chat_message(
            chat_id=fix.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": "hello"},
            input_tokens=10,
            output_tokens=2,
        )
    )
    overviews = q.list_chat_overviews_by_owner(owner_id=alice.id, archived=False, limit_count=10)
    assert [o.id for o in overviews] == [scratch.id, fix.id, review.id]
    assert all(type(o) is ChatOverview for o in overviews)  # SELECT * FROM a view -> its model
    fix_overview = overviews[1]
    assert fix_overview == ChatOverview(
        id=fix.id,
        owner_id=alice.id,
        owner_username="alice",
        workspace_id=ws.id,
        title="Fix flaky test",
        status=ChatStatus.RUNNING,
        created_at=fix.created_at,
        updated_at=running.updated_at,
        message_count=2,
        last_message_at=max(hello.created_at, reply.created_at),
        archived=False,
        agent_id=agent.id,
    )
    assert type(fix_overview.message_count) is int
    assert_aware(fix_overview.last_message_at)
    assert (overviews[2].message_count, overviews[2].last_message_at) == (0, None)
    same_rows(
        q.iter_chat_overviews_by_owner(owner_id=alice.id, archived=False, limit_count=10),
        overviews,
    )
    assert q.list_chat_overviews_by_owner(owner_id=alice.id, archived=True, limit_count=10) == []
    assert q.list_chat_overviews_by_owner(owner_id=alice.id, archived=False, limit_count=1) == [
        overviews[0]
    ]

    assert_rowcount(
        q.update_chat_title(title="Fix the flaky test", id=fix.id, owner_id=alice.id), 1
    )
    assert_rowcount(q.update_chat_title(title="hijack", id=fix.id, owner_id=bob.id), 0)
    assert must(q.get_chat_by_id(id=fix.id)).title == "Fix the flaky test"

    returns_none(lambda: q.archive_chat(id=scratch.id))
    assert must(q.get_chat_by_id(id=scratch.id)).archived is True
    assert [c.id for c in q.list_active_chats()] == [fix.id]
    assert scratch.id not in {c.id for c in q.list_chats_by_owner(owner_id=alice.id, limit_count=9)}
    archived = q.list_chat_overviews_by_owner(owner_id=alice.id, archived=True, limit_count=10)
    assert [(o.id, o.archived) for o in archived] == [(scratch.id, True)]

    worker_a, worker_b = uuid.uuid4(), uuid.uuid4()
    returns_none(lambda: q.upsert_chat_heartbeat(chat_id=fix.id, worker_id=worker_a))
    assert scalar(conn, "SELECT worker_id FROM chat_heartbeats WHERE chat_id = %s", fix.id) == (
        worker_a
    )
    returns_none(lambda: q.upsert_chat_heartbeat(chat_id=fix.id, worker_id=worker_b))
    assert scalar(conn, "SELECT count(*) FROM chat_heartbeats") == 1
    assert scalar(conn, "SELECT worker_id FROM chat_heartbeats WHERE chat_id = %s", fix.id) == (
        worker_b
    )

    assert_rowcount(q.delete_old_chats(before=LONG_AGO), 0)
    chats = [must(q.get_chat_by_id(id=c.id)) for c in (fix, scratch, review)]
    newest = max(chats, key=lambda c: c.updated_at)
    assert_rowcount(q.delete_old_chats(before=newest.updated_at), 2)
    assert [c.id for c in chats if q.get_chat_by_id(id=c.id) is not None] == [newest.id]

    chats_commands_and_macros(q, conn)


async def achats_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = await anew_user(q, "alice")
    bob = await anew_user(q, "bob")
    ws = await anew_workspace(q, alice)
    agent = await anew_agent(q, ws)

    fix = must(
        await q.insert_chat(
            owner_id=alice.id,
            workspace_id=ws.id,
            agent_id=agent.id,
            title="Fix flaky test",
            model_config=MODEL_CONFIG,
        )
    )
    check_created_chat(fix, alice, ws, agent)
    assert fix.model_config == MODEL_CONFIG
    scratch = await anew_chat(q, alice, title="Scratch")
    check_created_chat(scratch, alice, None, None)

    got = await q.get_chat_by_id(id=fix.id)
    assert type(got) is Chat
    assert got == fix
    assert await q.get_chat_by_id(id=uuid.uuid4()) is None

    pending = must(await q.update_chat_status(status=ChatStatus.PENDING, id=fix.id))
    assert type(pending) is Chat
    assert pending.status is ChatStatus.PENDING
    assert await q.update_chat_status(status=ChatStatus.PAUSED, id=uuid.uuid4()) is None

    assert await q.list_active_chats() == [
        ListActiveChatsRow(
            id=fix.id,
            owner_id=alice.id,
            agent_id=agent.id,
            status=ChatStatus.PENDING,
            updated_at=pending.updated_at,
        )
    ]
    assert await q.get_chat_with_workspace(id=fix.id) == GetChatWithWorkspaceRow(
        id=fix.id,
        title="Fix flaky test",
        status=ChatStatus.PENDING,
        workspace_name="dev",
        agent_name="main",
        agent_lifecycle_state=WorkspaceAgentLifecycleState.CREATED,
    )
    assert await q.get_chat_with_workspace(id=uuid.uuid4()) is None
    assert await q.count_chats_by_status(owner_id=alice.id) == [
        CountChatsByStatusRow(status=ChatStatus.WAITING, chat_count=1),
        CountChatsByStatusRow(status=ChatStatus.PENDING, chat_count=1),
    ]
    assert await q.count_chats_by_status(owner_id=bob.id) == []
    await asame_rows(
        q.iter_count_chats_by_status(owner_id=alice.id),
        await q.count_chats_by_status(owner_id=alice.id),
    )

    by_owner = await q.list_chats_by_owner(owner_id=alice.id, limit_count=10)
    assert by_owner == [pending, scratch]
    await asame_rows(q.iter_chats_by_owner(owner_id=alice.id, limit_count=10), by_owner)
    assert await q.list_chats_by_owner(owner_id=alice.id, limit_count=1) == [pending]

    overviews = await q.list_chat_overviews_by_owner(
        owner_id=alice.id, archived=False, limit_count=10
    )
    assert [(o.id, o.message_count, o.last_message_at) for o in overviews] == [
        (fix.id, 0, None),
        (scratch.id, 0, None),
    ]
    assert all(type(o) is ChatOverview for o in overviews)  # the view's model
    assert overviews[0].status is ChatStatus.PENDING
    await asame_rows(
        q.iter_chat_overviews_by_owner(owner_id=alice.id, archived=False, limit_count=1),
        overviews[:1],
    )

    assert_rowcount(await q.update_chat_title(title="T", id=fix.id, owner_id=alice.id), 1)
    assert_rowcount(await q.update_chat_title(title="T", id=fix.id, owner_id=bob.id), 0)
    await returns_none_async(q.archive_chat(id=fix.id))
    assert must(await q.get_chat_by_id(id=fix.id)).archived is True
    assert await q.list_active_chats() == []
    await asame_rows(q.iter_active_chats(), [])
    archived = await q.list_chat_overviews_by_owner(owner_id=alice.id, archived=True, limit_count=5)
    assert [(o.id, o.title, o.archived) for o in archived] == [(fix.id, "T", True)]

    worker = uuid.uuid4()
    await returns_none_async(q.upsert_chat_heartbeat(chat_id=fix.id, worker_id=worker))
    await returns_none_async(q.upsert_chat_heartbeat(chat_id=fix.id, worker_id=worker))
    assert await ascalar(conn, "SELECT count(*) FROM chat_heartbeats") == 1
    assert await ascalar(conn, "SELECT worker_id FROM chat_heartbeats") == worker

    assert_rowcount(await q.delete_old_chats(before=LONG_AGO), 0)
    newest = must(await q.get_chat_by_id(id=fix.id))  # archived/renamed last
    assert_rowcount(await q.delete_old_chats(before=newest.updated_at), 1)
    assert await q.get_chat_by_id(id=scratch.id) is None
    assert await q.get_chat_by_id(id=fix.id) == newest

    await achats_commands_and_macros(q, conn)


def chats_commands_and_macros(q: chatdb.Queries, conn: Conn) -> None:
    """sqlc.slice, sqlc.embed, parameters in CTEs and subqueries, batches, :execresult."""
    carol = new_user(q, "carol")
    dave = new_user(q, "dave")
    ws = new_workspace(q, carol, "carol-ws")
    agent = new_agent(q, ws)
    a = new_chat(q, carol, ws, agent, "A")
    b = new_chat(q, carol, None, None, "B")
    c = new_chat(q, carol, ws, None, "C")
    d = new_chat(q, dave, title="D")

    # sqlc.slice: a list bound as one array (IN (...) is sent as = ANY($1)).
    assert q.list_chats_by_ids(ids=[c.id, uuid.uuid4(), a.id]) == [a, c]
    assert q.list_chats_by_ids(ids=[]) == []  # an empty list is fine: no rows
    same_rows(q.iter_chats_by_ids(ids=[d.id, b.id]), [b, d])
    a = must(q.update_chat_status(status=ChatStatus.RUNNING, id=a.id))

    def count(statuses: list[ChatStatus], excluded: list[uuid.UUID]) -> int:
        # One aggregate column: the value itself, and never None (exactly one row).
        return q.count_owner_chats_in_statuses(
            owner_id=carol.id, statuses=statuses, excluded_ids=excluded
        )

    assert count([ChatStatus.WAITING], []) == 2  # a list of enums
    assert count([ChatStatus.WAITING, ChatStatus.RUNNING], []) == 3
    assert count([ChatStatus.WAITING, ChatStatus.RUNNING], [b.id, d.id]) == 2  # NOT IN
    assert count([], []) == 0

    # sqlc.embed: the row holds each table's model; an outer-joined one may be None.
    owned = must(q.get_chat_with_owner(id=a.id))
    assert type(owned) is GetChatWithOwnerRow
    assert (type(owned.chat), type(owned.user)) == (Chat, User)
    assert (owned.chat, owned.user) == (a, carol)
    assert q.get_chat_with_owner(id=uuid.uuid4()) is None
    with_ws = q.list_chats_with_workspace(owner_id=carol.id)
    assert with_ws == [
        ListChatsWithWorkspaceRow(chat=a, workspace=ws, agent_name="main"),
        ListChatsWithWorkspaceRow(chat=b, workspace=None, agent_name=None),
        ListChatsWithWorkspaceRow(chat=c, workspace=ws, agent_name=None),
    ]
    assert type(with_ws[0].workspace) is Workspace
    same_rows(q.iter_chats_with_workspace(owner_id=carol.id), with_ws)

    # Parameters inside a CTE and an EXISTS subquery.
    for chat, role in (
        (a, ChatMessageRole.USER),
        (a, ChatMessageRole.USER),
        (b, ChatMessageRole.USER),
        (c, ChatMessageRole.TOOL),
    ):
        q.insert_chat_message(
            chat_id=chat.id, role=role, content={}, input_tokens=None, output_tokens=None
        )
    busy = q.list_busy_chats(since=LONG_AGO, owner_id=carol.id, role=ChatMessageRole.USER)
    assert busy == [
        ListBusyChatsRow(id=a.id, title="A", recent_count=2),
        ListBusyChatsRow(id=b.id, title="B", recent_count=1),
    ]
    tomorrow = datetime.datetime.now(UTC) + datetime.timedelta(days=1)
    assert q.list_busy_chats(since=tomorrow, owner_id=carol.id, role=ChatMessageRole.USER) == []
    same_rows(
        q.iter_busy_chats(since=LONG_AGO, owner_id=carol.id, role=ChatMessageRole.TOOL),
        [ListBusyChatsRow(id=c.id, title="C", recent_count=1)],
    )

    # :batchexec and :batchone: many parameter sets, one round trip.
    w1, w2 = uuid.uuid4(), uuid.uuid4()
    returns_none(
        lambda: q.upsert_chat_heartbeats(
            [
                UpsertChatHeartbeatsParams(chat_id=a.id, worker_id=w1),
                UpsertChatHeartbeatsParams(chat_id=b.id, worker_id=w1),
            ]
        )
    )
    returns_none(
        lambda: q.upsert_chat_heartbeats(
            UpsertChatHeartbeatsParams(chat_id=i, worker_id=w2) for i in (b.id, c.id)
        )
    )
    returns_none(lambda: q.upsert_chat_heartbeats([]))
    beats = q.get_chat_heartbeats([GetChatHeartbeatsParams(chat_id=i) for i in (a.id, d.id, c.id)])
    assert [(h.chat_id, h.worker_id) if h else None for h in beats] == [
        (a.id, w1),
        None,
        (c.id, w2),
    ]
    assert all(type(h) is ChatHeartbeat for h in beats if h is not None)
    assert_aware(must(beats[0]).heartbeat_at)
    assert q.get_chat_heartbeats([]) == []
    # A batch is atomic: a failing parameter set rolls back the whole batch.
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        q.upsert_chat_heartbeats(
            [
                UpsertChatHeartbeatsParams(chat_id=d.id, worker_id=w1),
                UpsertChatHeartbeatsParams(chat_id=uuid.uuid4(), worker_id=w1),
            ]
        )
    assert q.get_chat_heartbeats([GetChatHeartbeatsParams(chat_id=d.id)]) == [None]

    # :execresult: the cursor, typed by its RETURNING row when there is one.
    with q.archive_chats_of_owner(owner_id=carol.id) as cur:
        assert isinstance(cur, psycopg.RawCursor)
        assert (cur.rowcount, cur.statusmessage) == (3, "UPDATE 3")
        archived = cur.fetchall()
    assert sorted(archived, key=lambda r: r.title) == [
        ArchiveChatsOfOwnerRow(id=a.id, title="A"),
        ArchiveChatsOfOwnerRow(id=b.id, title="B"),
        ArchiveChatsOfOwnerRow(id=c.id, title="C"),
    ]
    with q.archive_chats_of_owner(owner_id=carol.id) as cur:
        assert (cur.rowcount, cur.fetchall()) == (0, [])
    with q.unarchive_chats(owner_id=carol.id) as plain:
        assert (plain.rowcount, plain.statusmessage) == (3, "UPDATE 3")
        assert plain.description is None  # no RETURNING: nothing to fetch
    assert not must(q.get_chat_by_id(id=a.id)).archived


async def achats_commands_and_macros(q: chatdb.AsyncQueries, conn: AConn) -> None:
    carol = await anew_user(q, "carol")
    ws = await anew_workspace(q, carol, "carol-ws")
    a = await anew_chat(q, carol, ws, None, "A")
    b = await anew_chat(q, carol, None, None, "B")

    assert await q.list_chats_by_ids(ids=[b.id, a.id]) == [a, b]
    assert await q.list_chats_by_ids(ids=[]) == []
    await asame_rows(q.iter_chats_by_ids(ids=[b.id]), [b])
    counted = await q.count_owner_chats_in_statuses(
        owner_id=carol.id, statuses=[ChatStatus.WAITING], excluded_ids=[a.id]
    )
    assert counted == 1

    owned = must(await q.get_chat_with_owner(id=b.id))
    assert (owned.chat, owned.user) == (b, carol)
    assert await q.get_chat_with_owner(id=uuid.uuid4()) is None
    with_ws = await q.list_chats_with_workspace(owner_id=carol.id)
    assert with_ws == [
        ListChatsWithWorkspaceRow(chat=a, workspace=ws, agent_name=None),
        ListChatsWithWorkspaceRow(chat=b, workspace=None, agent_name=None),
    ]
    await asame_rows(q.iter_chats_with_workspace(owner_id=carol.id), with_ws)

    await q.insert_chat_message(
        chat_id=b.id, role=ChatMessageRole.USER, content=[], input_tokens=None, output_tokens=None
    )
    busy = await q.list_busy_chats(since=LONG_AGO, owner_id=carol.id, role=ChatMessageRole.USER)
    assert busy == [ListBusyChatsRow(id=b.id, title="B", recent_count=1)]
    await asame_rows(
        q.iter_busy_chats(since=LONG_AGO, owner_id=carol.id, role=ChatMessageRole.SYSTEM), []
    )

    worker = uuid.uuid4()
    await returns_none_async(
        q.upsert_chat_heartbeats(
            UpsertChatHeartbeatsParams(chat_id=i, worker_id=worker) for i in (a.id, b.id)
        )
    )
    beats = await q.get_chat_heartbeats(
        [GetChatHeartbeatsParams(chat_id=i) for i in (b.id, uuid.uuid4(), a.id)]
    )
    assert [h.worker_id if h else None for h in beats] == [worker, None, worker]
    assert await q.get_chat_heartbeats([]) == []

    async with await q.archive_chats_of_owner(owner_id=carol.id) as cur:
        assert isinstance(cur, psycopg.AsyncRawCursor)
        assert cur.rowcount == 2
        assert sorted(r.title for r in await cur.fetchall()) == ["A", "B"]
    async with await q.unarchive_chats(owner_id=carol.id) as plain:
        assert (plain.rowcount, plain.statusmessage) == (2, "UPDATE 2")


# --------------------------------------------------------------------------
# chat_debug.sql
# --------------------------------------------------------------------------


def debug_steps(run: ChatDebugRun) -> list[CopyChatDebugStepsParams]:
    """Steps covering arrays, nullable jsonb and bigint, and an offset timestamptz."""
    return [
        CopyChatDebugStepsParams(
            run_id=run.id,
            chat_id=run.chat_id,
            step_number=1,
            request={"messages": [{"role": "user", "content": "hi"}], "temperature": 0.5},
            response={"content": [{"type": "text", "text": "hello"}], "stop": None},
            tool_names=["bash", "edit", 'quo"te', "comma,brace}", ""],
            duration_ms=2**40,
            created_at=SEEN_AT,
        ),
        CopyChatDebugStepsParams(
            run_id=run.id,
            chat_id=run.chat_id,
            step_number=2,
            request=[1, "two", None, True],
            response=None,
            tool_names=[],
            duration_ms=None,
            created_at=LONG_AGO,
        ),
    ]


def check_debug_steps(listed: list[ChatDebugStep], sent: list[CopyChatDebugStepsParams]) -> None:
    assert len(listed) == len(sent)
    for got, want in zip(listed, sent, strict=True):
        assert type(got) is ChatDebugStep
        assert type(got.id) is int
        assert (got.run_id, got.chat_id, got.step_number) == (
            want.run_id,
            want.chat_id,
            want.step_number,
        )
        assert (got.request, got.response) == (want.request, want.response)
        assert type(got.tool_names) is list
        assert got.tool_names == want.tool_names
        assert got.duration_ms == want.duration_ms
        assert_aware(got.created_at)
        assert got.created_at == want.created_at


def chat_debug_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = new_user(q, "alice")
    chat = new_chat(q, alice)
    run = must(
        q.insert_chat_debug_run(chat_id=chat.id, model="claude-sonnet", provider="anthropic")
    )
    assert type(run) is ChatDebugRun
    assert (run.chat_id, run.model, run.provider, run.finished_at) == (
        chat.id,
        "claude-sonnet",
        "anthropic",
        None,
    )
    assert_aware(run.started_at)

    steps = debug_steps(run)
    assert_rowcount(q.copy_chat_debug_steps(steps), 2)
    listed = q.list_chat_debug_steps(run_id=run.id)
    check_debug_steps(listed, steps)
    same_rows(q.iter_chat_debug_steps(run_id=run.id), listed)
    assert q.list_chat_debug_steps(run_id=uuid.uuid4()) == []

    # A failing row aborts the whole COPY.
    with pytest.raises(psycopg.errors.CheckViolation) as bad_step:
        q.copy_chat_debug_steps([dataclasses.replace(steps[0], step_number=n) for n in (3, 0)])
    assert is_check_violation(bad_step.value, CheckConstraint.CHAT_DEBUG_STEPS_STEP_NUMBER_CHECK)
    with pytest.raises(psycopg.errors.UniqueViolation) as again:
        q.copy_chat_debug_steps(steps[1:])
    assert is_unique_violation(
        again.value, UniqueConstraint.CHAT_DEBUG_STEPS_RUN_ID_STEP_NUMBER_KEY
    )
    assert q.list_chat_debug_steps(run_id=run.id) == listed


async def achat_debug_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = await anew_user(q, "alice")
    chat = await anew_chat(q, alice)
    run = must(await q.insert_chat_debug_run(chat_id=chat.id, model="m", provider="p"))
    assert type(run) is ChatDebugRun
    steps = debug_steps(run)
    assert_rowcount(await q.copy_chat_debug_steps(reversed(steps)), 2)
    listed = await q.list_chat_debug_steps(run_id=run.id)
    check_debug_steps(listed, steps)
    await asame_rows(q.iter_chat_debug_steps(run_id=run.id), listed)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        await q.copy_chat_debug_steps([dataclasses.replace(steps[0], run_id=uuid.uuid4())])
    assert await ascalar(conn, "SELECT count(*) FROM chat_debug_steps") == 2


# --------------------------------------------------------------------------
# chat_messages.sql
# --------------------------------------------------------------------------


def chat_messages_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = new_user(q, "alice")
    chat = new_chat(q, alice)
    empty = new_chat(q, alice)

    system = must(
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.SYSTEM,
            content={"text": "You are helpful."},
            input_tokens=None,
            output_tokens=None,
        )
    )
    check_message(system, chat, ChatMessageRole.SYSTEM, {"text": "You are helpful."}, (None, None))
    parts: JsonValue = [{"type": "text", "text": "hi"}, {"type": "file", "id": "f1"}]
    user = must(
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.USER,
            content=parts,
            input_tokens=None,
            output_tokens=None,
        )
    )
    check_message(user, chat, ChatMessageRole.USER, parts, (None, None))
    # Token counts are bigint since migration 000008: more than 2**31 must fit.
    assistant = must(
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": "Hello!", "usage": {"cache_read": 1}},
            input_tokens=3_000_000_000,
            output_tokens=42,
        )
    )
    check_message(
        assistant,
        chat,
        ChatMessageRole.ASSISTANT,
        {"text": "Hello!", "usage": {"cache_read": 1}},
        (3_000_000_000, 42),
    )
    tool = must(
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.TOOL,
            content="plain string result",
            input_tokens=5,
            output_tokens=0,
        )
    )
    check_message(tool, chat, ChatMessageRole.TOOL, "plain string result", (5, 0))
    assert scalar(
        conn, "SELECT jsonb_typeof(content) FROM chat_messages WHERE id = %s", tool.id
    ) == ("string")
    assert system.id < user.id < assistant.id < tool.id

    assert q.get_chat_message_by_id(id=assistant.id) == assistant
    assert q.get_chat_message_by_id(id=tool.id + 1000) is None

    assert q.list_chat_messages(chat_id=chat.id, after_id=0) == [system, user, assistant, tool]
    assert q.list_chat_messages(chat_id=chat.id, after_id=user.id) == [assistant, tool]
    same_rows(q.iter_chat_messages(chat_id=chat.id, after_id=0), [system, user, assistant, tool])
    assert q.list_chat_messages(chat_id=chat.id, after_id=tool.id) == []
    assert q.list_chat_messages(chat_id=empty.id, after_id=0) == []

    assert q.get_last_chat_message(chat_id=chat.id) == tool
    assert q.get_last_chat_message(chat_id=empty.id) is None

    count = q.count_chat_messages(chat_id=chat.id)
    assert count == 4
    assert type(count) is int
    assert q.count_chat_messages(chat_id=empty.id) == 0

    usage = q.get_chat_token_usage(chat_id=chat.id)
    assert usage == GetChatTokenUsageRow(input_tokens=3_000_000_005, output_tokens=42)
    assert usage is not None
    assert (type(usage.input_tokens), type(usage.output_tokens)) == (int, int)
    assert q.get_chat_token_usage(chat_id=empty.id) == GetChatTokenUsageRow(0, 0)

    assert_rowcount(q.delete_chat_messages_after(chat_id=chat.id, after_id=user.id), 2)
    assert_rowcount(q.delete_chat_messages_after(chat_id=chat.id, after_id=user.id), 0)
    assert_rowcount(q.delete_chat_messages_after(chat_id=empty.id, after_id=0), 0)
    assert q.list_chat_messages(chat_id=chat.id, after_id=0) == [system, user]

    first = must(q.enqueue_chat_message(chat_id=chat.id, content={"text": "also this"}))
    assert type(first) is QueuedMessage
    assert type(first.id) is int
    assert (first.chat_id, first.content) == (chat.id, {"text": "also this"})
    assert_aware(first.created_at)
    second = must(q.enqueue_chat_message(chat_id=chat.id, content=["a", 1, None]))
    assert second.content == ["a", 1, None]

    queued = q.list_queued_chat_messages(chat_id=chat.id)
    assert queued == [
        ListQueuedChatMessagesRow(id=first.id, content=first.content, created_at=first.created_at),
        ListQueuedChatMessagesRow(
            id=second.id, content=second.content, created_at=second.created_at
        ),
    ]
    assert q.list_queued_chat_messages(chat_id=empty.id) == []
    same_rows(q.iter_queued_chat_messages(chat_id=chat.id), queued)

    returns_none(lambda: q.delete_queued_chat_message(id=first.id, chat_id=empty.id))
    assert len(q.list_queued_chat_messages(chat_id=chat.id)) == 2  # wrong chat: kept
    returns_none(lambda: q.delete_queued_chat_message(id=first.id, chat_id=chat.id))
    assert [m.id for m in q.list_queued_chat_messages(chat_id=chat.id)] == [second.id]

    # :copyfrom: one binary COPY; enums, every shape of jsonb, bigint and NULLs round-trip.
    fork = new_chat(q, alice, title="Fork")
    originals = (system, user, assistant, tool)
    transcript = [
        CopyChatMessagesParams(
            chat_id=fork.id,
            role=m.role,
            content=m.content,
            input_tokens=m.input_tokens,
            output_tokens=m.output_tokens,
        )
        for m in originals
    ]
    assert_rowcount(q.copy_chat_messages(transcript), 4)
    copied = q.list_chat_messages(chat_id=fork.id, after_id=0)
    for message, original in zip(copied, originals, strict=True):
        check_message(
            message,
            fork,
            original.role,
            original.content,
            (original.input_tokens, original.output_tokens),
        )
    assert_rowcount(q.copy_chat_messages([]), 0)
    assert_rowcount(q.copy_chat_messages(m for m in transcript[:1]), 1)  # any iterable
    bad = dataclasses.replace(transcript[0], chat_id=uuid.uuid4())
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        q.copy_chat_messages([transcript[0], bad])
    assert len(q.list_chat_messages(chat_id=fork.id, after_id=0)) == 5  # nothing of it stayed

    # :batchmany: the rows of each parameter set, in order, in one round trip.
    per_chat = q.list_chat_messages_for_chats(
        [ListChatMessagesForChatsParams(chat_id=i) for i in (fork.id, empty.id, chat.id)]
    )
    assert per_chat == [
        q.list_chat_messages(chat_id=fork.id, after_id=0),
        [],
        [system, user],
    ]
    assert all(type(m) is ChatMessage for rows in per_chat for m in rows)
    assert q.list_chat_messages_for_chats([]) == []


async def achat_messages_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = await anew_user(q, "alice")
    chat = await anew_chat(q, alice)
    empty = await anew_chat(q, alice)

    user = must(
        await q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.USER,
            content=[{"type": "text", "text": "hi"}],
            input_tokens=None,
            output_tokens=None,
        )
    )
    check_message(user, chat, ChatMessageRole.USER, [{"type": "text", "text": "hi"}], (None, None))
    reply = must(
        await q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": "hello"},
            input_tokens=2**40,
            output_tokens=7,
        )
    )
    check_message(reply, chat, ChatMessageRole.ASSISTANT, {"text": "hello"}, (2**40, 7))

    assert await q.get_chat_message_by_id(id=reply.id) == reply
    assert await q.get_chat_message_by_id(id=reply.id + 1) is None
    assert await q.list_chat_messages(chat_id=chat.id, after_id=0) == [user, reply]
    assert await q.list_chat_messages(chat_id=chat.id, after_id=user.id) == [reply]
    await asame_rows(q.iter_chat_messages(chat_id=chat.id, after_id=0), [user, reply])
    assert await q.get_last_chat_message(chat_id=chat.id) == reply
    assert await q.get_last_chat_message(chat_id=empty.id) is None
    assert await q.count_chat_messages(chat_id=chat.id) == 2
    assert await q.count_chat_messages(chat_id=empty.id) == 0
    assert await q.get_chat_token_usage(chat_id=chat.id) == GetChatTokenUsageRow(2**40, 7)
    assert await q.get_chat_token_usage(chat_id=empty.id) == GetChatTokenUsageRow(0, 0)
    assert_rowcount(await q.delete_chat_messages_after(chat_id=chat.id, after_id=user.id), 1)
    assert await q.list_chat_messages(chat_id=chat.id, after_id=0) == [user]

    queued = must(await q.enqueue_chat_message(chat_id=chat.id, content={"text": "later"}))
    assert type(queued) is QueuedMessage
    assert (queued.chat_id, queued.content) == (chat.id, {"text": "later"})
    assert await q.list_queued_chat_messages(chat_id=chat.id) == [
        ListQueuedChatMessagesRow(queued.id, queued.content, queued.created_at)
    ]
    await asame_rows(
        q.iter_queued_chat_messages(chat_id=chat.id),
        await q.list_queued_chat_messages(chat_id=chat.id),
    )
    await returns_none_async(q.delete_queued_chat_message(id=queued.id, chat_id=chat.id))
    assert await q.list_queued_chat_messages(chat_id=chat.id) == []
    assert await ascalar(conn, "SELECT count(*) FROM chat_queued_messages") == 0

    fork = await anew_chat(q, alice, title="Fork")
    transcript = [
        CopyChatMessagesParams(
            chat_id=fork.id,
            role=m.role,
            content=m.content,
            input_tokens=m.input_tokens,
            output_tokens=m.output_tokens,
        )
        for m in (user, reply)
    ]
    assert_rowcount(await q.copy_chat_messages(transcript), 2)
    copied = await q.list_chat_messages(chat_id=fork.id, after_id=0)
    for message, original in zip(copied, (user, reply), strict=True):
        check_message(
            message,
            fork,
            original.role,
            original.content,
            (original.input_tokens, original.output_tokens),
        )
    assert_rowcount(await q.copy_chat_messages(iter([])), 0)
    per_chat = await q.list_chat_messages_for_chats(
        ListChatMessagesForChatsParams(chat_id=i) for i in (chat.id, fork.id, empty.id)
    )
    assert per_chat == [[user], copied, []]
    assert await q.list_chat_messages_for_chats([]) == []


# --------------------------------------------------------------------------
# context_resources.sql
# --------------------------------------------------------------------------


def context_resources_scenario(q: chatdb.Queries, conn: Conn) -> None:
    alice = new_user(q, "alice")
    ws = new_workspace(q, alice)
    agent = new_agent(q, ws)
    chat = new_chat(q, alice, ws, agent)

    pushed = must(q.upsert_workspace_agent_context_resource(agent_id=agent.id, **INSTRUCTIONS))
    assert type(pushed) is WorkspaceAgentContextResource
    assert pushed.agent_id == agent.id
    check_resource(pushed, INSTRUCTIONS)
    for args in (MCP_SERVER, SKILL):
        check_resource(
            must(q.upsert_workspace_agent_context_resource(agent_id=agent.id, **args)), args
        )
    # Last writer wins: the same (agent, source) is overwritten in place.
    repushed = must(q.upsert_workspace_agent_context_resource(agent_id=agent.id, **INSTRUCTIONS_V2))
    check_resource(repushed, INSTRUCTIONS_V2)
    assert repushed.created_at == pushed.created_at
    assert repushed.updated_at > pushed.updated_at

    listed = q.list_workspace_agent_context_resources(agent_id=agent.id)
    assert all(type(r) is WorkspaceAgentContextResource for r in listed)
    assert [r.source for r in listed] == [INSTRUCTIONS["source"], SKILL["source"], "postgres"]
    assert listed[0] == repushed
    assert q.list_workspace_agent_context_resources(agent_id=uuid.uuid4()) == []
    same_rows(q.iter_workspace_agent_context_resources(agent_id=agent.id), listed)

    assert_rowcount(q.delete_chat_context_resources(chat_id=chat.id), 0)
    assert_rowcount(q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent.id), 3)
    pinned = q.list_chat_context_resources(chat_id=chat.id)
    assert all(type(r) is ChatContextResource for r in pinned)  # SELECT * -> the model
    assert [r.chat_id for r in pinned] == [chat.id] * 3
    for row, args in zip(pinned, (INSTRUCTIONS_V2, SKILL, MCP_SERVER), strict=True):
        check_resource(row, args)
    assert q.list_chat_context_resources(chat_id=uuid.uuid4()) == []
    same_rows(q.iter_chat_context_resources(chat_id=chat.id), pinned)

    assert q.get_chat_context_resource_statuses(chat_id=chat.id) == EXPECTED_STATUSES
    same_rows(q.iter_get_chat_context_resource_statuses(chat_id=chat.id), EXPECTED_STATUSES)
    assert q.get_chat_context_resource_statuses(chat_id=uuid.uuid4()) == []

    returns_none(
        lambda: q.delete_workspace_agent_context_resource(agent_id=agent.id, source=SKILL["source"])
    )
    assert [r.source for r in q.list_workspace_agent_context_resources(agent_id=agent.id)] == [
        INSTRUCTIONS["source"],
        "postgres",
    ]
    assert len(q.list_chat_context_resources(chat_id=chat.id)) == 3  # the pin is a copy
    assert_rowcount(
        q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=uuid.uuid4()), 0
    )

    assert_rowcount(q.delete_chat_context_resources(chat_id=chat.id), 3)
    assert q.list_chat_context_resources(chat_id=chat.id) == []
    assert q.get_chat_context_resource_statuses(chat_id=chat.id) == []
    assert scalar(conn, "SELECT count(*) FROM chat_context_resources") == 0

    # :copyfrom with enums, jsonb, bytea, bigint and timestamptz, binary COPY.
    created = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    rows = [
        CopyChatContextResourcesParams(
            chat_id=chat.id, **args, created_at=created, updated_at=SEEN_AT
        )
        for args in (INSTRUCTIONS, SKILL, MCP_SERVER)
    ]
    assert_rowcount(q.copy_chat_context_resources(rows), 3)
    copied = q.list_chat_context_resources(chat_id=chat.id)
    for row, args in zip(copied, (INSTRUCTIONS, SKILL, MCP_SERVER), strict=True):
        assert type(row) is ChatContextResource
        check_resource(row, args)
        assert (row.created_at, row.updated_at) == (created, SEEN_AT)
    with pytest.raises(psycopg.errors.UniqueViolation) as twice:
        q.copy_chat_context_resources(rows[:1])
    assert is_unique_violation(twice.value, UniqueConstraint.CHAT_CONTEXT_RESOURCES_PKEY)


async def acontext_resources_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    alice = await anew_user(q, "alice")
    ws = await anew_workspace(q, alice)
    agent = await anew_agent(q, ws)
    chat = await anew_chat(q, alice, ws, agent)

    pushed = must(
        await q.upsert_workspace_agent_context_resource(agent_id=agent.id, **INSTRUCTIONS)
    )
    assert type(pushed) is WorkspaceAgentContextResource
    check_resource(pushed, INSTRUCTIONS)
    for args in (SKILL, MCP_SERVER, INSTRUCTIONS_V2):
        check_resource(
            must(await q.upsert_workspace_agent_context_resource(agent_id=agent.id, **args)), args
        )
    listed = await q.list_workspace_agent_context_resources(agent_id=agent.id)
    assert [r.source for r in listed] == [INSTRUCTIONS["source"], SKILL["source"], "postgres"]
    check_resource(listed[0], INSTRUCTIONS_V2)
    assert listed[0].created_at == pushed.created_at

    assert_rowcount(await q.delete_chat_context_resources(chat_id=chat.id), 0)
    pinned_count = await q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent.id)
    assert_rowcount(pinned_count, 3)
    pinned = await q.list_chat_context_resources(chat_id=chat.id)
    assert all(type(r) is ChatContextResource for r in pinned)
    for row, args in zip(pinned, (INSTRUCTIONS_V2, SKILL, MCP_SERVER), strict=True):
        check_resource(row, args)
    assert await q.get_chat_context_resource_statuses(chat_id=chat.id) == EXPECTED_STATUSES
    await asame_rows(q.iter_get_chat_context_resource_statuses(chat_id=chat.id), EXPECTED_STATUSES)
    await asame_rows(q.iter_chat_context_resources(chat_id=chat.id), pinned)

    await returns_none_async(
        q.delete_workspace_agent_context_resource(agent_id=agent.id, source="postgres")
    )
    await asame_rows(
        q.iter_workspace_agent_context_resources(agent_id=agent.id),
        await q.list_workspace_agent_context_resources(agent_id=agent.id),
    )
    assert len(await q.list_workspace_agent_context_resources(agent_id=agent.id)) == 2
    assert len(await q.list_chat_context_resources(chat_id=chat.id)) == 3
    assert_rowcount(await q.delete_chat_context_resources(chat_id=chat.id), 3)
    assert await q.list_chat_context_resources(chat_id=chat.id) == []
    assert await ascalar(conn, "SELECT count(*) FROM chat_context_resources") == 0

    created = datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    copied_count = await q.copy_chat_context_resources(
        CopyChatContextResourcesParams(
            chat_id=chat.id, **args, created_at=created, updated_at=SEEN_AT
        )
        for args in (MCP_SERVER, SKILL)
    )
    assert_rowcount(copied_count, 2)
    copied = await q.list_chat_context_resources(chat_id=chat.id)
    for row, args in zip(copied, (SKILL, MCP_SERVER), strict=True):  # ordered by source
        check_resource(row, args)
        assert (row.created_at, row.updated_at) == (created, SEEN_AT)


# --------------------------------------------------------------------------
# chat_usage.sql: a composite type (chat_usage) in a column, an array and a param
# --------------------------------------------------------------------------

TURNS: Final = [
    ChatUsage(1000, 100, decimal.Decimal("0.006000")),
    ChatUsage(500, None, None),  # a turn whose output was cut off: NULL attributes
]
TOTAL: Final = ChatUsage(1500, 100, decimal.Decimal("0.006000"))
BUDGET: Final = ChatUsage(None, None, decimal.Decimal("0.005000"))


def check_usage_report(report: ChatUsageReport, chat: Chat, budget: ChatUsage | None) -> None:
    assert (report.chat_id, report.total, report.turns, report.budget) == (
        chat.id,
        TOTAL,
        TURNS,
        budget,
    )
    assert type(report.total) is ChatUsage and type(report.turns[0]) is ChatUsage
    assert type(report.total.cost) is decimal.Decimal and type(report.total.input_tokens) is int


def chat_usage_scenario(q: chatdb.Queries, conn: Conn) -> None:
    owner = new_user(q, "usage")
    chat = new_chat(q, owner)
    assert q.get_chat_usage_report(chat_id=chat.id) is None
    report = must(
        q.upsert_chat_usage_report(chat_id=chat.id, total=TOTAL, turns=TURNS, budget=None)
    )
    check_usage_report(report, chat, None)
    assert q.list_chats_over_budget() == []
    report = must(
        q.upsert_chat_usage_report(chat_id=chat.id, total=TOTAL, turns=TURNS, budget=BUDGET)
    )
    check_usage_report(report, chat, BUDGET)
    assert q.get_chat_usage_report(chat_id=chat.id) == report
    assert q.list_chats_over_budget() == [
        ListChatsOverBudgetRow(chat.id, TOTAL, BUDGET, decimal.Decimal("0.001000"))
    ]
    assert list(q.iter_chats_over_budget()) == q.list_chats_over_budget()
    # The composite is stored as PostgreSQL's row value, attribute by attribute.
    assert scalar(conn, "SELECT (budget).cost::text FROM chat_usage_reports") == "0.005000"


async def achat_usage_scenario(q: chatdb.AsyncQueries, conn: AConn) -> None:
    owner = await anew_user(q, "usage")
    chat = await anew_chat(q, owner)
    assert await q.get_chat_usage_report(chat_id=chat.id) is None
    report = must(
        await q.upsert_chat_usage_report(chat_id=chat.id, total=TOTAL, turns=TURNS, budget=None)
    )
    check_usage_report(report, chat, None)
    assert await q.list_chats_over_budget() == []
    report = must(
        await q.upsert_chat_usage_report(chat_id=chat.id, total=TOTAL, turns=TURNS, budget=BUDGET)
    )
    check_usage_report(report, chat, BUDGET)
    assert await q.get_chat_usage_report(chat_id=chat.id) == report
    expected = [ListChatsOverBudgetRow(chat.id, TOTAL, BUDGET, decimal.Decimal("0.001000"))]
    assert await q.list_chats_over_budget() == expected
    await asame_rows(q.iter_chats_over_budget(), expected)
    assert await ascalar(conn, "SELECT (budget).cost::text FROM chat_usage_reports") == "0.005000"


# --------------------------------------------------------------------------
# The tests: one per query file, sync and async
# --------------------------------------------------------------------------

SyncScenario = Callable[[chatdb.Queries, Conn], None]
AsyncScenario = Callable[[chatdb.AsyncQueries, AConn], Awaitable[None]]

SYNC_SCENARIOS: Final[dict[str, SyncScenario]] = {
    "users_sql": users_scenario,
    "workspaces_sql": workspaces_scenario,
    "workspace_agents_sql": workspace_agents_scenario,
    "chats_sql": chats_scenario,
    "chat_messages_sql": chat_messages_scenario,
    "context_resources_sql": context_resources_scenario,
    "chat_debug_sql": chat_debug_scenario,
    "chat_usage_sql": chat_usage_scenario,
}
ASYNC_SCENARIOS: Final[dict[str, AsyncScenario]] = {
    "users_sql": ausers_scenario,
    "workspaces_sql": aworkspaces_scenario,
    "workspace_agents_sql": aworkspace_agents_scenario,
    "chats_sql": achats_scenario,
    "chat_messages_sql": achat_messages_scenario,
    "context_resources_sql": acontext_resources_scenario,
    "chat_debug_sql": achat_debug_scenario,
    "chat_usage_sql": achat_usage_scenario,
}


@pytest.mark.parametrize("query_file", sorted(SYNC_SCENARIOS))
def test_query_file_sync(query_file: str, conn: Conn) -> None:
    q = RecordingQueries(conn)
    SYNC_SCENARIOS[query_file](q, conn)
    missed = SYNC_MIXINS.get(query_file, frozenset()) - q.called
    assert not missed, f"{query_file}: methods not exercised by its scenario: {sorted(missed)}"


@pytest.mark.parametrize("query_file", sorted(ASYNC_SCENARIOS))
async def test_query_file_async(query_file: str, aconn: AConn) -> None:
    q = RecordingAsyncQueries(aconn)
    await ASYNC_SCENARIOS[query_file](q, aconn)
    missed = ASYNC_MIXINS.get(query_file, frozenset()) - q.called
    assert not missed, f"{query_file}: methods not exercised by its scenario: {sorted(missed)}"


def test_every_query_file_has_a_scenario() -> None:
    """Together with the per-file checks: every generated method is called."""
    assert set(SYNC_MIXINS) == set(SYNC_SCENARIOS), "a *_sql module has no sync scenario"
    assert set(ASYNC_MIXINS) == set(ASYNC_SCENARIOS), "a *_sql module has no async scenario"
    assert SYNC_MIXINS == ASYNC_MIXINS, "the sync and async classes offer different methods"
    # No query method of Queries comes from anywhere but the *_sql mixins...
    own = {name for name in dir(chatdb.Queries) if not name.startswith("_")}
    assert own == SYNC_METHODS
    # ... and no method is defined in two query files (they would shadow each other).
    assert sum(len(m) for m in SYNC_MIXINS.values()) == len(SYNC_METHODS)
    assert len(SYNC_METHODS) >= 47


def test_recording_queries_records_calls(conn: Conn) -> None:
    """The recorder the coverage check relies on does record (and only calls)."""
    q = RecordingQueries(conn)
    assert q.get_user_by_id(id=uuid.uuid4()) is None
    _ = q.list_users  # looked up, never called
    assert q.called == {"get_user_by_id"}
    assert isinstance(q, chatdb.Queries)


def test_queries_satisfy_the_querier_protocols(conn: Conn) -> None:
    sync_querier: chatdb.Querier = chatdb.Queries(conn)  # checked by mypy
    assert sync_querier.get_chat_by_id(id=uuid.uuid4()) is None
    for name in SYNC_METHODS:
        assert hasattr(chatdb.Querier, name), f"Querier lacks {name}"
        assert hasattr(chatdb.AsyncQuerier, name), f"AsyncQuerier lacks {name}"
        method = getattr(chatdb.AsyncQueries, name)
        if name.startswith("iter_"):
            assert inspect.isasyncgenfunction(method)
            assert inspect.isgeneratorfunction(getattr(chatdb.Queries, name))
        else:
            assert inspect.iscoroutinefunction(method)
        params = inspect.signature(getattr(chatdb.Queries, name)).parameters
        kinds = [(n, p.kind) for n, p in params.items() if n != "self"]
        # Keyword arguments, or (batches and COPY) one positional-only iterable.
        assert all(kind is inspect.Parameter.KEYWORD_ONLY for _, kind in kinds) or kinds in (
            [("rows", inspect.Parameter.POSITIONAL_ONLY)],
            [("batch", inspect.Parameter.POSITIONAL_ONLY)],
        ), f"{name} takes positional parameters"


# --------------------------------------------------------------------------
# iter_* methods: server-side cursors
# --------------------------------------------------------------------------


def open_cursors(conn: Conn) -> int:
    return int(str(scalar(conn, "SELECT count(*) FROM pg_cursors")))


async def aopen_cursors(conn: AConn) -> int:
    return int(str(await ascalar(conn, "SELECT count(*) FROM pg_cursors")))


def message_rows(chat: Chat, count: int) -> list[CopyChatMessagesParams]:
    return [
        CopyChatMessagesParams(
            chat_id=chat.id,
            role=ChatMessageRole.USER,
            content={"n": n},
            input_tokens=n,
            output_tokens=None,
        )
        for n in range(count)
    ]


def test_iterators_fetch_in_chunks_and_let_other_queries_run(conn: Conn) -> None:
    q = chatdb.Queries(conn, iter_size=7)
    chat = new_chat(q, new_user(q, "alice"))
    q.copy_chat_messages(message_rows(chat, 30))
    expected = q.list_chat_messages(chat_id=chat.id, after_id=0)
    seen = []
    for message in q.iter_chat_messages(chat_id=chat.id, after_id=0):
        # The connection is free between chunks: another query may run mid-iteration.
        assert q.get_chat_message_by_id(id=message.id) == message
        seen.append(message)
        if len(seen) == 1:
            assert open_cursors(conn) == 1
    assert seen == expected
    assert open_cursors(conn) == 0  # closed once exhausted

    # Leaving early: closing the iterator closes the server-side cursor.
    with contextlib.closing(q.iter_chat_messages(chat_id=chat.id, after_id=0)) as rows:
        assert next(rows) == expected[0]
        assert open_cursors(conn) == 1
    assert open_cursors(conn) == 0

    # Inside a transaction (the cursor streams), and on a connection without autocommit.
    with conn.transaction():
        assert list(q.iter_chat_messages(chat_id=chat.id, after_id=expected[9].id)) == expected[10:]
    conn.autocommit = False
    assert list(q.iter_chat_messages(chat_id=chat.id, after_id=0)) == expected
    conn.rollback()
    conn.autocommit = True


async def test_async_iterators_fetch_in_chunks_and_let_other_queries_run(aconn: AConn) -> None:
    q = chatdb.AsyncQueries(aconn, iter_size=4)
    chat = await anew_chat(q, await anew_user(q, "alice"))
    await q.copy_chat_messages(message_rows(chat, 10))
    expected = await q.list_chat_messages(chat_id=chat.id, after_id=0)
    seen = []
    async for message in q.iter_chat_messages(chat_id=chat.id, after_id=0):
        assert await q.get_chat_message_by_id(id=message.id) == message
        seen.append(message)
    assert seen == expected
    assert await aopen_cursors(aconn) == 0
    async with contextlib.aclosing(q.iter_chat_messages(chat_id=chat.id, after_id=0)) as rows:
        assert await anext(rows) == expected[0]
        assert await aopen_cursors(aconn) == 1
    assert await aopen_cursors(aconn) == 0
    async with aconn.transaction():
        await asame_rows(q.iter_chat_messages(chat_id=chat.id, after_id=0), expected)


# --------------------------------------------------------------------------
# Enum registration, and the constraint helpers
# --------------------------------------------------------------------------


def test_enum_adapters_are_registered_on_first_call(conn: Conn) -> None:
    assert conn.adapters.types.get("chat_status") is None
    q = chatdb.Queries(conn)
    user = new_user(q, "alice")
    assert user.status is UserStatus.ACTIVE
    for name in ("user_status", "chat_status", "workspace_agent_context_resource_status"):
        assert conn.adapters.types.get(name) is not None
    # Enum values dump as the PostgreSQL enum type, so they compare in SQL.
    assert scalar(conn, "SELECT pg_typeof(%s)::text", ChatStatus.RUNNING) == "chat_status"


async def test_enum_adapters_are_registered_on_first_call_async(aconn: AConn) -> None:
    assert aconn.adapters.types.get("chat_message_role") is None
    q = chatdb.AsyncQueries(aconn)
    user = await anew_user(q, "alice")
    assert isinstance(user.status, UserStatus)
    assert aconn.adapters.types.get("chat_message_role") is not None


def test_unique_violation_helper(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    alice = must(q.create_user(**ALICE))
    with pytest.raises(psycopg.errors.UniqueViolation) as excinfo:
        duplicate: UserArgs = {**ALICE, "username": "alice2"}
        q.create_user(**duplicate)
    exc = excinfo.value
    assert constraint_name(exc) == "users_email_active_idx"
    assert is_unique_violation(exc, UniqueConstraint.USERS_EMAIL_ACTIVE_IDX)
    assert is_unique_violation(exc)
    assert is_unique_violation(
        exc, UniqueConstraint.USERS_PKEY, UniqueConstraint.USERS_EMAIL_ACTIVE_IDX
    )
    assert not is_unique_violation(exc, UniqueConstraint.USERS_PKEY)
    assert not is_unique_violation(exc, UniqueConstraint.WORKSPACES_OWNER_ID_NAME_ACTIVE_IDX)
    assert not is_foreign_key_violation(exc)
    assert not is_check_violation(exc)

    ws = new_workspace(q, alice)
    new_agent(q, ws, "main")
    with pytest.raises(psycopg.Error) as dup_agent:
        new_agent(q, ws, "main")
    assert is_unique_violation(
        dup_agent.value, UniqueConstraint.WORKSPACE_AGENTS_WORKSPACE_ID_NAME_KEY
    )
    assert not is_unique_violation(dup_agent.value, UniqueConstraint.WORKSPACE_AGENTS_PKEY)

    # Pinning twice without clearing first collides on the pin's primary key.
    agent = new_agent(q, ws, "other")
    chat = new_chat(q, alice, ws, agent)
    q.upsert_workspace_agent_context_resource(agent_id=agent.id, **SKILL)
    q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent.id)
    with pytest.raises(psycopg.Error) as dup_pin:
        q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent.id)
    assert is_unique_violation(dup_pin.value, UniqueConstraint.CHAT_CONTEXT_RESOURCES_PKEY)
    assert not is_unique_violation(
        dup_pin.value, UniqueConstraint.WORKSPACE_AGENT_CONTEXT_RESOURCES_PKEY
    )


def test_foreign_key_violation_helper(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as excinfo:
        q.insert_chat(
            owner_id=uuid.uuid4(), workspace_id=None, agent_id=None, title="x", model_config={}
        )
    exc = excinfo.value
    assert is_foreign_key_violation(exc, ForeignKeyConstraint.CHATS_OWNER_ID_FKEY)
    assert is_foreign_key_violation(exc)
    assert not is_foreign_key_violation(exc, ForeignKeyConstraint.CHATS_WORKSPACE_ID_FKEY)
    assert not is_unique_violation(exc)

    alice = new_user(q, "alice")
    with pytest.raises(psycopg.Error) as bad_workspace:
        q.insert_chat(
            owner_id=alice.id,
            workspace_id=uuid.uuid4(),
            agent_id=None,
            title="x",
            model_config={},
        )
    assert is_foreign_key_violation(
        bad_workspace.value, ForeignKeyConstraint.CHATS_WORKSPACE_ID_FKEY
    )
    assert not is_foreign_key_violation(
        bad_workspace.value, ForeignKeyConstraint.CHATS_OWNER_ID_FKEY
    )

    with pytest.raises(psycopg.Error) as bad_chat:
        q.insert_chat_message(
            chat_id=uuid.uuid4(),
            role=ChatMessageRole.USER,
            content={},
            input_tokens=None,
            output_tokens=None,
        )
    assert is_foreign_key_violation(bad_chat.value, ForeignKeyConstraint.CHAT_MESSAGES_CHAT_ID_FKEY)
    assert not is_foreign_key_violation(
        bad_chat.value, ForeignKeyConstraint.CHAT_QUEUED_MESSAGES_CHAT_ID_FKEY
    )
    # The connection is autocommit, so the failed statements left it usable.
    assert q.get_user_by_id(id=alice.id) == alice


def test_check_violation_helper(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    alice = new_user(q, "alice")
    with pytest.raises(psycopg.errors.CheckViolation) as excinfo:
        q.create_workspace(owner_id=alice.id, name="", autostart_schedule=None, ttl_ms=None)
    assert is_check_violation(excinfo.value, CheckConstraint.WORKSPACES_NAME_NOT_EMPTY)
    assert not is_check_violation(
        excinfo.value, CheckConstraint.WORKSPACE_AGENTS_CONNECTION_TIMEOUT_NON_NEGATIVE
    )
    ws = new_workspace(q, alice)
    with pytest.raises(psycopg.Error) as bad_timeout:
        q.insert_workspace_agent(
            workspace_id=ws.id,
            name="main",
            architecture="amd64",
            operating_system="linux",
            directory="",
            environment_variables={},
            connection_timeout_seconds=-1,
        )
    assert is_check_violation(
        bad_timeout.value, CheckConstraint.WORKSPACE_AGENTS_CONNECTION_TIMEOUT_NON_NEGATIVE
    )
    assert not is_unique_violation(bad_timeout.value)


async def test_constraint_helpers_async(aconn: AConn) -> None:
    q = chatdb.AsyncQueries(aconn)
    alice = await anew_user(q, "alice")
    ws = await anew_workspace(q, alice)
    with pytest.raises(psycopg.errors.UniqueViolation) as unique:
        await anew_workspace(q, alice)  # same owner and name while both are live
    assert is_unique_violation(unique.value, UniqueConstraint.WORKSPACES_OWNER_ID_NAME_ACTIVE_IDX)
    assert not is_unique_violation(unique.value, UniqueConstraint.WORKSPACES_PKEY)

    with pytest.raises(psycopg.errors.ForeignKeyViolation) as fk:
        await q.upsert_workspace_agent_context_resource(agent_id=uuid.uuid4(), **SKILL)
    assert is_foreign_key_violation(
        fk.value, ForeignKeyConstraint.WORKSPACE_AGENT_CONTEXT_RESOURCES_AGENT_ID_FKEY
    )
    assert not is_foreign_key_violation(
        fk.value, ForeignKeyConstraint.CHAT_CONTEXT_RESOURCES_CHAT_ID_FKEY
    )

    agent = await anew_agent(q, ws)
    await q.upsert_workspace_agent_context_resource(agent_id=agent.id, **SKILL)
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as pin:
        await q.pin_chat_context_resources_from_agent(chat_id=uuid.uuid4(), agent_id=agent.id)
    assert is_foreign_key_violation(
        pin.value, ForeignKeyConstraint.CHAT_CONTEXT_RESOURCES_CHAT_ID_FKEY
    )
