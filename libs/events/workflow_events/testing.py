"""Hand-written in-memory fakes for fast unit tests of code that publishes events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workflow_events._eventbridge_errors import error_for_outcome
from workflow_events._port import EntryOutcome, EventEntry

__all__ = ["InMemoryEventBus", "InMemoryPublisher"]


@dataclass
class InMemoryPublisher:
    """Records every published entry; can be told to fail the next publishes.

    Attributes:
        published: Entries accepted, in order.
        fail_with: Error codes to answer, one per publish, before accepting again.
    """

    published: list[EventEntry] = field(default_factory=list)
    fail_with: list[str] = field(default_factory=list)
    attempts: int = 0

    async def publish(self, entry: EventEntry) -> str:
        """Records the entry (or fails with the next queued error code)."""
        self.attempts += 1
        if self.fail_with:
            code = self.fail_with.pop(0)
            raise error_for_outcome(EntryOutcome(error_code=code, error_message="injected"))
        self.published.append(entry)
        return f"bus-{len(self.published)}"

    def details(self) -> list[dict[str, Any]]:
        """The ``detail`` of every accepted entry, parsed."""
        return [json.loads(entry.detail) for entry in self.published]


@dataclass
class InMemoryEventBus:
    """A fake bus backend (`send_batch`) that records calls and can fail chosen entries.

    Attributes:
        calls: Each call's entries.
        accepted: Every entry the bus accepted, in order.
        call_error: When set, every call raises it (a whole-call failure).
        entry_failures: ``event_id`` -> error code to answer for that entry, once.
        poison: ``event_id`` -> error raised by every call carrying that entry (one entry
            that makes the whole request invalid).
    """

    calls: list[list[EventEntry]] = field(default_factory=list)
    entry_failures: dict[str, str] = field(default_factory=dict)
    call_error: Exception | None = None
    accepted: list[EventEntry] = field(default_factory=list)
    poison: dict[str, Exception] = field(default_factory=dict)

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        """Records the call; answers each entry, failing those listed in ``entry_failures``."""
        self.calls.append(list(entries))
        if self.call_error is not None:
            raise self.call_error
        for entry in entries:
            if entry.event_id in self.poison:
                raise self.poison[entry.event_id]
        outcomes = []
        for entry in entries:
            code = self.entry_failures.pop(entry.event_id, None)
            if code:
                outcomes.append(EntryOutcome(error_code=code, error_message="injected"))
            else:
                self.accepted.append(entry)
                outcomes.append(EntryOutcome(bus_event_id=f"bus-{entry.event_id}"))
        return outcomes
