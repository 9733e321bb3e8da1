"""One worker's database engine and file-status repository, open only while the worker runs."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypeAlias
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_activity_kit import Probe, WorkerScope
from workflow_contracts import FileStatus, StatusChange, TemporalContext, TransitionGraph
from workflow_contracts.errors import OPERATOR_RETRY_DELAY

from workflow_file_status._engine import create_engine
from workflow_file_status._migrate import upgrade
from workflow_file_status._models import FileCreate, FileRead, StatusHistoryRead
from workflow_file_status._postgres import PostgresFileStatusRepository
from workflow_file_status._settings import FileStatusSettings
from workflow_file_status._sqlite import SqliteFileStatusRepository

__all__ = ["FileStatusResource", "SqlFileStatusAdapter", "repository_for"]

_CLOSED = "the worker is not running: its database engine is closed"

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


class FileStatusResource:
    """The `FileStatusRepository` of one worker: delegates to the repository opened with it.

    The activity is registered over this object when the worker is built; the plugin opens it
    when the worker starts (one engine, its pool) and disposes of the engine when the worker
    stops. The apps read and register files through it too.
    """

    def __init__(self, settings: FileStatusSettings) -> None:
        """Starts closed."""
        self.settings = settings
        self._repository: SqlFileStatusAdapter | None = None

    @asynccontextmanager
    async def open(self, scope: WorkerScope) -> AsyncIterator[FileStatusResource]:
        """Migrates the schema when asked, creates the engine; disposes of it on exit.

        Raises:
            RuntimeError: Already open (one worker run at a time).
            MigrationError: ``migrate`` is on and the migration failed (e.g. a role that may
                not change the schema): one line that names the fix.
        """
        if self._repository is not None:
            raise RuntimeError("this file-status resource is already open for a running worker")
        settings = self.settings
        if settings.migrate:
            migrate = functools.partial(
                upgrade, settings.database_url, temporal_namespace=scope.namespace
            )
            await asyncio.to_thread(migrate)
        engine = create_engine(settings.database_url, pool_size=settings.pool_size)
        try:
            self._repository = repository_for(
                engine, operator_retry_delay=scope.operator_retry_delay
            )
            yield self
        finally:
            self._repository = None
            await engine.dispose()

    @property
    def repository(self) -> SqlFileStatusAdapter:
        """The open repository (raises `RuntimeError` when the worker is not running)."""
        if self._repository is None:
            raise RuntimeError(_CLOSED)
        return self._repository

    @property
    def engine(self) -> AsyncEngine:
        """The worker's database engine."""
        return self.repository.engine

    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """Changes a file's status (see `FileStatusRepository.change_status`)."""
        return await self.repository.change_status(file_id, target, context, transitions)

    async def register_file(self, file: FileCreate) -> FileRead:
        """Registers a file."""
        return await self.repository.register_file(file)

    async def get_file(self, file_id: UUID) -> FileRead | None:
        """Reads a file (None: no such file)."""
        return await self.repository.get_file(file_id)

    async def get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        """Reads a file's status history, oldest first."""
        return await self.repository.get_history(file_id)

    def probes(self) -> Mapping[str, Probe]:
        """``database``: ``SELECT 1`` on a connection of the worker's pool.

        A pool exhausted by activities makes the probe wait as they do; the caller bounds it.
        """
        return {"database": self._select_one}

    async def _select_one(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
