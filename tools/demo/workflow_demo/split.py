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
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_contracts import DATA_CONVERTER
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_shared_activities import (
    NotificationSettings,
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
)
from workflow_shared_activities.nexus import ensure_nexus_endpoint

from workflow_demo.stack import LocalStack

__all__ = [
    "EVALUATION_NAMESPACE",
    "INGESTION_NAMESPACE",
    "PLATFORM_NAMESPACE",
    "PLATFORM_TASK_QUEUE",
    "SHARED_ENDPOINT",
    "SPLIT_NAMESPACES",
    "Namespaces",
    "app_settings",
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


def app_settings(split: bool, namespace: str) -> dict[str, Any]:
    """An app's settings in split mode: its own namespace, and the platform's endpoint."""
    if not split:
        return {}
    return {"temporal_namespace": namespace, "shared_nexus_endpoint": SHARED_ENDPOINT}


@asynccontextmanager
async def platform_worker(
    stack: LocalStack, bus_name: str, split: bool
) -> AsyncIterator[Namespaces]:
    """The apps' clients; split, also the endpoint and the platform worker, until the block ends.

    Not split: the stack's own client for both apps, and no platform worker.
    """
    if not split:
        yield Namespaces(stack.temporal.client, stack.temporal.client)
        return
    config = SharedActivitiesConfig(
        events=EventSettings(bus_name=bus_name),
        file_status=FileStatusSettings(database_url=stack.database_url),
        aws_region=stack.moto.region,
        aws_endpoint_url=stack.moto.endpoint_url,
        notifications=NotificationSettings(endpoint_url=stack.moto.endpoint_url),
    )
    plugin = SharedActivitiesPlugin(config, nexus=True)
    address = stack.temporal_address
    client = await Client.connect(address, namespace=PLATFORM_NAMESPACE, plugins=[plugin])
    await ensure_nexus_endpoint(
        client,
        SHARED_ENDPOINT,
        target_namespace=PLATFORM_NAMESPACE,
        target_task_queue=PLATFORM_TASK_QUEUE,
    )
    clients = Namespaces(
        await Client.connect(address, namespace=INGESTION_NAMESPACE, data_converter=DATA_CONVERTER),
        await Client.connect(
            address, namespace=EVALUATION_NAMESPACE, data_converter=DATA_CONVERTER
        ),
    )
    async with Worker(client, task_queue=PLATFORM_TASK_QUEUE) as worker:
        await asyncio.wait_for(plugin.resources_for(worker).wait_until_open(), 30)
        yield clients
