"""The evaluation worker: its workflow, activity and event consumer; manual starts."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import aioboto3
from temporalio.client import Client, WorkflowHandle
from temporalio.common import VersioningBehavior, WorkflowIDConflictPolicy
from temporalio.worker import Worker
from workflow_shared_activities import FILE_STATUS, SharedActivitiesPlugin, WorkerResources
from workflow_shared_activities.app import WorkerApp

from evaluation_worker.activities import EvaluationActivities
from evaluation_worker.consumer import IngestionEventConsumer
from evaluation_worker.settings import Settings
from evaluation_worker.workflows import EvaluateFileWorkflow, EvaluationResult

__all__ = [
    "APP",
    "build_plugin",
    "build_worker",
    "connect",
    "consume_ingestion_events",
    "manual_evaluation_workflow_id",
    "serve",
    "start_evaluation_workflow",
]

logger = logging.getLogger(__name__)


def manual_evaluation_workflow_id(file_id: UUID) -> str:
    """The workflow id of an evaluation started by hand (``evaluation-worker start``)."""
    return f"evaluate-{file_id}-manual"


def _activities(settings: Settings, resources: WorkerResources) -> Sequence[Callable[..., Any]]:
    return [
        EvaluationActivities(
            resources[FILE_STATUS], threshold=settings.score_threshold
        ).evaluate_file
    ]


async def start_evaluation_workflow(
    client: Client, settings: Settings, file_id: UUID
) -> WorkflowHandle[EvaluateFileWorkflow, EvaluationResult]:
    """Starts an evaluation of a file by hand, or joins the manual one running."""
    return await client.start_workflow(
        EvaluateFileWorkflow.run,
        args=EvaluateFileWorkflow.start_args(
            file_id,
            settings.activity_mode,
            settings.stage_timeouts(),
            settings.shared_nexus_endpoint,
        ),
        id=manual_evaluation_workflow_id(file_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def consume_ingestion_events(client: Client, settings: Settings, stop: asyncio.Event) -> None:
    """Starts evaluations from the queue's ingestion events until ``stop`` (no queue: nothing)."""
    if not settings.queue_url:
        logger.info("no EVALUATION_QUEUE_URL: evaluations start only by hand")
        return
    async with aioboto3.Session().client(
        "sqs", region_name=settings.aws_region, endpoint_url=settings.sqs_endpoint_url()
    ) as sqs:
        consumer = IngestionEventConsumer(
            client,
            sqs,
            settings.queue_url,
            settings.task_queue,
            source=settings.ingestion_source(),
            activity_mode=settings.activity_mode,
            timeouts=settings.stage_timeouts(),
            shared_endpoint=settings.shared_nexus_endpoint,
        )
        logger.info("consuming ingestion events from %s", settings.queue_url)
        await consumer.run(stop)


APP: WorkerApp[Settings] = WorkerApp(
    name="evaluation-worker",
    settings_type=Settings,
    workflows=[EvaluateFileWorkflow],
    activities=_activities,
    start_workflow=start_evaluation_workflow,
    companion=consume_ingestion_events,
    description="Evaluates ingested files, started by ingestion events from SQS or by hand.",
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
    """The worker: the evaluation workflow, the shared and the app's activities."""
    return APP.build_worker(client, settings, plugin)


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs the worker and, when a queue is configured, the event consumer, until a signal."""
    await APP.serve(settings, stop)
