"""The plugin keeps the user's Worker Deployment configuration, on a real Temporal server."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from temporalio.api.deployment.v1 import WorkerDeploymentVersion as VersionProto
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DescribeWorkerDeploymentVersionRequest
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker, WorkerDeploymentConfig
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin
from workflow_shared_activities.app import describe_deployment, set_current_version

from tests.workflows import ProcessWorkflow


async def _task_queues_of(client: Client, version: WorkerDeploymentVersion) -> list[str]:
    """The task queues the server saw the version poll (none while it has not polled)."""
    try:
        described = await client.workflow_service.describe_worker_deployment_version(
            DescribeWorkerDeploymentVersionRequest(
                namespace=client.namespace,
                deployment_version=VersionProto(
                    deployment_name=version.deployment_name, build_id=version.build_id
                ),
            )
        )
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return []
        raise
    return [q.name for q in described.worker_deployment_version_info.task_queue_infos]


async def test_a_users_versioned_worker_keeps_its_version_and_runs_the_shared_activities(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(
                database_url=f"sqlite:///{tmp_path / 'f.db'}", migrate=True
            ),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    # The user's own deployment: name, build id and default behaviour (the workflow
    # declares none, so the default is what the server must record).
    version = WorkerDeploymentVersion(f"acme-{uuid.uuid4().hex[:8]}", "build-7")
    mine = WorkerDeploymentConfig(
        version=version,
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )
    task_queue = f"plugin-versioned-{uuid.uuid4()}"
    worker = Worker(
        client, task_queue=task_queue, workflows=[ProcessWorkflow], deployment_config=mine
    )
    assert worker.config(active_config=True).get("deployment_config") == mine
    async with worker:
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        while True:  # the server registers a version shortly after its first poll
            if task_queue in await _task_queues_of(client, version):
                break
            await asyncio.sleep(0.2)
        state = await describe_deployment(client, version.deployment_name)
        assert state is not None and [v["build_id"] for v in state.versions] == ["build-7"]
        assert state.current_build_id is None

        file = await plugin.resources[FILE_STATUS].register_file(
            FileCreate(name="x.csv", uri="/x.csv")
        )
        handle = await client.start_workflow(
            ProcessWorkflow.run, file.id, id=f"process-{file.id}", task_queue=task_queue
        )
        assert await set_current_version(client, version.deployment_name, "build-7") is None
        receipt = await handle.result()
        final = await plugin.resources[FILE_STATUS].get_file(file.id)
    assert final is not None and final.status is FileStatus.COMPLETED
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id
    info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
    assert VersioningBehavior(info.behavior) is VersioningBehavior.PINNED
    assert (info.deployment_version.deployment_name, info.deployment_version.build_id) == (
        version.deployment_name,
        "build-7",
    )
    # The shared activities ran on the user's version: their completions are recorded so.
    history = await handle.fetch_history()
    scheduled = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert len(scheduled) == 3
    completed = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    assert {
        (
            e.workflow_task_completed_event_attributes.deployment_version.deployment_name,
            e.workflow_task_completed_event_attributes.deployment_version.build_id,
        )
        for e in completed
    } == {(version.deployment_name, "build-7")}
    # The replayer has no deployment options; the plugin's replay of this history passes.
    replayer = Replayer(workflows=[ProcessWorkflow], plugins=[plugin])
    await replayer.replay_workflow(history)
