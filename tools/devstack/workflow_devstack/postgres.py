"""A PostgreSQL database of its own for each test run, on the machine's server.

The server is expected at ``WORKFLOW_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``, trust auth). A throw-away database is created
next to the one in that URL and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

__all__ = [
    "DEFAULT_ADMIN_URL",
    "PostgresDatabase",
    "PostgresRole",
    "admin_url",
    "create_database",
    "create_role",
    "drop_database",
    "drop_role",
]

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """URL of the database used to create and drop the test databases."""
    return os.environ.get("WORKFLOW_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


@dataclass(frozen=True)
class PostgresDatabase:
    """A throw-away database.

    Attributes:
        name: Database name.
        dsn: ``postgresql://`` URL for asyncpg.
    """

    name: str
    dsn: str

    @property
    def sqlalchemy_url(self) -> str:
        """The same database as a SQLAlchemy async URL (``postgresql+asyncpg://``)."""
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@dataclass(frozen=True)
class PostgresRole:
    """A throw-away login role (no password: the test server trusts loopback logins).

    Attributes:
        name: Role name, as in the catalog (it may need quoting).
    """

    name: str

    def dsn(self, database: PostgresDatabase, *, password: str | None = None) -> str:
        """A ``postgresql://`` URL logging in to ``database`` as this role.

        Args:
            database: The database.
            password: Put in the URL (ignored by a server that trusts the login).
        """
        parts = urlsplit(database.dsn)
        user = quote(self.name, safe="") + (f":{quote(password, safe='')}" if password else "")
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, ""))

    def sqlalchemy_url(self, database: PostgresDatabase, *, password: str | None = None) -> str:
        """The same as `dsn`, as a SQLAlchemy async URL (``postgresql+asyncpg://``)."""
        url = self.dsn(database, password=password)
        return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_database(prefix: str = "wsa_test") -> PostgresDatabase:
    """Creates an empty database with a unique name.

    Raises:
        OSError: If the server cannot be reached (connection refused, timeout).
        asyncpg.PostgresError: If the server refuses.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_url(), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PostgresDatabase(name=name, dsn=_with_database(admin_url(), name))


async def drop_database(database: PostgresDatabase) -> None:
    """Drops the database, closing any connection still open to it."""
    conn = await asyncpg.connect(admin_url(), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await conn.close()


async def create_role(prefix: str = "wsa_role") -> PostgresRole:
    """Creates a login role with a unique name, and no other attribute (superuser...).

    Roles are cluster-wide, shared by every test run on the server: drop it with `drop_role`.

    Args:
        prefix: Start of the name (a uuid suffix makes it unique); it may hold any
            character, the name is quoted.
    """
    role = PostgresRole(f"{prefix}_{uuid.uuid4().hex[:12]}")
    conn = await asyncpg.connect(admin_url(), timeout=5)
    try:
        await conn.execute(f"CREATE ROLE {_identifier(role.name)} LOGIN")
    finally:
        await conn.close()
    return role


async def drop_role(role: PostgresRole, databases: Sequence[PostgresDatabase] = ()) -> None:
    """Drops the role: ends its sessions, revokes what it was granted in ``databases``.

    A role cannot be dropped while a database still grants it something: name every
    database where it was granted privileges (databases already dropped are skipped).
    """
    name = _identifier(role.name)
    for database in databases:
        try:
            conn = await asyncpg.connect(database.dsn, timeout=5)
        except asyncpg.InvalidCatalogNameError:
            continue  # dropped already, with its grants
        try:
            await conn.execute(f"DROP OWNED BY {name}")  # its grants (and objects, if any)
        finally:
            await conn.close()
    conn = await asyncpg.connect(admin_url(), timeout=5)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role.name
        )
        await conn.execute(f"DROP ROLE IF EXISTS {name}")
    finally:
        await conn.close()
