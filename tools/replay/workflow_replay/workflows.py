"""Reference workflows: every contracts helper, in both activity modes, as a module writes them.

Workflow code imports `workflow_contracts` (and ``temporalio``) only, the way a module's author
calls the shared activities; the one activity of their own (`MEASURE_ACTIVITY`) is called by
name through `call_activity`. Together the three workflows use `set_file_status`,
`send_event`, `run_file_stage`, `call_activity` and `send_notification`, and each takes the
activity mode, so the recorded corpus holds the commands every helper schedules in both modes:

* `FileStageWorkflow`: one `run_file_stage` around the module's own activity, then a
  notification. Success, or a typed non-retryable failure of the work that
  `describe_failure` surfaces in the failure event and the notification.
* `StandaloneCallsWorkflow`: the same helpers called without a stage (a status change, an
  event, the own activity, a notification). An unknown file ends the run with the typed
  ``FileNotFound`` that `describe_failure` reads.
* `LateTopicWorkflow`: a notification to a topic that does not exist yet; the activity fails
  (an operator error) and is retried until the topic is created. In local mode the retry
  back-off is longer than the local retry threshold, so Temporal schedules a timer.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from workflow_contracts import (
    SEND_NOTIFICATION_ACTIVITY,
    ActivityMode,
    FileStatus,
    NotificationReceipt,
    call_activity,
    describe_failure,
    run_file_stage,
    send_event,
    send_notification,
    set_file_status,
)

__all__ = [
    "LOCAL_TIMER_THRESHOLD",
    "MEASURE_ACTIVITY",
    "SOURCE",
    "WORKFLOWS",
    "FileStageWorkflow",
    "LateTopicWorkflow",
    "Measure",
    "ReferenceInput",
    "ReferenceResult",
    "StandaloneCallsWorkflow",
]

SOURCE = "reference"
MEASURE_ACTIVITY = "reference.measure"
"""The module's own activity: measures a text; a text starting with ``bad`` fails for good."""

LOCAL_TIMER_THRESHOLD = timedelta(milliseconds=500)
"""`LateTopicWorkflow`'s local retry threshold: shorter than the recording worker's operator
retry delay, so a local retry waits on a durable timer instead of inside the workflow task."""

_MEASURE_TIMEOUT = timedelta(seconds=10)
_MEASURE_RETRY = RetryPolicy(maximum_attempts=3)


@dataclass(frozen=True)
class Measure:
    """What `MEASURE_ACTIVITY` returns."""

    length: int
    words: int


@dataclass(frozen=True)
class ReferenceInput:
    """A reference run: the file, the text its work measures, the mode, the topic notified."""

    file_id: UUID
    text: str
    mode: ActivityMode
    topic_arn: str | None


@dataclass(frozen=True)
class ReferenceResult:
    """How a run ended: the file's status (None: no file), the typed error, the ids got back."""

    status: FileStatus | None
    error_type: str | None
    event_id: str | None
    notification_id: str | None


async def _measure(text: str, mode: ActivityMode) -> Measure:
    return await call_activity(
        MEASURE_ACTIVITY,
        text,
        result_type=Measure,
        mode=mode,
        start_to_close_timeout=_MEASURE_TIMEOUT,
        retry_policy=_MEASURE_RETRY,
    )


@workflow.defn
class FileStageWorkflow:
    """One stage of a file around the module's own activity, then a notification."""

    @workflow.run
    async def run(self, args: ReferenceInput) -> ReferenceResult:
        """Runs the stage; notifies its outcome with the error type `describe_failure` gave."""
        stage = await run_file_stage(
            args.file_id,
            SOURCE,
            lambda: _measure(args.text, args.mode),
            completed_event="reference_measured",
            failed_event="reference_failed",
            event_data=lambda m: {"length": m.length, "words": m.words},
            mode=args.mode,
        )
        receipt = await send_notification(
            args.topic_arn,
            f"Stage {stage.status.value}",
            f"file {args.file_id}: {stage.error_type or 'measured'}",
            {"file_id": str(args.file_id)},
            mode=args.mode,
        )
        return ReferenceResult(
            stage.status, stage.error_type, stage.event_id, receipt.notification_id
        )


@workflow.defn
class StandaloneCallsWorkflow:
    """Every helper called on its own, without a stage."""

    @workflow.run
    async def run(self, args: ReferenceInput) -> ReferenceResult:
        """PROCESSING, the work, its event, COMPLETED, a notification.

        Raises:
            ApplicationError: A status change was refused (typed as `describe_failure` reads
                it, e.g. ``FileNotFound``).
        """
        try:
            await set_file_status(args.file_id, FileStatus.PROCESSING, mode=args.mode)
        except ActivityError as err:
            error_type, message = describe_failure(err)
            raise ApplicationError(message, type=error_type, non_retryable=True) from err
        measured = await _measure(args.text, args.mode)
        data = {"file_id": str(args.file_id), "length": measured.length}
        receipt = await send_event(SOURCE, "reference_standalone", data, mode=args.mode)
        change = await set_file_status(args.file_id, FileStatus.COMPLETED, mode=args.mode)
        sent = await send_notification(args.topic_arn, None, args.text, mode=args.mode)
        return ReferenceResult(change.current, None, receipt.event_id, sent.notification_id)


@workflow.defn
class LateTopicWorkflow:
    """A notification retried until its topic exists (an operator creates it meanwhile)."""

    @workflow.run
    async def run(self, args: ReferenceInput) -> ReferenceResult:
        """Sends the notification; local mode retries through a timer."""
        if args.mode is ActivityMode.LOCAL:
            # call_activity exposes the local retry threshold: a back-off longer than it is
            # a timer in the history, then the same local activity again.
            receipt = await call_activity(
                SEND_NOTIFICATION_ACTIVITY,
                args.topic_arn,
                "Late topic",
                args.text,
                result_type=NotificationReceipt,
                mode=args.mode,
                local_retry_threshold=LOCAL_TIMER_THRESHOLD,
            )
        else:
            receipt = await send_notification(args.topic_arn, "Late topic", args.text)
        return ReferenceResult(None, None, None, receipt.notification_id)


WORKFLOWS: tuple[type, ...] = (FileStageWorkflow, StandaloneCallsWorkflow, LateTopicWorkflow)
"""The reference workflows, as the recording worker and the replayer register them."""
