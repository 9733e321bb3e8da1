"""Creating the one async engine (and pool) a worker shares, for PostgreSQL or SQLite."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["DEFAULT_SQLITE_URL", "create_engine", "normalise_database_url"]

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./files.db"
"""The embedded default: a SQLite file next to the worker, no server needed."""


def normalise_database_url(url: str) -> str:
    """Gives plain ``postgresql://`` / ``sqlite://`` URLs their async driver.

    For asyncpg, libpq's ``sslmode=MODE`` becomes asyncpg's ``ssl=MODE`` (the same six modes,
    ``disable`` to ``verify-full``), so the URL most tools print works as it is: SQLAlchemy
    hands every query parameter to ``asyncpg.connect()``, which has no ``sslmode`` argument.
    A URL that already has ``ssl`` keeps both, and the worker reports the conflict. Other
    libpq-only parameters (``sslrootcert``, ``connect_timeout``...) are left alone: asyncpg
    refuses them and the repository reports an operator error that names the fix.
    """
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    if (
        parsed.drivername == "postgresql+asyncpg"
        and "sslmode" in parsed.query
        and "ssl" not in parsed.query
    ):
        mode = parsed.query["sslmode"]
        parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
    return parsed.render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 22,
    statement_timeout_ms: int = 10_000,
    **kwargs: Any,
) -> AsyncEngine:
    """Creates the worker's async engine; dispose it (``await engine.dispose()``) at shutdown.

    PostgreSQL (asyncpg): a pool and a server-side statement timeout. No pre-ping (it would
    double the round trips of every update): `SqlFileStatusRepository` detects a dead
    connection when it is used, refreshes the pool and runs its idempotent statement again.
    SQLite (aiosqlite): write transactions start with ``BEGIN IMMEDIATE`` (no lock upgrades,
    no deadlock between two writers), WAL journal, foreign keys on, a busy timeout.

    Args:
        url: Database URL, e.g. ``postgresql+asyncpg://user@host/db`` or
            ``sqlite+aiosqlite:///./files.db`` (plain ``postgresql://`` and ``sqlite://`` work).
        pool_size: Connections kept open (PostgreSQL).
        max_overflow: Extra connections under load (PostgreSQL).
        statement_timeout_ms: Server-side statement timeout (PostgreSQL).
        **kwargs: Passed to `sqlalchemy.ext.asyncio.create_async_engine`.
    """
    url = normalise_database_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault(
            "server_settings",
            {
                "statement_timeout": str(statement_timeout_ms),
                "application_name": "workflow-file-status",
            },
        )
        return create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args=connect_args,
            **kwargs,
        )
    if backend == "sqlite":
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", 30)
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
