"""The Nexus service definition and the helpers' ``nexus_endpoint``: light, sandbox-safe, keyed."""

import subprocess
import sys
import uuid

import pytest
from temporalio.api.nexus.v1 import EndpointSpec, EndpointTarget
from temporalio.api.operatorservice.v1 import CreateNexusEndpointRequest
from temporalio.exceptions import ActivityError, ApplicationError, NexusOperationError, RetryState
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_contracts import (
    ActivityMode,
    EventReceipt,
    FileStatus,
    StatusChange,
    TemporalContext,
    describe_failure,
)
from workflow_contracts._execution import execution_id
from workflow_contracts._nexus_calls import check_nexus_mode
from workflow_contracts.nexus import (
    SHARED_OPERATIONS_SERVICE,
    EventRequest,
    FileStatusRequest,
    NexusCaller,
    operation_workflow_id,
)

from tests.test_sandbox import HEAVY
from tests.workflows_nexus import NexusHelpersWorkflow, RecordingOperations

CALLER = NexusCaller("ingestion", "ingest-1", "run-1", "IngestFileWorkflow", "nexus-abc")


def test_the_nexus_modules_pull_in_no_heavy_dependency() -> None:
    code = (
        "import sys, workflow_contracts.nexus, workflow_contracts._nexus_calls\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_key_of_a_call_is_the_callers_as_if_it_were_an_activity() -> None:
    as_activity = TemporalContext(
        "ingest-1", "run-1", "nexus-abc", 3, "IngestFileWorkflow", "ingestion"
    )
    assert CALLER.context(3) == as_activity
    assert CALLER.execution_id == execution_id(as_activity)
    # The attempt never enters the key; the call key and the caller's run do.
    assert CALLER.execution_id == execution_id(CALLER.context(7))
    other_call = NexusCaller("ingestion", "ingest-1", "run-1", "IngestFileWorkflow", "nexus-b")
    other_run = NexusCaller("ingestion", "ingest-1", "run-2", "IngestFileWorkflow", "nexus-abc")
    assert len({CALLER.execution_id, other_call.execution_id, other_run.execution_id}) == 3


def test_the_platform_workflow_id_depends_on_the_operation_and_the_call_only() -> None:
    same = NexusCaller(**{**CALLER.__dict__})
    assert operation_workflow_id("send_event", CALLER) == operation_workflow_id("send_event", same)
    assert operation_workflow_id("send_event", CALLER) != operation_workflow_id(
        "update_file_status", CALLER
    )
    assert CALLER.execution_id in operation_workflow_id("send_event", CALLER)


def test_describe_failure_reads_the_activity_error_behind_an_operation() -> None:
    typed = ApplicationError("file_id: not a UUID", type="InvalidFileId", non_retryable=True)
    activity_error = ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="w",
        activity_type="shared.nexus.update_file_status",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    activity_error.__cause__ = typed
    err = NexusOperationError(
        "nexus operation completed unsuccessfully",
        scheduled_event_id=7,
        endpoint="shared",
        service=SHARED_OPERATIONS_SERVICE,
        operation="update_file_status",
        operation_token="t",
    )
    err.__cause__ = activity_error
    assert describe_failure(err) == ("InvalidFileId", "file_id: not a UUID")
    # Another service's operation is described as it always was: by the operation's error.
    other = NexusOperationError(
        "nexus operation completed unsuccessfully",
        scheduled_event_id=7,
        endpoint="billing",
        service="billing.Invoices",
        operation="issue",
        operation_token="t",
    )
    other.__cause__ = activity_error
    assert describe_failure(other) == (
        "NexusOperationError",
        "nexus operation completed unsuccessfully",
    )


def test_a_local_mode_with_an_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="LOCAL"):
        check_nexus_mode(ActivityMode.LOCAL)
    check_nexus_mode(ActivityMode.REGULAR)


async def test_the_helpers_call_through_an_endpoint_from_the_default_sandbox(
    temporal_env: WorkflowEnvironment,
) -> None:
    client = temporal_env.client
    task_queue = f"contracts-nexus-{uuid.uuid4()}"
    endpoint = f"contracts-{uuid.uuid4().hex[:12]}"
    await client.operator_service.create_nexus_endpoint(
        CreateNexusEndpointRequest(
            spec=EndpointSpec(
                name=endpoint,
                target=EndpointTarget(
                    worker=EndpointTarget.Worker(namespace=client.namespace, task_queue=task_queue)
                ),
            )
        )
    )
    handler = RecordingOperations()
    file_id = uuid.uuid4()
    workflow_id = f"contracts-nexus-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[NexusHelpersWorkflow],
        nexus_service_handlers=[handler],
    ):
        handle = await client.start_workflow(
            NexusHelpersWorkflow.run,
            args=[file_id, endpoint],
            id=workflow_id,
            task_queue=task_queue,
        )
        result = await handle.result()
    first, second, receipt = result.first, result.second, result.receipt
    assert first == StatusChange(file_id, FileStatus.PENDING, FileStatus.PROCESSING, True, 2)
    assert second.current is FileStatus.COMPLETED
    assert isinstance(receipt, EventReceipt)
    status_1, status_2, event = handler.requests
    assert isinstance(status_1, FileStatusRequest) and isinstance(status_2, FileStatusRequest)
    assert isinstance(event, EventRequest)
    assert (status_1.file_id, status_1.status) == (str(file_id), "PROCESSING")
    callers = [status_1.caller, status_2.caller, event.caller]
    assert {(c.namespace, c.workflow_id, c.run_id) for c in callers} == {
        (client.namespace, workflow_id, handle.result_run_id)
    }
    assert all(c.workflow_type == "NexusHelpersWorkflow" for c in callers)
    # One key per call, each drawn from the history (the same on replay).
    call_ids = [c.call_id for c in callers]
    assert len(set(call_ids)) == 3 and all(c.startswith("nexus-") for c in call_ids)
    assert receipt.event_id == event.caller.execution_id
    assert event.time.utcoffset() is not None  # the workflow's time, aware
