"""Throwaway PostgreSQL servers and databases for tests and schema introspection.

The code generator has to talk to a real PostgreSQL server: the schema is
defined by migrations (plain SQL, often with plpgsql functions and triggers),
and the only faithful way to learn the resulting catalog (column types,
nullability, function signatures) is to run them on the real thing.  This
module provides the minimum needed to do that without any external setup:

* :class:`ThrowawayCluster` starts a private cluster from the local binaries
  (``initdb``, ``pg_ctl``, ``postgres`` on ``PATH``) in a fresh temporary
  directory, reachable only through a Unix socket in that directory, and
  removes every trace of it on exit.
* :func:`database_server_url` honours ``DATABASE_URL`` so CI (or a developer)
  can point everything at an existing server instead.
* :func:`create_database` / :func:`drop_database` make per-test databases
  cheap: ``CREATE DATABASE ... TEMPLATE`` copies an already-migrated database
  far faster than re-running the migrations.
* :func:`apply_migrations` is a deliberately tiny migration runner, enough to
  build a template database.  A fuller runner (bookkeeping table, down
  migrations, ...) is expected to live elsewhere.

Only the standard library and psycopg are used, so importing this module is
cheap and it can be used both from ``tests/conftest.py`` and from the CLI.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, Self
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

__all__ = [
    "ClusterError",
    "MigrationError",
    "ThrowawayCluster",
    "apply_migrations",
    "create_database",
    "database_server_url",
    "drop_database",
    "dsn_for_database",
    "find_migrations",
]

#: Name of the environment variable that points at an existing server.
DATABASE_URL_ENV: Final = "DATABASE_URL"

#: Superuser created by ``initdb`` in a throwaway cluster.
SUPERUSER: Final = "postgres"

#: Settings appended to ``postgresql.conf`` of every throwaway cluster, apart
#: from the per-cluster ``port`` / ``unix_socket_directories``.  Durability is
#: pointless for data that is deleted minutes later, and turning it off makes
#: ``CREATE DATABASE`` and DDL-heavy migrations noticeably faster.
#: ``listen_addresses = ''`` keeps the server off the network entirely.
FAST_SETTINGS: Final[Mapping[str, str]] = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

# Up migrations look like ``000001_create_users.up.sql``; the number orders
# them.  ``.down.sql`` files and anything else in the directory are ignored.
_UP_MIGRATION_RE: Final = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.up\.sql$")

# sockaddr_un.sun_path is 108 bytes on Linux (104 on some BSDs), including the
# trailing NUL; PostgreSQL appends "/.s.PGSQL.<port>" to the directory.
_MAX_SOCKET_PATH: Final = 100

_LOG_TAIL_LINES: Final = 40


class ClusterError(RuntimeError):
    """A throwaway cluster could not be created, started or stopped.

    The message includes the failing command, its output and the tail of the
    server log, because "pg_ctl exited with status 1" alone is useless when
    the cause is e.g. a permission problem or an unsupported setting.
    """


class MigrationError(RuntimeError):
    """A migration script failed; the message names the file and the line."""

    def __init__(self, message: str, *, filename: str, line: int | None) -> None:
        super().__init__(message)
        self.filename = filename
        self.line = line


class ThrowawayCluster(contextlib.AbstractContextManager["ThrowawayCluster"]):
    """A private PostgreSQL cluster that lives exactly as long as a ``with`` block.

    Usage::

        with ThrowawayCluster() as cluster:
            with psycopg.connect(cluster.url) as conn:
                ...

    On entry a fresh directory is created (``tempfile.mkdtemp``, so clusters
    started concurrently, e.g. by pytest-xdist workers, never collide), a
    cluster is initialised in ``<dir>/data`` with trust authentication and
    started with ``pg_ctl -w`` (which returns only once the server accepts
    connections).  The server listens only on a Unix socket in ``<dir>``; the
    port number is still picked as a currently free TCP port because it names
    the socket file and keys the server's System V shared memory segment.

    PostgreSQL refuses to run as root.  When the current process is root, the
    directory is handed to the ``postgres`` system user (configurable with
    ``run_as``) and ``initdb`` / ``pg_ctl`` are run as that user; the cluster
    is still fully usable from the calling process through the socket.

    On exit the server is stopped with ``pg_ctl stop -m immediate`` (there is
    nothing worth flushing) and the directory is removed.  This also happens
    when startup fails halfway, so a failed start never leaks a server or a
    directory.
    """

    def __init__(
        self,
        *,
        base_dir: str | os.PathLike[str] | None = None,
        run_as: str = "postgres",
        startup_timeout: float = 60.0,
        extra_settings: Mapping[str, str] | None = None,
    ) -> None:
        """Configure (but do not yet start) a cluster.

        :param base_dir: where to create the temporary directory; defaults to
            the system temp dir, or ``/tmp`` if that would make the socket
            path too long or (when root) is not reachable by ``run_as``.
        :param run_as: system user to run the server as when we are root.
        :param startup_timeout: seconds allowed for ``initdb`` and for the
            server to become ready (each).
        :param extra_settings: more ``postgresql.conf`` settings, values as
            written in the file (strings must carry their own quotes).
        """
        self._base_dir = None if base_dir is None else Path(base_dir)
        self._run_as = run_as
        self._timeout = startup_timeout
        self._extra_settings = dict(extra_settings or {})
        self._dir: Path | None = None
        self._port: int | None = None
        self._started = False
        # (uid, gid, home) of the server user when we are root, else None.
        self._user: tuple[int, int, str] | None = None

    # -- public API ---------------------------------------------------------

    @property
    def directory(self) -> Path:
        """The cluster's temporary directory (socket dir; data in ``data/``)."""
        if self._dir is None:
            raise ClusterError("cluster is not running")
        return self._dir

    @property
    def data_dir(self) -> Path:
        """The ``PGDATA`` directory."""
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        """The server log written by ``pg_ctl -l``."""
        return self.directory / "server.log"

    @property
    def port(self) -> int:
        """The port number (only used to name the Unix socket)."""
        if self._port is None:
            raise ClusterError("cluster is not running")
        return self._port

    @property
    def url(self) -> str:
        """A libpq URL for the ``postgres`` database, as the superuser.

        The socket directory goes into the ``host`` query parameter, which is
        how libpq URLs spell a Unix-socket host.  The result is suitable for
        ``DATABASE_URL``.
        """
        return (
            f"postgresql://{SUPERUSER}@/postgres"
            f"?host={quote(str(self.directory), safe='')}&port={self.port}"
        )

    def dsn(self, dbname: str) -> str:
        """A conninfo string for database ``dbname`` on this cluster."""
        return dsn_for_database(self.url, dbname)

    def __enter__(self) -> Self:
        if self._started or self._dir is not None:
            raise ClusterError("a ThrowawayCluster can only be entered once")
        try:
            self._start()
        except BaseException:
            # Includes KeyboardInterrupt: never leak a half-started server.
            self._cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cleanup()

    # -- startup ------------------------------------------------------------

    def _start(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if shutil.which(tool) is None:
                raise ClusterError(
                    f"{tool!r} not found on PATH; install the PostgreSQL server "
                    f"binaries or set {DATABASE_URL_ENV} to an existing server"
                )
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(self._run_as)
            except KeyError:
                raise ClusterError(
                    f"running as root, but there is no {self._run_as!r} system "
                    "user to run PostgreSQL as (PostgreSQL refuses to run as "
                    f"root); create one or set {DATABASE_URL_ENV}"
                ) from None
            self._user = (pw.pw_uid, pw.pw_gid, pw.pw_dir)

        self._dir = Path(tempfile.mkdtemp(prefix="pgcluster-", dir=self._choose_base_dir()))
        if self._user is not None:
            os.chown(self._dir, self._user[0], self._user[1])
        self._port = _free_port()

        self._run(
            [
                "initdb",
                f"--pgdata={self.data_dir}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            what="initdb",
            timeout=self._timeout,
        )

        settings = {
            **FAST_SETTINGS,
            "port": str(self._port),
            "unix_socket_directories": _conf_quote(str(self._dir)),
            **self._extra_settings,
        }
        # Appending keeps the file's ownership (the server user) intact; later
        # lines override earlier ones in postgresql.conf.
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\n# added by pgsqlgen.pg.cluster\n")
            f.writelines(f"{key} = {value}\n" for key, value in settings.items())

        self._started = True  # from here on, cleanup must try to stop it
        self._run(
            [
                "pg_ctl",
                "start",
                f"--pgdata={self.data_dir}",
                f"--log={self.log_file}",
                "--wait",
                f"--timeout={max(1, round(self._timeout))}",
                "--silent",
            ],
            what="pg_ctl start",
            # pg_ctl enforces its own timeout; ours is only a safety net.
            timeout=self._timeout + 30,
        )

    def _choose_base_dir(self) -> Path:
        if self._base_dir is not None:
            return self._base_dir
        base = Path(tempfile.gettempdir())
        # mkdtemp adds "/pgcluster-" + 8 chars, PostgreSQL "/.s.PGSQL.NNNNN".
        too_long = len(os.fsencode(base)) + 20 + 16 > _MAX_SOCKET_PATH
        if too_long or (self._user is not None and not _traversable_by_others(base)):
            return Path("/tmp")
        return base

    def _run(self, argv: Sequence[str], *, what: str, timeout: float) -> None:
        """Run a PostgreSQL tool, as the server user if we are root."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # Keep server messages parseable regardless of the caller's locale.
        env["LC_MESSAGES"] = "C"
        user: int | None = None
        group: int | None = None
        extra_groups: list[int] | None = None
        if self._user is not None:
            user, group, home = self._user
            extra_groups = []
            env.update(HOME=home, USER=self._run_as, LOGNAME=self._run_as)
        try:
            proc = subprocess.run(
                list(argv),
                check=False,
                env=env,
                # The caller's cwd may be unreadable for the server user.
                cwd=self._dir,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                user=user,
                group=group,
                extra_groups=extra_groups,
            )
        except subprocess.TimeoutExpired as e:
            raise ClusterError(
                f"{what} did not finish within {timeout:.0f}s"
                + self._diagnostics(_text(e.stdout), _text(e.stderr))
            ) from None
        except OSError as e:
            raise ClusterError(f"could not run {what}: {e}") from e
        if proc.returncode != 0:
            raise ClusterError(
                f"{what} failed with exit status {proc.returncode}"
                + self._diagnostics(proc.stdout, proc.stderr)
            )

    def _diagnostics(self, stdout: str, stderr: str) -> str:
        parts = []
        if self._user is not None:
            parts.append(f"(ran as system user {self._run_as!r})")
        if stdout.strip():
            parts.append("stdout:\n" + stdout.strip())
        if stderr.strip():
            parts.append("stderr:\n" + stderr.strip())
        tail = self._log_tail()
        if tail:
            parts.append(f"server log, last lines:\n{tail}")
        return "".join("\n" + p for p in parts)

    def _log_tail(self) -> str:
        if self._dir is None:
            return ""
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    # -- shutdown -----------------------------------------------------------

    def _cleanup(self) -> None:
        """Stop the server (if it may be running) and remove the directory."""
        if self._dir is None:
            return
        try:
            if self._started:
                self._stop()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
            self._port = None
            self._started = False

    def _stop(self) -> None:
        try:
            self._run(
                [
                    "pg_ctl",
                    "stop",
                    f"--pgdata={self.data_dir}",
                    "--mode=immediate",
                    "--wait",
                    "--silent",
                ],
                what="pg_ctl stop",
                timeout=60,
            )
            return
        except ClusterError:
            pass  # e.g. never got as far as running; check the pid file
        # Fallback: signal the postmaster named in our own pid file, if any.
        # SIGQUIT is what "-m immediate" sends.
        pid = _postmaster_pid(self.data_dir)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGQUIT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)  # raises ProcessLookupError once gone
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)


def _free_port() -> int:
    """A TCP port nobody is listening on right now (names the socket file)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _conf_quote(value: str) -> str:
    """Quote a string for ``postgresql.conf``."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _traversable_by_others(path: Path) -> bool:
    """Whether every ancestor of ``path`` is searchable by an unrelated user."""
    for p in [path.resolve(), *path.resolve().parents]:
        try:
            if not os.stat(p).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first.strip())
    except (OSError, ValueError):
        return None


def _text(output: str | bytes | None) -> str:
    if output is None:
        return ""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output


# -- servers and databases ---------------------------------------------------


@contextlib.contextmanager
def database_server_url(env_var: str = DATABASE_URL_ENV) -> Iterator[str]:
    """Yield a URL of a server we may create and drop databases on.

    If ``$DATABASE_URL`` (or ``env_var``) is set and non-empty it is used as
    is and left alone afterwards; the role in it needs ``CREATEDB``.
    Otherwise a :class:`ThrowawayCluster` is started for the duration of the
    ``with`` block.  This lets CI use a service container while local runs
    need nothing but the PostgreSQL binaries.
    """
    url = os.environ.get(env_var, "").strip()
    if url:
        yield url
        return
    with ThrowawayCluster() as cluster:
        yield cluster.url


def dsn_for_database(server_url: str, dbname: str) -> str:
    """``server_url`` with the database replaced by ``dbname``.

    Accepts both URL and ``key=value`` input; the result is a ``key=value``
    conninfo string (as produced by :func:`psycopg.conninfo.make_conninfo`),
    which libpq, psycopg and ``psql`` all accept.
    """
    params = conninfo_to_dict(server_url)
    params["dbname"] = dbname
    return make_conninfo("", **params)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (optionally as a copy of ``template``).

    Returns a conninfo for the new database on the same server.  Copying a
    migrated template is what makes a fresh database per test affordable.
    ``CREATE DATABASE`` cannot run inside a transaction, hence autocommit.
    PostgreSQL waits up to 5 s for other sessions to leave ``template``
    before failing with "source database is being accessed by other users".
    """
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(query)
    return dsn_for_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions first.

    Tests routinely leave connections behind (a failed test, a leaked pool),
    and a plain ``DROP DATABASE`` would then fail, so other sessions are
    terminated.  ``WITH (FORCE)`` does that atomically on PostgreSQL 13+;
    older servers get an explicit ``pg_terminate_backend`` first.
    """
    with psycopg.connect(server_url, autocommit=True) as conn:
        if conn.info.server_version >= 130000:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        else:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# -- migrations --------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(server_url: str, prefix: str = "sqlgen_scratch") -> Iterator[str]:
    """A new empty database on the server, for one check; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def find_migrations(migrations_dir: Path) -> list[Path]:
    """The ``NNNNNN_name.up.sql`` files in ``migrations_dir``, in version order.

    Versions are compared numerically (so ``10_x`` follows ``9_y`` even
    without zero padding); two files with the same version are an error
    because their relative order would be arbitrary.
    """
    if not migrations_dir.is_dir():
        raise FileNotFoundError(f"migrations directory not found: {migrations_dir}")
    found: dict[int, Path] = {}
    for path in migrations_dir.iterdir():
        m = _UP_MIGRATION_RE.match(path.name)
        if m is None or not path.is_file():
            continue
        version = int(m["version"])
        if version in found:
            raise MigrationError(
                f"duplicate migration version {version}: {found[version].name} and {path.name}",
                filename=path.name,
                line=None,
            )
        found[version] = path
    return [found[v] for v in sorted(found)]


def apply_migrations(url: str, migrations_dir: Path) -> list[str]:
    """Apply every up migration in ``migrations_dir`` to the database at ``url``.

    Each file is sent as a single script through the simple query protocol
    (psycopg uses it when a query has no parameters), so it may contain many
    statements, ``$$``-quoted plpgsql bodies and literal ``%`` signs.  Each
    file runs in its own transaction: a failing file leaves the database as
    it was after the previous one.  Files must therefore not contain
    ``BEGIN``/``COMMIT`` or statements that cannot run in a transaction block
    (e.g. ``CREATE INDEX CONCURRENTLY``).

    Nothing records which migrations were applied; this is meant for fresh
    databases.  Returns the names of the applied files, in order.
    """
    applied: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for path in find_migrations(migrations_dir):
            # utf-8-sig: tolerate a BOM, and fail loudly on non-UTF-8 files
            # rather than letting the server misinterpret them.
            text = path.read_text(encoding="utf-8-sig")
            try:
                with conn.transaction():
                    # bytes: a file's content is not a LiteralString, and
                    # without parameters psycopg sends it verbatim.
                    conn.execute(text.encode("utf-8"))
            except psycopg.Error as e:
                line = _error_line(text, e)
                where = f" at line {line}" if line else ""
                raise MigrationError(
                    f"migration {path.name} failed{where}: {e}",
                    filename=path.name,
                    line=line,
                ) from e
            applied.append(path.name)
    return applied


def _error_line(script: str, error: psycopg.Error) -> int | None:
    """Line of ``script`` an error points at (1-based), if the server said."""
    position = error.diag.statement_position
    if not position:
        return None
    try:
        offset = int(position) - 1  # 1-based, in characters
    except ValueError:
        return None
    return script.count("\n", 0, max(offset, 0)) + 1
