"""`SharedOperationsHandler`: the Nexus handler of `SharedOperations` on a platform worker."""

from typing import Any

import nexusrpc
from temporalio import nexus
from temporalio.common import WorkflowIDConflictPolicy
from workflow_contracts import NotificationReceipt
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts.nexus import (
    EventRequest,
    FileStatusRequest,
    NotificationRequest,
    SharedOperations,
    operation_workflow_id,
)

from workflow_shared_activities.nexus.workflows import (
    SendEventOperation,
    SendNotificationOperation,
    UpdateFileStatusOperation,
)

__all__ = ["OPERATION_ID_CONFLICT_POLICY", "SharedOperationsHandler"]

OPERATION_ID_CONFLICT_POLICY = WorkflowIDConflictPolicy.USE_EXISTING
"""A request whose workflow is still running attaches to it (a retried request: the
operation's callback is added to the running workflow) instead of starting a second one."""


async def _start(
    ctx: nexus.WorkflowRunOperationContext, run: Any, operation: str, request: Any
) -> Any:
    # The id reuse policy stays ALLOW_DUPLICATE: a request retried after the workflow closed
    # runs it again, and the activity, keyed by the caller's call, returns the recorded
    # change and the same event id (a refused id would fail the caller's operation instead).
    return await ctx.start_workflow(
        run,
        request,
        id=operation_workflow_id(operation, request.caller),
        id_conflict_policy=OPERATION_ID_CONFLICT_POLICY,
    )


@nexusrpc.handler.service_handler(service=SharedOperations)
class SharedOperationsHandler:
    """Starts the platform workflow of each call, on the worker's own task queue.

    Registered by ``SharedActivitiesPlugin(config, nexus=True)`` with the workflows and
    activities it needs; the worker's task queue is the target of the Nexus endpoint.
    """

    @nexus.workflow_run_operation
    async def update_file_status(
        self, ctx: nexus.WorkflowRunOperationContext, input: FileStatusRequest
    ) -> nexus.WorkflowHandle[StatusChange]:
        """Starts `UpdateFileStatusOperation` for the call."""
        handle: nexus.WorkflowHandle[StatusChange] = await _start(
            ctx, UpdateFileStatusOperation.run, "update_file_status", input
        )
        return handle

    @nexus.workflow_run_operation
    async def send_event(
        self, ctx: nexus.WorkflowRunOperationContext, input: EventRequest
    ) -> nexus.WorkflowHandle[EventReceipt]:
        """Starts `SendEventOperation` for the call."""
        handle: nexus.WorkflowHandle[EventReceipt] = await _start(
            ctx, SendEventOperation.run, "send_event", input
        )
        return handle

    @nexus.workflow_run_operation
    async def send_notification(
        self, ctx: nexus.WorkflowRunOperationContext, input: NotificationRequest
    ) -> nexus.WorkflowHandle[NotificationReceipt]:
        """Starts `SendNotificationOperation` for the call."""
        handle: nexus.WorkflowHandle[NotificationReceipt] = await _start(
            ctx, SendNotificationOperation.run, "send_notification", input
        )
        return handle
