"""A dev server with three namespaces and a platform worker serving the shared operations.

``platform`` runs the worker (`SharedActivitiesPlugin(..., nexus=True)`); ``ingestion`` and
``evaluation`` run caller workers that have no shared activities at all: every status change
and event of theirs goes through the endpoint.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import DATA_CONVERTER
from workflow_devstack import MotoServer, PostgresDatabase, Route, make_route
from workflow_devstack.temporal import start_dev_server
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
)
from workflow_shared_activities.nexus import ensure_nexus_endpoint

from tests.nexus.workflows import (
    RawEventCaller,
    RawStatusCaller,
    RepeatedRequestCaller,
    StageCaller,
    StatusAndEventCaller,
)

PLATFORM, INGESTION, EVALUATION = "platform", "ingestion", "evaluation"
CALLER_WORKFLOWS = [
    StatusAndEventCaller,
    RawStatusCaller,
    RawEventCaller,
    RepeatedRequestCaller,
    StageCaller,
]


@dataclass
class NexusStack:
    env: WorkflowEnvironment
    target: str
    config: SharedActivitiesConfig
    endpoint: str
    resources: WorkerResources
    route: Route
    platform: Client
    callers: dict[str, Client]
    caller_queue: str


@pytest_asyncio.fixture(scope="module")
async def nexus_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server(extra_namespaces=[PLATFORM, INGESTION, EVALUATION])
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="module")
async def nexus_stack(
    nexus_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
) -> AsyncIterator[NexusStack]:
    route = await make_route(events_client, sqs_client, {"source": [{"prefix": ""}]})
    await asyncio.to_thread(upgrade, postgres_database.sqlalchemy_url)
    config = SharedActivitiesConfig(
        events=EventSettings(bus_name=route.bus_name),
        file_status=FileStatusSettings(database_url=postgres_database.sqlalchemy_url),
        aws_region=moto_server.region,
        aws_endpoint_url=moto_server.endpoint_url,
    )
    target = nexus_env.client.service_client.config.target_host
    plugin = SharedActivitiesPlugin(config, nexus=True)
    platform = await Client.connect(target, namespace=PLATFORM, plugins=[plugin])
    platform_queue = f"platform-{uuid.uuid4()}"
    endpoint = f"shared-operations-{uuid.uuid4().hex[:8]}"
    await ensure_nexus_endpoint(
        platform, endpoint, target_namespace=PLATFORM, target_task_queue=platform_queue
    )
    callers = {
        ns: await Client.connect(target, namespace=ns, data_converter=DATA_CONVERTER)
        for ns in (INGESTION, EVALUATION)
    }
    caller_queue = f"callers-{uuid.uuid4()}"
    async with (
        Worker(platform, task_queue=platform_queue) as worker,
        Worker(callers[INGESTION], task_queue=caller_queue, workflows=CALLER_WORKFLOWS),
        Worker(callers[EVALUATION], task_queue=caller_queue, workflows=CALLER_WORKFLOWS),
    ):
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 20)
        yield NexusStack(
            nexus_env,
            target,
            config,
            endpoint,
            resources,
            route,
            platform,
            callers,
            caller_queue,
        )
