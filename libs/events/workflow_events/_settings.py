"""The worker settings of ``shared.send_event`` (``SharedActivitiesConfig.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from workflow_events._entry import DEFAULT_MAX_ENTRY_BYTES, MAX_ENTRY_BYTES_LIMIT

__all__ = ["EventSettings"]


@dataclass(frozen=True)
class EventSettings:
    """Where and how a worker publishes events.

    Attributes:
        bus_name: EventBridge bus name or ARN.
        source_prefix: Optional namespace before every event source (``"acme.data"``
            publishes source ``"ingestion"`` as ``"acme.data.ingestion"``).
        max_entry_bytes: Event size limit (AWS's formula), up to 1 MiB.
        batching: Coalesce concurrent events into PutEvents calls of up to ten entries.
        batch_max_wait: Longest an event waits for its batch to fill.
        endpoint_url: EventBridge endpoint (a local emulator); None: the worker's
            ``aws_endpoint_url``, else AWS.
        region: EventBridge region; None: the worker's ``aws_region``.
    """

    bus_name: str
    source_prefix: str | None = None
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES
    batching: bool = True
    batch_max_wait: timedelta = timedelta(milliseconds=5)
    endpoint_url: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        """Rejects a limit EventBridge does not have and an empty bus name."""
        if not self.bus_name:
            raise ValueError("bus_name is required (an EventBridge bus name or ARN)")
        if not 0 < self.max_entry_bytes <= MAX_ENTRY_BYTES_LIMIT:
            raise ValueError(f"max_entry_bytes must be 1..{MAX_ENTRY_BYTES_LIMIT}")
