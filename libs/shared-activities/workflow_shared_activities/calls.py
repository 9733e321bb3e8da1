"""Calling the shared activities from workflow code, with sensible default options.

Import inside the sandbox with pass-through, as for the activity classes::

    with workflow.unsafe.imports_passed_through():
        from workflow_shared_activities import send_event, set_file_status
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from workflow_contracts import (
    ErrorType,
    EventReceipt,
    FileAlreadyProcessingError,
    FileStatus,
    StatusChange,
)
from workflow_events import SendEventActivity
from workflow_file_status import UpdateFileStatusActivity

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "FileStageResult",
    "describe_failure",
    "run_file_stage",
    "send_event",
    "set_file_status",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = timedelta(seconds=30)
DEFAULT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=10)
)


async def set_file_status(
    file_id: UUID,
    status: FileStatus,
    *,
    start_to_close_timeout: timedelta = DEFAULT_TIMEOUT,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
) -> StatusChange:
    """Runs `UpdateFileStatusActivity` from a workflow."""
    return await workflow.execute_activity(
        UpdateFileStatusActivity.run,
        args=[file_id, status],
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
    )


async def send_event(
    source: str,
    event_type: str,
    data: dict[str, Any],
    *,
    start_to_close_timeout: timedelta = DEFAULT_TIMEOUT,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
) -> EventReceipt:
    """Runs `SendEventActivity` from a workflow."""
    return await workflow.execute_activity(
        SendEventActivity.run,
        args=[source, event_type, data],
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
    )


def describe_failure(err: ActivityError) -> tuple[str, str]:
    """The stable error ``type`` and the message behind an activity failure (for events)."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return cause.type or "ApplicationError", cause.message
    return type(cause).__name__, str(cause)


@dataclass(frozen=True)
class FileStageResult(Generic[T]):
    """Outcome of `run_file_stage`: the final status, the work's value or its error, the event."""

    status: FileStatus
    value: T | None
    error_type: str | None
    error_message: str | None
    event_id: str


async def run_file_stage(
    file_id: UUID,
    source: str,
    work: Callable[[], Awaitable[T]],
    *,
    completed_event: str,
    failed_event: str,
    event_data: Callable[[T], dict[str, Any]],
) -> FileStageResult[T]:
    """One processing stage of a file, the way every module does it; it always sends its event.

    PROCESSING, then ``work()``; on success COMPLETED and ``completed_event`` with
    ``event_data(value)``; when the work fails for good (an `ActivityError` after its retries),
    FAILED and ``failed_event`` with the error's type and message. Every event carries
    ``file_id``. Events are retried until sent (a missing bus waits for the operator), so a
    file never ends COMPLETED or FAILED without its event.

    The stage owns the file only if its own PROCESSING change applied. A file already
    PROCESSING under another execution (another stage running) is not touched: the stage sends
    ``failed_event`` with type ``FileAlreadyProcessing`` and raises that error. When a status
    change of the stage itself is refused (the file was moved meanwhile, or is unknown), the
    stage sends ``failed_event`` with that error and re-raises it.

    Raises:
        FileAlreadyProcessingError: Another execution is processing the file.
        ActivityError: A status change of this stage was refused for good (after its event).
    """

    async def fail(error_type: str, message: str) -> str:
        data = {"file_id": str(file_id), "error": {"type": error_type, "message": message}}
        return (await send_event(source, failed_event, data)).event_id

    try:
        claim = await set_file_status(file_id, FileStatus.PROCESSING)
    except ActivityError as err:
        await fail(*describe_failure(err))
        raise
    if not claim.changed:
        message = f"file {file_id} is already PROCESSING under another execution"
        await fail(ErrorType.FILE_ALREADY_PROCESSING, message)
        raise FileAlreadyProcessingError(message, {"file_id": str(file_id)})
    try:
        value = await work()
    except ActivityError as err:
        error_type, message = describe_failure(err)
        try:
            await set_file_status(file_id, FileStatus.FAILED)
        except ActivityError as status_err:
            await fail(error_type, message)
            raise status_err from err
        event_id = await fail(error_type, message)
        return FileStageResult(FileStatus.FAILED, None, error_type, message, event_id)
    try:
        await set_file_status(file_id, FileStatus.COMPLETED)
    except ActivityError as err:
        await fail(*describe_failure(err))
        raise
    receipt = await send_event(
        source, completed_event, {"file_id": str(file_id), **event_data(value)}
    )
    return FileStageResult(FileStatus.COMPLETED, value, None, None, receipt.event_id)
