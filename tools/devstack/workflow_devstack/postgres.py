"""A PostgreSQL database of its own for each test run, on the machine's server.

The server is expected at ``WORKFLOW_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``, trust auth). A throw-away database is created
next to the one in that URL and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

__all__ = ["DEFAULT_ADMIN_URL", "PostgresDatabase", "admin_url", "create_database", "drop_database"]

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


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


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
