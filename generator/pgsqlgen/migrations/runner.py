"""Migration runner: apply and revert ``NNNNNN_name.(up|down).sql`` files.

The files are the same golang-migrate directory the code generator reads its
schema from, and the bookkeeping is golang-migrate's too: a
``schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT
NULL)`` table in the current schema holding at most one row, with no row
meaning "never migrated".  A database migrated by either tool can therefore
be continued by the other, and both take the same advisory lock.

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
  database dirty, because a partial application cannot be undone.
* Errors name ``file:line`` (PostgreSQL's error position mapped back into
  the file) rather than a position inside a statement.
* The advisory lock is taken by polling ``pg_try_advisory_lock`` instead of
  blocking in ``pg_advisory_lock``: a session blocked in that call holds a
  snapshot, and ``CREATE INDEX CONCURRENTLY`` in the session holding the lock
  waits for every older snapshot, so a second runner waiting for the lock
  would deadlock with the first (PostgreSQL then kills one of them).

The module also has the file-level helpers the CLI needs: creating the next
migration pair and renumbering migrations (with their test fixtures), e.g.
after two branches both added migration 21.
"""

from __future__ import annotations

import itertools
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import pq, sql
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import TokenType

from pgsqlgen.migrations.files import (
    DEFAULT_WIDTH,
    FIXTURES,
    MIGRATION_NAME,
    migration_file,
    migration_files,
    version_width,
)
from pgsqlgen.migrations.files import next_free_version as next_version

__all__ = [
    "MIGRATIONS_TABLE",
    "DirtyDatabase",
    "MigrateError",
    "Migration",
    "MigrationFailed",
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

#: golang-migrate's default bookkeeping table (``x-migrations-table``).
MIGRATIONS_TABLE: Final = "schema_migrations"

#: Digits in a new migration number when the directory has none to copy.
# golang-migrate's database.GenerateAdvisoryLockId salt (from Rails).
_LOCK_SALT: Final = 1486364155

# Lock polling: start fast so an uncontended second runner barely waits,
# back off so a long migration is not hammered with queries.
_LOCK_POLL_FIRST: Final = 0.02
_LOCK_POLL_MAX: Final = 0.5

_SNAKE_CASE: Final = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")

# Tokens whose text is data or a quoted name, never a keyword.
_QUOTED_TOKENS: Final = frozenset(
    {
        TokenType.STRING,
        TokenType.IDENTIFIER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
        TokenType.NUMBER,
    }
)

_TRANSACTION_CONTROL: Final = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})


# -- errors -------------------------------------------------------------------


class MigrateError(Exception):
    """Base class of everything this module raises on purpose.

    Lets the CLI turn any migration problem into a one-line message and a
    non-zero exit without catching unrelated bugs.
    """


class MigrationSetError(MigrateError):
    """The migration files, or their relation to the database, are inconsistent.

    Examples: two files with the same version, a down file without its up
    file, reverting a migration that has no down file, a database at a
    version no file describes.  Nothing has been run when this is raised for
    a problem that can be detected up front.
    """


class MigrationFailed(MigrateError):
    """PostgreSQL rejected a migration file.

    ``str()`` is ``path:line: migration NNNNNN failed: <message>`` so editors
    and terminals can jump to the offending line; ``line`` is ``None`` when
    the server gave no position (e.g. a runtime error inside a ``DO`` block
    of a transactional file).
    """

    def __init__(self, path: Path, line: int | None, version: int, pg_message: str) -> None:
        self.path = path
        self.line = line
        self.version = version
        self.pg_message = pg_message
        match = MIGRATION_NAME.match(path.name)
        label = match["version"] if match else f"{version:0{DEFAULT_WIDTH}d}"
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: migration {label} failed: {pg_message}")


class DirtyDatabase(MigrateError):
    """The database is marked dirty: a migration failed part-way earlier.

    Running more migrations on top of a half-applied one would make things
    worse, so the runner refuses until a human has looked at it and recorded
    the real state with ``force`` (exactly golang-migrate's contract).
    ``version`` is ``None`` for golang-migrate's "nil version, dirty" state
    (a failed down of the first migration), which ``force -1`` clears.
    """

    def __init__(self, version: int | None) -> None:
        self.version = version
        shown = -1 if version is None else version
        super().__init__(
            f"database is marked dirty at version {shown}: a migration failed part-way "
            f"and may be half-applied; run `sqlgen migrate force {shown}` after fixing it "
            "by hand (or force the version the database matches after you undid the change)"
        )


# -- the set of migrations on disk ---------------------------------------------


@dataclass(frozen=True)
class Migration:
    """One migration: its number, its snake_case name and its files."""

    version: int
    name: str
    up: Path
    down: Path | None

    @property
    def stem(self) -> str:
        """``NNNNNN_name``, as spelled on disk (keeps the original padding)."""
        return self.up.name.removesuffix(".up.sql")


def find_migrations(directory: Path, *, allow_duplicates: bool = False) -> list[Migration]:
    """The migrations in ``directory``, sorted by version (then stem).

    Files not named ``NNNNNN_snake_name.(up|down).sql`` are ignored (READMEs,
    ``testdata/``; the schema loader is the one that complains about them).
    Two different stems with the same version are an error, since their
    order would be arbitrary; the message names the files and the next free
    version, which is what the loser of a merge race should move to.
    ``allow_duplicates`` lists them anyway, for tools that fix the set
    (e.g. choosing where :func:`renumber` should start).
    """
    if not directory.is_dir():
        raise MigrationSetError(f"{directory}: migrations directory not found")
    files = _scan(directory)
    problems: list[str] = []
    migrations: list[Migration] = []
    free = max(files, default=0) + 1
    width = _width_in_use(directory)
    for version in sorted(files):
        paths = files[version]
        stems = sorted({_stem(p) for p in paths})
        if len(stems) > 1 and not allow_duplicates:
            names = " and ".join(p.name for p in sorted(paths))
            problems.append(
                f"{directory}: duplicate migration version {version}: {names}; renumber the "
                f"one your branch adds to the next free version {free:0{width}d} "
                "(sqlgen migrate renumber)"
            )
            free += 1
            continue
        for stem in stems:
            up = directory / f"{stem}.up.sql"
            down = directory / f"{stem}.down.sql"
            if up not in paths:
                problems.append(f"{down}: down migration without an up migration ({up.name})")
                continue
            name = stem.split("_", 1)[1]
            migrations.append(Migration(version, name, up, down if down in paths else None))
    if problems:
        raise MigrationSetError("\n".join(problems))
    return migrations


def next_free_version(migrations: list[Migration]) -> int:
    """One more than the highest version (1 for an empty set); gaps are never filled."""
    return next_version({m.version for m in migrations})


def create_migration(directory: Path, name: str) -> tuple[Path, Path]:
    """Create the next ``NNNNNN_name.up.sql`` / ``.down.sql`` pair; return their paths.

    The number is :func:`next_free_version`, padded to the width the
    directory already uses (6 digits for a new directory) so that files keep
    sorting correctly in ``ls`` and code review.  ``name`` must be
    snake_case because the schema loader only accepts such names.  Existing
    files are never overwritten.
    """
    if not _SNAKE_CASE.match(name):
        raise MigrationSetError(
            f"migration name {name!r} must be snake_case: lower-case letters, digits and "
            "single underscores, starting with a letter (e.g. add_chat_titles)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    version = next_free_version(find_migrations(directory))
    stem = f"{version:0{_width_in_use(directory)}d}_{name}"
    up = directory / f"{stem}.up.sql"
    down = directory / f"{stem}.down.sql"
    for path in (up, down):
        if path.exists():
            raise MigrationSetError(f"{path}: already exists; not overwriting it")
    up_text = f"-- {stem}: write the schema change here.\n"
    down_text = (
        f"-- {stem}: undo what {up.name} does, in reverse order.\n"
        "-- If it cannot be undone (e.g. an added enum value), say why and keep a\n"
        "-- no-op such as SELECT 1;\n"
    )
    with up.open("x", encoding="utf-8") as f:
        f.write(up_text)
    try:
        with down.open("x", encoding="utf-8") as f:
            f.write(down_text)
    except BaseException:
        up.unlink()
        raise
    return up, down


def renumber(directory: Path, versions: Sequence[int | str], start: int) -> list[tuple[Path, Path]]:
    """Give the migrations ``versions`` the numbers ``start, start+1, ...``.

    The typical use: two branches both added migration 21; the one merged
    second moves its migrations after the other's.  Each item is a version
    number or, when the number is ambiguous (exactly that merge situation),
    the stem of the migration to move (``"000021_add_things"``): an int
    cannot say which of two files to move, so an ambiguous int is refused.
    Items are taken in the order given, so this can also reorder.  The up
    and down files and the test fixture (``testdata/fixtures/<same
    stem>.up.sql``) move together.  Target numbers used by any migration or
    fixture that is not moving are refused.  Returns ``(old, new)`` path
    pairs of every file moved.

    Renumbering a migration that some database has already applied makes
    that database's recorded version point at a different migration; only
    renumber migrations that have not been deployed.
    """
    if start < 0:
        raise MigrationSetError(f"start version must not be negative, got {start}")
    if not directory.is_dir():
        raise MigrationSetError(f"{directory}: migrations directory not found")
    files = _scan(directory)
    fixtures_dir = directory / FIXTURES
    fixtures = _scan(fixtures_dir) if fixtures_dir.is_dir() else {}
    width = _width_in_use(directory)
    stems = [_resolve_stem(directory, files, item) for item in versions]
    if len(set(stems)) != len(stems):
        raise MigrationSetError(f"migrations to renumber are listed twice: {list(versions)}")
    moving = set(stems)

    moves: list[tuple[Path, Path]] = []
    for offset, old_stem in enumerate(stems):
        target = start + offset
        for where, taken in (("migration", files), ("fixture", fixtures)):
            others = [p for p in taken.get(target, []) if _stem(p) not in moving]
            if others:
                raise MigrationSetError(
                    f"cannot renumber {old_stem} to {target}: "
                    f"{where} {_stem(others[0])} already has that version"
                )
        new_stem = f"{target:0{width}d}_{old_stem.split('_', 1)[1]}"
        if new_stem == old_stem:
            continue
        for folder, suffix in (
            (directory, ".up.sql"),
            (directory, ".down.sql"),
            (fixtures_dir, ".up.sql"),
        ):
            old = folder / f"{old_stem}{suffix}"
            if old.is_file():
                moves.append((old, folder / f"{new_stem}{suffix}"))

    # Two phases through temporary names, so that shifting 21, 22 to 22, 23
    # (each target is another source) never overwrites a file.
    staged: list[tuple[Path, Path]] = []
    for index, (old, new) in enumerate(moves):
        temp = old.with_name(f".renumber-{index}-{old.name}")
        old.rename(temp)
        staged.append((temp, new))
    for temp, new in staged:
        if new.exists():  # not one of ours: a file appeared meanwhile
            raise MigrationSetError(f"{new}: already exists; renamed files left as {temp.name}")
        temp.rename(new)
    return moves


def _resolve_stem(directory: Path, files: dict[int, list[Path]], item: int | str) -> str:
    """The one migration stem a :func:`renumber` item names."""
    if isinstance(item, str):
        stem = item.removesuffix(".sql").removesuffix(".up").removesuffix(".down")
        match = MIGRATION_NAME.match(f"{stem}.up.sql")
        if match is None or (directory / f"{stem}.up.sql") not in files.get(
            int(match["version"]), []
        ):
            raise MigrationSetError(f"{directory}: no migration {item}")
        return stem
    found = sorted({_stem(p) for p in files.get(item, [])})
    if not found:
        raise MigrationSetError(f"{directory}: no migration with version {item}")
    if len(found) > 1:
        raise MigrationSetError(
            f"{directory}: version {item} is used by {' and '.join(found)}; "
            "name the one to move by its full name (e.g. " + found[-1] + ")"
        )
    return found[0]


def _scan(directory: Path) -> dict[int, list[Path]]:
    """Migration-named files of ``directory`` grouped by version (no checks)."""
    files: dict[int, list[Path]] = {}
    for file in migration_files(directory):
        files.setdefault(file.version, []).append(file.path)
    return files


def _stem(path: Path) -> str:
    file = migration_file(path)
    assert file is not None
    return file.stem


def _width_in_use(directory: Path) -> int:
    """Digits of the widest version number in ``directory`` (default 6)."""
    return version_width(migration_files(directory)) if directory.is_dir() else DEFAULT_WIDTH


# -- statements ------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file, as sent in autocommit mode."""

    #: From the first token to the terminating semicolon (inclusive).
    text: str
    #: Character offset of ``text`` in the file, to map error positions back.
    offset: int
    #: 1-based line of the first token, the fallback error line.
    line: int
    #: Upper-cased keywords and unquoted names, for classification.
    words: tuple[str, ...]


def split_statements(script: str) -> list[Statement]:
    """Split ``script`` at top-level semicolons.

    Uses sqlglot's PostgreSQL tokenizer so that semicolons in strings,
    quoted names, comments and ``$tag$`` bodies do not split; a
    ``BEGIN ATOMIC ... END`` function body is tracked like psql does.
    Raises :class:`sqlglot.errors.TokenError` on text it cannot tokenize.
    """
    tokens = Postgres().tokenize(script)
    statements: list[Statement] = []
    current: list[Any] = []
    depth = 0
    for token in tokens:
        kind = token.token_type
        if kind == TokenType.SEMICOLON and depth == 0:
            if current:
                statements.append(_statement(script, current, token.end + 1))
                current = []
            continue
        word = token.text.upper() if kind not in _QUOTED_TOKENS else ""
        opens_body = word == "ATOMIC" and current and current[-1].token_type == TokenType.BEGIN
        if opens_body or (depth and word == "CASE"):
            depth += 1
        elif depth and word == "END":
            depth -= 1
        current.append(token)
    if current:
        statements.append(_statement(script, current, len(script)))
    return statements


def _statement(script: str, tokens: list[Any], end: int) -> Statement:
    start: int = tokens[0].start
    words: list[str] = []
    after_command = False
    for token in tokens:
        if token.token_type == TokenType.COMMAND:
            # sqlglot folds the rest of commands it does not parse (VACUUM,
            # REINDEX, ...) into one string token; its words still matter.
            words.append(token.text.upper())
            after_command = True
            continue
        if after_command and token.token_type == TokenType.STRING:
            words.extend(w.upper() for w in _WORD.findall(token.text))
        elif token.token_type not in _QUOTED_TOKENS and _WORD.fullmatch(token.text):
            words.append(token.text.upper())
        after_command = False
    return Statement(
        text=script[start:end].rstrip(),
        offset=start,
        line=script.count("\n", 0, start) + 1,
        words=tuple(words),
    )


def autocommit_reason(script: str, server_version: int) -> str | None:
    """Why ``script`` cannot run as one transaction, or ``None`` if it can.

    ``server_version`` is libpq's number (e.g. 150004): before PostgreSQL
    12, ``ALTER TYPE ... ADD VALUE`` could not run in a transaction block
    either.  A script that cannot be tokenized is reported as transactional:
    the server will reject it with a proper position anyway.
    """
    try:
        statements = split_statements(script)
    except TokenError:
        return None
    for statement in statements:
        reason = _statement_reason(statement.words, server_version)
        if reason is not None:
            return reason
    return None


def _statement_reason(words: Sequence[str], server_version: int) -> str | None:
    if not words:
        return None
    first, rest = words[0], list(words[1:])
    if first in _TRANSACTION_CONTROL:
        return f"it controls transactions itself ({first})"
    if first == "VACUUM":
        return "VACUUM"
    if first == "REINDEX" and {"CONCURRENTLY", "SCHEMA", "DATABASE", "SYSTEM"} & set(rest):
        return "REINDEX " + " ".join(rest[:2])
    if first in ("CREATE", "DROP"):
        if rest[:1] and rest[0] in ("DATABASE", "TABLESPACE", "SUBSCRIPTION"):
            return f"{first} {rest[0]}"
        head = rest[:2]
        if "INDEX" in head:
            after = rest[head.index("INDEX") + 1 : head.index("INDEX") + 2]
            if after == ["CONCURRENTLY"]:
                return f"{first} INDEX CONCURRENTLY"
    if first == "ALTER" and rest:
        if rest[0] == "SYSTEM":
            return "ALTER SYSTEM"
        if rest[0] == "TABLE" and "DETACH" in rest and "CONCURRENTLY" in rest:
            return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"
        if rest[0] == "TYPE" and "ADD" in rest and "VALUE" in rest and server_version < 120000:
            return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
    return None


# -- the runner ------------------------------------------------------------------


def advisory_lock_id(database: str, schema: str, table: str = MIGRATIONS_TABLE) -> int:
    """golang-migrate's lock key: ``GenerateAdvisoryLockId(db, schema, table)``.

    CRC-32 of ``schema NUL table NUL database`` times a salt, as a uint32.
    Note that golang-migrate passes the URL *path* as the database name, so
    for the usual ``postgres://host/dbname`` URL it is ``"/dbname"``; the
    runner uses that form so both tools exclude each other.
    """
    key = "\x00".join([schema, table, database]).encode()
    return (zlib.crc32(key) * _LOCK_SALT) & 0xFFFFFFFF


@dataclass
class _Session:
    """A connection holding the migration lock, and where the table is."""

    conn: psycopg.Connection[Any]
    table: sql.Identifier

    def read(self) -> tuple[int | None, bool]:
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
        self.conn.execute(sql.SQL("DELETE FROM {}").format(self.table))
        # golang-migrate keeps a row for "nil version, dirty" (-1, true).
        if version is not None or dirty:
            self.conn.execute(
                sql.SQL("INSERT INTO {} (version, dirty) VALUES (%s, %s)").format(self.table),
                (-1 if version is None else version, dirty),
            )


class Migrator:
    """Runs the migrations of ``directory`` against the database at ``url``.

    Every operation opens its own connection and closes it, so a Migrator
    is cheap, holds nothing between calls and may be used from any thread
    (but one call at a time per instance).  The files are re-read on every
    call, so edits are picked up.
    """

    def __init__(self, url: str, directory: Path) -> None:
        self.url = url
        self.directory = directory

    # -- reading ----------------------------------------------------------------

    def version(self) -> tuple[int | None, bool]:
        """``(version, dirty)``; version ``None`` when never migrated.

        Takes no lock and creates nothing, so it works for read-only roles
        and while another process is migrating (it then sees the last
        committed state).
        """
        with psycopg.connect(self.url, autocommit=True) as conn:
            schema = _current_schema(conn)
            if not _table_exists(conn, schema):
                return None, False
            return _Session(conn, sql.Identifier(schema, MIGRATIONS_TABLE)).read()

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
        is none.
        """
        if version is not None and version < -1:
            raise MigrationSetError(f"cannot force version {version}: must be >= -1")
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
        with psycopg.connect(self.url, autocommit=True) as conn:
            schema = _current_schema(conn)
            row = conn.execute("SELECT current_database()").fetchone()
            assert row is not None
            key = advisory_lock_id("/" + str(row[0]), schema)
            _acquire_lock(conn, key)
            try:
                table = sql.Identifier(schema, MIGRATIONS_TABLE)
                if not _table_exists(conn, schema):
                    conn.execute(
                        sql.SQL(
                            "CREATE TABLE IF NOT EXISTS {} "
                            "(version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"
                        ).format(table)
                    )
                yield _Session(conn, table)
            finally:
                if not conn.closed and not conn.broken:
                    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                        conn.rollback()
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _current(self, session: _Session, migrations: list[Migration]) -> int | None:
        """The recorded version, checked to be clean and known."""
        current, dirty = session.read()
        if dirty:
            raise DirtyDatabase(current)
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

    def _apply(
        self,
        session: _Session,
        pending: list[Migration],
        after_each: Callable[[Migration, psycopg.Connection[Any]], None] | None,
    ) -> list[int]:
        applied: list[int] = []
        for migration in pending:
            _run_file(session, migration, migration.up, migration.version)
            applied.append(migration.version)
            if after_each is not None:
                with session.conn.transaction():
                    after_each(migration, session.conn)
        return applied

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
        reverted: list[int] = []
        for migration in targets:
            assert migration.down is not None
            _run_file(session, migration, migration.down, previous.get(migration.version))
            reverted.append(migration.version)
        return reverted


def _check_steps(steps: int | None) -> None:
    if steps is not None and steps < 0:
        raise ValueError(f"steps must not be negative, got {steps}")


def _current_schema(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    if row is None or row[0] is None:
        raise MigrateError(
            "no current schema: search_path names no existing schema, so there is "
            f"nowhere to keep {MIGRATIONS_TABLE}"
        )
    return str(row[0])


def _table_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s)",
        (schema, MIGRATIONS_TABLE),
    ).fetchone()
    return bool(row and row[0])


def _acquire_lock(conn: psycopg.Connection[Any], key: int) -> None:
    """Wait for the advisory lock by polling (see the module docstring for why)."""
    delay = _LOCK_POLL_FIRST
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if row is not None and row[0]:
            return
        time.sleep(delay)
        delay = min(delay * 2, _LOCK_POLL_MAX)


def _read_script(path: Path) -> str:
    try:
        # utf-8-sig tolerates a BOM; universal newlines keep positions simple.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise MigrationSetError(f"{path}: not valid UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise MigrationSetError(f"{path}: cannot read: {e.strerror}") from e


def _run_file(session: _Session, migration: Migration, path: Path, target: int | None) -> None:
    """Run one up or down file and record ``target`` as the new version."""
    conn = session.conn
    script = _read_script(path)
    if autocommit_reason(script, conn.info.server_version) is None:
        with conn.transaction():
            # One statement at a time, so an error PostgreSQL reports without
            # a position (most catalog errors) still names its line. bytes:
            # without parameters psycopg sends the text verbatim (% is safe).
            for statement in split_statements(script):
                try:
                    conn.execute(statement.text.encode())
                except psycopg.Error as e:
                    raise _failure(
                        path, script, migration.version, e, statement.offset, statement.line
                    ) from e
            session.write(target, False)
        return

    # golang-migrate's protocol: the dirty mark is committed first, so a
    # failure part-way is visible to whoever runs next.
    with conn.transaction():
        session.write(target, True)
    for statement in split_statements(script):
        try:
            conn.execute(statement.text.encode())
        except psycopg.Error as e:
            if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                conn.rollback()
            raise _failure(
                path, script, migration.version, e, statement.offset, statement.line
            ) from e
    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        conn.rollback()
        raise MigrationFailed(
            path,
            None,
            migration.version,
            "the file ends inside a transaction (BEGIN without COMMIT)",
        )
    with conn.transaction():
        session.write(target, False)


def _failure(
    path: Path, script: str, version: int, error: psycopg.Error, offset: int, fallback: int | None
) -> MigrationFailed:
    """A :class:`MigrationFailed` with PostgreSQL's position mapped to a file line."""
    diag = error.diag
    line = fallback
    if diag.statement_position:
        try:
            position = offset + int(diag.statement_position) - 1  # 1-based characters
        except ValueError:
            pass
        else:
            line = script.count("\n", 0, max(position, 0)) + 1
    message = diag.message_primary or str(error).strip()
    for label, extra in (
        ("DETAIL", diag.message_detail),
        ("HINT", diag.message_hint),
        ("CONTEXT", diag.context),
    ):
        if extra:
            message += f"\n{label}: {extra}"
    return MigrationFailed(path, line, version, message)
