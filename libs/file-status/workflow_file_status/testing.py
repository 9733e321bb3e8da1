"""A hand-written in-memory repository for fast unit tests."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

from workflow_contracts import (
    FileStatus,
    InvalidStatusTransitionError,
    StatusChange,
    TemporalContext,
    TransitionGraph,
    UnknownFileError,
    is_transition_allowed,
)

__all__ = ["HistoryRow", "InMemoryFileStatusRepository"]


@dataclass(frozen=True)
class HistoryRow:
    """One recorded change."""

    file_id: UUID
    from_status: FileStatus
    to_status: FileStatus
    version: int
    context: TemporalContext
    changed_at: datetime


@dataclass
class InMemoryFileStatusRepository:
    """Same semantics as the SQL backend, in dictionaries; records the end state."""

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
        for row in self.history:
            if (
                row.file_id == file_id
                and (row.context.workflow_id, row.context.run_id, row.context.activity_id)
                == (
                    context.workflow_id,
                    context.run_id,
                    context.activity_id,
                )
                and context.activity_id is not None
            ):
                return StatusChange(file_id, row.from_status, row.to_status, True, row.version)
        current, version = self.files[file_id]
        if current == target:
            return StatusChange(file_id, current, current, False, version)
        if not is_transition_allowed(current, target, transitions):
            raise InvalidStatusTransitionError(
                f"file {file_id}: status {current} cannot move to {target}",
                {"from": current.value, "to": target.value},
            )
        self.files[file_id] = (target, version + 1)
        self.history.append(
            HistoryRow(file_id, current, target, version + 1, context, datetime.now(UTC))
        )
        return StatusChange(file_id, current, target, True, version + 1)
