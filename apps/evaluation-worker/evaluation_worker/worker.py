"""Building and running the evaluation worker and its event consumer."""

import asyncio
from datetime import timedelta

import aioboto3
from temporalio.client import Client
from temporalio.worker import Worker
from workflow_shared_activities import SharedActivitiesPlugin, connect_client, run_until_signalled

from evaluation_worker.activities import EvaluationActivities
from evaluation_worker.consumer import IngestionEventConsumer
from evaluation_worker.settings import Settings
from evaluation_worker.workflows import EvaluateFileWorkflow

__all__ = ["build_plugin", "build_worker", "connect", "serve"]


def build_plugin(settings: Settings) -> SharedActivitiesPlugin:
    """The shared activities plus this app's own, over one set of clients."""
    return SharedActivitiesPlugin(
        settings.shared_activities(),
        extra_activities=lambda resources: [
            EvaluationActivities(resources, threshold=settings.score_threshold).evaluate_file
        ],
    )


async def connect(settings: Settings) -> Client:
    """A Temporal client for the configured server, with the contracts' data converter."""
    return await connect_client(settings.temporal_address, settings.temporal_namespace)


def build_worker(client: Client, settings: Settings, plugin: SharedActivitiesPlugin) -> Worker:
    """The worker: the evaluation workflow, the shared and the app's activities."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[EvaluateFileWorkflow],
        plugins=[plugin],
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
    )


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs the worker and, when a queue is configured, the event consumer, until a signal."""
    stop = stop or asyncio.Event()
    client = await connect(settings)
    worker = build_worker(client, settings, build_plugin(settings))
    if not settings.queue_url:
        await run_until_signalled(worker, stop)
        return
    async with aioboto3.Session().client(
        "sqs", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    ) as sqs:
        consumer = IngestionEventConsumer(
            client,
            sqs,
            settings.queue_url,
            settings.task_queue,
            source=settings.ingestion_source(),
        )
        consuming = asyncio.create_task(consumer.run(stop))
        try:
            await run_until_signalled(worker, stop)
        finally:
            stop.set()
            await consuming
