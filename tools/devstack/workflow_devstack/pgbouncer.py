"""PgBouncer in front of the machine's PostgreSQL, on a free loopback port, for tests and benches.

Platforms put a connection pooler between many worker processes and one database; PgBouncer
in transaction pooling mode is the usual one (RDS Proxy behaves alike). `PgBouncer` starts the
machine's ``pgbouncer`` binary (Debian's package; ``tools/scripts/pgbouncer.sh`` installs it)
with a configuration of its own in a temporary directory: trust authentication towards the
client, the server's address and port taken from the admin URL, a pool smaller than the work
when a test asks for it, and PgBouncer's defaults for everything else (so
``ignore_startup_parameters`` is empty unless a test sets it, as on a fresh install).

PgBouncer refuses to run as root: as root it is started with ``-u`` and the owner of the
PostgreSQL server's files (``postgres``), which can read the configuration written here.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from workflow_devstack.ports import LOOPBACK, free_port
from workflow_devstack.postgres import admin_url
from workflow_devstack.processes import stop_process

__all__ = ["PgBouncer", "pgbouncer_path"]

_SEARCH = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")


def pgbouncer_path() -> str | None:
    """The ``pgbouncer`` binary (PATH first, then the usual sbin directories), or None."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    for directory in _SEARCH:
        candidate = Path(directory) / "pgbouncer"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@dataclass
class PgBouncer:
    """A PgBouncer process on a free loopback port, pooling towards the test server.

    Attributes:
        pool_mode: ``transaction`` (the mode platforms use), ``session`` or ``statement``.
        pool_size: Server connections per database and user (``default_pool_size``).
        ignore_startup_parameters: Startup parameters PgBouncer accepts and drops (empty:
            PgBouncer's default, which refuses e.g. ``statement_timeout``).
        users: Login roles the clients use (PgBouncer's auth file must name them).
        port: The port it listens on.
    """

    pool_mode: str = "transaction"
    pool_size: int = 4
    ignore_startup_parameters: tuple[str, ...] = ()
    users: tuple[str, ...] = ("postgres",)
    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _directory: tempfile.TemporaryDirectory[str] | None = field(
        default=None, init=False, repr=False
    )

    def url(self, database: str, *, user: str = "postgres") -> str:
        """A ``postgresql://`` URL of ``database`` through this PgBouncer."""
        return f"postgresql://{user}@{LOOPBACK}:{self.port}/{database}"

    def through(self, dsn: str) -> str:
        """``dsn`` (a test database's URL, any scheme) with this PgBouncer as its host."""
        parts = urlsplit(dsn)
        user = parts.username or "postgres"
        password = f":{parts.password}" if parts.password else ""
        netloc = f"{user}{password}@{LOOPBACK}:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def start(self, timeout: float = 15.0) -> PgBouncer:
        """Writes the configuration, starts PgBouncer and waits until it accepts; returns self.

        Raises:
            FileNotFoundError: No ``pgbouncer`` binary on this machine.
            RuntimeError: It exited, or did not listen within ``timeout`` seconds.
        """
        binary = pgbouncer_path()
        if binary is None:
            raise FileNotFoundError(
                "pgbouncer is not installed: run tools/scripts/pgbouncer.sh (apt-get install"
                " pgbouncer)"
            )
        self._directory = tempfile.TemporaryDirectory(prefix="pgbouncer-")
        directory = Path(self._directory.name)
        directory.chmod(0o755)  # read by the unprivileged user PgBouncer runs as
        server = urlsplit(admin_url())
        config = directory / "pgbouncer.ini"
        auth = directory / "users.txt"
        auth.write_text("".join(f'"{user}" ""\n' for user in self.users))
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={server.hostname or LOOPBACK} port={server.port or 5432}",
                    "[pgbouncer]",
                    f"listen_addr = {LOOPBACK}",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {auth}",
                    f"pool_mode = {self.pool_mode}",
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 1000",
                    f"ignore_startup_parameters = {','.join(self.ignore_startup_parameters)}",
                    "admin_users = postgres",
                    "",
                ]
            )
        )
        for path in (config, auth):
            path.chmod(0o644)
        command = [binary, str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", _unprivileged_user()]
        log = directory / "pgbouncer.log"
        # A file, never a pipe: PgBouncer logs every login, disconnect and cancel, and a pipe
        # nobody drains fills up and stops it.
        with log.open("wb") as stderr:
            self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = log.read_text(errors="replace").strip()
                self._process = None
                self._cleanup()
                raise RuntimeError(f"pgbouncer exited: {output[-500:]}")
            if _accepts(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on port {self.port} within {timeout} s")

    async def reconnect(self) -> None:
        """Replaces every server connection (the admin console's ``RECONNECT``).

        A connection in use is closed once its client releases it; the next statements run
        on new server connections, which hold none of the old ones' prepared statements.
        """
        admin = await asyncpg.connect(self.url("pgbouncer"), statement_cache_size=0)
        try:
            await admin.execute("RECONNECT")
        finally:
            await admin.close()

    def stop(self) -> None:
        """Stops PgBouncer (killed if it does not stop within 10 s)."""
        if self._process is not None:
            stop_process(self._process)
            self._process = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("pgbouncer must not run as root, and no 'postgres' or 'nobody' user exists")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False
