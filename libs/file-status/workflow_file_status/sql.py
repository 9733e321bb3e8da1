"""The SQL adapters of `FileStatusRepository`, one per backend, picked by the engine."""

from datetime import timedelta
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_contracts import OPERATOR_RETRY_DELAY

from workflow_file_status._postgres import PostgresFileStatusRepository
from workflow_file_status._sqlite import SqliteFileStatusRepository

__all__ = ["SqlFileStatusAdapter", "repository_for"]

SqlFileStatusAdapter: TypeAlias = PostgresFileStatusRepository | SqliteFileStatusRepository
"""Either SQL adapter: what `repository_for` returns (`change_status` and the reads)."""

_ADAPTERS: dict[str, type[SqlFileStatusAdapter]] = {
    "postgresql": PostgresFileStatusRepository,
    "sqlite": SqliteFileStatusRepository,
}


def repository_for(
    engine: AsyncEngine, *, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
) -> SqlFileStatusAdapter:
    """The adapter for ``engine``'s database: PostgreSQL (asyncpg) or SQLite (aiosqlite).

    Args:
        engine: The worker's async engine (`create_engine`); the worker disposes it.
        operator_retry_delay: ``next_retry_delay`` of the errors an operator must fix.

    Raises:
        ValueError: The engine's dialect is neither (the message names the dialect only).
    """
    adapter = _ADAPTERS.get(engine.dialect.name)
    if adapter is None:
        raise ValueError(
            f"file status: no adapter for the {engine.dialect.name!r} dialect"
            f" (supported: {', '.join(_ADAPTERS)})"
        )
    return adapter(engine, operator_retry_delay=operator_retry_delay)
