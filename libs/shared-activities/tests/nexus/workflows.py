"""Caller workflows of the Nexus tests: they run in the caller namespaces, with no activities."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError, NexusOperationError
from workflow_contracts import (
    FileStatus,
    StatusChange,
    describe_failure,
    run_file_stage,
    send_event,
    set_file_status,
)
from workflow_contracts._nexus_calls import execute_shared_operation, nexus_caller, nexus_cause
from workflow_contracts.nexus import (
    EventRequest,
    FileStatusRequest,
    SharedOperations,
    operation_workflow_id,
)


@dataclass(frozen=True)
class StatusCall:
    endpoint: str
    file_id: str
    status: str
    event: bool = True


@workflow.defn
class StatusAndEventCaller:
    """One status change and one event through the endpoint; their results."""

    @workflow.run
    async def run(self, call: StatusCall) -> dict[str, Any]:
        change = await set_file_status(
            UUID(call.file_id), FileStatus(call.status), nexus_endpoint=call.endpoint
        )
        out: dict[str, Any] = {"version": change.version, "changed": change.changed}
        if call.event:
            receipt = await send_event(
                "ingestion",
                "file_status_changed",
                {"file_id": call.file_id, "status": change.current.value},
                nexus_endpoint=call.endpoint,
            )
            out["event_id"] = receipt.event_id
        return out


@workflow.defn
class RawStatusCaller:
    """``update_file_status`` with raw values; the failure as `describe_failure` reads it."""

    @workflow.run
    async def run(self, call: StatusCall) -> dict[str, Any]:
        request = FileStatusRequest(nexus_caller(), call.file_id, call.status)
        platform_id = operation_workflow_id("update_file_status", request.caller)
        try:
            change: StatusChange = await execute_shared_operation(
                call.endpoint, SharedOperations.update_file_status, request
            )
        except NexusOperationError as err:
            error_type, message = describe_failure(err)
            cause = nexus_cause(err)
            non_retryable = isinstance(cause, ApplicationError) and cause.non_retryable
            chain: list[str] = []
            below: BaseException | None = err
            while below is not None:
                chain.append(type(below).__name__)
                below = below.cause if isinstance(below, FailureError) else below.__cause__
            return {
                "type": error_type,
                "message": message,
                "non_retryable": non_retryable,
                "chain": chain,
                "platform_workflow_id": platform_id,
            }
        return {"ok": change.version, "platform_workflow_id": platform_id}


@workflow.defn
class RawEventCaller:
    """``send_event`` with raw values; the failure as `describe_failure` reads it."""

    @workflow.run
    async def run(self, endpoint: str, source: str, data: dict[str, Any]) -> dict[str, Any]:
        request = EventRequest(nexus_caller(), source, "file_seen", data, workflow.now())
        try:
            receipt = await execute_shared_operation(endpoint, SharedOperations.send_event, request)
        except NexusOperationError as err:
            error_type, message = describe_failure(err)
            return {"type": error_type, "message": message}
        return {"ok": receipt.event_id}


@workflow.defn
class RepeatedRequestCaller:
    """The same request (same caller key) twice: a retried Nexus request, after the first ended."""

    @workflow.run
    async def run(self, call: StatusCall) -> list[dict[str, Any]]:
        request = FileStatusRequest(nexus_caller(), call.file_id, call.status)
        out = []
        for _ in range(2):
            change = await execute_shared_operation(
                call.endpoint, SharedOperations.update_file_status, request
            )
            out.append({"version": change.version, "changed": change.changed})
        return out


@workflow.defn
class StageCaller:
    """A whole `run_file_stage` through the endpoint."""

    @workflow.run
    async def run(self, call: StatusCall) -> dict[str, Any]:
        async def work() -> int:
            await workflow.sleep(timedelta(milliseconds=10))
            return 3

        result = await run_file_stage(
            UUID(call.file_id),
            "ingestion",
            work,
            completed_event="file_ingested_successfully",
            failed_event="file_ingestion_failed",
            event_data=lambda rows: {"rows": rows},
            nexus_endpoint=call.endpoint,
        )
        return {"status": result.status.value, "event_id": result.event_id}
