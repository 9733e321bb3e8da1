"""The SQL backend: PostgreSQL (asyncpg) and SQLite (aiosqlite) through one async engine."""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from workflow_contracts import (
    DatabaseUnavailableError,
    FileStatus,
    InvalidStatusTransitionError,
    StatusChange,
    TemporalContext,
    TransitionGraph,
    UnknownFileError,
)

from workflow_file_status.models import (
    FileCreate,
    FileRead,
    FileRecord,
    StatusHistoryRead,
    StatusHistoryRecord,
    utcnow,
)

__all__ = ["SqlFileStatusRepository", "allowed_sources"]

logger = logging.getLogger(__name__)

# One statement, one round trip: lock the row, check the guard, bump the version, write the
# history row, and report what was there, including a change this very activity execution
# already committed (a retry after a lost completion).
_PG_CHANGE_STATUS = """
WITH prior AS (
    SELECT from_status, to_status, version FROM file_status_history
    WHERE file_id = $1 AND workflow_id = $4 AND run_id = $5 AND activity_id = $6
),
cur AS (
    SELECT id, status, version FROM files WHERE id = $1 FOR UPDATE
),
upd AS (
    UPDATE files AS f SET status = $2, version = cur.version + 1, updated_at = now()
    FROM cur
    WHERE f.id = cur.id
      AND NOT EXISTS (SELECT 1 FROM prior)
      AND cur.status <> $2
      AND cur.status = ANY($3::text[])
    RETURNING f.version
),
hist AS (
    INSERT INTO file_status_history
        (file_id, from_status, to_status, version, changed_at,
         workflow_id, run_id, activity_id, attempt)
    SELECT $1, cur.status, $2, upd.version, now(), $4, $5, $6, $7 FROM cur, upd
)
SELECT cur.status, cur.version, (SELECT version FROM upd),
       prior.from_status, prior.to_status, prior.version
FROM (SELECT 1) AS one LEFT JOIN cur ON TRUE LEFT JOIN prior ON TRUE
"""

_UNAVAILABLE_SQLSTATES = {"57014", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006"}


def allowed_sources(target: FileStatus, transitions: TransitionGraph) -> list[str]:
    """The statuses from which ``transitions`` allow moving to ``target``."""
    return sorted(source.value for source, targets in transitions.items() if target in targets)


def _outcome(
    file_id: UUID,
    target: FileStatus,
    row: Sequence[Any] | None,
    transitions: TransitionGraph,
) -> StatusChange:
    values: Sequence[Any] = row if row is not None else (None,) * 6
    current, version, new_version, prior_from, prior_to, prior_version = values
    if current is None:
        raise UnknownFileError(f"file {file_id} is not registered", {"file_id": str(file_id)})
    if prior_to is not None:
        return StatusChange(
            file_id, FileStatus(prior_from), FileStatus(prior_to), True, int(prior_version)
        )
    if new_version is not None:
        return StatusChange(file_id, FileStatus(current), target, True, int(new_version))
    if current == target.value:
        return StatusChange(file_id, target, target, False, int(version))
    allowed = sorted(t.value for t in transitions.get(FileStatus(current), frozenset()))
    raise InvalidStatusTransitionError(
        f"file {file_id}: status {current} cannot move to {target.value}"
        f" (allowed from {current}: {', '.join(allowed) or 'none'})",
        {"file_id": str(file_id), "from": current, "to": target.value, "allowed": allowed},
    )


def _is_disconnect(err: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    if isinstance(
        err,
        asyncpg.ConnectionDoesNotExistError
        | asyncpg.InterfaceError
        | asyncpg.exceptions._base.InternalClientError,  # protocol state broken by a drop
    ):
        return True
    if isinstance(err, ConnectionError):
        return True
    return getattr(err, "sqlstate", None) in {"57P01", "57P02", "08003", "08006"}


def _is_unavailable(err: BaseException) -> bool:
    if isinstance(err, OSError | TimeoutError | asyncio.TimeoutError | PoolTimeoutError):
        return True
    if isinstance(err, OperationalError | InterfaceError):
        return True
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    try:
        import asyncpg  # only needed when PostgreSQL is in use
    except ImportError:  # pragma: no cover
        return False
    if isinstance(err, asyncpg.InterfaceError | asyncpg.PostgresConnectionError):
        return True
    sqlstate = getattr(err, "sqlstate", None)
    return sqlstate in _UNAVAILABLE_SQLSTATES


class SqlFileStatusRepository:
    """File status in PostgreSQL or SQLite, behind one long-lived async engine.

    The worker creates the engine once (`create_engine`) and disposes it at shutdown.
    On PostgreSQL the status change is a single prepared statement (one round trip) run on
    the pool's asyncpg connection; on SQLite it is one ``BEGIN IMMEDIATE`` transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        """Args: engine: The worker's async engine (PostgreSQL+asyncpg or SQLite+aiosqlite)."""
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def engine(self) -> AsyncEngine:
        """The engine in use."""
        return self._engine

    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """See `FileStatusRepository.change_status`."""
        for _ in range(3):
            try:
                if self._postgres:
                    row = await self._change_postgres(file_id, target, context, transitions)
                else:
                    row = await self._change_sqlite(file_id, target, context, transitions)
                return _outcome(file_id, target, row, transitions)
            except IntegrityError as err:
                # Two attempts of one execution raced; the loser sees the winner's row next time.
                logger.info("retrying status change of %s after %s", file_id, type(err).__name__)
            except Exception as err:
                if getattr(err, "sqlstate", None) == "23505":  # unique violation, raw asyncpg
                    continue
                if _is_unavailable(err):
                    raise DatabaseUnavailableError(
                        f"database unavailable while updating file {file_id}: {type(err).__name__}",
                        {"file_id": str(file_id), "error": type(err).__name__},
                    ) from err
                raise
        raise DatabaseUnavailableError(f"status change of {file_id} kept conflicting")

    async def _change_postgres(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> Sequence[Any] | None:
        args = (
            file_id,
            target.value,
            allowed_sources(target, transitions),
            context.workflow_id,
            context.run_id,
            context.activity_id,
            context.attempt,
        )
        try:
            return await self._fetch_postgres(args)
        except Exception as err:
            if not _is_disconnect(err):
                raise
            # The server dropped our connections (restart, failover, pg_terminate_backend):
            # start a fresh pool and run the statement once more. Safe: a change this
            # execution already committed is found and returned, not applied twice.
            logger.warning("database connection lost (%s); reconnecting", type(err).__name__)
            await self._engine.dispose()
            return await self._fetch_postgres(args)

    async def _fetch_postgres(self, args: tuple[Any, ...]) -> Sequence[Any] | None:
        # The pool's raw connection, without an AsyncConnection around it: the statement needs
        # no SQLAlchemy transaction, and this path is the hot one.
        pooled = await self._engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None
            row: Sequence[Any] | None = await driver.fetchrow(_PG_CHANGE_STATUS, *args)
        except BaseException as err:
            if _is_unavailable(err):
                await greenlet_spawn(pooled.invalidate, err if isinstance(err, Exception) else None)
            raise
        finally:
            await greenlet_spawn(pooled.close)  # back to the pool (reset runs in a greenlet)
        return row

    async def _change_sqlite(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> Sequence[Any] | None:
        files = FileRecord.__table__  # type: ignore[attr-defined]
        history = StatusHistoryRecord.__table__  # type: ignore[attr-defined]
        async with self._engine.begin() as conn:
            prior = await _prior_change(conn, history, file_id, context)
            cur = (
                await conn.execute(
                    sa.select(files.c.status, files.c.version).where(files.c.id == file_id)
                )
            ).first()
            if cur is None:
                return None
            status, version = cur
            if prior is not None:
                return (status, version, None, *prior)
            if status == target.value or status not in allowed_sources(target, transitions):
                return (status, version, None, None, None, None)
            now = utcnow()
            await conn.execute(
                files.update()
                .where(files.c.id == file_id, files.c.version == version)
                .values(status=target.value, version=version + 1, updated_at=now)
            )
            await conn.execute(
                history.insert().values(
                    file_id=file_id,
                    from_status=status,
                    to_status=target.value,
                    version=version + 1,
                    changed_at=now,
                    workflow_id=context.workflow_id,
                    run_id=context.run_id,
                    activity_id=context.activity_id,
                    attempt=context.attempt,
                )
            )
            return (status, version, version + 1, None, None, None)

    async def register_file(self, file: FileCreate) -> FileRead:
        """Registers a file in status PENDING (version 1).

        Registering the same id again returns the existing file unchanged.
        """
        async with AsyncSession(self._engine, expire_on_commit=False) as session:
            if file.id is not None:
                existing = await session.get(FileRecord, file.id)
                if existing is not None:
                    return FileRead.model_validate(existing, from_attributes=True)
            data = file.model_dump(exclude_none=True)
            record = FileRecord(**data)
            session.add(record)
            await session.commit()
            return FileRead.model_validate(record, from_attributes=True)

    async def get_file(self, file_id: UUID) -> FileRead | None:
        """The file and its current status, or None."""
        async with AsyncSession(self._engine) as session:
            record = await session.get(FileRecord, file_id)
            return FileRead.model_validate(record, from_attributes=True) if record else None

    async def get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        """The file's status changes, oldest first."""
        async with AsyncSession(self._engine) as session:
            rows = await session.exec(
                select(StatusHistoryRecord)
                .where(StatusHistoryRecord.file_id == file_id)
                .order_by(col(StatusHistoryRecord.version))
            )
            return [StatusHistoryRead.model_validate(r, from_attributes=True) for r in rows]


async def _prior_change(
    conn: AsyncConnection, history: sa.Table, file_id: UUID, context: TemporalContext
) -> tuple[str, str, int] | None:
    if context.activity_id is None:
        return None
    row = (
        await conn.execute(
            sa.select(history.c.from_status, history.c.to_status, history.c.version).where(
                history.c.file_id == file_id,
                history.c.workflow_id == context.workflow_id,
                history.c.run_id == context.run_id,
                history.c.activity_id == context.activity_id,
            )
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None
