"""The platform workflows behind the Nexus operations: one activity each, with its retries.

A Nexus handler must answer within 10 s; a status change during a database outage, or an
event while the bus is missing, is retried far longer. So each operation starts one of these
workflows in the platform namespace (its id derived from the caller's call: a retried request
attaches to it) and the caller's operation completes when it does. The activity runs with the
retries and timeout of the shared activities (`DEFAULT_RETRY`, `DEFAULT_TIMEOUT`); a typed
non-retryable error fails the workflow on its first attempt, and reaches the caller.

Not sandboxed: each workflow awaits one activity and returns its result (nothing else that
could be non-deterministic), and the sandbox would import this package, with its database and
AWS clients, again for every run.
"""

from typing import TypeVar

from temporalio import workflow
from workflow_contracts import DEFAULT_RETRY, DEFAULT_TIMEOUT
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts.nexus import EventRequest, FileStatusRequest, NotificationRequest
from workflow_contracts.notifications import NotificationReceipt

from workflow_shared_activities.nexus.activities import (
    NEXUS_SEND_EVENT_ACTIVITY,
    NEXUS_SEND_NOTIFICATION_ACTIVITY,
    NEXUS_UPDATE_FILE_STATUS_ACTIVITY,
)

__all__ = [
    "NEXUS_WORKFLOWS",
    "SendEventOperation",
    "SendNotificationOperation",
    "UpdateFileStatusOperation",
]

T = TypeVar("T")


async def _run(activity: str, request: object, result_type: type[T]) -> T:
    result: T = await workflow.execute_activity(
        activity,
        request,
        result_type=result_type,
        start_to_close_timeout=DEFAULT_TIMEOUT,
        retry_policy=DEFAULT_RETRY,
    )
    return result


@workflow.defn(name="shared.nexus.UpdateFileStatus", sandboxed=False)
class UpdateFileStatusOperation:
    """Serves one ``update_file_status`` call."""

    @workflow.run
    async def run(self, request: FileStatusRequest) -> StatusChange:
        """Changes the file's status for the caller (see `NexusOperationActivities`)."""
        return await _run(NEXUS_UPDATE_FILE_STATUS_ACTIVITY, request, StatusChange)


@workflow.defn(name="shared.nexus.SendEvent", sandboxed=False)
class SendEventOperation:
    """Serves one ``send_event`` call."""

    @workflow.run
    async def run(self, request: EventRequest) -> EventReceipt:
        """Publishes the caller's event."""
        return await _run(NEXUS_SEND_EVENT_ACTIVITY, request, EventReceipt)


@workflow.defn(name="shared.nexus.SendNotification", sandboxed=False)
class SendNotificationOperation:
    """Serves one ``send_notification`` call."""

    @workflow.run
    async def run(self, request: NotificationRequest) -> NotificationReceipt:
        """Publishes the caller's notification."""
        return await _run(NEXUS_SEND_NOTIFICATION_ACTIVITY, request, NotificationReceipt)


NEXUS_WORKFLOWS: list[type] = [
    UpdateFileStatusOperation,
    SendEventOperation,
    SendNotificationOperation,
]
"""The workflows a platform worker serving `SharedOperations` registers."""
