"""The EventBridge backend, on a long-lived aioboto3 ``events`` client.

The worker owns the client: open it once with `open_events_client` (or your own
``session.client("events", config=EVENTS_CLIENT_CONFIG)``), hand it to
`new_aioboto3_event_sender`, and close it when the worker stops.

Retries: botocore's own retries are switched off (``total_max_attempts=1``: one try, no retry) so that Temporal's retry
policy alone governs; nested retries would multiply into retry storms and hide failures from
the workflow's history.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig
from aiohttp import ClientError as AioHttpClientError
from botocore.exceptions import BotoCoreError, ClientError
from workflow_contracts import (
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)

from workflow_events._ports import EntryOutcome, EventEntry
from workflow_events.outcomes import THROTTLE_RETRY_DELAY

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

EVENTS_CLIENT_CONFIG = AioConfig(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=5,
    read_timeout=15,
    max_pool_connections=64,
)
"""botocore settings for the events client: no SDK retries (Temporal retries), bounded
timeouts, and a pool large enough for concurrent activities on one worker."""

_THROTTLE_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


def _map_client_error(err: ClientError, bus_name: str) -> SharedActivityError:
    error = err.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", ""))
    status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    details = {"error_code": code, "error_message": message, "http_status": status}
    text = f"PutEvents failed: {code}: {message}"
    if code == "ResourceNotFoundException":
        return EventBusNotFoundError(
            f"event bus {bus_name!r} does not exist (configuration error): {message}", details
        )
    if code in _THROTTLE_CODES:
        return EventThrottledError(text, details, next_retry_delay=THROTTLE_RETRY_DELAY)
    if status >= 500 or status == 0 or code in {"InternalException", "InternalFailure"}:
        return EventPublishRetryableError(text, details)
    return EventRejectedError(text, details)


class EventBridgeSender:
    """Sends batches of entries to one bus with PutEvents."""

    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        """Args: client: An open aioboto3 ``events`` client. bus_name: The bus's name or ARN."""
        if not bus_name:
            raise ValueError("bus_name is required")
        self._client = client
        self._bus_name = bus_name

    @property
    def bus_name(self) -> str:
        """The bus the entries go to."""
        return self._bus_name

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        """One PutEvents call; every entry's outcome, in order.

        Raises:
            EventBusNotFoundError: The bus does not exist (non-retryable).
            EventRejectedError: The call was refused (4xx other than throttling).
            EventThrottledError: The call was throttled (retryable, with a delay hint).
            EventPublishRetryableError: Connection error, timeout or 5xx (retryable).
        """
        request = [
            {
                "Source": entry.source,
                "DetailType": entry.detail_type,
                "Detail": entry.detail,
                "Time": entry.time,
                "EventBusName": self._bus_name,
            }
            for entry in entries
        ]
        try:
            response = await self._client.put_events(Entries=request)  # type: ignore[arg-type]
        except ClientError as err:
            raise _map_client_error(err, self._bus_name) from err
        except (TimeoutError, BotoCoreError, AioHttpClientError, OSError) as err:
            raise EventPublishRetryableError(
                f"PutEvents failed: {type(err).__name__}: {err}",
                {"error_code": type(err).__name__},
            ) from err
        results = response.get("Entries", [])
        if len(results) != len(entries):
            raise EventPublishRetryableError(
                f"PutEvents answered {len(results)} entries for {len(entries)}",
                {"error_code": "EntryCountMismatch"},
            )
        outcomes = [
            EntryOutcome(
                bus_event_id=result.get("EventId"),
                error_code=result.get("ErrorCode"),
                error_message=result.get("ErrorMessage"),
            )
            for result in results
        ]
        failed = response.get("FailedEntryCount", 0)
        if failed:
            logger.warning(
                "PutEvents: %d of %d entries failed (codes: %s)",
                failed,
                len(entries),
                sorted({o.error_code for o in outcomes if o.error_code}),
            )
        return outcomes


def new_aioboto3_event_sender(client: EventBridgeClient, bus_name: str) -> EventBridgeSender:
    """Returns the EventBridge backend for an open aioboto3 ``events`` client."""
    return EventBridgeSender(client, bus_name)


@asynccontextmanager
async def open_events_client(
    *,
    session: aioboto3.Session | None = None,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    config: AioConfig = EVENTS_CLIENT_CONFIG,
) -> AsyncIterator[EventBridgeClient]:
    """Opens one long-lived ``events`` client for a worker's lifetime.

    Credentials come from the AWS credential chain of ``session`` (environment, profile,
    instance role); they are never passed through or logged here.

    Args:
        session: The aioboto3 session (a new default one when None).
        region_name: AWS region.
        endpoint_url: Custom endpoint (a local emulator).
        config: botocore settings (see `EVENTS_CLIENT_CONFIG`).
    """
    session = session or aioboto3.Session()
    async with session.client(
        "events", region_name=region_name, endpoint_url=endpoint_url, config=config
    ) as client:
        yield client
