"""Calling the shared operations of another namespace from a workflow, through a Nexus endpoint.

The helpers of `workflow_contracts._calls` (``set_file_status``, ``send_event``,
``run_file_stage``) and ``send_notification`` come here when given ``nexus_endpoint=``: the
module's code reads the same whether the shared activities run on its own workers or on the
platform's, across namespaces. Light (standard library, ``temporalio``, ``nexusrpc``).
"""

from datetime import timedelta
from typing import Any, TypeVar

import nexusrpc
from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ChildWorkflowError,
    FailureError,
    NexusOperationError,
)

from workflow_contracts._modes import ActivityMode
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts.nexus import (
    NEXUS_CALL_ID_PREFIX,
    SHARED_OPERATIONS_SERVICE,
    EventRequest,
    FileStatusRequest,
    NexusCaller,
    NotificationRequest,
    SharedOperations,
)
from workflow_contracts.notifications import NotificationReceipt

__all__ = [
    "check_nexus_mode",
    "execute_shared_operation",
    "nexus_caller",
    "nexus_cause",
    "send_event_via_nexus",
    "send_notification_via_nexus",
    "set_file_status_via_nexus",
]

InputT = TypeVar("InputT")
OutputT = TypeVar("OutputT")


def check_nexus_mode(mode: ActivityMode) -> None:
    """Refuses a local mode with an endpoint: the operation runs on the platform's worker.

    Raises:
        ValueError: ``mode`` is `ActivityMode.LOCAL`.
    """
    if ActivityMode(mode) is ActivityMode.LOCAL:
        raise ValueError(
            "mode=LOCAL runs the activity on the workflow's own worker; a call through a"
            " Nexus endpoint runs on the platform's worker: pass one or the other"
        )


def nexus_caller() -> NexusCaller:
    """The running workflow as a caller, with a fresh call key.

    ``workflow.uuid4()`` is seeded by the history: the same key for this call on every
    replay, by any worker, and a different one for every call of the run.
    """
    info = workflow.info()
    return NexusCaller(
        namespace=info.namespace,
        workflow_id=info.workflow_id,
        run_id=info.run_id,
        workflow_type=info.workflow_type,
        call_id=f"{NEXUS_CALL_ID_PREFIX}{workflow.uuid4()}",
    )


async def execute_shared_operation(
    endpoint: str,
    operation: nexusrpc.Operation[InputT, OutputT],
    request: InputT,
    *,
    schedule_to_close_timeout: timedelta | None = None,
) -> OutputT:
    """Runs one `SharedOperations` operation through ``endpoint`` and waits for its result.

    Raises:
        NexusOperationError: The operation failed for good; its cause chain holds the
            activity's typed error (`describe_failure` reads it).
    """
    client = workflow.create_nexus_client(service=SharedOperations, endpoint=endpoint)
    return await client.execute_operation(
        operation, request, schedule_to_close_timeout=schedule_to_close_timeout
    )


async def set_file_status_via_nexus(
    endpoint: str, file_id: Any, status: Any, *, schedule_to_close_timeout: timedelta | None
) -> StatusChange:
    """``update_file_status`` through ``endpoint`` (see `set_file_status`)."""
    value = getattr(status, "value", status)
    request = FileStatusRequest(nexus_caller(), str(file_id), str(value))
    return await execute_shared_operation(
        endpoint,
        SharedOperations.update_file_status,
        request,
        schedule_to_close_timeout=schedule_to_close_timeout,
    )


async def send_event_via_nexus(
    endpoint: str,
    source: str,
    event_type: str,
    data: dict[str, Any],
    *,
    schedule_to_close_timeout: timedelta | None,
) -> EventReceipt:
    """``send_event`` through ``endpoint``; the event time is the caller's ``workflow.now()``."""
    request = EventRequest(nexus_caller(), source, event_type, data, workflow.now())
    return await execute_shared_operation(
        endpoint,
        SharedOperations.send_event,
        request,
        schedule_to_close_timeout=schedule_to_close_timeout,
    )


async def send_notification_via_nexus(
    endpoint: str,
    topic_arn: str | None,
    subject: str | None,
    message: str,
    attributes: dict[str, str] | None,
    group_id: str | None,
    *,
    schedule_to_close_timeout: timedelta | None,
) -> NotificationReceipt:
    """``send_notification`` through ``endpoint`` (see `send_notification`)."""
    request = NotificationRequest(nexus_caller(), topic_arn, subject, message, attributes, group_id)
    return await execute_shared_operation(
        endpoint,
        SharedOperations.send_notification,
        request,
        schedule_to_close_timeout=schedule_to_close_timeout,
    )


def nexus_cause(err: NexusOperationError) -> BaseException:
    """The error behind a failed `SharedOperations` operation: the first cause not a wrapper.

    The caller sees the operation's failure wrapped (the operation, the handler's error, the
    platform workflow that served it, its activity); the activity's typed error is below.
    An `ApplicationError` is the answer even when it has a cause of its own. An operation of
    another service is its own answer (``err``): `describe_failure` describes it as before.
    """
    if err.service != SHARED_OPERATIONS_SERVICE:
        return err
    cause: BaseException = err
    while isinstance(cause, _WRAPPERS):
        below = cause.cause if isinstance(cause, FailureError) else cause.__cause__
        if below is None:
            break
        cause = below
    return cause


_WRAPPERS = (NexusOperationError, ActivityError, ChildWorkflowError, nexusrpc.HandlerError)
