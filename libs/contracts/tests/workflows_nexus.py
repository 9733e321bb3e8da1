"""A caller workflow and a fake platform for the Nexus helpers, in the default sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from nexusrpc.handler import StartOperationContext, service_handler, sync_operation
from temporalio import workflow
from workflow_contracts import EventReceipt, FileStatus, StatusChange, send_event, set_file_status
from workflow_contracts.nexus import (
    EventRequest,
    FileStatusRequest,
    NotificationRequest,
    SharedOperations,
)
from workflow_contracts.notifications import NotificationReceipt


@service_handler(service=SharedOperations)
class RecordingOperations:
    """Answers at once (synchronous operations) and keeps the requests it got."""

    def __init__(self) -> None:
        self.requests: list[object] = []

    @sync_operation
    async def update_file_status(
        self, ctx: StartOperationContext, input: FileStatusRequest
    ) -> StatusChange:
        self.requests.append(input)
        return StatusChange(
            UUID(input.file_id), FileStatus.PENDING, FileStatus(input.status), True, 2
        )

    @sync_operation
    async def send_event(self, ctx: StartOperationContext, input: EventRequest) -> EventReceipt:
        self.requests.append(input)
        return EventReceipt(input.caller.execution_id, input.source, input.event_type, input.time)

    @sync_operation
    async def send_notification(
        self, ctx: StartOperationContext, input: NotificationRequest
    ) -> NotificationReceipt:
        raise NotImplementedError


@dataclass(frozen=True)
class HelperResults:
    first: StatusChange
    second: StatusChange
    receipt: EventReceipt


@workflow.defn
class NexusHelpersWorkflow:
    """Two status changes and an event through the endpoint, as a module's code writes them."""

    @workflow.run
    async def run(self, file_id: UUID, endpoint: str) -> HelperResults:
        first = await set_file_status(file_id, FileStatus.PROCESSING, nexus_endpoint=endpoint)
        second = await set_file_status(file_id, FileStatus.COMPLETED, nexus_endpoint=endpoint)
        receipt = await send_event("ingestion", "done", {"n": 1}, nexus_endpoint=endpoint)
        assert isinstance(first, StatusChange) and isinstance(receipt, EventReceipt)
        return HelperResults(first, second, receipt)
