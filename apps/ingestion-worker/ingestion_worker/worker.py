"""The ingestion worker: its workflow, its activity and how one file's ingestion starts."""

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from temporalio.client import Client, WorkflowHandle
from temporalio.common import VersioningBehavior, WorkflowIDConflictPolicy
from temporalio.worker import Worker
from workflow_shared_activities import FILE_STATUS, SharedActivitiesPlugin, WorkerResources
from workflow_shared_activities.app import WorkerApp

from ingestion_worker.activities import IngestionActivities
from ingestion_worker.settings import Settings
from ingestion_worker.workflows import IngestFileWorkflow, IngestionResult

__all__ = [
    "APP",
    "build_plugin",
    "build_worker",
    "connect",
    "ingestion_workflow_id",
    "serve",
    "start_ingestion",
    "start_ingestion_workflow",
]


def ingestion_workflow_id(file_id: UUID) -> str:
    """The workflow id of a file's ingestion (one at a time per file)."""
    return f"ingest-{file_id}"


def _activities(settings: Settings, resources: WorkerResources) -> Sequence[Callable[..., Any]]:
    return [IngestionActivities(resources[FILE_STATUS]).ingest_file]


async def start_ingestion_workflow(
    client: Client, settings: Settings, file_id: UUID
) -> WorkflowHandle[IngestFileWorkflow, IngestionResult]:
    """Starts the ingestion of a file, or joins the one running."""
    return await client.start_workflow(
        IngestFileWorkflow.run,
        args=IngestFileWorkflow.start_args(
            file_id,
            settings.activity_mode,
            settings.stage_timeouts(),
            settings.notification_topic_arn,
            settings.shared_nexus_endpoint,
        ),
        id=ingestion_workflow_id(file_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


APP: WorkerApp[Settings] = WorkerApp(
    name="ingestion-worker",
    settings_type=Settings,
    workflows=[IngestFileWorkflow],
    activities=_activities,
    start_workflow=start_ingestion_workflow,
    description="Ingests registered files: PROCESSING, read, COMPLETED or FAILED, one event.",
    # Every workflow of this app is AUTO_UPGRADE: the reason is beside the workflow class.
    versioning_behavior=VersioningBehavior.AUTO_UPGRADE,
)


def build_plugin(settings: Settings) -> SharedActivitiesPlugin:
    """The shared activities plus this app's own, over one set of clients."""
    return APP.build_plugin(settings)


async def connect(settings: Settings) -> Client:
    """A Temporal client for the configured server, with the contracts' data converter."""
    return await APP.connect(settings)


def build_worker(client: Client, settings: Settings, plugin: SharedActivitiesPlugin) -> Worker:
    """The worker: the ingestion workflow, the shared and the app's activities."""
    return APP.build_worker(client, settings, plugin)


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs the worker until SIGINT/SIGTERM (or ``stop``)."""
    await APP.serve(settings, stop)


async def start_ingestion(client: Client, settings: Settings, file_id: UUID) -> IngestionResult:
    """Starts (or joins) the ingestion of a file and waits for its result."""
    return await (await start_ingestion_workflow(client, settings, file_id)).result()
