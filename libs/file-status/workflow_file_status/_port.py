"""The private port between `UpdateFileStatusActivity` and a storage backend."""

from typing import Protocol
from uuid import UUID

from workflow_contracts import FileStatus, StatusChange, TemporalContext, TransitionGraph

from workflow_file_status._models import FileCreate, FileRead, StatusHistoryRead

__all__ = ["FileStatusRepository", "FileStore"]


class FileStatusRepository(Protocol):
    """Changes a file's status atomically and records the change."""

    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """Moves the file to ``target`` if ``transitions`` allow it, in one atomic write.

        Same status: no-op (``changed=False``). A change already committed by the same
        activity execution is returned as it was, not applied again: executions are told
        apart by `workflow_contracts.execution_id` of ``context`` (standalone activities by
        their activity run id), whichever attempt committed, even one still running
        concurrently. A context without an activity id is not deduplicated.

        Raises:
            UnknownFileError: No such file (nothing written).
            InvalidStatusTransitionError: Not allowed from the current status (nothing written).
            DatabaseUnavailableError: Connection lost, database down, statement timeout;
                `DatabaseConflictError` for a deadlock, serialization failure or lock timeout.
            InvalidArgumentsError: A value the database cannot store (non-retryable).
            OperatorActionRequired: `SchemaNotMigratedError`, `DatabaseReadOnlyError`,
                `DatabaseAccessDeniedError` (also a database URL asyncpg refuses) or
                `UnknownStoredStatusError` (a stored status this worker does not know),
                retried after a long delay.
        """
        ...


class FileStore(FileStatusRepository, Protocol):
    """A `FileStatusRepository` that also registers and reads files (what `repository_for` gives).

    The apps' commands, services and tests use it outside the activity.
    """

    async def register_file(self, file: FileCreate) -> FileRead:
        """Registers a file (status PENDING); returns it as stored."""
        ...

    async def get_file(self, file_id: UUID) -> FileRead | None:
        """Reads a file (None: no such file)."""
        ...

    async def get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        """Reads a file's status history, oldest first."""
        ...
