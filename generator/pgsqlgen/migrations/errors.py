"""What the migration runner raises on purpose: each is one clear message for the
command line, never a traceback (``MigrationInterrupted`` exits with 130)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pgsqlgen.migrations.files import DEFAULT_WIDTH, MIGRATION_NAME

#: golang-migrate's default bookkeeping table (``x-migrations-table``).
MIGRATIONS_TABLE: Final = "schema_migrations"


def force_command(version: int | None, table: str = MIGRATIONS_TABLE) -> str:
    """The ``sqlgen migrate force`` line that records ``version`` (None: no version)."""
    option = "" if table == MIGRATIONS_TABLE else f" --migrations-table {table}"
    return f"sqlgen migrate{option} force {-1 if version is None else version}"


class MigrateError(Exception):
    """Base class of everything this package raises on purpose.

    Lets the CLI turn any migration problem into a message and a non-zero
    exit without catching unrelated bugs.
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

    ``str()`` starts ``path:line: migration NNNNNN failed: <message>`` so
    editors and terminals can jump to the offending line; ``line`` is
    ``None`` when the server gave no position.  ``done`` lists the versions
    this run moved through before the failure, ``verb`` says how ("applied"
    or "reverted"); ``recovery``, set
    when the file could not run in a transaction, says that the database is
    now dirty, what of the file took effect and how to recover.
    """

    def __init__(self, path: Path, line: int | None, version: int, pg_message: str) -> None:
        self.path = path
        self.line = line
        self.version = version
        self.pg_message = pg_message
        self.done: list[int] = []
        self.verb = "applied"
        self.recovery = ""
        super().__init__(path)

    def __str__(self) -> str:
        match = MIGRATION_NAME.match(self.path.name)
        label = match["version"] if match else f"{self.version:0{DEFAULT_WIDTH}d}"
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        text = f"{where}: migration {label} failed: {self.pg_message}"
        return f"{text}\n{self.recovery}" if self.recovery else text


class DirtyDatabase(MigrateError):
    """The database is marked dirty: a migration failed part-way earlier.

    Running more migrations on top of a half-applied one would make things
    worse, so the runner refuses until a human has looked at it and recorded
    the real state with ``force`` (exactly golang-migrate's contract).
    ``version`` is ``None`` for golang-migrate's "nil version, dirty" state
    (a failed down of the first migration), which ``force -1`` clears.
    """

    def __init__(self, version: int | None, table: str = MIGRATIONS_TABLE) -> None:
        self.version = version
        shown = -1 if version is None else version
        super().__init__(
            f"database is marked dirty at version {shown}: a migration failed part-way "
            f"and may be half-applied; run `{force_command(version, table)}` after fixing it "
            "by hand (or force the version the database matches after you undid the change)"
        )


class MigrationInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``str()`` is one line saying where the database is.

    A ``KeyboardInterrupt``, so code that stops on Ctrl-C still does.
    ``done`` and ``verb`` are as in :class:`MigrationFailed`. The
    migration running at the time was cancelled and rolled back, unless it
    could not run in a transaction: then the database stays dirty at it.
    """

    def __init__(
        self, done: list[int], verb: str, version: int | None, dirty: bool, table: str
    ) -> None:
        self.done = done
        self.verb = verb
        self.version = version
        self.dirty = dirty
        shown = "nil" if version is None else str(version)
        if dirty:
            state = (
                f"the database is dirty at version {shown} (the migration running could not "
                f"run in a transaction): fix it by hand, then `{force_command(version, table)}`"
            )
        else:
            state = f"the database is clean at version {shown}"
        super().__init__(f"interrupted: {state}")
