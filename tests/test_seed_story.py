"""The seed's story, coder/coder#26430 "add chat_context_resources", as tests.

A workspace agent pushes its context resources (instruction files, skills, MCP
servers) into ``workspace_agent_context_resources``, last writer wins. A chat
pins its own copy into ``chat_context_resources`` at hydration and on context
refresh: clear, then copy, in one transaction. The agent may drift, or be
replaced; the chat keeps the view it pinned until it re-pins. Retention
(``DeleteOldChats``) removes old chats and, through ``ON DELETE CASCADE``,
their pins and every other chat-scoped child row.

Everything goes through the generated ``chatdb`` code; plain SQL is used only
for what has no generated query (deleting an agent, filling child tables that
have no queries yet, ageing a chat) and for counting rows.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, TypedDict, TypeVar

import psycopg
import psycopg.errors
import pytest
from psycopg import sql
from psycopg.rows import TupleRow

import chatdb
from chatdb.constraints import UniqueConstraint, is_unique_violation
from chatdb.models import (
    Chat,
    ChatContextResource,
    ChatMessageRole,
    JsonValue,
    User,
    Workspace,
    WorkspaceAgent,
    WorkspaceAgentContextBodyKind,
    WorkspaceAgentContextResource,
    WorkspaceAgentContextResourceStatus,
)

Conn = psycopg.Connection[TupleRow]
AConn = psycopg.AsyncConnection[TupleRow]
T = TypeVar("T")

Kind = WorkspaceAgentContextBodyKind
Status = WorkspaceAgentContextResourceStatus


def must(value: T | None) -> T:
    assert value is not None, "a :one query returned None for a row that exists"
    return value


# --------------------------------------------------------------------------
# What the agent pushes
# --------------------------------------------------------------------------


class Resource(TypedDict):
    source: str
    body_kind: WorkspaceAgentContextBodyKind
    body: JsonValue
    content_hash: bytes
    size_bytes: int
    status: WorkspaceAgentContextResourceStatus
    error: str
    source_path: str


def file_resource(source: str, kind: Kind, text: str, **body: JsonValue) -> Resource:
    data = text.encode()
    return {
        "source": source,
        "body_kind": kind,
        "body": {"content": text, **body},
        "content_hash": hashlib.sha256(data).digest(),
        "size_bytes": len(data),
        "status": Status.OK,
        "error": "",
        "source_path": source.removeprefix("/home/coder/"),
    }


# Sources sort the same way in the C locale and in natural-language collations.
AGENTS_V1: Final = file_resource("/home/coder/AGENTS.md", Kind.INSTRUCTION_FILE, "Use tabs.\n")
AGENTS_V2: Final = file_resource(
    "/home/coder/AGENTS.md", Kind.INSTRUCTION_FILE, "Use spaces ✓ — naïve café 🚀.\n"
)
CLAUDE_MD: Final = file_resource("/home/coder/CLAUDE.md", Kind.INSTRUCTION_FILE, "Be brief.\n")
SKILL: Final = file_resource(
    "/home/coder/skills/deploy/SKILL.md", Kind.SKILL, "1. build\n2. ship\n", name="deploy"
)
MCP_BROKEN: Final[Resource] = {
    "source": "postgres",
    "body_kind": Kind.MCP_SERVER,
    "body": {},  # non-ok statuses store an empty body of the same kind
    "content_hash": hashlib.sha256(b"").digest(),
    "size_bytes": 0,
    "status": Status.INVALID,
    "error": "mcp server postgres: missing command",
    "source_path": "/home/coder/.mcp.json",
}
MCP_FIXED: Final[Resource] = {
    **MCP_BROKEN,
    "body": {"command": "pg-mcp", "args": ["--readonly"]},
    "content_hash": hashlib.sha256(b"pg-mcp").digest(),
    "size_bytes": 6,
    "status": Status.OK,
    "error": "",
}

Content = tuple[str, WorkspaceAgentContextBodyKind, JsonValue, bytes, int, str, str, str]


def content(
    rows: Iterable[WorkspaceAgentContextResource | ChatContextResource | Resource],
) -> list[Content]:
    """What a resource says, without its owner and timestamps, in list order."""
    out: list[Content] = []
    for r in rows:
        if isinstance(r, dict):
            out.append(
                (
                    r["source"],
                    r["body_kind"],
                    r["body"],
                    r["content_hash"],
                    r["size_bytes"],
                    r["status"],
                    r["error"],
                    r["source_path"],
                )
            )
        else:
            out.append(
                (
                    r.source,
                    r.body_kind,
                    r.body,
                    r.content_hash,
                    r.size_bytes,
                    r.status,
                    r.error,
                    r.source_path,
                )
            )
    return out


# --------------------------------------------------------------------------
# The world, and the two operations of the story
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    user: User
    workspace: Workspace
    agent: WorkspaceAgent
    chat: Chat


def new_agent(q: chatdb.Queries, workspace: Workspace, name: str = "main") -> WorkspaceAgent:
    return must(
        q.insert_workspace_agent(
            workspace_id=workspace.id,
            name=name,
            architecture="amd64",
            operating_system="linux",
            directory="/home/coder",
            environment_variables={},
            connection_timeout_seconds=0,
        )
    )


def new_chat(q: chatdb.Queries, world: World, title: str) -> Chat:
    return must(
        q.insert_chat(
            owner_id=world.user.id,
            workspace_id=world.workspace.id,
            agent_id=world.agent.id,
            title=title,
            model_config={"model": "claude"},
        )
    )


def build_world(q: chatdb.Queries) -> World:
    user = must(
        q.create_user(
            email="kyle@example.com",
            username="kyle",
            name="Kyle",
            hashed_password=b"",
            rbac_roles=["owner"],
        )
    )
    workspace = must(
        q.create_workspace(owner_id=user.id, name="dev", autostart_schedule=None, ttl_ms=None)
    )
    agent = new_agent(q, workspace)
    chat = must(
        q.insert_chat(
            owner_id=user.id,
            workspace_id=workspace.id,
            agent_id=agent.id,
            title="Add chat_context_resources",
            model_config={"model": "claude"},
        )
    )
    return World(user, workspace, agent, chat)


def push(q: chatdb.Queries, agent: WorkspaceAgent, *resources: Resource) -> None:
    """The agent's PushContextState: one upsert per resource."""
    for resource in resources:
        row = must(q.upsert_workspace_agent_context_resource(agent_id=agent.id, **resource))
        assert content([row]) == content([resource])


def pin(q: chatdb.Queries, conn: Conn, chat: Chat, agent_id: uuid.UUID) -> tuple[int, int]:
    """Hydration / context refresh: clear the chat's pin, then copy the agent's state.

    Both statements run in one transaction, so readers never see a chat with
    no pin (or half of one), and a failure keeps the previous pin.
    """
    with conn.transaction():
        cleared = q.delete_chat_context_resources(chat_id=chat.id)
        copied = q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent_id)
    return cleared, copied


def count(conn: Conn, table: str, chat_id: uuid.UUID) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE chat_id = %s").format(sql.Identifier(table))
    row = conn.execute(query, (chat_id,)).fetchone()
    assert row is not None
    value = row[0]
    assert isinstance(value, int)
    return value


# --------------------------------------------------------------------------
# The story
# --------------------------------------------------------------------------


def test_agent_push_is_last_writer_wins(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    world = build_world(q)
    push(q, world.agent, AGENTS_V1, SKILL, MCP_BROKEN)
    first = q.list_workspace_agent_context_resources(agent_id=world.agent.id)
    assert content(first) == content([AGENTS_V1, SKILL, MCP_BROKEN])  # ordered by source

    push(q, world.agent, AGENTS_V2, MCP_FIXED)  # the next push overwrites, keeps no history
    second = q.list_workspace_agent_context_resources(agent_id=world.agent.id)
    assert content(second) == content([AGENTS_V2, SKILL, MCP_FIXED])
    assert [r.created_at for r in second] == [r.created_at for r in first]
    assert second[0].updated_at > first[0].updated_at  # overwritten rows are touched
    assert second[1].updated_at == first[1].updated_at  # the skill was not pushed again
    assert second[2].error == ""  # the old error does not linger
    rows = conn.execute(
        "SELECT count(*) FROM workspace_agent_context_resources WHERE agent_id = %s",
        (world.agent.id,),
    ).fetchone()
    assert rows == (3,)


def test_heavy_resources_round_trip(conn: Conn) -> None:
    """Bodies can reach ~2 MiB; they go through the pin byte for byte."""
    q = chatdb.Queries(conn)
    world = build_world(q)
    heavy = file_resource(
        "/home/coder/skills/big/SKILL.md", Kind.SKILL, "ünïcode line ✓\n" * 120_000, name="big"
    )
    assert heavy["size_bytes"] > 2 * 1024 * 1024
    push(q, world.agent, heavy)
    pin(q, conn, world.chat, world.agent.id)
    (pinned,) = q.list_chat_context_resources(chat_id=world.chat.id)
    assert content([pinned]) == content([heavy])
    assert pinned.content_hash == hashlib.sha256(("ünïcode line ✓\n" * 120_000).encode()).digest()


def test_pinned_view_is_stable_until_the_chat_repins(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    world = build_world(q)
    push(q, world.agent, AGENTS_V1, SKILL, MCP_BROKEN)
    bystander = new_chat(q, world, "Another chat on the same agent")

    assert pin(q, conn, world.chat, world.agent.id) == (0, 3)
    assert pin(q, conn, bystander, world.agent.id) == (0, 3)
    pinned = q.list_chat_context_resources(chat_id=world.chat.id)
    assert all(type(r) is ChatContextResource for r in pinned)
    assert [r.chat_id for r in pinned] == [world.chat.id] * 3
    assert [r.source for r in pinned] == [
        "/home/coder/AGENTS.md",
        "/home/coder/skills/deploy/SKILL.md",
        "postgres",
    ]
    assert content(pinned) == content(
        q.list_workspace_agent_context_resources(agent_id=world.agent.id)
    )
    statuses = q.get_chat_context_resource_statuses(chat_id=world.chat.id)
    assert [(s.source, s.status, s.error) for s in statuses] == [
        ("postgres", Status.INVALID, MCP_BROKEN["error"])
    ]

    # The agent drifts: new content, a resource removed, one added, one fixed.
    push(q, world.agent, AGENTS_V2, CLAUDE_MD, MCP_FIXED)
    q.delete_workspace_agent_context_resource(agent_id=world.agent.id, source=SKILL["source"])
    drifted = q.list_workspace_agent_context_resources(agent_id=world.agent.id)
    assert content(drifted) == content([AGENTS_V2, CLAUDE_MD, MCP_FIXED])

    # The chat's pin is a copy: not a single field of it changed.
    assert q.list_chat_context_resources(chat_id=world.chat.id) == pinned
    assert q.get_chat_context_resource_statuses(chat_id=world.chat.id) == statuses

    # A context refresh re-pins and picks up the agent's new state.
    assert pin(q, conn, world.chat, world.agent.id) == (3, 3)
    repinned = q.list_chat_context_resources(chat_id=world.chat.id)
    assert content(repinned) == content([AGENTS_V2, CLAUDE_MD, MCP_FIXED])
    assert q.get_chat_context_resource_statuses(chat_id=world.chat.id) == []

    # Pins are per chat: the other chat still sees what it pinned.
    assert content(q.list_chat_context_resources(chat_id=bystander.id)) == content(
        [AGENTS_V1, SKILL, MCP_BROKEN]
    )


def test_a_failed_repin_leaves_the_old_pin_intact(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    world = build_world(q)
    push(q, world.agent, AGENTS_V1, SKILL)
    pin(q, conn, world.chat, world.agent.id)
    before = q.list_chat_context_resources(chat_id=world.chat.id)
    assert len(before) == 2
    push(q, world.agent, AGENTS_V2, CLAUDE_MD)

    # 1. The application fails between the clear and the copy.
    class RefreshAborted(Exception):
        pass

    with pytest.raises(RefreshAborted), conn.transaction():
        assert q.delete_chat_context_resources(chat_id=world.chat.id) == 2
        assert q.list_chat_context_resources(chat_id=world.chat.id) == []  # inside the tx
        raise RefreshAborted
    assert q.list_chat_context_resources(chat_id=world.chat.id) == before

    # 2. The database fails during the copy: copying twice hits the pin's primary key.
    with pytest.raises(psycopg.errors.UniqueViolation) as excinfo, conn.transaction():
        q.delete_chat_context_resources(chat_id=world.chat.id)
        q.pin_chat_context_resources_from_agent(chat_id=world.chat.id, agent_id=world.agent.id)
        q.pin_chat_context_resources_from_agent(chat_id=world.chat.id, agent_id=world.agent.id)
    assert is_unique_violation(excinfo.value, UniqueConstraint.CHAT_CONTEXT_RESOURCES_PKEY)
    assert q.list_chat_context_resources(chat_id=world.chat.id) == before
    assert conn.info.transaction_status is psycopg.pq.TransactionStatus.IDLE

    # The connection is fine afterwards, and a clean refresh goes through.
    assert pin(q, conn, world.chat, world.agent.id) == (2, 3)
    assert content(q.list_chat_context_resources(chat_id=world.chat.id)) == content(
        [AGENTS_V2, CLAUDE_MD, SKILL]
    )


def test_the_pin_survives_the_agent(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    world = build_world(q)
    push(q, world.agent, AGENTS_V1, SKILL, MCP_BROKEN)
    pin(q, conn, world.chat, world.agent.id)
    pinned = q.list_chat_context_resources(chat_id=world.chat.id)

    # A workspace rebuild replaces the agent row (no generated query deletes agents).
    conn.execute("DELETE FROM workspace_agents WHERE id = %s", (world.agent.id,))
    assert q.get_workspace_agent_by_id(id=world.agent.id) is None
    assert q.list_workspace_agent_context_resources(agent_id=world.agent.id) == []  # cascaded
    chat = must(q.get_chat_by_id(id=world.chat.id))
    assert chat.agent_id is None  # chats.agent_id is ON DELETE SET NULL
    joined = must(q.get_chat_with_workspace(id=world.chat.id))
    assert (joined.workspace_name, joined.agent_name, joined.agent_lifecycle_state) == (
        "dev",
        None,
        None,
    )
    # chat_context_resources has no foreign key to the agent: the pin is untouched.
    assert q.list_chat_context_resources(chat_id=world.chat.id) == pinned

    # The replacement agent pushes its own state; the chat re-pins from it.
    replacement = new_agent(q, world.workspace)
    push(q, replacement, AGENTS_V2)
    assert q.list_chat_context_resources(chat_id=world.chat.id) == pinned
    assert pin(q, conn, world.chat, replacement.id) == (3, 1)
    assert content(q.list_chat_context_resources(chat_id=world.chat.id)) == content([AGENTS_V2])


#: Every table whose rows belong to one chat (all reference chats ON DELETE CASCADE).
CHAT_CHILD_TABLES: Final = frozenset(
    {
        "chat_context_resources",
        "chat_debug_runs",
        "chat_debug_steps",
        "chat_diff_statuses",
        "chat_file_links",
        "chat_heartbeats",
        "chat_messages",
        "chat_queued_messages",
    }
)


def fill_chat(q: chatdb.Queries, conn: Conn, world: World, chat: Chat) -> None:
    """A row in every chat-scoped child table, through generated code where it exists."""
    pin(q, conn, chat, world.agent.id)
    for role in (ChatMessageRole.USER, ChatMessageRole.ASSISTANT):
        q.insert_chat_message(
            chat_id=chat.id, role=role, content={"text": role}, input_tokens=1, output_tokens=1
        )
    q.enqueue_chat_message(chat_id=chat.id, content={"text": "queued"})
    q.upsert_chat_heartbeat(chat_id=chat.id, worker_id=uuid.uuid4())
    # No generated queries exist for these yet.
    conn.execute("INSERT INTO chat_diff_statuses (chat_id, additions) VALUES (%s, 3)", (chat.id,))
    conn.execute(
        "INSERT INTO chat_file_links (chat_id, file_id, file_name, mime_type, content_hash)"
        " VALUES (%s, %s, 'diff.patch', 'text/x-diff', %s)",
        (chat.id, uuid.uuid4(), b"\x01\x02"),
    )
    run = conn.execute(
        "INSERT INTO chat_debug_runs (chat_id, model) VALUES (%s, 'claude') RETURNING id",
        (chat.id,),
    ).fetchone()
    assert run is not None
    conn.execute(
        "INSERT INTO chat_debug_steps (run_id, chat_id, step_number, request)"
        " VALUES (%s, %s, 1, '{}')",
        (run[0], chat.id),
    )


def test_delete_old_chats_cascades_to_pins_and_every_child_row(conn: Conn) -> None:
    q = chatdb.Queries(conn)
    world = build_world(q)
    push(q, world.agent, AGENTS_V1, SKILL, MCP_BROKEN)
    old = world.chat
    recent = new_chat(q, world, "Recent chat")
    fill_chat(q, conn, world, old)
    fill_chat(q, conn, world, recent)

    children = {
        row[0]
        for row in conn.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND confrelid = 'chats'::regclass AND confdeltype = 'c'"
        )
    }
    assert children >= CHAT_CHILD_TABLES
    for table in CHAT_CHILD_TABLES:
        assert count(conn, table, old.id) >= 1, f"{table} has no row for the old chat"

    # Age the old chat by 90 days. The updated_at trigger would overwrite a
    # plain UPDATE, so it is switched off for this one statement.
    with conn.transaction():
        conn.execute("ALTER TABLE chats DISABLE TRIGGER chats_set_updated_at")
        conn.execute(
            "UPDATE chats SET updated_at = now() - interval '90 days' WHERE id = %s", (old.id,)
        )
        conn.execute("ALTER TABLE chats ENABLE TRIGGER chats_set_updated_at")
    recent_before = q.list_chat_context_resources(chat_id=recent.id)

    cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    assert q.delete_old_chats(before=cutoff) == 1
    assert q.delete_old_chats(before=cutoff) == 0

    assert q.get_chat_by_id(id=old.id) is None
    assert q.list_chat_context_resources(chat_id=old.id) == []
    assert q.get_chat_context_resource_statuses(chat_id=old.id) == []
    assert q.list_chat_messages(chat_id=old.id, after_id=0) == []
    assert q.count_chat_messages(chat_id=old.id) == 0
    assert q.list_queued_chat_messages(chat_id=old.id) == []
    for table in children:
        assert count(conn, table, old.id) == 0, f"{table} kept rows of a deleted chat"

    # The recent chat, its pin and children, and the agent's resources stay.
    assert must(q.get_chat_by_id(id=recent.id)).title == "Recent chat"
    assert q.list_chat_context_resources(chat_id=recent.id) == recent_before
    assert q.count_chat_messages(chat_id=recent.id) == 2
    for table in CHAT_CHILD_TABLES:
        assert count(conn, table, recent.id) >= 1
    assert len(q.list_workspace_agent_context_resources(agent_id=world.agent.id)) == 3


# --------------------------------------------------------------------------
# The same story, async
# --------------------------------------------------------------------------


async def apin(
    q: chatdb.AsyncQueries, conn: AConn, chat: Chat, agent_id: uuid.UUID
) -> tuple[int, int]:
    async with conn.transaction():
        cleared = await q.delete_chat_context_resources(chat_id=chat.id)
        copied = await q.pin_chat_context_resources_from_agent(chat_id=chat.id, agent_id=agent_id)
    return cleared, copied


async def apush(q: chatdb.AsyncQueries, agent_id: uuid.UUID, *resources: Resource) -> None:
    for resource in resources:
        row = must(await q.upsert_workspace_agent_context_resource(agent_id=agent_id, **resource))
        assert content([row]) == content([resource])


async def test_the_story_async(aconn: AConn) -> None:
    q = chatdb.AsyncQueries(aconn)
    user = must(
        await q.create_user(
            email="kyle@example.com",
            username="kyle",
            name="Kyle",
            hashed_password=b"",
            rbac_roles=[],
        )
    )
    ws = must(
        await q.create_workspace(owner_id=user.id, name="dev", autostart_schedule=None, ttl_ms=None)
    )
    agent = must(
        await q.insert_workspace_agent(
            workspace_id=ws.id,
            name="main",
            architecture="arm64",
            operating_system="linux",
            directory="",
            environment_variables={},
            connection_timeout_seconds=0,
        )
    )
    chat = must(
        await q.insert_chat(
            owner_id=user.id, workspace_id=ws.id, agent_id=agent.id, title="t", model_config={}
        )
    )

    # Push (last writer wins), pin.
    await apush(q, agent.id, AGENTS_V1, SKILL, MCP_BROKEN, AGENTS_V2)
    assert content(await q.list_workspace_agent_context_resources(agent_id=agent.id)) == content(
        [AGENTS_V2, SKILL, MCP_BROKEN]
    )
    assert await apin(q, aconn, chat, agent.id) == (0, 3)
    pinned = await q.list_chat_context_resources(chat_id=chat.id)
    assert content(pinned) == content([AGENTS_V2, SKILL, MCP_BROKEN])

    # Drift leaves the pin alone.
    await apush(q, agent.id, AGENTS_V1, CLAUDE_MD)
    await q.delete_workspace_agent_context_resource(agent_id=agent.id, source="postgres")
    assert await q.list_chat_context_resources(chat_id=chat.id) == pinned

    # A refresh that fails after the clear changes nothing.
    with pytest.raises(ZeroDivisionError):
        async with aconn.transaction():
            assert await q.delete_chat_context_resources(chat_id=chat.id) == 3
            _ = 1 / 0
    assert await q.list_chat_context_resources(chat_id=chat.id) == pinned

    # A refresh that succeeds picks up the new state.
    assert await apin(q, aconn, chat, agent.id) == (3, 3)
    assert content(await q.list_chat_context_resources(chat_id=chat.id)) == content(
        [AGENTS_V1, CLAUDE_MD, SKILL]
    )

    # The pin outlives the agent...
    await aconn.execute("DELETE FROM workspace_agents WHERE id = %s", (agent.id,))
    assert await q.list_workspace_agent_context_resources(agent_id=agent.id) == []
    assert len(await q.list_chat_context_resources(chat_id=chat.id)) == 3

    # ... but not the chat: retention deletes it and its pin with it.
    newer = must(
        await q.insert_chat(
            owner_id=user.id, workspace_id=None, agent_id=None, title="newer", model_config={}
        )
    )
    assert await q.delete_old_chats(before=newer.updated_at) == 1
    assert await q.get_chat_by_id(id=chat.id) is None
    assert await q.list_chat_context_resources(chat_id=chat.id) == []
    cur = await aconn.execute("SELECT count(*) FROM chat_context_resources")
    assert await cur.fetchone() == (0,)
    assert await q.get_chat_by_id(id=newer.id) == newer
