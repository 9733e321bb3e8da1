"""The private port between `UpdateFileStatusActivity` and a storage backend."""

from typing import Protocol
from uuid import UUID

from workflow_contracts import FileStatus, StatusChange, TemporalContext, TransitionGraph

__all__ = ["FileStatusRepository"]


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
        activity execution (``context``) is returned as it was, not applied again.

        Raises:
            UnknownFileError: No such file (nothing written).
            InvalidStatusTransitionError: Not allowed from the current status (nothing written).
            DatabaseUnavailableError: Connection lost, database down, statement timeout.
        """
        ...
