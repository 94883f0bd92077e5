"""Migration runner: apply and revert ``NNN_name.(up|down).sql`` files.

The files are the same golang-migrate directory the code generator reads its
schema from, and the bookkeeping is golang-migrate's too: a
``schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT
NULL)`` table in the current schema holding at most one row, with no row
meaning "never migrated".  A database migrated by either tool can therefore
be continued by the other, and both take the same advisory lock.  The table
may be named otherwise (golang-migrate's ``x-migrations-table``; sqlgen's
``--migrations-table``), which a history that keeps its own table called
``schema_migrations`` needs: a table of that name that is not a version
table, or a migration that drops or reshapes it, is a clear error naming
the option, never a traceback.

Where this runner deliberately differs, it is stricter or safer, never
incompatible:

* Each migration file runs in its own transaction *together with* the
  version update, so a failing file rolls back completely and leaves the
  previous version recorded and clean.  golang-migrate marks the version
  dirty first and needs a manual ``force`` after any failure.
* A file that cannot run inside a transaction (``CREATE INDEX
  CONCURRENTLY``, ``VACUUM``, explicit ``BEGIN``/``COMMIT``, ...) is detected
  and run statement by statement in autocommit mode, with golang-migrate's
  protocol: mark dirty, run, clear dirty.  A failure there leaves the
  database dirty, because a partial application cannot be undone; the error
  says so, lists what of the file took effect and names the ``force`` that
  records the state once it is repaired.
* Every file of a run is read (and decoded as UTF-8, with or without a BOM,
  as generation reads it) before the first one runs, so an unreadable file
  changes nothing.
* Errors name ``file:line`` (PostgreSQL's error position mapped back into
  the file) rather than a position inside a statement.
* Ctrl-C cancels the running statement; the run stops with
  :class:`MigrationInterrupted`, which says where the database is.
* The advisory lock is taken by polling ``pg_try_advisory_lock`` instead of
  blocking in ``pg_advisory_lock``: a session blocked in that call holds a
  snapshot, and ``CREATE INDEX CONCURRENTLY`` in the session holding the lock
  waits for every older snapshot, so a second runner waiting for the lock
  would deadlock with the first (PostgreSQL then kills one of them).
"""

from __future__ import annotations

import contextlib
import itertools
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import errors, pq, sql
from sqlglot.errors import TokenError

from pgsqlgen.migrations.directory import (
    Migration,
    create_migration,
    find_migrations,
    next_free_version,
    renumber,
)
from pgsqlgen.migrations.errors import (
    MIGRATIONS_TABLE,
    DirtyDatabase,
    MigrateError,
    MigrationFailed,
    MigrationInterrupted,
    MigrationSetError,
    force_command,
)
from pgsqlgen.migrations.files import out_of_range
from pgsqlgen.migrations.statements import (
    Statement,
    autocommit_reason,
    split_statements,
    statements_reason,
)
from pgsqlgen.sql.source import decode_source

__all__ = [
    "MIGRATIONS_TABLE",
    "DirtyDatabase",
    "MigrateError",
    "Migration",
    "MigrationFailed",
    "MigrationInterrupted",
    "MigrationSetError",
    "Migrator",
    "Statement",
    "advisory_lock_id",
    "autocommit_reason",
    "create_migration",
    "find_migrations",
    "next_free_version",
    "renumber",
    "split_statements",
]

# golang-migrate's database.GenerateAdvisoryLockId salt (from Rails).
_LOCK_SALT: Final = 1486364155

# Lock polling: start fast so an uncontended second runner barely waits,
# back off so a long migration is not hammered with queries.
_LOCK_POLL_FIRST: Final = 0.02
_LOCK_POLL_MAX: Final = 0.5

# PostgreSQL's identifier limit (NAMEDATALEN - 1).
_MAX_NAME_BYTES: Final = 63

_INTEGER_TYPES: Final = frozenset({"bigint", "integer", "smallint"})

# What :meth:`_Session.problem` says of a version table that is not there (yet).
_MISSING: Final = "missing"

# What a failing statement of a non-transactional file is shown as.
_SUMMARY_WIDTH: Final = 72


def advisory_lock_id(database: str, schema: str, table: str = MIGRATIONS_TABLE) -> int:
    """golang-migrate's lock key: ``GenerateAdvisoryLockId(db, schema, table)``.

    CRC-32 of ``schema NUL table NUL database`` times a salt, as a uint32.
    Note that golang-migrate passes the URL *path* as the database name, so
    for the usual ``postgres://host/dbname`` URL it is ``"/dbname"``; the
    runner uses that form so both tools exclude each other.
    """
    key = "\x00".join([schema, table, database]).encode()
    return (zlib.crc32(key) * _LOCK_SALT) & 0xFFFFFFFF


def _one_line(error: psycopg.Error) -> str:
    """PostgreSQL's (or libpq's) message on one line."""
    diag = error.diag.message_primary if isinstance(error, psycopg.DatabaseError) else None
    return " ".join((diag or str(error)).split())


@contextmanager
def _database_errors(what: str) -> Iterator[None]:
    """Turn a failure of the runner's own bookkeeping into one clear line."""
    try:
        yield
    except psycopg.Error as error:
        raise MigrateError(f"{what}: {_one_line(error)}") from None


@contextmanager
def _connect(url: str) -> Iterator[psycopg.Connection[Any]]:
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.ProgrammingError as error:  # libpq could not parse the URL
        raise MigrateError(f"invalid database URL: {_one_line(error)}") from None
    except psycopg.Error as error:
        raise MigrateError(f"cannot connect to the database: {_one_line(error)}") from None
    with conn:
        yield conn


@dataclass(frozen=True)
class _Script:
    """A migration file, read and split before anything runs."""

    migration: Migration
    path: Path
    text: str
    statements: list[Statement]

    @classmethod
    def read(cls, migration: Migration, path: Path) -> _Script:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise MigrationSetError(f"{path}: cannot read: {error.strerror}") from None
        text = decode_source(data, path)
        try:
            statements = split_statements(text)
        except TokenError:
            # Sent whole, so the server reports the problem with its position.
            statements = [Statement(text, 0, 1, ())]
        return cls(migration, path, text, statements)


@dataclass
class _Session:
    """A connection holding the migration lock, where the version table is, and
    the state recorded there as far as this run knows (for Ctrl-C)."""

    conn: psycopg.Connection[Any]
    schema: str
    name: str
    recorded: tuple[int | None, bool] = (None, False)
    created: bool = False

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def where(self) -> str:
        return f"{self.schema}.{self.name}"

    def problem(self) -> str | None:
        """Why the version table cannot be used: :data:`_MISSING`, or what makes it
        someone else's table; None when it is a version table."""
        rows = self.conn.execute(
            "SELECT c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),"
            " a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''"
            " FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_catalog.pg_attribute a"
            "   ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            " WHERE n.nspname = %s AND c.relname = %s",
            (self.schema, self.name),
        ).fetchall()
        if not rows:
            return _MISSING
        if rows[0][0] not in ("r", "p"):
            return "it is not a table"
        types = {str(name): str(kind) for _, name, kind, _ in rows if name is not None}
        if types.get("version") not in _INTEGER_TYPES:
            return "it has no integer column version"
        if types.get("dirty") != "boolean":
            return "it has no boolean column dirty"
        required = [str(name) for _, name, _, needed in rows if needed]
        extra = [name for name in required if name not in ("version", "dirty")]
        if extra:
            return f"its column {extra[0]} needs a value sqlgen would not give"
        return None

    def foreign(self, problem: str) -> MigrateError:
        return MigrateError(
            f"{self.where} is not a migrations table ({problem}): it is another table of "
            f"the same name. {_RENAME_ADVICE}"
        )

    def ensure_table(self) -> None:
        """Create the version table, or check the one there is golang-migrate's."""
        with _database_errors(f"cannot read {self.where}"):
            problem = self.problem()
        if problem is None:
            return
        if problem != _MISSING:
            raise self.foreign(problem)
        try:
            self.conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"
                ).format(self.table)
            )
        except psycopg.Error as error:
            raise MigrateError(
                f"cannot create {self.where}, where the migration version is kept: "
                f"{_one_line(error)}; grant the role CREATE on schema {self.schema}, or "
                "create the table once as a role that may: CREATE TABLE "
                f"{self.table.as_string(self.conn)} (version bigint NOT NULL PRIMARY KEY, "
                "dirty boolean NOT NULL)"
            ) from None
        self.created = True

    def undo_creation(self) -> None:
        """Drop the version table this run created, if it still records nothing:
        a first run that fails leaves the database as it found it (so a retry
        with ``--migrations-table`` does not trip over an empty leftover)."""
        if not self.created or self.recorded != (None, False):
            return
        with contextlib.suppress(psycopg.Error):
            if self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
                self.conn.rollback()
            with self.conn.transaction():
                empty = self.conn.execute(
                    sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(self.table)
                ).fetchone()
                if empty == (True,):
                    self.conn.execute(sql.SQL("DROP TABLE {}").format(self.table))

    def read(self) -> tuple[int | None, bool]:
        with _database_errors(f"cannot read {self.where}"):
            row = self.conn.execute(
                sql.SQL("SELECT version, dirty FROM {} ORDER BY version DESC LIMIT 1").format(
                    self.table
                )
            ).fetchone()
        if row is None:
            return None, False
        version, dirty = int(row[0]), bool(row[1])
        return (None if version < 0 else version), dirty

    def write(self, version: int | None, dirty: bool) -> None:
        """Record the state as golang-migrate's ``SetVersion`` does.

        Its TRUNCATE is replaced by DELETE: inside a migration's transaction
        TRUNCATE's ACCESS EXCLUSIVE lock would block every ``version()``
        reader until commit, while DELETE lets them see the old row.
        """
        with _database_errors(f"cannot record the version in {self.where}"):
            self.conn.execute(sql.SQL("DELETE FROM {}").format(self.table))
            # golang-migrate keeps a row for "nil version, dirty" (-1, true).
            if version is not None or dirty:
                self.conn.execute(
                    sql.SQL("INSERT INTO {} (version, dirty) VALUES (%s, %s)").format(self.table),
                    (-1 if version is None else version, dirty),
                )

    def check_kept(self, script: _Script, transactional: bool) -> None:
        """After a file ran: the version table is still there and still usable
        (a history with its own ``schema_migrations`` may drop or reshape it)."""
        with _database_errors(f"cannot read {self.where}"):
            problem = self.problem()
        if problem is None:
            return
        changed = "dropped" if problem == _MISSING else f"changed ({problem})"
        outcome = (
            "nothing of it was applied; the database is still at version "
            f"{_shown(self.recorded[0])}"
            if transactional
            else "it ran, but its version cannot be recorded"
        )
        raise MigrationFailed(
            script.path,
            None,
            script.migration.version,
            f"it {changed} {self.where}, the table sqlgen records the version in, so the "
            f"history has its own table of that name; {outcome}. {_RENAME_ADVICE}",
        )


_RENAME_ADVICE: Final = (
    "Keep sqlgen's version in another table: --migrations-table NAME, or "
    'migrations_table = "NAME" in the configuration (a database already migrated records '
    "its version there with `sqlgen migrate --migrations-table NAME force VERSION`)"
)


def _shown(version: int | None) -> str:
    return "nil" if version is None else str(version)


class Migrator:
    """Runs the migrations of ``directory`` against the database at ``url``.

    Every operation opens its own connection and closes it, so a Migrator
    is cheap, holds nothing between calls and may be used from any thread
    (but one call at a time per instance).  The files are re-read on every
    call, so edits are picked up.  ``table`` names the version table
    (golang-migrate's ``x-migrations-table``), in the current schema.
    """

    def __init__(
        self,
        url: str,
        directory: Path,
        table: str = MIGRATIONS_TABLE,
        *,
        on_step: Callable[[Migration, str, float], None] | None = None,
    ) -> None:
        if not table or len(table.encode()) > _MAX_NAME_BYTES or "\x00" in table:
            raise MigrateError(
                f"migrations table name {table[:_MAX_NAME_BYTES]!r} must be 1 to 63 bytes"
            )
        self.url = url
        self.directory = directory
        self.table = table
        #: Told of each migration as soon as it is applied or reverted: the
        #: migration, ``"applied"`` or ``"reverted"``, and the seconds it took.
        self.on_step = on_step

    # -- reading ----------------------------------------------------------------

    def version(self) -> tuple[int | None, bool]:
        """``(version, dirty)``; version ``None`` when never migrated.

        Takes no lock and creates nothing, so it works for read-only roles
        and while another process is migrating (it then sees the last
        committed state).
        """
        with _connect(self.url) as conn:
            session = _Session(conn, _current_schema(conn), self.table)
            with _database_errors(f"cannot read {session.where}"):
                problem = session.problem()
            if problem == _MISSING:
                return None, False
            if problem is not None:
                raise session.foreign(problem)
            return session.read()

    # -- moving -----------------------------------------------------------------

    def up(self, steps: int | None = None) -> list[int]:
        """Apply pending migrations (all, or the next ``steps``); return their versions."""
        return self._up(steps, None)

    def step_up_with(
        self, after_each: Callable[[Migration, psycopg.Connection[Any]], None]
    ) -> list[int]:
        """Apply all pending migrations, calling ``after_each`` after each one.

        Used to load test fixtures right after the migration they were
        written for, so later migrations transform real rows (the way they
        will transform production data).  ``after_each`` runs in its own
        transaction after the migration committed; if it raises, its
        transaction is rolled back, the exception propagates, and the
        database stays (clean) at that migration's version.
        """
        return self._up(None, after_each)

    def down(self, steps: int | None = None) -> list[int]:
        """Revert applied migrations (all, or the last ``steps``); return their versions.

        Every migration to revert must have a down file; that is checked
        before anything runs.
        """
        _check_steps(steps)
        migrations = find_migrations(self.directory)
        with self._locked() as session:
            current = self._current(session, migrations)
            applied = [m for m in migrations if current is not None and m.version <= current]
            targets = applied[::-1][:steps] if steps is not None else applied[::-1]
            return self._revert(session, migrations, targets)

    def goto(self, version: int) -> list[int]:
        """Migrate up or down to exactly ``version``, which must have a file.

        Returns the versions applied (ascending) or reverted (descending).
        """
        migrations = find_migrations(self.directory)
        if version not in {m.version for m in migrations}:
            raise MigrationSetError(f"{self.directory}: no migration with version {version}")
        with self._locked() as session:
            current = self._current(session, migrations)
            if current is None or current < version:
                pending = [
                    m
                    for m in migrations
                    if (current is None or m.version > current) and m.version <= version
                ]
                return self._apply(session, pending, None)
            targets = [m for m in reversed(migrations) if version < m.version <= current]
            return self._revert(session, migrations, targets)

    def force(self, version: int | None) -> None:
        """Record ``version`` (``None`` or -1: never migrated) as clean, running nothing.

        The way out of a dirty state after fixing the database by hand, as
        golang-migrate's ``force``.  Like golang-migrate it does not require a
        file for ``version``; the next ``up``/``down`` will complain if there
        is none.  Below -1 is refused: it would silently record "never migrated".
        """
        if version is not None and version < -1:
            raise MigrationSetError(
                f"cannot force version {version}: give a migration version, or -1 for none"
            )
        if version is not None and (reason := out_of_range(version)) is not None:
            raise MigrationSetError(f"cannot force version {version}: {reason}")
        target = None if version is None or version == -1 else version
        with self._locked() as session, session.conn.transaction():
            session.write(target, False)

    # -- internals ----------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[_Session]:
        """A connection holding the migration lock, with the table created.

        The lock is session-level (it must survive the per-file commits) and
        golang-migrate's key, so runners of either tool serialise: the second
        waits, then finds nothing left to do.
        """
        with _connect(self.url) as conn:
            schema = _current_schema(conn)
            with _database_errors("cannot take the migration lock"):
                row = conn.execute("SELECT current_database()").fetchone()
                assert row is not None
                key = advisory_lock_id("/" + str(row[0]), schema, self.table)
                _acquire_lock(conn, key)
            session = _Session(conn, schema, self.table)
            try:
                session.ensure_table()
                yield session
            except BaseException:
                session.undo_creation()
                raise
            finally:
                # The lock ends with the session anyway; a broken connection
                # must not hide the error that broke it.
                with contextlib.suppress(psycopg.Error):
                    if not conn.closed and not conn.broken:
                        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                            conn.rollback()
                        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _current(self, session: _Session, migrations: list[Migration]) -> int | None:
        """The recorded version, checked to be clean and known."""
        current, dirty = session.read()
        session.recorded = (current, dirty)
        if dirty:
            raise DirtyDatabase(current, self.table)
        if current is not None and current not in {m.version for m in migrations}:
            newest = max((m.version for m in migrations), default=None)
            if newest is None or current > newest:
                raise MigrationSetError(
                    f"database is at version {current}, newer than any migration in "
                    f"{self.directory} (newest: {newest}); it was migrated from a newer "
                    "checkout, update this one"
                )
            raise MigrationSetError(
                f"database is at version {current}, but {self.directory} has no migration "
                f"{current}; was it renamed or deleted after being applied?"
            )
        return current

    def _up(
        self,
        steps: int | None,
        after_each: Callable[[Migration, psycopg.Connection[Any]], None] | None,
    ) -> list[int]:
        _check_steps(steps)
        migrations = find_migrations(self.directory)
        with self._locked() as session:
            current = self._current(session, migrations)
            pending = [m for m in migrations if current is None or m.version > current]
            if steps is not None:
                pending = pending[:steps]
            return self._apply(session, pending, after_each)

    @contextmanager
    def _progress(self, session: _Session, verb: str) -> Iterator[list[int]]:
        """The versions a run has moved through so far, attached to whatever stops it."""
        done: list[int] = []
        try:
            yield done
        except MigrationFailed as failure:
            failure.done, failure.verb = done, verb
            if failure.recovery and done:
                failure.recovery += f"\nbefore it, this run {verb} {', '.join(map(str, done))}"
            raise
        except KeyboardInterrupt:
            raise MigrationInterrupted(done, verb, *session.recorded, self.table) from None

    def _apply(
        self,
        session: _Session,
        pending: list[Migration],
        after_each: Callable[[Migration, psycopg.Connection[Any]], None] | None,
    ) -> list[int]:
        scripts = [_Script.read(m, m.up) for m in pending]
        with self._progress(session, "applied") as done:
            for script in scripts:
                self._step(session, script, script.migration.version, "applied")
                done.append(script.migration.version)
                if after_each is not None:
                    with session.conn.transaction():
                        after_each(script.migration, session.conn)
        return done

    def _revert(
        self, session: _Session, migrations: list[Migration], targets: list[Migration]
    ) -> list[int]:
        missing = [m for m in targets if m.down is None]
        if missing:
            raise MigrationSetError(
                "cannot revert: no down migration "
                + ", ".join(str(m.up.with_name(f"{m.stem}.down.sql")) for m in missing)
            )
        previous = {m.version: p.version for p, m in itertools.pairwise(migrations)}
        scripts = [_Script.read(m, m.down) for m in targets if m.down is not None]
        with self._progress(session, "reverted") as done:
            for script in scripts:
                self._step(session, script, previous.get(script.migration.version), "reverted")
                done.append(script.migration.version)
        return done

    def _step(self, session: _Session, script: _Script, target: int | None, verb: str) -> None:
        """Run one migration file, timed, and tell ``on_step``."""
        start = time.perf_counter()
        _run_file(session, script, target)
        if self.on_step is not None:
            self.on_step(script.migration, verb, time.perf_counter() - start)


def _check_steps(steps: int | None) -> None:
    if steps is not None and steps < 0:
        raise MigrationSetError(f"the number of migrations must not be negative, got {steps}")


def _current_schema(conn: psycopg.Connection[Any]) -> str:
    with _database_errors("cannot read the current schema"):
        row = conn.execute("SELECT current_schema()").fetchone()
    if row is None or row[0] is None:
        raise MigrateError(
            "no current schema: search_path names no existing schema, so there is "
            "nowhere to keep the migrations table"
        )
    return str(row[0])


def _acquire_lock(conn: psycopg.Connection[Any], key: int) -> None:
    """Wait for the advisory lock by polling (see the module docstring for why)."""
    delay = _LOCK_POLL_FIRST
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if row is not None and row[0]:
            return
        time.sleep(delay)
        delay = min(delay * 2, _LOCK_POLL_MAX)


def _run_file(session: _Session, script: _Script, target: int | None) -> None:
    """Run one up or down file and record ``target`` as the new version."""
    conn = session.conn
    reason = statements_reason(script.statements, conn.info.server_version)
    if reason is None:
        with conn.transaction():
            # One statement at a time, so an error PostgreSQL reports without
            # a position (most catalog errors) still names its line.
            for statement in script.statements:
                _execute(session, script, statement)
            session.check_kept(script, transactional=True)
            session.write(target, False)
        session.recorded = (target, False)
        return

    # golang-migrate's protocol: the dirty mark is committed first, so a
    # failure part-way is visible to whoever runs next.
    before = session.recorded[0]
    with conn.transaction():
        session.write(target, True)
    session.recorded = (target, True)
    ran: list[Statement] = []
    try:
        for statement in script.statements:
            _execute(session, script, statement)
            ran.append(statement)
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            raise MigrationFailed(
                script.path,
                None,
                script.migration.version,
                "the file ends inside a transaction (BEGIN without COMMIT)",
            )
    except MigrationFailed as failure:
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.rollback()
        failure.recovery = _dirty_advice(session, script, reason, ran, before, target)
        raise
    session.check_kept(script, transactional=False)
    with conn.transaction():
        session.write(target, False)
    session.recorded = (target, False)


def _execute(session: _Session, script: _Script, statement: Statement) -> None:
    # bytes: without parameters psycopg sends the text verbatim (% is safe).
    try:
        session.conn.execute(statement.text.encode())
    except psycopg.Error as error:
        raise _failure(session, script, error, statement) from error


def _dirty_advice(
    session: _Session,
    script: _Script,
    reason: str,
    ran: list[Statement],
    before: int | None,
    target: int | None,
) -> str:
    """What a failed non-transactional file left behind, and the way out."""
    lines = [
        f"the database is now dirty at version {_shown(target)}: {script.path.name} cannot "
        f"run in a transaction ({reason}), so what ran before the failure stays applied:"
    ]
    for statement in ran:
        first = statement.text.splitlines()[0]
        if len(first) > _SUMMARY_WIDTH:
            first = first[: _SUMMARY_WIDTH - 3] + "..."
        lines.append(f"  line {statement.line}: {first}")
    if not ran:
        lines.append("  (nothing: the first statement failed)")
    lines.append(
        f"to recover: finish or undo {script.path.name} by hand, then record the state with "
        f"`{force_command(target, session.name)}` (finished) or "
        f"`{force_command(before, session.name)}` (undone)"
    )
    return "\n".join(lines)


def _failure(
    session: _Session, script: _Script, error: psycopg.Error, statement: Statement
) -> MigrationFailed:
    """A :class:`MigrationFailed` with PostgreSQL's position mapped to a file line."""
    diag = error.diag
    line = statement.line
    if diag.statement_position:
        try:
            position = statement.offset + int(diag.statement_position) - 1  # 1-based characters
        except ValueError:
            pass
        else:
            line = script.text.count("\n", 0, max(position, 0)) + 1
    message = diag.message_primary or " ".join(str(error).split())
    for label, extra in (
        ("DETAIL", diag.message_detail),
        ("HINT", diag.message_hint),
        ("CONTEXT", diag.context),
    ):
        if extra:
            message += f"\n{label}: {extra}"
    if isinstance(error, errors.DuplicateTable) and f'"{session.name}"' in message:
        message += (
            f"\nHINT: the history creates its own {session.name}, the table sqlgen records "
            f"the version in. {_RENAME_ADVICE}"
        )
    return MigrationFailed(script.path, line, script.migration.version, message)
