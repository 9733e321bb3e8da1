"""Creating the one async engine (and pool) a worker shares, for PostgreSQL or SQLite."""

from typing import Any, Final, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "DEFAULT_SQLITE_URL",
    "POOLER_PARAMETER",
    "Pooler",
    "create_engine",
    "database_pooler",
    "engine_pooler",
    "normalise_database_url",
]

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./files.db"
"""The embedded default: a SQLite file next to the worker, no server needed."""

Pooler = Literal["none", "transaction"]
"""What sits between the worker and PostgreSQL: nothing (or a session-mode pooler), or a
pooler that hands a server connection to a client for one transaction at a time (PgBouncer
in transaction mode, RDS Proxy)."""

POOLER_PARAMETER: Final = "pooler"
"""The database URL's query parameter that names the `Pooler`: ``?pooler=transaction``.

It travels with the one setting every tool already takes (the URL): the worker, the
migrations and the apps' commands all read it, and it is never sent to the server.
"""

_POOLERS: Final = frozenset(get_args(Pooler))
_POOLER_OPTION: Final = "workflow_file_status.pooler"


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


def database_pooler(url: str) -> Pooler:
    """The `Pooler` a database URL names (``?pooler=transaction``); ``none`` without one.

    Raises:
        ValueError: The parameter names no known pooler (the message never quotes the URL).
    """
    value = make_url(url).query.get(POOLER_PARAMETER, "none")
    if isinstance(value, tuple):
        value = value[-1]
    if value not in _POOLERS:
        raise ValueError(
            f"database URL: {POOLER_PARAMETER}={value!r} is not one of"
            f" {', '.join(sorted(_POOLERS))} (transaction: PgBouncer in transaction mode,"
            " RDS Proxy)"
        )
    return value  # type: ignore[return-value]  # checked against Pooler's values above


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 22,
    statement_timeout_ms: int = 10_000,
    **kwargs: Any,
) -> AsyncEngine:
    """Creates the worker's async engine; dispose it (``await engine.dispose()``) at shutdown.

    PostgreSQL (asyncpg): a pool and a statement timeout. No pre-ping (it would double the
    round trips of every update): `PostgresFileStatusRepository` detects a dead connection
    when it is used, refreshes the pool and runs its idempotent statement again.

    Behind a transaction-mode pooler (``?pooler=transaction`` in the URL, see `Pooler`), each
    statement may run on another server connection, and the pooler refuses most startup
    parameters. Then the engine sends none but ``application_name``, prepares every statement
    unnamed (asyncpg sends no Sync between its Parse and its Bind/Execute, and SQLAlchemy's
    statements run inside a transaction: both pin one server connection until the result, and
    no named statement is left behind to be missing, or taken, on the next one), and enforces
    the statement timeout on the client: asyncpg cancels a statement that runs longer (the
    pooler forwards the cancel to the right server). Without a pooler the timeout is the server's
    ``statement_timeout`` and statements are prepared once per connection (one round trip).

    SQLite (aiosqlite): write transactions start with ``BEGIN IMMEDIATE`` (no lock upgrades,
    no deadlock between two writers), WAL journal, foreign keys on, a busy timeout.

    Args:
        url: Database URL, e.g. ``postgresql+asyncpg://user@host/db`` or
            ``sqlite+aiosqlite:///./files.db`` (plain ``postgresql://`` and ``sqlite://`` work),
            optionally with ``?pooler=transaction`` (PostgreSQL).
        pool_size: Connections kept open (PostgreSQL).
        max_overflow: Extra connections under load (PostgreSQL).
        statement_timeout_ms: Statement timeout (PostgreSQL).
        **kwargs: Passed to `sqlalchemy.ext.asyncio.create_async_engine`.

    Raises:
        ValueError: The URL names an unknown pooler.
    """
    pooler = database_pooler(url)
    url = normalise_database_url(
        make_url(url)
        .difference_update_query([POOLER_PARAMETER])
        .render_as_string(hide_password=False)
    )
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        connect_args = kwargs.pop("connect_args", {})
        if pooler == "transaction":
            _pooled_connect_args(connect_args, statement_timeout_ms)
            kwargs["execution_options"] = {
                **kwargs.get("execution_options", {}),
                _POOLER_OPTION: pooler,
            }
        connect_args.setdefault(
            "server_settings",
            {"application_name": "workflow-file-status"}
            if pooler == "transaction"
            else {
                "statement_timeout": str(statement_timeout_ms),
                "application_name": "workflow-file-status",
            },
        )
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args=connect_args,
            **kwargs,
        )
        if pooler == "transaction":
            _configure_pooled(engine)
        return engine
    if backend == "sqlite":
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", 30)
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, **kwargs)


def _pooled_connect_args(connect_args: dict[str, Any], statement_timeout_ms: int) -> None:
    """The connect arguments (asyncpg's and SQLAlchemy's) for a transaction-mode pooler."""
    # asyncpg: no statement cache, so every statement is unnamed; its Parse is followed by a
    # Flush, not a Sync, so the pooler keeps the same server until Bind/Execute/Sync.
    connect_args.setdefault("statement_cache_size", 0)
    # SQLAlchemy's dialect: no cache of its own, and unnamed statements too ("" is the
    # unnamed statement): it prepares inside its transaction, which pins the server. asyncpg
    # 0.32 already prepares unnamed with its cache off; said here so that no other version
    # of either can name one (a test checks that none is left on the server).
    connect_args.setdefault("prepared_statement_cache_size", 0)
    connect_args.setdefault("prepared_statement_name_func", _unnamed)
    # The statement timeout, enforced by the client (see create_engine).
    connect_args.setdefault("command_timeout", statement_timeout_ms / 1000)


def _unnamed() -> str:
    return ""


def engine_pooler(engine: AsyncEngine) -> Pooler:
    """The `Pooler` an engine made by `create_engine` was made for."""
    pooler: Pooler = engine.sync_engine.get_execution_options().get(_POOLER_OPTION, "none")
    return pooler


def _configure_pooled(engine: AsyncEngine) -> None:
    # Behind a pooler a client connection that is gone says nothing of the others: the
    # pooler, not the worker, holds the server connections (a server restart drops none of
    # the worker's). The common case is one asyncpg closed itself: a statement timed out
    # while it waited in the pooler's queue, before any server ran it, and the pooler ended
    # that client on the cancel request. Only that connection is replaced, never the pool.
    @sa.event.listens_for(engine.sync_engine, "handle_error")
    def _one_connection(context: Any) -> None:
        if context.is_disconnect:
            context.invalidate_pool_on_disconnect = False

    @sa.event.listens_for(engine.sync_engine.pool, "checkout")
    def _not_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Costs no round trip; the pool replaces the connection and checks out another.
        if dbapi_connection.driver_connection.is_closed():
            raise sa.exc.DisconnectionError("connection closed by the driver")


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
