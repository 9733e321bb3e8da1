"""Calling the shared activities from workflow code, with sensible default options.

Import inside the sandbox with pass-through, as for the activity classes::

    with workflow.unsafe.imports_passed_through():
        from workflow_shared_activities import send_event, set_file_status
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from workflow_contracts import EventReceipt, FileStatus, StatusChange
from workflow_events import SendEventActivity
from workflow_file_status import UpdateFileStatusActivity

__all__ = ["DEFAULT_RETRY", "DEFAULT_TIMEOUT", "describe_failure", "send_event", "set_file_status"]

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
