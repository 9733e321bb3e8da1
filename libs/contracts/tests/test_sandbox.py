"""The contracts on a real Temporal server, inside the workflow sandbox."""

import subprocess
import sys
import uuid
from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_contracts import (
    DATA_CONVERTER,
    EventEnvelope,
    FileStatus,
    StatusChange,
    TemporalContext,
)

from tests.workflows import ContractsWorkflow, echo_envelope

HEAVY = [
    "aioboto3",
    "aiobotocore",
    "botocore",
    "boto3",
    "sqlmodel",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "workflow_activity_kit",
    "workflow_events",
    "workflow_file_status",
    "workflow_shared_activities",
]


def test_importing_contracts_pulls_in_no_heavy_dependency() -> None:
    # The workflow-side helpers (`run_file_stage`...) included: they call activities by name.
    code = (
        "import sys, workflow_contracts, workflow_contracts._calls\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


async def test_contracts_round_trip_through_a_real_workflow(
    temporal_env: WorkflowEnvironment,
) -> None:
    assert temporal_env.client.data_converter is DATA_CONVERTER
    file_id = uuid.uuid4()
    envelope = EventEnvelope(
        id=str(uuid.uuid4()),
        source="ingestion",
        type="file_ingested_successfully",
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        data={"file_id": str(file_id), "facts": {"rows": 2}},
        context=TemporalContext("wf", "run", "1", 1),
    )
    task_queue = f"contracts-{uuid.uuid4()}"
    # The default runner is the sandbox: workflow_contracts is re-imported inside it.
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[ContractsWorkflow],
        activities=[echo_envelope],
    ):
        result = await temporal_env.client.execute_workflow(
            ContractsWorkflow.run,
            args=[file_id, FileStatus.PENDING, envelope],
            id=f"contracts-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert result == StatusChange(file_id, FileStatus.PENDING, FileStatus.FAILED, True, 2)
    assert isinstance(result.previous, FileStatus)


async def test_status_by_plain_string_from_another_sdk(temporal_env: WorkflowEnvironment) -> None:
    """A caller with no Python types (string id, string status) gets the same behaviour."""
    task_queue = f"contracts-{uuid.uuid4()}"
    envelope_json = {
        "id": "e1",
        "source": "s",
        "type": "t",
        "time": "2026-01-02T03:04:05+00:00",
        "data": {},
        "context": {"workflow_id": None, "run_id": None, "activity_id": None, "attempt": 1},
    }
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[ContractsWorkflow],
        activities=[echo_envelope],
    ):
        handle = await temporal_env.client.start_workflow(
            "ContractsWorkflow",
            args=["6a1f1f3e-0000-4000-8000-000000000001", "COMPLETED", envelope_json],
            id=f"contracts-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
    assert result == {
        "file_id": "6a1f1f3e-0000-4000-8000-000000000001",
        "previous": "COMPLETED",
        "current": "PROCESSING",
        "changed": True,
        "version": 1,
    }


async def test_contracts_passed_through_decode_in_the_sandbox(
    temporal_env: WorkflowEnvironment,
) -> None:
    from datetime import timedelta

    from workflow_contracts import EventReceipt

    from tests.workflows_passthrough import PassThroughWorkflow

    when = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    envelope = EventEnvelope("e9", "s", "t", when, {"k": [1]}, TemporalContext("w", "r", "a", 1))
    task_queue = f"contracts-{uuid.uuid4()}"
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[PassThroughWorkflow],
        activities=[echo_envelope],
    ):
        result = await temporal_env.client.execute_workflow(
            PassThroughWorkflow.run,
            envelope,
            id=f"contracts-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=20),
        )
    assert result == EventReceipt("e9", "s", "t", when)
