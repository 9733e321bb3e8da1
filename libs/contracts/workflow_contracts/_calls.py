"""Calling the shared activities from workflow code: by name, as regular or local activities.

Light like the rest of this package (the standard library and ``temporalio`` only): a workflow
imports these helpers straight from `workflow_contracts`, inside Temporal's sandbox, with no
pass-through. The activities are called by name (`UPDATE_FILE_STATUS_ACTIVITY`,
`SEND_EVENT_ACTIVITY`) with their result types, so the activity classes and their heavy
dependencies (aioboto3, SQLAlchemy) never load in the sandbox::

    from workflow_contracts import ActivityMode, FileStatus, run_file_stage, set_file_status

Every helper takes ``mode``: `ActivityMode.REGULAR` (the default) schedules the activity
through the server; `ActivityMode.LOCAL` runs it on the workflow's own worker, inside the
workflow task (that worker must have the activities, i.e. the `SharedActivitiesPlugin`).
Both modes keep the same guarantees: one event id and one status change per call, across
retries and replays (see `call_activity`).

Every helper also takes ``priority`` (Temporal's `Priority`: a priority key, and a fairness
key and weight), given to every regular activity it schedules, so a module can mark its
work, or key it by tenant, on a shared task queue. Local activities are not queued by the
server: there it does not apply (the workflow's own priority orders its workflow tasks).
Without it, the commands are exactly those of earlier versions.

Every helper also takes ``nexus_endpoint``: the name of a Nexus endpoint whose target is a
platform worker serving `workflow_contracts.nexus.SharedOperations` (another namespace). The
call then goes through that endpoint instead of scheduling the activity here, with the same
results, the same typed errors (in a `NexusOperationError`, read by `describe_failure`) and
the same idempotency (see `workflow_contracts._nexus_calls`). Without it, nothing changes.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from temporalio import workflow
from temporalio.common import Priority, RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    ChildWorkflowError,
    FailureError,
    NexusOperationError,
    RetryState,
)

from workflow_contracts._envelope import TemporalContext
from workflow_contracts._event_entry import check_event
from workflow_contracts._modes import ActivityMode
from workflow_contracts._names import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts._status import FileStatus
from workflow_contracts.errors import (
    ErrorType,
    EventTooLargeError,
    FileAlreadyProcessingError,
    InvalidEventError,
)

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "LOCAL_RETRY_THRESHOLD",
    "LOCAL_TIMEOUT",
    "FileStageResult",
    "StageTimeouts",
    "call_activity",
    "describe_failure",
    "run_file_stage",
    "send_event",
    "set_file_status",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = timedelta(seconds=10)
"""Limit of one attempt of a regular shared activity."""

DEFAULT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=10)
)
"""Retries of the shared activities, in both modes: no attempt cap, at most 10 s apart
(an operator error asks for its own, longer delay)."""

LOCAL_TIMEOUT = timedelta(seconds=10)
"""Limit of one attempt of a local shared activity. It runs inside the workflow task, so a
stuck attempt (a hung connection) is cut sooner than a regular one and retried."""

LOCAL_RETRY_THRESHOLD = timedelta(minutes=1)
"""Local retries with a back-off up to this long are retried by the worker inside the workflow
task; a longer back-off becomes a durable timer in the history, then a new local activity
(same activity id: see `call_activity`). One minute covers `DEFAULT_RETRY` and the default
operator retry delay (30 s)."""

_LOCAL_ID_PREFIX = "local-"


def _local_activity_id() -> str:
    # The SDK's default id of a local activity is its sequence number, which changes when a
    # retry comes back after a back-off timer: the execution id (event id, status key) would
    # change with it. workflow.uuid4() is deterministic (seeded by the history): the same id
    # on every attempt, after every timer, and on replay by any worker.
    return f"{_LOCAL_ID_PREFIX}{workflow.uuid4()}"


def _as_activity_error(activity: str, activity_id: str, err: FailureError) -> ActivityError:
    # temporalio 1.35 resolves a local activity that failed (not one that timed out or was
    # cancelled: those come wrapped) with the activity's own error. Wrapped here the way the
    # server wraps a regular activity's, so that callers handle both modes alike.
    non_retryable = isinstance(err, ApplicationError) and err.non_retryable
    return ActivityError(
        "Activity task failed",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type=activity,
        activity_id=activity_id,
        retry_state=(
            RetryState.NON_RETRYABLE_FAILURE
            if non_retryable
            else RetryState.MAXIMUM_ATTEMPTS_REACHED
        ),
    )


@dataclass(frozen=True)
class StageTimeouts:
    """Timeouts of a stage's shared-activity calls (None: each mode's default).

    Attributes:
        start_to_close: Limit of one attempt.
        schedule_to_close: Limit of all attempts together (None: retried until done).
    """

    start_to_close: timedelta | None = None
    schedule_to_close: timedelta | None = None


async def call_activity(
    activity: str,
    *args: Any,
    result_type: type[T],
    mode: ActivityMode = ActivityMode.REGULAR,
    start_to_close_timeout: timedelta | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
    local_retry_threshold: timedelta = LOCAL_RETRY_THRESHOLD,
    heartbeat_timeout: timedelta | None = None,
    priority: Priority | None = None,
) -> T:
    """Runs an activity by name from a workflow, as a regular or a local activity.

    ``REGULAR``: `workflow.execute_activity` on the workflow's task queue (Temporal numbers the
    activity id). ``LOCAL``: `workflow.execute_local_activity` with an explicit, deterministic
    activity id, so that the id (hence `execution_id`: the event id and the status
    idempotency key) is the same on every attempt, after a back-off timer and when another
    worker replays the workflow and runs the activity again.

    A failure is an `ActivityError` in both modes, its ``cause`` the activity's error (a
    failed local activity is wrapped like a regular one).

    Args:
        activity: The registered activity name.
        *args: Its arguments (serialised by the data converter).
        result_type: What the result is decoded to (e.g. `StatusChange`).
        mode: Regular or local.
        start_to_close_timeout: Limit of one attempt; `DEFAULT_TIMEOUT` (regular) or
            `LOCAL_TIMEOUT` (local) when None.
        schedule_to_close_timeout: Limit of all attempts (None: no limit).
        retry_policy: Retries (in both modes).
        local_retry_threshold: Local only: longer back-offs become timers.
        heartbeat_timeout: Regular only: an attempt whose worker stops heartbeating for this
            long (a killed worker) is retried at once instead of after its whole
            ``start_to_close_timeout``.
        priority: Regular only: the activity's priority and fairness on its task queue
            (None: Temporal's default, the workflow's own).

    Raises:
        ActivityError: The activity failed for good (its cause is the activity's error).
    """
    mode = ActivityMode(mode)
    result: T
    if mode is ActivityMode.LOCAL:
        if activity == SEND_EVENT_ACTIVITY and len(args) == 3:
            # A local activity scheduled again (after a back-off timer, on another worker)
            # gets a new scheduled time; the workflow's time is fixed on replay, so every
            # send of the event carries the same Time and Detail.
            args = (*args, workflow.now())
        activity_id = _local_activity_id()
        try:
            result = await workflow.execute_local_activity(
                activity,
                args=args,
                result_type=result_type,
                start_to_close_timeout=start_to_close_timeout or LOCAL_TIMEOUT,
                schedule_to_close_timeout=schedule_to_close_timeout,
                retry_policy=retry_policy,
                local_retry_threshold=local_retry_threshold,
                activity_id=activity_id,
            )
        except ActivityError:
            raise
        except FailureError as err:
            raise _as_activity_error(activity, activity_id, err) from err
    else:
        result = await workflow.execute_activity(
            activity,
            args=args,
            result_type=result_type,
            start_to_close_timeout=start_to_close_timeout or DEFAULT_TIMEOUT,
            schedule_to_close_timeout=schedule_to_close_timeout,
            heartbeat_timeout=heartbeat_timeout,
            retry_policy=retry_policy,
            priority=priority or Priority.default,
        )
    return result


async def set_file_status(
    file_id: UUID,
    status: FileStatus,
    *,
    mode: ActivityMode = ActivityMode.REGULAR,
    start_to_close_timeout: timedelta | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
    priority: Priority | None = None,
    nexus_endpoint: str | None = None,
) -> StatusChange:
    """Runs ``shared.update_file_status`` (`UpdateFileStatusActivity`) from a workflow.

    With ``nexus_endpoint``, runs ``update_file_status`` of `SharedOperations` through that
    endpoint instead (``mode`` must be REGULAR; of the options, ``schedule_to_close_timeout``
    bounds the whole operation, the others are the platform worker's).
    """
    if nexus_endpoint is not None:
        # Imported here: the Nexus module imports the notifications helpers, which import
        # this module.
        from workflow_contracts import _nexus_calls as nexus_calls

        nexus_calls.check_nexus_mode(mode)
        return await nexus_calls.set_file_status_via_nexus(
            nexus_endpoint, file_id, status, schedule_to_close_timeout=schedule_to_close_timeout
        )
    return await call_activity(
        UPDATE_FILE_STATUS_ACTIVITY,
        file_id,
        status,
        result_type=StatusChange,
        mode=mode,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        retry_policy=retry_policy,
        priority=priority,
    )


async def send_event(
    source: str,
    event_type: str,
    data: dict[str, Any],
    *,
    mode: ActivityMode = ActivityMode.REGULAR,
    start_to_close_timeout: timedelta | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
    priority: Priority | None = None,
    nexus_endpoint: str | None = None,
) -> EventReceipt:
    """Runs ``shared.send_event`` (`SendEventActivity`) from a workflow.

    In LOCAL mode the event time is the workflow's time (``workflow.now()``, fixed on replay),
    passed as the activity's optional ``time`` argument (see `call_activity`). With
    ``nexus_endpoint``, runs ``send_event`` of `SharedOperations` through that endpoint (as
    `set_file_status` does), the event time being the workflow's time too.
    """
    if nexus_endpoint is not None:
        from workflow_contracts import _nexus_calls as nexus_calls  # here: see set_file_status

        nexus_calls.check_nexus_mode(mode)
        return await nexus_calls.send_event_via_nexus(
            nexus_endpoint,
            source,
            event_type,
            data,
            schedule_to_close_timeout=schedule_to_close_timeout,
        )
    return await call_activity(
        SEND_EVENT_ACTIVITY,
        source,
        event_type,
        data,
        result_type=EventReceipt,
        mode=mode,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        retry_policy=retry_policy,
        priority=priority,
    )


def describe_failure(err: BaseException) -> tuple[str, str]:
    """The stable error ``type`` and the message behind a failure (for events).

    An `ActivityError` or a child workflow's failure is described by its cause; an
    `ApplicationError` raised in workflow code by itself; a failed Nexus operation of
    `SharedOperations` by the activity's error at the bottom of its causes (the same type as
    the activity called here would give).
    """
    cause: BaseException | None = err
    if isinstance(err, ActivityError | ChildWorkflowError):
        cause = err.cause or err
    elif isinstance(err, NexusOperationError):
        from workflow_contracts import _nexus_calls as nexus_calls  # here: see set_file_status

        cause = nexus_calls.nexus_cause(err)
    if isinstance(cause, ApplicationError):
        return cause.type or "ApplicationError", cause.message
    return type(cause).__name__, str(cause)


_REFUSED = (ActivityError, NexusOperationError)
"""How a status change of a stage fails for good: as an activity, or through Nexus."""

MAX_FAILURE_MESSAGE_CHARS = 1000
"""A failure event's message is cut to this: the event must fit whatever failed."""


@dataclass(frozen=True)
class FileStageResult(Generic[T]):
    """Outcome of `run_file_stage`: the final status, the work's value or its error, the event."""

    status: FileStatus
    value: T | None
    error_type: str | None
    error_message: str | None
    event_id: str


async def run_file_stage(
    file_id: UUID,
    source: str,
    work: Callable[[], Awaitable[T]],
    *,
    completed_event: str,
    failed_event: str,
    event_data: Callable[[T], dict[str, Any]],
    mode: ActivityMode = ActivityMode.REGULAR,
    timeouts: StageTimeouts | None = None,
    priority: Priority | None = None,
    nexus_endpoint: str | None = None,
) -> FileStageResult[T]:
    """One processing stage of a file, the way every module does it; it always sends its event.

    PROCESSING, then ``work()``; on success COMPLETED and ``completed_event`` with
    ``event_data(value)``; when the work fails for good (an `ActivityError` after its retries),
    FAILED and ``failed_event`` with the error's type and message. Every event carries
    ``file_id``. Events are retried until sent (a missing bus waits for the operator), so a
    file never ends COMPLETED or FAILED without its event.

    The stage owns the file only if its own PROCESSING change applied. A file already
    PROCESSING under another execution (another stage running) is not touched: the stage sends
    ``failed_event`` with type ``FileAlreadyProcessing`` and raises that error. When a status
    change of the stage itself is refused (the file was moved meanwhile, or is unknown), the
    stage sends ``failed_event`` with that error and re-raises it.

    ``mode`` applies to the stage's status changes and events (a whole stage runs in one
    mode), and so do ``timeouts`` and ``priority`` (regular mode: every status change and
    event the stage schedules carries it); ``work`` runs however it calls its own activity
    (pass it the same priority).

    With ``nexus_endpoint``, the stage's status changes and events go through that Nexus
    endpoint (`set_file_status`); a refused change is then a `NexusOperationError`.

    Raises:
        FileAlreadyProcessingError: Another execution is processing the file.
        ActivityError: A status change of this stage was refused for good (after its event).
        NexusOperationError: The same, through ``nexus_endpoint``.
    """
    opts: dict[str, Any] = {"mode": mode}
    if timeouts is not None:
        opts["start_to_close_timeout"] = timeouts.start_to_close
        opts["schedule_to_close_timeout"] = timeouts.schedule_to_close
    if priority is not None:
        opts["priority"] = priority
    if nexus_endpoint is not None:
        opts["nexus_endpoint"] = nexus_endpoint
    info = workflow.info()
    context = TemporalContext(
        info.workflow_id, info.run_id, None, 1, info.workflow_type, info.namespace
    )
    placeholder = {"file_id": str(file_id), "error": {"type": "x" * 100, "message": "x" * 1200}}
    # Both events must be sendable before the file is touched: a stage never commits a status
    # whose event it cannot send (a reserved source, a type too long...).
    check_event(source, completed_event, {"file_id": str(file_id)}, context=context)
    check_event(source, failed_event, placeholder, context=context)

    async def fail(error_type: str, message: str) -> str:
        message = message[:MAX_FAILURE_MESSAGE_CHARS]
        data = {"file_id": str(file_id), "error": {"type": error_type[:100], "message": message}}
        return (await send_event(source, failed_event, data, **opts)).event_id

    async def failed(error_type: str, message: str) -> FileStageResult[T]:
        try:
            await set_file_status(file_id, FileStatus.FAILED, **opts)
        except _REFUSED as status_err:
            await fail(error_type, message)
            raise status_err from None
        event_id = await fail(error_type, message)
        return FileStageResult(FileStatus.FAILED, None, error_type, message, event_id)

    try:
        claim = await set_file_status(file_id, FileStatus.PROCESSING, **opts)
    except _REFUSED as err:
        await fail(*describe_failure(err))
        raise
    if not claim.changed:
        message = f"file {file_id} is already PROCESSING under another execution"
        await fail(ErrorType.FILE_ALREADY_PROCESSING, message)
        raise FileAlreadyProcessingError(message, {"file_id": str(file_id)})
    try:
        value = await work()
    except (FailureError, asyncio.CancelledError) as err:
        # An activity's failure, a child workflow's, an ApplicationError raised by workflow
        # code, or a cancellation: the file must not stay PROCESSING.
        result = await failed(*describe_failure(err))
        if isinstance(err, ActivityError | ChildWorkflowError | ApplicationError):
            return result
        raise
    completed = {"file_id": str(file_id), **event_data(value)}
    try:
        check_event(source, completed_event, completed, context=context)
    except (InvalidEventError, EventTooLargeError) as err:
        # The work's result cannot be published: the stage fails instead of completing
        # without its event.
        return await failed(err.type or "InvalidEvent", err.message)
    try:
        await set_file_status(file_id, FileStatus.COMPLETED, **opts)
    except _REFUSED as err:
        await fail(*describe_failure(err))
        raise
    receipt = await send_event(source, completed_event, completed, **opts)
    return FileStageResult(FileStatus.COMPLETED, value, None, None, receipt.event_id)
