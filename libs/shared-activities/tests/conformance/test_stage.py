"""`run_file_stage` through a real worker: a stage always sends its event, and owns its file."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus, TemporalContext
from workflow_devstack import MotoServer, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
)

from tests import workflows
from tests.workflows import StageWorkflow, stage_work


@dataclass
class Stage:
    client: Client
    queue: str
    resources: WorkerResources
    bus_name: str


@pytest_asyncio.fixture
async def stage(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    tmp_path: Path,
) -> AsyncIterator[Stage]:
    """A worker whose bus does not exist yet (each test creates it when it wants)."""
    db = tmp_path / "stage.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    bus_name = f"late-bus-{uuid.uuid4().hex[:8]}"
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=bus_name),
            file_status=FileStatusSettings(database_url=f"sqlite:///{db}"),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
            operator_retry_delay=timedelta(seconds=1),
        ),
        extra_activities=lambda _: [stage_work],
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue = f"stage-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[StageWorkflow]) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        yield Stage(client, queue, resources, bus_name)


async def test_a_stage_never_completes_without_its_event_it_waits_for_the_bus(
    stage: Stage, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    file = await stage.resources[FILE_STATUS].register_file(FileCreate(name="s.csv", uri="/s.csv"))
    handle = await stage.client.start_workflow(
        StageWorkflow.run, args=[file.id, False], id=f"stage-{file.id}", task_queue=stage.queue
    )
    # The file is COMPLETED, the event cannot go out: the workflow waits, retrying.
    for _ in range(100):
        desc = await handle.describe()
        pending = desc.raw_description.pending_activities
        if pending and pending[0].attempt >= 2:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the event was never retried")
    assert pending[0].last_failure.application_failure_info.type == "EventBusNotFound"
    assert pending[0].last_failure.application_failure_info.non_retryable is False
    current = await stage.resources[FILE_STATUS].get_file(file.id)
    assert current is not None and current.status is FileStatus.COMPLETED
    # The operator creates the bus: the event arrives and the workflow completes.
    route = await make_route(
        events_client, sqs_client, {"source": ["tests"]}, bus_name=stage.bus_name
    )
    assert await asyncio.wait_for(handle.result(), 30) == "COMPLETED"
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "stage_completed"
    assert event["detail"]["data"] == {"file_id": str(file.id), "checked": str(file.id)}


async def test_a_second_stage_on_a_processing_file_fails_fast_and_still_sends_its_event(
    stage: Stage, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(
        events_client, sqs_client, {"source": ["tests"]}, bus_name=stage.bus_name
    )
    file = await stage.resources[FILE_STATUS].register_file(FileCreate(name="t.csv", uri="/t.csv"))
    workflows.STAGE_RELEASE.clear()
    workflows.STAGE_STARTED.clear()
    first = await stage.client.start_workflow(
        StageWorkflow.run, args=[file.id, True], id=f"first-{file.id}", task_queue=stage.queue
    )
    await asyncio.wait_for(workflows.STAGE_STARTED.wait(), 20)
    with pytest.raises(WorkflowFailureError) as failed:
        await stage.client.execute_workflow(
            StageWorkflow.run,
            args=[file.id, False],
            id=f"second-{file.id}",
            task_queue=stage.queue,
        )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FileAlreadyProcessing" and cause.non_retryable
    [refused] = await route.receive(expected=1)
    assert refused["detail-type"] == "stage_failed"
    assert refused["detail"]["data"]["error"]["type"] == "FileAlreadyProcessing"
    # The owner is untouched and completes.
    workflows.STAGE_RELEASE.set()
    assert await first.result() == "COMPLETED"
    [done] = await route.receive(expected=1)
    assert done["detail-type"] == "stage_completed"
    history = await stage.resources[FILE_STATUS].get_history(file.id)
    assert [h.to_status for h in history] == [FileStatus.PROCESSING, FileStatus.COMPLETED]


async def test_a_refused_final_status_still_sends_the_failure_event(
    stage: Stage, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(
        events_client, sqs_client, {"source": ["tests"]}, bus_name=stage.bus_name
    )
    file = await stage.resources[FILE_STATUS].register_file(FileCreate(name="u.csv", uri="/u.csv"))
    workflows.STAGE_RELEASE.clear()
    workflows.STAGE_STARTED.clear()
    handle = await stage.client.start_workflow(
        StageWorkflow.run, args=[file.id, True], id=f"moved-{file.id}", task_queue=stage.queue
    )
    await asyncio.wait_for(workflows.STAGE_STARTED.wait(), 20)
    # Someone else (an operator's tool) fails the file while the stage works.
    operator = TemporalContext(None, None, "operator-1", 1, activity_run_id=str(uuid.uuid4()))
    from workflow_contracts import DEFAULT_TRANSITIONS

    await stage.resources[FILE_STATUS].change_status(
        file.id, FileStatus.FAILED, operator, DEFAULT_TRANSITIONS
    )
    workflows.STAGE_RELEASE.set()
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    activity_error = failed.value.cause
    assert isinstance(activity_error, ActivityError)
    assert isinstance(activity_error.cause, ApplicationError)
    assert activity_error.cause.type == "InvalidStatusTransition"
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "stage_failed"
    assert event["detail"]["data"]["error"]["type"] == "InvalidStatusTransition"
