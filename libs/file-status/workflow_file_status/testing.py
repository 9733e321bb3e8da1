"""A hand-written in-memory repository for fast unit tests."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

from workflow_contracts import (
    FileStatus,
    StatusChange,
    TemporalContext,
    TransitionGraph,
    is_transition_allowed,
)
from workflow_contracts.errors import InvalidStatusTransitionError, UnknownFileError

from workflow_file_status._sql_common import idempotency_key

__all__ = ["HistoryRow", "InMemoryFileStatusRepository"]


@dataclass(frozen=True)
class HistoryRow:
    """One recorded change.

    Attributes:
        execution_id: The idempotency key (`idempotency_key` of the context), as stored.
    """

    file_id: UUID
    from_status: FileStatus
    to_status: FileStatus
    version: int
    context: TemporalContext
    changed_at: datetime
    execution_id: str | None = None


@dataclass
class InMemoryFileStatusRepository:
    """Same semantics as the SQL backend, in dictionaries; records the end state.

    Changes are keyed per activity execution like the SQL history (`idempotency_key`): a
    retried attempt gets its execution's change back; standalone executions that share an
    activity id but not an activity run id are two changes.
    """

    files: dict[UUID, tuple[FileStatus, int]] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)

    def add(self, status: FileStatus = FileStatus.PENDING, file_id: UUID | None = None) -> UUID:
        """Registers a file; returns its id."""
        file_id = file_id or uuid4()
        self.files[file_id] = (status, 1)
        return file_id

    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """See `FileStatusRepository.change_status`."""
        if file_id not in self.files:
            raise UnknownFileError(f"file {file_id} is not registered")
        key = idempotency_key(context)
        if key is not None:
            for row in self.history:
                if row.file_id == file_id and row.execution_id == key:
                    return StatusChange(file_id, row.from_status, row.to_status, True, row.version)
        current, version = self.files[file_id]
        if current == target:
            return StatusChange(file_id, current, current, False, version)
        if not is_transition_allowed(current, target, transitions):
            raise InvalidStatusTransitionError(
                f"file {file_id}: status {current} cannot move to {target}",
                {"from": current.value, "to": target.value, "version": version},
            )
        self.files[file_id] = (target, version + 1)
        self.history.append(
            HistoryRow(file_id, current, target, version + 1, context, datetime.now(UTC), key)
        )
        return StatusChange(file_id, current, target, True, version + 1)
