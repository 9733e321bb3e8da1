"""The SQLite adapter: the status change is one ``BEGIN IMMEDIATE`` transaction."""

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from workflow_contracts import FileStatus, TemporalContext

from workflow_file_status._models import FileRecord, StatusHistoryRecord, utcnow
from workflow_file_status._sql_common import ChangeRow, SqlRepositoryBase
from workflow_file_status._sqlite_errors import SQLITE_RULES

__all__ = ["SqliteFileStatusRepository"]

_FILES: sa.Table = FileRecord.__table__  # type: ignore[attr-defined]
_HISTORY: sa.Table = StatusHistoryRecord.__table__  # type: ignore[attr-defined]


class SqliteFileStatusRepository(SqlRepositoryBase):
    """File status in SQLite (aiosqlite), behind one long-lived async engine.

    The worker creates the engine once (`create_engine`: write transactions begin with
    ``BEGIN IMMEDIATE``, WAL journal) and disposes it at shutdown. The status change is one
    transaction. Errors: see `SqlRepositoryBase`; the table is `_sqlite_errors`. Ids are
    stored as they are (NUL included).
    """

    _rules = SQLITE_RULES

    async def _change_row(
        self,
        file_id: UUID,
        target: FileStatus,
        sources: Sequence[str],
        key: str | None,
        context: TemporalContext,
    ) -> ChangeRow:
        """The status change in one transaction, with the row shape of ``file_status_change``."""
        files, history = _FILES, _HISTORY
        # BEGIN IMMEDIATE takes the database's write lock first, and in WAL mode a write
        # transaction reads the latest commit: every read below happens after the lock, so a
        # twin attempt's committed change is always seen (as on PostgreSQL: lock, then look).
        async with self._engine.begin() as conn:
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
                        sa.select(
                            history.c.from_status, history.c.to_status, history.c.version
                        ).where(history.c.file_id == file_id, history.c.execution_id == UUID(key))
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
