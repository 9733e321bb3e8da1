"""SQLite's status change: one ``BEGIN IMMEDIATE`` transaction (see `create_engine`)."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_contracts import FileStatus, TemporalContext

from workflow_file_status.models import FileRecord, StatusHistoryRecord, utcnow

__all__ = ["change_sqlite"]

_FILES: sa.Table = FileRecord.__table__  # type: ignore[attr-defined]
_HISTORY: sa.Table = StatusHistoryRecord.__table__  # type: ignore[attr-defined]


async def change_sqlite(
    engine: AsyncEngine,
    file_id: UUID,
    target: FileStatus,
    sources: Sequence[str],
    key: str | None,
    context: TemporalContext,
) -> Sequence[Any] | None:
    """The status change in one transaction; returns the row shape of ``file_status_change``."""
    files, history = _FILES, _HISTORY
    # BEGIN IMMEDIATE takes the database's write lock first, and in WAL mode a write
    # transaction reads the latest commit: every read below happens after the lock, so a
    # twin attempt's committed change is always seen (as on PostgreSQL: lock, then look).
    async with engine.begin() as conn:
        cur = (
            await conn.execute(
                sa.select(files.c.status, files.c.version).where(files.c.id == file_id)
            )
        ).first()
        if cur is None:
            return None
        status, version = cur
        if key is not None:
            prior = (
                await conn.execute(
                    sa.select(history.c.from_status, history.c.to_status, history.c.version).where(
                        history.c.file_id == file_id, history.c.execution_id == UUID(key)
                    )
                )
            ).first()
            if prior is not None:
                return (status, version, None, *prior)
        if status == target.value or status not in sources:
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
                execution_id=UUID(key) if key is not None else None,
                workflow_id=context.workflow_id,
                run_id=context.run_id,
                activity_id=context.activity_id,
                activity_run_id=context.activity_run_id,
                attempt=context.attempt,
            )
        )
        return (status, version, version + 1, None, None, None)
