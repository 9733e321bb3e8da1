"""The small private ports between the activity, the batching layer and a bus backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from workflow_contracts.errors import SharedActivityError

__all__ = ["EntryOutcome", "EventBatchSender", "EventEntry", "EventPublisher"]


@dataclass(frozen=True)
class EventEntry:
    """One PutEvents entry, fully built and validated (everything but the bus name).

    Attributes:
        event_id: Our stable event id (also inside ``detail``).
        source: EventBridge ``Source``.
        detail_type: EventBridge ``DetailType``.
        detail: EventBridge ``Detail``: the JSON envelope, serialised once.
        time: EventBridge ``Time``.
        size: Size in bytes by AWS's entry-size formula.
        trace_header: The X-Ray trace header sent as the entry's ``TraceHeader`` (None: none).
    """

    event_id: str
    source: str
    detail_type: str
    detail: str
    time: datetime
    size: int
    trace_header: str | None = None


@dataclass(frozen=True)
class EntryOutcome:
    """What the bus answered for one entry: an event id, or an error code and message.

    Attributes:
        bus_event_id: The id the bus gave the accepted entry.
        error_code: The bus's error code for a failed entry.
        error_message: The bus's message for it.
        error: The typed error for a failed entry, when the backend built it (it knows its
            bus and its operator retry delay); otherwise publishers map ``error_code`` with
            `workflow_events.error_for_outcome`.
    """

    bus_event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error: SharedActivityError | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """True when the bus accepted the entry."""
        return self.error_code is None and self.bus_event_id is not None


class EventBatchSender(Protocol):
    """One PutEvents call for up to ten entries (a bus backend implements this)."""

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        """Sends the entries in one call.

        Returns:
            One outcome per entry, in order (a partial failure is not an exception).

        Raises:
            SharedActivityError: When the whole call failed (retryable or not).
        """
        ...


class EventPublisher(Protocol):
    """Publishes one event; what `SendEventActivity` depends on."""

    async def publish(self, entry: EventEntry) -> str:
        """Publishes the entry.

        Returns:
            The id the bus assigned to it.

        Raises:
            SharedActivityError: With the right ``type`` and retryability.
        """
        ...
