"""`UpdateFileStatusActivity`: the one place where a file's status changes."""

import logging
from uuid import UUID

from temporalio import activity
from workflow_activity_kit import wire_activity
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    UPDATE_FILE_STATUS_ACTIVITY,
    FileStatus,
    StatusChange,
    TemporalContext,
    TransitionGraph,
)
from workflow_contracts.errors import InvalidFileIdError, InvalidStatusError

from workflow_file_status._ids import parse_file_id, parse_status
from workflow_file_status._port import FileStatusRepository
from workflow_file_status._telemetry import StatusTelemetry, traced_change

__all__ = ["UpdateFileStatusActivity"]

logger = logging.getLogger(__name__)


class UpdateFileStatusActivity:
    """Moves files through their lifecycle; register ``UpdateFileStatusActivity(...).run``.

    Atomic and guarded (the transition graph decides), idempotent (a retry of a committed
    attempt returns that outcome and writes nothing), and audited (one history row per change,
    with the Temporal execution that made it). Each statement runs in a span and is counted
    on ``activity.metric_meter()`` (see `workflow_file_status._telemetry`).
    """

    def __init__(
        self,
        repository: FileStatusRepository,
        *,
        transitions: TransitionGraph = DEFAULT_TRANSITIONS,
    ) -> None:
        """Configures the activity.

        Args:
            repository: Storage (an adapter from `repository_for`, or a fake in tests).
            transitions: Allowed moves; the contracts' default lifecycle unless replaced.
        """
        self._repository = repository
        self._transitions = transitions
        self._telemetry = StatusTelemetry()

    # Registered with raw payloads: every call, whatever its JSON, is decoded and checked
    # here and answered with this activity's own typed errors (see `wire_activity`).
    @wire_activity(
        UPDATE_FILE_STATUS_ACTIVITY,
        errors={"file_id": InvalidFileIdError, "status": InvalidStatusError},
    )
    async def run(self, file_id: UUID, status: FileStatus) -> StatusChange:
        """Sets the file's status.

        Args:
            file_id: The file: a UUID, or from a JSON caller its canonical 36-character text
                (see `parse_file_id`).
            status: The target status: a `FileStatus`, or exactly its string value.

        Returns:
            Previous and current status, whether it changed, and the new version.

        Raises:
            InvalidArgumentsError: Fewer than two arguments (non-retryable).
            UnsupportedArgumentsError: More than two (a newer caller; retryable).
            InvalidFileIdError: Malformed or undecodable id (non-retryable, nothing written).
            InvalidStatusError: Unknown or undecodable status (non-retryable, nothing written).
            UnknownFileError: No such file (non-retryable, nothing written).
            InvalidStatusTransitionError: Not allowed from the current status (non-retryable).
            DatabaseUnavailableError: Transient database failure, including
                `DatabaseConflictError` (retried by Temporal).
            InvalidArgumentsError: Also a value the database cannot store (PostgreSQL
                SQLSTATE class 22, e.g. an id with a character a LATIN1 database lacks),
                named in the message (non-retryable, nothing written).
            OperatorActionRequired: `SchemaNotMigratedError`, `DatabaseReadOnlyError`,
                `DatabaseAccessDeniedError` (also a database URL asyncpg refuses),
                `UnknownStoredStatusError` (the file's stored status is not one this worker
                knows) (retried after a long delay; the message names the fix).
        """
        file_uuid = parse_file_id(file_id)
        target = parse_status(status)
        info = activity.info()
        context = TemporalContext.from_activity_info(info)
        change = await traced_change(
            self._telemetry.metrics(),
            file_uuid,
            target,
            lambda: self._repository.change_status(file_uuid, target, context, self._transitions),
        )
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "file status %s -> %s (changed=%s, version=%d)",
                change.previous,
                change.current,
                change.changed,
                change.version,
                extra={"file_id": str(file_uuid), "workflow_id": info.workflow_id},
            )
        return change
