"""The demo's split mode: the shared operations in a namespace of their own, through Nexus.

``python -m workflow_demo --split``: the platform worker (`SharedActivitiesPlugin(...,
nexus=True)`) serves `SharedOperations` in the ``platform`` namespace; the ingestion worker
runs in ``ingestion`` and the evaluation worker in ``evaluation``, each with a
``*_SHARED_NEXUS_ENDPOINT`` that routes every status change, event and notification of theirs
to the platform's task queue, as teams split across namespaces do. The platform worker runs
in the demo's process; the apps' workers run as usual (their own activities, ingesting and
evaluating, still run on them).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_shared_activities import (
    DATA_CONVERTER,
    NotificationSettings,
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
)
from workflow_shared_activities.nexus import ensure_nexus_endpoint

__all__ = [
    "EVALUATION_NAMESPACE",
    "INGESTION_NAMESPACE",
    "PLATFORM_NAMESPACE",
    "PLATFORM_TASK_QUEUE",
    "SHARED_ENDPOINT",
    "SPLIT_NAMESPACES",
    "Namespaces",
    "platform_worker",
]

PLATFORM_NAMESPACE = "platform"
INGESTION_NAMESPACE = "ingestion"
EVALUATION_NAMESPACE = "evaluation"
SPLIT_NAMESPACES = (PLATFORM_NAMESPACE, INGESTION_NAMESPACE, EVALUATION_NAMESPACE)
PLATFORM_TASK_QUEUE = "demo-platform"
SHARED_ENDPOINT = "demo-shared-operations"


@dataclass(frozen=True)
class Namespaces:
    """The clients the demo drives the apps through: one per app's namespace."""

    ingestion: Client
    evaluation: Client


async def namespaces(address: str, default: Client, split: bool) -> Namespaces:
    """The apps' clients: the stack's own client, or one per namespace when split."""
    if not split:
        return Namespaces(default, default)

    async def connect(namespace: str) -> Client:
        return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)

    return Namespaces(await connect(INGESTION_NAMESPACE), await connect(EVALUATION_NAMESPACE))


@asynccontextmanager
async def platform_worker(
    address: str,
    *,
    database_url: str,
    bus_name: str,
    aws_region: str,
    aws_endpoint_url: str,
) -> AsyncIterator[SharedActivitiesPlugin]:
    """Creates the endpoint and runs the platform worker until the block ends."""
    config = SharedActivitiesConfig(
        event_bus_name=bus_name,
        database_url=database_url,
        aws_region=aws_region,
        aws_endpoint_url=aws_endpoint_url,
        notifications=NotificationSettings(endpoint_url=aws_endpoint_url),
    )
    plugin = SharedActivitiesPlugin(config, nexus=True)
    client = await Client.connect(address, namespace=PLATFORM_NAMESPACE, plugins=[plugin])
    await ensure_nexus_endpoint(
        client,
        SHARED_ENDPOINT,
        target_namespace=PLATFORM_NAMESPACE,
        target_task_queue=PLATFORM_TASK_QUEUE,
    )
    async with Worker(client, task_queue=PLATFORM_TASK_QUEUE) as worker:
        await asyncio.wait_for(plugin.resources_for(worker).wait_until_open(), 30)
        yield plugin
