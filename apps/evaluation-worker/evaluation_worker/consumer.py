"""Starts evaluations from ``file_ingested_successfully`` events read from an SQS queue.

The workflow id is derived from the file id and the event id, so a duplicated delivery of
one event never starts a second evaluation; a message is deleted only once its workflow was
started (or found already started).
"""

import asyncio
import json
import logging
from typing import Any
from uuid import UUID

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from types_aiobotocore_sqs import SQSClient

from evaluation_worker.workflows import EvaluateFileWorkflow

__all__ = ["IngestionEventConsumer", "evaluation_workflow_id"]

logger = logging.getLogger(__name__)


def evaluation_workflow_id(file_id: UUID, event_id: str) -> str:
    """Workflow id of the evaluation that one ingestion event starts."""
    return f"evaluate-{file_id}-{event_id}"


class IngestionEventConsumer:
    """Long-polls the queue and starts `EvaluateFileWorkflow` for each ingestion event."""

    def __init__(self, client: Client, sqs: SQSClient, queue_url: str, task_queue: str) -> None:
        """Args: client: Temporal client. sqs: Open SQS client. queue_url: The rule's queue. task_queue: Where evaluations run."""
        self._client = client
        self._sqs = sqs
        self._queue_url = queue_url
        self._task_queue = task_queue
        self.started: list[str] = []
        self.duplicates: list[str] = []

    async def handle(self, body: str) -> bool:
        """Starts the evaluation for one message; True when the message can be deleted."""
        try:
            event: dict[str, Any] = json.loads(body)
            detail = event["detail"]
            event_id = str(detail["id"])
            file_id = UUID(str(detail["data"]["file_id"]))
        except (ValueError, KeyError, TypeError) as err:
            # A poison message: it will never become valid. Logged, then dropped.
            logger.error("dropping a malformed ingestion event: %s", type(err).__name__)
            return True
        workflow_id = evaluation_workflow_id(file_id, event_id)
        try:
            await self._client.start_workflow(
                EvaluateFileWorkflow.run,
                file_id,
                id=workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            self.duplicates.append(workflow_id)
            logger.info(
                "duplicate event: evaluation already started",
                extra={"workflow_id": workflow_id, "file_id": str(file_id), "event_id": event_id},
            )
            return True
        self.started.append(workflow_id)
        logger.info(
            "evaluation started",
            extra={"workflow_id": workflow_id, "file_id": str(file_id), "event_id": event_id},
        )
        return True

    async def poll_once(self, wait_seconds: int = 1) -> int:
        """Receives one batch and handles it; returns the number of messages handled."""
        response = await self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        messages = response.get("Messages", [])
        for message in messages:
            # Not deleted when the start fails (Temporal unreachable): SQS redelivers it.
            if await self.handle(message["Body"]):
                await self._sqs.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return len(messages)

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until ``stop`` is set; transient failures are logged and retried."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception as err:  # keep consuming through transient outages
                logger.warning("consumer poll failed: %s", type(err).__name__)
                await asyncio.sleep(1)
