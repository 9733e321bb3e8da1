"""Running the shared activities from any service: standalone activities keyed by a business key.

A service (an API handler, a consumer, a script) has no workflow; it starts the activity on the
server itself, as a *standalone activity*, and waits for its outcome::

    receipt = await emit_event(client, "ingestion", "file_ingested_successfully",
                               {"file_id": str(file_id)}, key=f"ingested/{file_id}",
                               task_queue="shared-activities")
    change = await change_file_status(client, file_id, FileStatus.COMPLETED,
                                      key=f"complete/{file_id}", task_queue="shared-activities")

The caller's business ``key`` names the request: the activity id is derived from it
(`service_activity_id`), and the start uses ``REJECT_DUPLICATE`` (a closed execution with that id
is never run again) and ``FAIL`` on conflict (a running one is not started twice). When the server
reports that the id already exists, it names that execution's run, and the call waits for that
run's outcome instead. So a service retrying its own request with the same key, after the first
finished or while it still runs, gets the same receipt, change or error, and the activity runs
once: one event, one status change. Different keys never share an execution.

The window is the namespace's retention: the server keeps a closed standalone activity (and so
refuses its id) for the retention period, plus up to ``history.retentionTimerJitterDuration``
(30 minutes by default) before deleting it; a later call with the key runs again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar, cast
from uuid import UUID

from temporalio.client import ActivityHandle, Client
from temporalio.common import ActivityIDConflictPolicy, ActivityIDReusePolicy, RetryPolicy
from temporalio.exceptions import ActivityAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from workflow_contracts import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    EventReceipt,
    FileStatus,
    StatusChange,
)

__all__ = [
    "MAX_SERVICE_KEY_CHARS",
    "SERVICE_ID_CONFLICT_POLICY",
    "SERVICE_ID_REUSE_POLICY",
    "VERBATIM_SERVICE_KEY_CHARS",
    "ServiceKeyConflictError",
    "change_file_status",
    "emit_event",
    "service_activity_id",
]

T = TypeVar("T")

VERBATIM_SERVICE_KEY_CHARS = 200
"""Keys up to this length (printable) are kept as they are in the activity id; longer ones hashed."""

MAX_SERVICE_KEY_CHARS = 4096
"""Longest key accepted (a longer one is a caller's mistake, not a business key)."""

SERVICE_ID_REUSE_POLICY = ActivityIDReusePolicy.REJECT_DUPLICATE
"""A closed execution's id is never reused (within the retention): no second run, whatever
the first one's outcome (a failed or timed-out run may still have sent its event)."""

SERVICE_ID_CONFLICT_POLICY = ActivityIDConflictPolicy.FAIL
"""A start that finds the id running is refused with the run's id; the call then waits for
that run. (``USE_EXISTING`` attaches the same way but hides that the request was a duplicate,
which the argument check needs.)"""

_ATTEMPTS = 3  # starts, when the earlier run is deleted by retention between refusal and read


class ServiceKeyConflictError(ValueError):
    """The key already names another request (other arguments, or another activity).

    Attributes:
        activity_id: The activity id derived from the key.
        run_id: The run that holds it.
    """

    def __init__(self, activity_id: str, run_id: str | None, what: str) -> None:
        """Builds the error (the message names the id and the run, never the arguments)."""
        super().__init__(
            f"key already used for {what} (activity id {activity_id!r}, run {run_id}):"
            " a key names one request; use a new key for a new request"
        )
        self.activity_id = activity_id
        self.run_id = run_id


def service_activity_id(activity: str, key: str) -> str:
    """The activity id a service's request with ``key`` runs under.

    ``"<activity>/<key>"`` for a printable key of at most `VERBATIM_SERVICE_KEY_CHARS`
    characters, else ``"<activity>#sha256:<hex digest of the key's UTF-8>"``. The two forms
    differ right after the activity name, and the name is part of the id, so two different
    keys (or one key for two activities) never give the same id.

    Raises:
        TypeError: ``key`` is not a string.
        ValueError: ``key`` is empty, longer than `MAX_SERVICE_KEY_CHARS`, or not valid
            Unicode (a lone surrogate); ``activity`` is empty or holds ``/`` or ``#``.
    """
    if not activity or "/" in activity or "#" in activity:
        raise ValueError(f"not an activity name for a service key: {activity!r}")
    if not isinstance(key, str):
        raise TypeError(f"key must be a string, not {type(key).__name__}")
    if not key:
        raise ValueError("key must not be empty")
    if len(key) > MAX_SERVICE_KEY_CHARS:
        raise ValueError(f"key is {len(key)} characters long; at most {MAX_SERVICE_KEY_CHARS}")
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("key is not valid Unicode text (a lone surrogate)") from None
    if len(key) <= VERBATIM_SERVICE_KEY_CHARS and key.isprintable():
        return f"{activity}/{key}"
    return f"{activity}#sha256:{hashlib.sha256(encoded).hexdigest()}"


async def emit_event(
    client: Client,
    source: str,
    event_type: str,
    data: Mapping[str, Any],
    *,
    key: str,
    task_queue: str,
    start_to_close_timeout: timedelta = DEFAULT_TIMEOUT,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
) -> EventReceipt:
    """Sends an event once per ``key``: runs `SendEventActivity` as a standalone activity.

    Calling again with the same key (a retry of the service's own request, sequential or
    concurrent) returns the first call's receipt (same ``event_id``) and sends nothing.

    Args:
        client: A client on the workers' namespace (the plugin's or `connect_client`'s
            converter, or Temporal's default one).
        source: Logical source, e.g. ``"ingestion"`` (see `SendEventActivity.run`).
        event_type: Event type, e.g. ``"file_ingested_successfully"``.
        data: Event payload, a JSON object.
        key: The request's business key (see `service_activity_id`).
        task_queue: A task queue polled by a worker with `SharedActivitiesPlugin`.
        start_to_close_timeout: Longest single attempt.
        schedule_to_close_timeout: Longest whole execution, retries included (None: no
            limit; attempts are retried until the event is sent or fails for good).
        retry_policy: Temporal's retry policy of the execution.

    Returns:
        The receipt of the key's execution.

    Raises:
        temporalio.client.ActivityFailureError: The execution failed; ``err.cause`` is the
            activity's `ApplicationError` (match ``err.cause.type``: ``InvalidEvent``...), or a
            ``TimeoutError`` / ``CancelledError`` / ``TerminatedError`` of Temporal's.
        ServiceKeyConflictError: The key already names another request.
        ValueError / TypeError: The key is not acceptable.
    """
    return await _run_keyed(
        client,
        SEND_EVENT_ACTIVITY,
        [source, event_type, dict(data)],
        EventReceipt,
        key=key,
        task_queue=task_queue,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        retry_policy=retry_policy,
    )


async def change_file_status(
    client: Client,
    file_id: UUID | str,
    status: FileStatus | str,
    *,
    key: str,
    task_queue: str,
    start_to_close_timeout: timedelta = DEFAULT_TIMEOUT,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
) -> StatusChange:
    """Changes a file's status once per ``key``: runs `UpdateFileStatusActivity` standalone.

    Calling again with the same key returns the first call's change (or raises its error) and
    writes nothing, even if the file has moved on since: a key names one request.

    Args:
        client: A client on the workers' namespace.
        file_id: The file (sent as its canonical UUID string).
        status: The target status (sent as its name, e.g. ``"COMPLETED"``).
        key: The request's business key (see `service_activity_id`).
        task_queue: A task queue polled by a worker with `SharedActivitiesPlugin`.
        start_to_close_timeout: Longest single attempt.
        schedule_to_close_timeout: Longest whole execution, retries included (None: no limit).
        retry_policy: Temporal's retry policy of the execution.

    Returns:
        The change of the key's execution.

    Raises:
        temporalio.client.ActivityFailureError: The execution failed; ``err.cause.type`` is the
            documented type (``InvalidStatusTransition``, ``FileNotFound``...).
        ServiceKeyConflictError: The key already names another request.
        ValueError / TypeError: The key is not acceptable.
    """
    return await _run_keyed(
        client,
        UPDATE_FILE_STATUS_ACTIVITY,
        [str(file_id), str(status)],
        StatusChange,
        key=key,
        task_queue=task_queue,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        retry_policy=retry_policy,
    )


async def _run_keyed(
    client: Client,
    activity: str,
    args: Sequence[Any],
    result_type: type[T],
    *,
    key: str,
    task_queue: str,
    start_to_close_timeout: timedelta,
    schedule_to_close_timeout: timedelta | None,
    retry_policy: RetryPolicy,
) -> T:
    activity_id = service_activity_id(activity, key)
    for _ in range(_ATTEMPTS):
        try:
            handle: ActivityHandle[Any] = await client.start_activity(
                activity,
                args=args,
                id=activity_id,
                task_queue=task_queue,
                result_type=result_type,
                start_to_close_timeout=start_to_close_timeout,
                schedule_to_close_timeout=schedule_to_close_timeout,
                retry_policy=retry_policy,
                id_reuse_policy=SERVICE_ID_REUSE_POLICY,
                id_conflict_policy=SERVICE_ID_CONFLICT_POLICY,
            )
        except ActivityAlreadyStartedError as err:
            existing = err.run_id or None
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
            existing = None  # no run named: the latest run of the id
        else:
            return cast(T, await handle.result())
        handle = client.get_activity_handle(activity_id, run_id=existing, result_type=result_type)
        try:
            await _check_same_request(client, handle, activity, args)
            return cast(T, await handle.result())
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            # The earlier run was deleted (retention) after the server named it: start anew.
    raise RuntimeError(f"activity {activity_id!r} could neither be started nor found")


async def _check_same_request(
    client: Client, handle: ActivityHandle[Any], activity: str, args: Sequence[Any]
) -> None:
    """Raises `ServiceKeyConflictError` unless the existing run is this very request."""
    described = await handle.describe(include_input=True)
    if described.activity_type != activity:
        raise ServiceKeyConflictError(
            handle.id, described.activity_run_id, f"another activity ({described.activity_type})"
        )
    if not described.has_input():
        return
    existing = await described.input()
    # The arguments as the worker would read them (our payload converter, there and back).
    converter = client.data_converter.payload_converter
    sent = converter.from_payloads(converter.to_payloads(args))
    if existing != sent:
        raise ServiceKeyConflictError(
            handle.id, described.activity_run_id, "a request with other arguments"
        )
