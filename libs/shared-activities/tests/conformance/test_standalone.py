"""Standalone activities (started by a client, no workflow) keep their guarantees."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import UPDATE_FILE_STATUS_ACTIVITY, FileStatus
from workflow_devstack import MotoServer, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin


class LoseFirstCompletion(Interceptor):
    """A user's interceptor: the first attempt's result is lost after the activity committed."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        class Lose(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                if activity.info().attempt == 1:
                    raise RuntimeError("the completion was lost on the way")
                return result

        return Lose(next)


async def test_standalone_status_changes_are_keyed_by_their_execution(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    db = tmp_path / "standalone.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(database_url=f"sqlite:///{db}"),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue = f"standalone-{uuid.uuid4()}"
    worker = Worker(client, task_queue=queue, interceptors=[LoseFirstCompletion()])
    async with worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        file = await resources[FILE_STATUS].register_file(FileCreate(name="s.csv", uri="/s.csv"))
        reused_id = f"svc-request-{uuid.uuid4()}"
        results = []
        for status in ("PROCESSING", "COMPLETED"):
            handle = await client.start_activity(
                UPDATE_FILE_STATUS_ACTIVITY,
                args=[str(file.id), status],
                id=reused_id,  # one activity id reused by two executions
                task_queue=queue,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
            )
            results.append(await handle.result())
            assert (await handle.describe()).attempt == 2  # the first completion was lost
        history = await resources[FILE_STATUS].get_history(file.id)
        final = await resources[FILE_STATUS].get_file(file.id)
    # Two executions: two applied changes. Each retried once: still one row each, and the
    # retry returned what its own first attempt committed.
    assert [(r["previous"], r["current"], r["changed"], r["version"]) for r in results] == [
        ("PENDING", "PROCESSING", True, 2),
        ("PROCESSING", "COMPLETED", True, 3),
    ]
    assert [(h.to_status, h.version, h.attempt) for h in history] == [
        (FileStatus.PROCESSING, 2, 1),
        (FileStatus.COMPLETED, 3, 1),
    ]
    assert all(h.workflow_id is None and h.activity_id == reused_id for h in history)
    assert final is not None and (final.status, final.version) == (FileStatus.COMPLETED, 3)
