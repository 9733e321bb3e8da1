"""Building and running the ingestion worker."""

import asyncio
from datetime import timedelta
from uuid import UUID

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_shared_activities import SharedActivitiesPlugin, connect_client, run_until_signalled

from ingestion_worker.activities import IngestionActivities
from ingestion_worker.settings import Settings
from ingestion_worker.workflows import IngestFileWorkflow, IngestionResult

__all__ = ["build_plugin", "build_worker", "connect", "serve", "start_ingestion"]


def build_plugin(settings: Settings) -> SharedActivitiesPlugin:
    """The shared activities plus this app's own, over one set of clients."""
    return SharedActivitiesPlugin(
        settings.shared_activities(),
        extra_activities=lambda resources: [IngestionActivities(resources).ingest_file],
    )


async def connect(settings: Settings) -> Client:
    """A Temporal client for the configured server, with the contracts' data converter."""
    return await connect_client(settings.temporal_address, settings.temporal_namespace)


def build_worker(client: Client, settings: Settings, plugin: SharedActivitiesPlugin) -> Worker:
    """The worker: the ingestion workflow, the shared and the app's activities."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[IngestFileWorkflow],
        plugins=[plugin],
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
    )


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs the worker until SIGINT/SIGTERM (or ``stop``)."""
    client = await connect(settings)
    await run_until_signalled(build_worker(client, settings, build_plugin(settings)), stop)


async def start_ingestion(client: Client, settings: Settings, file_id: UUID) -> IngestionResult:
    """Starts (or joins) the ingestion of a file and waits for its result."""
    from temporalio.common import WorkflowIDConflictPolicy

    return await client.execute_workflow(
        IngestFileWorkflow.run,
        file_id,
        id=f"ingest-{file_id}",
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
