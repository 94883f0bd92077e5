"""Call-path speed of the generated ``chatdb`` query methods against baselines.

Why: the generated methods should cost no more per call than the code a careful
person writes by hand with psycopg 3, and clearly less than the SQLAlchemy Core
``text()`` code sqlc's Python plugin emits. Only measurements on a real server,
taken in the same run and interleaved, can say whether that holds, so this
module seeds one PostgreSQL database and times every contender on it:

``one``        ``:one`` by primary key, ``get_chat_by_id``, 10,000 calls a sample.
``many``       ``:many`` returning 10,000 rows, ``list_chat_messages``, 5 calls a sample.
``execrows``   ``:execrows``, ``update_chat_title``, 10,000 calls a sample.
``copyfrom``   ``:copyfrom`` of 100,000 rows, ``copy_chat_debug_steps``, against
               ``executemany`` and a loop of ``execute`` of the same INSERT (the
               loop writes a tenth of the rows; compare its per-row cost).
``async_one``  ``one`` on an async connection, generated against hand-written
               (SQLAlchemy's asyncio layer needs greenlet, which ``bench`` does not install).

The contenders return the same objects (the ``chatdb.models`` dataclasses and
enum members, checked equal before timing) and start from the same inputs:

``generated``     ``chatdb.Queries`` / ``AsyncQueries``, built once per connection.
``hand-written``  the fastest psycopg 3 code for the same SQL: a long-lived
                  ``RawCursor`` per result type, ``prepare=True``, ``args_row(Model)``, enums registered with
                  psycopg's ``register_enum`` (as the generated runtime does),
                  ``COPY`` with ``set_types`` fed plain values.
``sqlalchemy``    SQLAlchemy 2 Core, ``conn.execute(text(sql), params)`` over the
                  psycopg 3 driver, rows mapped by keyword as sqlc-gen-python does.
``executemany`` / ``execute loop`` / ``sqlalchemy executemany``: the INSERT
                  alternatives to COPY.

Every contender has its own autocommit connection (prepared statements are per
connection) with the same enum adapters, so differences are the call path.
After a warm-up, each of ``rounds`` rounds times every contender once, starting
at a different contender each round; medians are reported. The database comes
from ``DATABASE_URL`` or a throwaway cluster (``pgsqlgen.pg.cluster``).

``run()`` returns (and ``--json PATH`` writes)::

    {
      "meta": {"rounds", "total_s", "python", "psycopg", "libpq", "sqlalchemy",
               "server_version", "database", "cpus"},
      "benchmarks": [
        {"key": "one", "title": str, "unit": "call" | "row", "rows_per_op": int,
         "note": str,
         "contenders": [
           {"name": str, "ops": int,             # calls (or rows) per sample
            "median_s": float, "us_per_op": float,
            "median_cpu_s": float, "cpu_us_per_op": float,  # this process's CPU
            "samples_s": [float], "cpu_samples_s": [float]}],
         "ratios": [{"name": "a / b", "value": float}]}  # of us_per_op
      ]
    }

Run: ``PYTHONPATH=generated:. .venv/bin/python bench/calls.py [--rounds 7] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import itertools
import json
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from psycopg.rows import TupleRow, args_row
from psycopg.types.enum import EnumInfo, register_enum
from psycopg.types.json import Jsonb

from chatdb import AsyncQueries, Queries
from chatdb.chat_debug_sql import COPY_CHAT_DEBUG_STEPS, CopyChatDebugStepsParams
from chatdb.chat_messages_sql import LIST_CHAT_MESSAGES
from chatdb.chats_sql import GET_CHAT_BY_ID, UPDATE_CHAT_TITLE
from chatdb.models import Chat, ChatMessage, ChatMessageRole, ChatStatus
from pgsqlgen.pg.cluster import apply_migrations, database_server_url, scratch_database

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "schema" / "migrations"

ONE_CALLS = 10_000
MANY_ROWS = 10_000
MANY_CALLS = 5
EXECROWS_CALLS = 10_000
COPY_ROWS = 100_000
LOOP_ROWS = COPY_ROWS // 10
WARMUP_OPS = 20
"""Calls (or rows) of the warm-up and equality check: more than psycopg's
``prepare_threshold`` (5), so every contender runs prepared afterwards."""

ENUMS = (("chat_status", ChatStatus), ("chat_message_role", ChatMessageRole))
"""The enums the measured queries return, registered on the baseline connections."""

INSERT_DEBUG_STEP = (
    "INSERT INTO chat_debug_steps"
    " (run_id, chat_id, step_number, request, response, tool_names, duration_ms, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
"""The INSERT that COPY_CHAT_DEBUG_STEPS replaces, for the INSERT contenders."""

DEBUG_STEP_TYPES = ["uuid", "uuid", "int4", "jsonb", "jsonb", "text[]", "int8", "timestamptz"]

DEBUG_STEPS_FINGERPRINT = """\
SELECT count(*), sum(hashtext((run_id, chat_id, step_number, request, response,
    tool_names, duration_ms, created_at)::text)::bigint)
FROM chat_debug_steps"""
"""Identifies the copied rows, to check every contender wrote the same ones."""


def sqlalchemy_sql(sql: str) -> str:
    """``$n`` placeholders as ``:pn``, the named binds sqlc-gen-python writes."""
    return re.sub(r"\$(\d+)", r":p\1", sql)


def register_enums(conn: psycopg.Connection[Any]) -> None:
    """Load (and dump) the measured enums as ``chatdb.models`` members on ``conn``."""
    for name, python_enum in ENUMS:
        info = EnumInfo.fetch(conn, name)
        if info is None:
            raise LookupError(f"enum {name!r} missing: migrations not applied?")
        register_enum(info, conn, python_enum, mapping={m: m.value for m in python_enum})


async def register_enums_async(conn: psycopg.AsyncConnection[Any]) -> None:
    """``register_enums`` for an async connection."""
    for name, python_enum in ENUMS:
        info = await EnumInfo.fetch(conn, name)
        if info is None:
            raise LookupError(f"enum {name!r} missing: migrations not applied?")
        register_enum(info, conn, python_enum, mapping={m: m.value for m in python_enum})


def connect(dsn: str) -> psycopg.Connection[TupleRow]:
    """An autocommit connection with the measured enums registered."""
    conn = psycopg.connect(dsn, autocommit=True)
    register_enums(conn)
    return conn


def step_values(row: CopyChatDebugStepsParams) -> tuple[Any, ...]:
    """A step's INSERT parameters; jsonb needs the ``Jsonb`` wrapper outside COPY."""
    return (
        row.run_id,
        row.chat_id,
        row.step_number,
        Jsonb(row.request),
        None if row.response is None else Jsonb(row.response),
        row.tool_names,
        row.duration_ms,
        row.created_at,
    )


class HandWritten:
    """The bar: what a psycopg 3 expert writes for the same SQL and result types.

    A cursor per result type lives as long as the object (no cursor and loader
    set-up per call). It is a ``RawCursor``: the same ``$n`` SQL as the generated
    code, and no ``%s`` conversion per call. Every statement is prepared on first
    use (``prepare=True``) and rows become dataclasses positionally in the row
    factory (``args_row``), which measured faster than ``Model(*row)`` over tuple
    rows and than binary format.
    """

    def __init__(self, conn: psycopg.Connection[TupleRow]) -> None:
        self._cur = psycopg.RawCursor(conn)
        self._chats = psycopg.RawCursor(conn, row_factory=args_row(Chat))
        self._messages = psycopg.RawCursor(conn, row_factory=args_row(ChatMessage))

    def get_chat_by_id(self, id: uuid.UUID) -> Chat | None:
        cur = self._chats
        cur.execute(GET_CHAT_BY_ID, (id,), prepare=True)
        return cur.fetchone()

    def list_chat_messages(self, chat_id: uuid.UUID, after_id: int) -> list[ChatMessage]:
        cur = self._messages
        cur.execute(LIST_CHAT_MESSAGES, (chat_id, after_id), prepare=True)
        return cur.fetchall()

    def update_chat_title(self, title: str, id: uuid.UUID, owner_id: uuid.UUID) -> int:
        cur = self._cur
        cur.execute(UPDATE_CHAT_TITLE, (title, id, owner_id), prepare=True)
        return cur.rowcount

    def copy_chat_debug_steps(self, rows: Sequence[CopyChatDebugStepsParams]) -> int:
        """COPY with the column types set, so dicts go to the jsonb dumper unwrapped."""
        cur = self._cur
        with cur.copy(COPY_CHAT_DEBUG_STEPS) as copy:
            copy.set_types(DEBUG_STEP_TYPES)
            write_row = copy.write_row
            for r in rows:
                write_row(
                    (
                        r.run_id,
                        r.chat_id,
                        r.step_number,
                        r.request,
                        r.response,
                        r.tool_names,
                        r.duration_ms,
                        r.created_at,
                    )
                )
        return cur.rowcount

    def insert_steps_executemany(self, rows: Sequence[CopyChatDebugStepsParams]) -> int:
        """psycopg 3 pipelines ``executemany``: one round trip for the batch."""
        cur = self._cur
        cur.executemany(INSERT_DEBUG_STEP, map(step_values, rows))
        return cur.rowcount

    def insert_steps_loop(self, rows: Sequence[CopyChatDebugStepsParams]) -> int:
        """One prepared INSERT per row: a round trip each."""
        cur = self._cur
        for r in rows:
            cur.execute(INSERT_DEBUG_STEP, step_values(r), prepare=True)
        return len(rows)


class AsyncHandWritten:
    """``HandWritten.get_chat_by_id`` on an async connection."""

    def __init__(self, conn: psycopg.AsyncConnection[TupleRow]) -> None:
        self._chats = psycopg.AsyncRawCursor(conn, row_factory=args_row(Chat))

    async def get_chat_by_id(self, id: uuid.UUID) -> Chat | None:
        cur = self._chats
        await cur.execute(GET_CHAT_BY_ID, (id,), prepare=True)
        return await cur.fetchone()


class SqlAlchemyCore:
    """The code sqlc-gen-python emits: ``text()`` per call, rows mapped by keyword."""

    GET_CHAT_BY_ID = sqlalchemy_sql(GET_CHAT_BY_ID)
    LIST_CHAT_MESSAGES = sqlalchemy_sql(LIST_CHAT_MESSAGES)
    UPDATE_CHAT_TITLE = sqlalchemy_sql(UPDATE_CHAT_TITLE)
    INSERT_DEBUG_STEP = sqlalchemy_sql(INSERT_DEBUG_STEP)

    def __init__(self, conn: sqlalchemy.Connection) -> None:
        self._conn = conn

    def get_chat_by_id(self, id: uuid.UUID) -> Chat | None:
        row = self._conn.execute(sqlalchemy.text(self.GET_CHAT_BY_ID), {"p1": id}).first()
        if row is None:
            return None
        return Chat(
            id=row[0],
            owner_id=row[1],
            workspace_id=row[2],
            agent_id=row[3],
            title=row[4],
            status=row[5],
            model_config=row[6],
            last_injected_context=row[7],
            created_at=row[8],
            updated_at=row[9],
            archived=row[10],
        )

    def list_chat_messages(self, chat_id: uuid.UUID, after_id: int) -> list[ChatMessage]:
        result = self._conn.execute(
            sqlalchemy.text(self.LIST_CHAT_MESSAGES), {"p1": chat_id, "p2": after_id}
        )
        return [
            ChatMessage(
                id=row[0],
                chat_id=row[1],
                role=row[2],
                content=row[3],
                input_tokens=row[4],
                output_tokens=row[5],
                created_at=row[6],
            )
            for row in result
        ]

    def update_chat_title(self, title: str, id: uuid.UUID, owner_id: uuid.UUID) -> int:
        result = self._conn.execute(
            sqlalchemy.text(self.UPDATE_CHAT_TITLE), {"p1": title, "p2": id, "p3": owner_id}
        )
        return result.rowcount

    def insert_steps_executemany(self, rows: Sequence[CopyChatDebugStepsParams]) -> int:
        params = [{f"p{i}": v for i, v in enumerate(step_values(r), 1)} for r in rows]
        return self._conn.execute(sqlalchemy.text(self.INSERT_DEBUG_STEP), params).rowcount


Op = Callable[[int], object]
"""Does ``n`` calls (or writes ``n`` rows) and returns the last result, for the check."""


@dataclass(frozen=True)
class Contender:
    name: str
    op: Op
    ops: int
    """Calls (or rows) per timed sample."""


@dataclass(frozen=True)
class Benchmark:
    key: str
    title: str
    unit: str
    rows_per_op: int
    note: str
    contenders: tuple[Contender, ...]
    ratios: tuple[tuple[str, str], ...]
    """(numerator, denominator) contender names, compared per op."""
    reset: Callable[[], object]
    """Puts the database back before every sample, so each does the same work."""
    fingerprint: Callable[[], object]
    """What the database holds after the check; must match across contenders."""


@dataclass(frozen=True)
class Fixture:
    """The seeded rows the benchmarks read and write."""

    owner_id: uuid.UUID
    chat_id: uuid.UUID
    messages_chat_id: uuid.UUID
    steps: list[CopyChatDebugStepsParams]


def seed(conn: psycopg.Connection[TupleRow]) -> Fixture:
    """A user, a chat to read and update, a chat with MANY_ROWS messages, COPY input."""
    row = conn.execute(
        "INSERT INTO users (email, username, hashed_password)"
        " VALUES ('bench@example.com', 'bench', '\\x00') RETURNING id"
    ).fetchone()
    assert row is not None
    owner_id: uuid.UUID = row[0]
    chat_ids: list[uuid.UUID] = []
    for title in ("read and update", "messages"):
        row = conn.execute(
            "INSERT INTO chats (owner_id, title, model_config, last_injected_context)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (owner_id, title, Jsonb({"model": "m", "temperature": 0.2}), Jsonb({"files": []})),
        ).fetchone()
        assert row is not None
        chat_ids.append(row[0])
    conn.execute(
        "INSERT INTO chat_messages (chat_id, role, content, input_tokens, output_tokens)"
        " SELECT %s, (ARRAY['user', 'assistant'])[i %% 2 + 1]::chat_message_role,"
        " jsonb_build_object('text', 'message ' || i, 'n', i), i, NULLIF(i %% 3, 0)"
        " FROM generate_series(1, %s) AS i",
        (chat_ids[1], MANY_ROWS),
    )
    row = conn.execute(
        "INSERT INTO chat_debug_runs (chat_id, model, provider) VALUES (%s, 'm', 'p') RETURNING id",
        (chat_ids[0],),
    ).fetchone()
    assert row is not None
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    steps = [
        CopyChatDebugStepsParams(
            run_id=row[0],
            chat_id=chat_ids[0],
            step_number=i,
            request={"messages": [{"role": "user", "content": f"step {i}"}]},
            response=None if i % 4 == 0 else {"text": f"answer {i}", "tokens": i},
            tool_names=["bash", "read_file"] if i % 2 else [],
            duration_ms=None if i % 5 == 0 else i,
            created_at=start + datetime.timedelta(milliseconds=i),
        )
        for i in range(1, COPY_ROWS + 1)
    ]
    conn.execute("VACUUM ANALYZE")
    return Fixture(owner_id, chat_ids[0], chat_ids[1], steps)


def repeat(call: Callable[[], object]) -> Op:
    """An Op making ``n`` calls of ``call``."""

    def op(n: int) -> object:
        result = None
        for _ in itertools.repeat(None, n):
            result = call()
        return result

    return op


def repeat_async(runner: asyncio.Runner, call: Callable[[], Any]) -> Op:
    """An Op making ``n`` awaited calls of the coroutine function ``call`` on ``runner``."""

    async def calls(n: int) -> object:
        result = None
        for _ in itertools.repeat(None, n):
            result = await call()
        return result

    return lambda n: runner.run(calls(n))


def build(stack: ExitStack, dsn: str, fx: Fixture) -> list[Benchmark]:
    """The benchmarks, each contender on its own connection (closed by ``stack``)."""
    admin = stack.enter_context(psycopg.connect(dsn, autocommit=True))
    gen = Queries(stack.enter_context(psycopg.connect(dsn, autocommit=True)))
    hand = HandWritten(stack.enter_context(connect(dsn)))
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://", creator=lambda: connect(dsn), isolation_level="AUTOCOMMIT"
    )
    stack.callback(engine.dispose)
    sa = SqlAlchemyCore(stack.enter_context(engine.connect()))
    runner = stack.enter_context(asyncio.Runner())
    aconns = [runner.run(psycopg.AsyncConnection.connect(dsn, autocommit=True)) for _ in "ab"]

    def close(conn: psycopg.AsyncConnection[TupleRow]) -> None:
        runner.run(conn.close())

    for aconn in aconns:
        stack.callback(close, aconn)
    agen = AsyncQueries(aconns[0])
    runner.run(register_enums_async(aconns[1]))
    ahand = AsyncHandWritten(aconns[1])

    chat, owner, steps = fx.chat_id, fx.owner_id, fx.steps
    loop_steps = steps[:LOOP_ROWS]

    def noop() -> None:
        pass

    def truncate_steps() -> None:
        admin.execute("TRUNCATE chat_debug_steps")

    def steps_fingerprint() -> object:
        return admin.execute(DEBUG_STEPS_FINGERPRINT).fetchone()

    def copy_op(write: Callable[[Sequence[CopyChatDebugStepsParams]], int]) -> Op:
        return lambda n: write(steps if n == len(steps) else steps[:n])

    versus = (("generated", "hand-written"), ("sqlalchemy", "generated"))
    return [
        Benchmark(
            key="one",
            title=":one GetChatByID",
            unit="call",
            rows_per_op=1,
            note=f"{ONE_CALLS} calls per sample",
            contenders=(
                Contender("generated", repeat(lambda: gen.get_chat_by_id(id=chat)), ONE_CALLS),
                Contender("hand-written", repeat(lambda: hand.get_chat_by_id(chat)), ONE_CALLS),
                Contender("sqlalchemy", repeat(lambda: sa.get_chat_by_id(chat)), ONE_CALLS),
            ),
            ratios=versus,
            reset=noop,
            fingerprint=noop,
        ),
        Benchmark(
            key="many",
            title=f":many ListChatMessages ({MANY_ROWS} rows)",
            unit="call",
            rows_per_op=MANY_ROWS,
            note=f"{MANY_CALLS} calls of {MANY_ROWS} rows per sample",
            contenders=(
                Contender(
                    "generated",
                    repeat(lambda: gen.list_chat_messages(chat_id=fx.messages_chat_id, after_id=0)),
                    MANY_CALLS,
                ),
                Contender(
                    "hand-written",
                    repeat(lambda: hand.list_chat_messages(fx.messages_chat_id, 0)),
                    MANY_CALLS,
                ),
                Contender(
                    "sqlalchemy",
                    repeat(lambda: sa.list_chat_messages(fx.messages_chat_id, 0)),
                    MANY_CALLS,
                ),
            ),
            ratios=versus,
            reset=noop,
            fingerprint=noop,
        ),
        Benchmark(
            key="execrows",
            title=":execrows UpdateChatTitle",
            unit="call",
            rows_per_op=1,
            note=f"{EXECROWS_CALLS} single-row UPDATEs per sample; VACUUM before each",
            contenders=(
                Contender(
                    "generated",
                    repeat(lambda: gen.update_chat_title(title="t", id=chat, owner_id=owner)),
                    EXECROWS_CALLS,
                ),
                Contender(
                    "hand-written",
                    repeat(lambda: hand.update_chat_title("t", chat, owner)),
                    EXECROWS_CALLS,
                ),
                Contender(
                    "sqlalchemy",
                    repeat(lambda: sa.update_chat_title("t", chat, owner)),
                    EXECROWS_CALLS,
                ),
            ),
            ratios=versus,
            reset=lambda: admin.execute("VACUUM chats"),
            fingerprint=noop,
        ),
        Benchmark(
            key="copyfrom",
            title=f":copyfrom CopyChatDebugSteps ({COPY_ROWS} rows)",
            unit="row",
            rows_per_op=1,
            note=(
                f"{COPY_ROWS} rows per sample, but {LOOP_ROWS} for the execute loop:"
                " compare us_per_op (per row); TRUNCATE before each sample"
            ),
            contenders=(
                Contender("generated", copy_op(gen.copy_chat_debug_steps), COPY_ROWS),
                Contender("hand-written", copy_op(hand.copy_chat_debug_steps), COPY_ROWS),
                Contender("executemany", copy_op(hand.insert_steps_executemany), COPY_ROWS),
                Contender(
                    "sqlalchemy executemany", copy_op(sa.insert_steps_executemany), COPY_ROWS
                ),
                Contender("execute loop", copy_op(hand.insert_steps_loop), len(loop_steps)),
            ),
            ratios=(
                ("generated", "hand-written"),
                ("executemany", "generated"),
                ("sqlalchemy executemany", "generated"),
                ("execute loop", "generated"),
            ),
            reset=truncate_steps,
            fingerprint=steps_fingerprint,
        ),
        Benchmark(
            key="async_one",
            title=":one GetChatByID, async",
            unit="call",
            rows_per_op=1,
            note=f"{ONE_CALLS} calls per sample",
            contenders=(
                Contender(
                    "generated",
                    repeat_async(runner, lambda: agen.get_chat_by_id(id=chat)),
                    ONE_CALLS,
                ),
                Contender(
                    "hand-written",
                    repeat_async(runner, lambda: ahand.get_chat_by_id(chat)),
                    ONE_CALLS,
                ),
            ),
            ratios=(("generated", "hand-written"),),
            reset=noop,
            fingerprint=noop,
        ),
    ]


def check_and_warm_up(bench: Benchmark) -> None:
    """Run each contender briefly and require identical results and database state.

    This is also the warm-up: statements get prepared, adapters registered and
    SQLAlchemy's compiled-statement cache filled before anything is timed.
    """
    expected: tuple[str, object] | None = None
    for contender in bench.contenders:
        bench.reset()
        # repr, not ==: a StrEnum member equals its str, and the type matters here.
        got = (repr(contender.op(WARMUP_OPS)), bench.fingerprint())
        if expected is None:
            expected = got
        elif got != expected:
            raise AssertionError(
                f"{bench.key}: {contender.name} returned {got!r:.500}, expected {expected!r:.500}"
            )


def time_sample(bench: Benchmark, contender: Contender) -> tuple[float, float]:
    """Wall and process CPU seconds of one sample (reset and GC outside the timing)."""
    bench.reset()
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    contender.op(contender.ops)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(bench: Benchmark, rounds: int) -> dict[str, Any]:
    """Interleaved rounds, rotating who goes first, summarised as medians and ratios."""
    check_and_warm_up(bench)
    samples: dict[str, list[tuple[float, float]]] = {c.name: [] for c in bench.contenders}
    n = len(bench.contenders)
    for r in range(rounds):
        for i in range(n):
            contender = bench.contenders[(r + i) % n]
            samples[contender.name].append(time_sample(bench, contender))
    contenders = []
    per_op: dict[str, float] = {}
    for c in bench.contenders:
        wall = [s[0] for s in samples[c.name]]
        cpu = [s[1] for s in samples[c.name]]
        median, median_cpu = statistics.median(wall), statistics.median(cpu)
        per_op[c.name] = median / c.ops * 1e6
        contenders.append(
            {
                "name": c.name,
                "ops": c.ops,
                "median_s": median,
                "us_per_op": per_op[c.name],
                "median_cpu_s": median_cpu,
                "cpu_us_per_op": median_cpu / c.ops * 1e6,
                "samples_s": wall,
                "cpu_samples_s": cpu,
            }
        )
    return {
        "key": bench.key,
        "title": bench.title,
        "unit": bench.unit,
        "rows_per_op": bench.rows_per_op,
        "note": bench.note,
        "contenders": contenders,
        "ratios": [{"name": f"{a} / {b}", "value": per_op[a] / per_op[b]} for a, b in bench.ratios],
    }


@contextmanager
def benchmark_database() -> Iterator[tuple[str, str]]:
    """A migrated scratch database (DSN) and where its server came from."""
    source = "DATABASE_URL" if os.environ.get("DATABASE_URL", "").strip() else "throwaway cluster"
    with database_server_url() as server, scratch_database(server, "sqlgen_bench") as dsn:
        apply_migrations(dsn, MIGRATIONS_DIR)
        yield dsn, source


def run(rounds: int = 7, only: set[str] | None = None) -> dict[str, Any]:
    """Seed a fresh database, measure every benchmark (or those in ``only``), and
    return the results (see module doc)."""
    started = time.perf_counter()
    with benchmark_database() as (dsn, source), ExitStack() as stack:
        with psycopg.connect(dsn, autocommit=True) as conn:
            fixture = seed(conn)
            server_version = conn.info.server_version
        benchmarks = [b for b in build(stack, dsn, fixture) if only is None or b.key in only]
        results = [measure(b, rounds) for b in benchmarks]
    return {
        "meta": {
            "rounds": rounds,
            "total_s": time.perf_counter() - started,
            "python": sys.version.split()[0],
            "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__})",
            "libpq": psycopg.pq.version(),
            "sqlalchemy": sqlalchemy.__version__,
            "server_version": server_version,
            "database": source,
            "cpus": os.cpu_count(),
        },
        "benchmarks": results,
    }


def format_table(result: dict[str, Any]) -> str:
    """The medians and ratios as plain text."""
    meta = result["meta"]
    lines = [
        f"{meta['rounds']} rounds, python {meta['python']}, psycopg {meta['psycopg']},"
        f" SQLAlchemy {meta['sqlalchemy']}, PostgreSQL {meta['server_version']}"
        f" ({meta['database']}), {meta['cpus']} CPUs, total {meta['total_s']:.1f} s",
    ]
    for bench in result["benchmarks"]:
        unit = bench["unit"]
        lines += [
            "",
            f"{bench['title']}: {bench['note']}",
            f"  {'contender':<24}{'ops':>8}{'median s':>11}{f'us/{unit}':>11}{f'cpu us/{unit}':>15}",
        ]
        lines += [
            f"  {c['name']:<24}{c['ops']:>8}{c['median_s']:>11.4f}"
            f"{c['us_per_op']:>11.2f}{c['cpu_us_per_op']:>15.2f}"
            for c in bench["contenders"]
        ]
        lines += [f"  {r['name']}: {r['value']:.2f}" for r in bench["ratios"]]
    return "\n".join(lines)


def _ratio(bench: dict[str, Any], name: str) -> float | None:
    return next((r["value"] for r in bench["ratios"] if r["name"] == name), None)


def target_rows(result: dict[str, Any]) -> list[str]:
    """RESULTS.md target rows: generated against hand-written (within 5%) and
    SQLAlchemy (at least 2x), and COPY against executemany (at least 10x)."""
    rows = []
    for bench in result["benchmarks"]:
        own = _ratio(bench, "generated / hand-written")
        if own is not None:
            verdict = "met" if own <= 1.05 else "**not met**"
            rows.append(
                f"| {bench['title']}: generated within 5% of hand-written psycopg "
                f"| {own:.2f}x the hand-written time | {verdict} |"
            )
        sqlalchemy_ratio = _ratio(bench, "sqlalchemy / generated")
        if sqlalchemy_ratio is not None:
            verdict = "met" if sqlalchemy_ratio >= 2.0 else "**not met**"
            rows.append(
                f"| {bench['title']}: at least 2x faster than SQLAlchemy Core `text()` "
                f"| {sqlalchemy_ratio:.2f}x | {verdict} |"
            )
        copy_ratio = _ratio(bench, "executemany / generated")
        if copy_ratio is not None:
            verdict = "met" if copy_ratio >= 10.0 else "**not met**"
            rows.append(
                f"| {bench['title']}: at least 10x faster than executemany "
                f"| {copy_ratio:.2f}x | {verdict} |"
            )
    return rows


def report_lines(result: dict[str, Any]) -> list[str]:
    """The call benchmarks as RESULTS.md tables: medians per contender, then ratios."""
    meta = result["meta"]
    lines = [
        f"On PostgreSQL {meta['server_version']} ({meta['database']}), psycopg {meta['psycopg']}, "
        f"SQLAlchemy {meta['sqlalchemy']}; {meta['rounds']} interleaved rounds "
        f"({meta['total_s']:.0f} s). Client CPU is this process's own time: steadier than wall "
        "time on a shared machine.",
    ]
    for bench in result["benchmarks"]:
        unit = bench["unit"]
        lines += [
            "",
            f"**{bench['title']}** ({bench['note']})",
            "",
            f"| Contender | Median (s) | µs per {unit} | Client CPU µs per {unit} |",
            "|---|---|---|---|",
            *(
                f"| {c['name']} | {c['median_s']:.3f} | {c['us_per_op']:.1f} "
                f"| {c['cpu_us_per_op']:.1f} |"
                for c in bench["contenders"]
            ),
            "",
            "Ratios (per op): "
            + "; ".join(f"{r['name']} = **{r['value']:.2f}**" for r in bench["ratios"]),
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--only", action="append", metavar="KEY", help="run only this benchmark (repeatable)"
    )
    args = parser.parse_args()
    result = run(args.rounds, set(args.only) if args.only else None)
    print(format_table(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
