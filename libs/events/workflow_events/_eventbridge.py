"""The EventBridge backend, on a long-lived aioboto3 ``events`` client.

The worker owns the client: open it once with `open_events_client` (or your own
``session.client("events", config=EVENTS_CLIENT_CONFIG)``), hand it to
`new_aioboto3_event_sender`, and close it when the worker stops.

Retries: botocore's own retries are switched off (``total_max_attempts=1``: one try, no
retry) so that Temporal's retry policy alone governs; nested retries would multiply into
retry storms and hide failures from the workflow's history.

Errors: `workflow_events.PUT_EVENTS_ERROR_TABLE` is the one place where
what botocore and aiohttp raise becomes our error (like httpx's transport exception map).
The original is logged at WARNING (type, code, first line of its message; never
credentials) and our error is raised ``from None``, so Temporal records a short typed
failure, not the driver's stack.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig
from workflow_activity_kit.aws import AWS_CLIENT_CONFIG, open_aws_client
from workflow_contracts.errors import OPERATOR_RETRY_DELAY, EventPublishRetryableError

from workflow_events._eventbridge_errors import error_for_outcome, map_put_events_error
from workflow_events._port import EntryOutcome, EventEntry

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient
else:
    EventBridgeClient = Any

__all__ = [
    "EVENTS_CLIENT_CONFIG",
    "EventBridgeSender",
    "new_aioboto3_event_sender",
    "open_events_client",
]

logger = logging.getLogger(__name__)

EVENTS_CLIENT_CONFIG: AioConfig = AWS_CLIENT_CONFIG
"""botocore settings for the events client (`workflow_activity_kit.aws.AWS_CLIENT_CONFIG`):
no SDK retries (Temporal retries), bounded timeouts, and a pool large enough for concurrent
activities on one worker."""


class EventBridgeSender:
    """Sends batches of entries to one bus with PutEvents."""

    def __init__(
        self,
        client: EventBridgeClient,
        bus_name: str,
        *,
        operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY,
    ) -> None:
        """Configures the backend.

        Args:
            client: An open aioboto3 ``events`` client.
            bus_name: The bus's name or ARN.
            operator_retry_delay: ``next_retry_delay`` of the errors an operator fixes (a
                missing bus, a permission, credentials): how often a waiting activity retries.
        """
        if not bus_name:
            raise ValueError("bus_name is required")
        if operator_retry_delay <= timedelta(0):
            raise ValueError("operator_retry_delay must be positive")
        self._client = client
        self._bus_name = bus_name
        self._operator_retry_delay = operator_retry_delay

    @property
    def bus_name(self) -> str:
        """The bus the entries go to."""
        return self._bus_name

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        """One PutEvents call; every entry's outcome, in order (failed ones carry their error).

        Raises:
            SharedActivityError: When the whole call failed, as `PUT_EVENTS_ERROR_TABLE` says:
                `EventBusNotFoundError` or `EventAccessDeniedError` (retried with the
                operator delay), `EventThrottledError`, `EventPublishRetryableError`, or
                `EventRejectedError` (not retried). An answer entry with neither an
                ``EventId`` nor an ``ErrorCode`` is that entry's retryable
                `EventPublishRetryableError` (a malformed answer).
        """
        request: list[dict[str, Any]] = []
        for entry in entries:
            item: dict[str, Any] = {
                "Source": entry.source,
                "DetailType": entry.detail_type,
                "Detail": entry.detail,
                "Time": entry.time,
                "EventBusName": self._bus_name,
            }
            if entry.trace_header:
                item["TraceHeader"] = entry.trace_header
            request.append(item)
        try:
            response = await self._client.put_events(Entries=request)  # type: ignore[arg-type]
        except Exception as err:
            raise map_put_events_error(
                err, bus_name=self._bus_name, operator_retry_delay=self._operator_retry_delay
            ) from None
        results = response.get("Entries", [])
        if len(results) != len(entries):
            raise EventPublishRetryableError(
                f"PutEvents answered {len(results)} entries for {len(entries)}",
                {"error_code": "EntryCountMismatch"},
            )
        outcomes = [self._outcome(result) for result in results]
        failed = response.get("FailedEntryCount", 0)
        if failed:
            logger.warning(
                "PutEvents: %d of %d entries failed (codes: %s)",
                failed,
                len(entries),
                sorted({o.error_code for o in outcomes if o.error_code}),
            )
        return outcomes

    def _outcome(self, result: Any) -> EntryOutcome:
        # An empty or missing EventId and ErrorCode are both absent: an entry with neither
        # is a malformed answer, which `error_for_outcome` makes retryable.
        if not isinstance(result, dict):
            result = {}
        event_id, code, message = (result.get(k) for k in ("EventId", "ErrorCode", "ErrorMessage"))
        outcome = EntryOutcome(
            bus_event_id=event_id if isinstance(event_id, str) and event_id else None,
            error_code=code if isinstance(code, str) and code else None,
            error_message=message if isinstance(message, str) else None,
        )
        if outcome.ok:
            return outcome
        error = error_for_outcome(
            outcome, bus_name=self._bus_name, operator_retry_delay=self._operator_retry_delay
        )
        return EntryOutcome(outcome.bus_event_id, outcome.error_code, outcome.error_message, error)


def new_aioboto3_event_sender(
    client: EventBridgeClient,
    bus_name: str,
    *,
    operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY,
) -> EventBridgeSender:
    """Returns the EventBridge backend for an open aioboto3 ``events`` client.

    Args:
        client: An open aioboto3 ``events`` client.
        bus_name: The bus's name or ARN.
        operator_retry_delay: How often an activity waiting for an operator (a missing bus,
            a permission, credentials) retries; `OPERATOR_RETRY_DELAY` by default.
    """
    return EventBridgeSender(client, bus_name, operator_retry_delay=operator_retry_delay)


def open_events_client(
    *,
    session: aioboto3.Session | None = None,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    config: AioConfig = EVENTS_CLIENT_CONFIG,
) -> AbstractAsyncContextManager[EventBridgeClient]:
    """Opens one long-lived ``events`` client for a worker's lifetime (``async with``).

    Credentials come from the AWS credential chain of ``session`` (environment, profile,
    instance role); they are never passed through or logged here.

    Args:
        session: The aioboto3 session (a new default one when None).
        region_name: AWS region.
        endpoint_url: Custom endpoint (a local emulator).
        config: botocore settings (see `EVENTS_CLIENT_CONFIG`).
    """
    return open_aws_client(
        "events", session=session, region_name=region_name, endpoint_url=endpoint_url, config=config
    )
