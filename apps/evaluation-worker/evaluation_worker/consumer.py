"""Starts evaluations from ``file_ingested_successfully`` events read from an SQS queue.

Messages are read with the consumer kit of `workflow_events`: `peek_event` routes on the
bus ``source`` and ``detail-type``, `parse_event` validates the whole event with the
ingestion app's `FileIngestedData` model, and `dedup_key` (``detail.id``) names the
evaluation: the workflow id is derived from the file id and that key, so a duplicated
delivery of one event never starts a second evaluation. A `Deduplicator` (in memory by
default) remembers the keys already started, so most duplicates are dropped without a call
to Temporal; the workflow id stays the guarantee (across restarts and consumers).

Each message of a batch is handled on its own (one failing message never affects the
others) and ends in exactly one `Outcome`:

============  ====================================================  ==========================
outcome       when                                                  the message
============  ====================================================  ==========================
started       the evaluation was started                            deleted
duplicate     an earlier delivery already started it                deleted
ignored       a well-formed event of another type or source         deleted (INFO log)
dead_letter   poison (not JSON, or not a valid event: the kit's     made visible again at once
              `InvalidEventMessage` names the fields) or a start    (WARNING log with the reason)
              Temporal rejects for good
retry         a transient failure (Temporal unreachable...)         kept: redelivered after
                                                                    the visibility timeout
============  ====================================================  ==========================

Nothing that failed is ever deleted: the queue's redrive policy moves a message to its
dead-letter queue after ``maxReceiveCount`` receives. A ``dead_letter`` message gets there
at once (its visibility is reset to 0, so the receives follow each other); a ``retry`` one
only after ``maxReceiveCount`` x ``VisibilityTimeout``, so size those two above the longest
Temporal outage to absorb. While starts fail transiently the consumer also slows its polling
down, so that it does not use up the receives of messages it cannot start anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import TYPE_CHECKING
from uuid import UUID

from ingestion_worker.events import FileIngestedData
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from workflow_contracts import ActivityMode, StageTimeouts
from workflow_events.consumer import (
    ClaimResult,
    Deduplicator,
    InMemoryDeduplicator,
    InvalidEventMessage,
    consuming_event,
    dedup_key,
    parse_event,
    peek_event,
)

from evaluation_worker.outcomes import BatchReport, MessageOutcome, Outcome, excerpt, short
from evaluation_worker.workflows import EvaluateFileWorkflow

if TYPE_CHECKING:  # stubs only: never needed at run time
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

__all__ = [
    "FILE_INGESTED",
    "INGESTION_SOURCE",
    "BatchReport",
    "IngestionEventConsumer",
    "MessageOutcome",
    "Outcome",
    "evaluation_workflow_id",
    "ingestion_source",
]

logger = logging.getLogger(__name__)

INGESTION_SOURCE = "ingestion"
"""Logical source of the ingestion events (the bus ``Source`` when no prefix is configured)."""
FILE_INGESTED = "file_ingested_successfully"
"""The only event type that starts an evaluation."""

PERMANENT_RPC_STATUSES = frozenset({RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.OUT_OF_RANGE})
"""Start failures that no retry fixes: the request itself is wrong (e.g. an id too long).

Everything else (unavailable, deadline, throttling, and also permission or namespace errors,
which an operator fixes for every message at once) is retried.
"""

MAX_POLL_BACKOFF_SECONDS = 30.0


def evaluation_workflow_id(file_id: UUID, event_id: str) -> str:
    """Workflow id of the evaluation that one ingestion event starts."""
    return f"evaluate-{file_id}-{event_id}"


def ingestion_source(prefix: str | None = None) -> str:
    """The bus ``Source`` of the ingestion events: ``ingestion``, after ``prefix.`` if set."""
    return f"{prefix}.{INGESTION_SOURCE}" if prefix else INGESTION_SOURCE


class IngestionEventConsumer:
    """Long-polls the queue and starts `EvaluateFileWorkflow` for each ingestion event.

    ``totals`` counts the outcomes since the consumer was created.
    """

    def __init__(
        self,
        client: Client,
        sqs: SQSClient,
        queue_url: str,
        task_queue: str,
        *,
        source: str = INGESTION_SOURCE,
        deduplicator: Deduplicator | None = None,
        activity_mode: ActivityMode = ActivityMode.REGULAR,
        timeouts: StageTimeouts | None = None,
        shared_endpoint: str | None = None,
    ) -> None:
        """Args: client: Temporal client. sqs: Open SQS client. queue_url: The rule's queue. task_queue: Where evaluations run. source: The ingestion events' bus ``Source`` (see `ingestion_source`). deduplicator: Remembers the events started (an `InMemoryDeduplicator` when None). activity_mode: How the evaluations it starts run their shared activities. timeouts: Their timeouts (None: the defaults). shared_endpoint: The Nexus endpoint of the shared operations they call (None: their worker's shared activities)."""
        self.activity_mode = activity_mode
        self.timeouts = timeouts
        self.shared_endpoint = shared_endpoint
        self._client = client
        self._dedup: Deduplicator = InMemoryDeduplicator() if deduplicator is None else deduplicator
        self._sqs = sqs
        self._queue_url = queue_url
        self._task_queue = task_queue
        self._source = source
        self._has_redrive: bool | None = None
        self.totals: Counter[Outcome] = Counter()

    async def handle(self, body: str, message_id: str = "-") -> MessageOutcome:
        """Decides one message and starts its evaluation; no queue operation.

        Never raises for a bad message or a failed start: the outcome says what happened.
        """
        try:
            header = peek_event(body)
            source, detail_type = header.source, header.detail_type
            if detail_type != FILE_INGESTED or source != self._source:
                return MessageOutcome(
                    message_id,
                    Outcome.IGNORED,
                    reason=f"event {short(source, 80)}/{short(detail_type, 80)} "
                    f"does not start evaluations",
                )
            event = parse_event(header.body, FileIngestedData)
        except InvalidEventMessage as err:
            return MessageOutcome(message_id, Outcome.DEAD_LETTER, reason=f"poison: {err}")
        event_id = dedup_key(event)
        file_id = event.detail.data.file_id
        workflow_id = evaluation_workflow_id(file_id, event_id)
        ids = {"workflow_id": workflow_id, "file_id": str(file_id), "event_id": event_id}
        trace = event.detail.trace
        # The ingestion's trace continues here: the evaluation workflow starts inside it.
        with consuming_event(
            trace.carrier() if trace else None, f"consume {FILE_INGESTED}", ids
        ) as span:
            claim = await self._claim(event_id)
            if claim is ClaimResult.DONE:
                logger.info("duplicate event: evaluation already started", extra=ids)
                return MessageOutcome(message_id, Outcome.DUPLICATE, workflow_id)
            result = await self._start(message_id, file_id, workflow_id, ids)
            span.set_attribute("outcome", result.outcome.value)
            await self._settle_claim(event_id, claim, result.outcome)
            return result

    async def _start(
        self, message_id: str, file_id: UUID, workflow_id: str, ids: dict[str, str]
    ) -> MessageOutcome:
        try:
            await self._client.start_workflow(
                EvaluateFileWorkflow.run,
                args=EvaluateFileWorkflow.start_args(
                    file_id, self.activity_mode, self.timeouts, self.shared_endpoint
                ),
                id=workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            logger.info("duplicate event: evaluation already started", extra=ids)
            return MessageOutcome(message_id, Outcome.DUPLICATE, workflow_id)
        except RPCError as err:
            reason = f"start failed: {err.status.name}: {short(err.message)}"
            if err.status in PERMANENT_RPC_STATUSES:
                return MessageOutcome(message_id, Outcome.DEAD_LETTER, workflow_id, reason)
            return MessageOutcome(message_id, Outcome.RETRY, workflow_id, reason)
        except Exception as err:  # a failure of unknown kind: retried, then dead-lettered
            reason = f"start failed: {type(err).__name__}: {short(str(err))}"
            return MessageOutcome(message_id, Outcome.RETRY, workflow_id, reason)
        logger.info("evaluation started", extra=ids)
        return MessageOutcome(message_id, Outcome.STARTED, workflow_id)

    async def _claim(self, key: str) -> ClaimResult | None:
        """The deduplicator's answer; None when it failed (the workflow id still guards)."""
        try:
            return await self._dedup.claim(key)
        except Exception as err:
            logger.warning("deduplicator claim failed (%s): starting anyway", type(err).__name__)
            return None

    async def _settle_claim(self, key: str, claim: ClaimResult | None, outcome: Outcome) -> None:
        """Remembers a started event; frees our claim on one that must be retried."""
        try:
            if outcome in (Outcome.STARTED, Outcome.DUPLICATE):
                await self._dedup.complete(key)
            elif claim is ClaimResult.CLAIMED:
                await self._dedup.release(key)
        except Exception as err:  # only a lost shortcut: the workflow id still guards
            logger.warning("deduplicator update failed (%s)", type(err).__name__)

    async def poll_once(self, wait_seconds: int = 1) -> BatchReport:
        """Receives one batch (up to 10 messages) and settles each message on its own."""
        if self._has_redrive is None:
            self._has_redrive = await self._check_redrive_policy()
        response = await self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return BatchReport()
        report = BatchReport(tuple(await asyncio.gather(*map(self._process, messages))))
        self.totals.update(o.outcome for o in report.outcomes)
        logger.info("ingestion events batch: %s", report)
        return report

    async def _process(self, message: MessageTypeDef) -> MessageOutcome:
        message_id = message.get("MessageId", "-")
        body = message.get("Body", "")
        try:
            result = await self.handle(body, message_id)
        except Exception as err:  # a bug here must not cost the batch its other messages
            result = MessageOutcome(
                message_id, Outcome.RETRY, reason=f"{type(err).__name__}: {short(str(err))}"
            )
        receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        try:
            await self._settle(message, result, body, receives)
        except Exception as err:  # delete/visibility call failed: SQS redelivers it later
            logger.warning(
                "message %s: %s, but settling it on the queue failed (%s): it will come back",
                message_id,
                result.outcome.value,
                type(err).__name__,
            )
        return result

    async def _settle(
        self, message: MessageTypeDef, result: MessageOutcome, body: str, receives: str
    ) -> None:
        handle = message["ReceiptHandle"]
        if result.outcome.acknowledged:
            if result.outcome is Outcome.IGNORED:
                logger.info("message %s ignored: %s", result.message_id, result.reason)
            await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=handle)
        elif result.outcome is Outcome.DEAD_LETTER:
            logger.warning(
                "message %s rejected for the dead-letter queue (receive %s): %s; body %s",
                result.message_id,
                receives,
                result.reason,
                excerpt(body),
                extra={"workflow_id": result.workflow_id},
            )
            if self._has_redrive:
                await self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
        else:
            logger.warning(
                "message %s left for a retry (receive %s): %s",
                result.message_id,
                receives,
                result.reason,
                extra={"workflow_id": result.workflow_id},
            )

    async def _check_redrive_policy(self) -> bool | None:
        """Whether the queue has a dead-letter queue; None when that could not be read.

        Without one, a rejected message made visible at once would come back in a tight
        loop: it keeps its normal visibility timeout instead.
        """
        try:
            attrs = await self._sqs.get_queue_attributes(
                QueueUrl=self._queue_url, AttributeNames=["RedrivePolicy"]
            )
        except Exception as err:
            logger.warning(
                "cannot read the queue's redrive policy (%s): rejected messages keep their "
                "visibility timeout for now",
                type(err).__name__,
            )
            return None
        if "RedrivePolicy" in attrs.get("Attributes", {}):
            return True
        logger.warning(
            "queue %s has no redrive policy: rejected messages stay in it until they expire; "
            "give it a dead-letter queue",
            self._queue_url,
        )
        return False

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until ``stop`` is set; backs off while starts or polls fail transiently."""
        backoff = 0.0
        while not stop.is_set():
            try:
                report = await self.poll_once()
                failing = report.count(Outcome.RETRY) > 0
            except Exception as err:  # keep consuming through transient outages
                logger.warning("consumer poll failed: %s: %s", type(err).__name__, short(str(err)))
                failing = True
            backoff = min(max(2 * backoff, 1.0), MAX_POLL_BACKOFF_SECONDS) if failing else 0.0
            if backoff:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
