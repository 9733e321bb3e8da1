"""Publishers: one PutEvents call per event, or concurrent events coalesced into batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from workflow_contracts.errors import SharedActivityError

from workflow_events._entry import DEFAULT_MAX_ENTRY_BYTES
from workflow_events._eventbridge_errors import error_for_outcome
from workflow_events._port import EntryOutcome, EventBatchSender, EventEntry
from workflow_events._telemetry import Caller, PublishTelemetry

__all__ = ["MAX_ENTRIES_PER_CALL", "BatchingPublisher", "DirectPublisher"]

logger = logging.getLogger(__name__)

MAX_ENTRIES_PER_CALL = 10
"""PutEvents accepts at most ten entries per call."""

_Pending = tuple[EventEntry, "asyncio.Future[str]", Caller]


def _error(outcome: EntryOutcome) -> SharedActivityError:
    return outcome.error or error_for_outcome(outcome)


def _result(outcome: EntryOutcome) -> str:
    if outcome.ok and outcome.bus_event_id is not None:
        return outcome.bus_event_id
    raise _error(outcome)


def _copy_error(err: SharedActivityError) -> SharedActivityError:
    # Each caller raises its own instance: one exception object raised in many tasks
    # would share (and overwrite) a single traceback. No cause is chained: the backend
    # raised ``from None`` so Temporal records our short error, not the driver's stack.
    copy = type(err)(err.message, *err.details, next_retry_delay=err.next_retry_delay)
    copy.__cause__ = err.__cause__
    copy.__suppress_context__ = True
    return copy


class DirectPublisher:
    """One PutEvents call per event (no batching)."""

    def __init__(self, sender: EventBatchSender) -> None:
        """Args: sender: The bus backend."""
        self._sender = sender
        self._telemetry = PublishTelemetry()

    async def publish(self, entry: EventEntry) -> str:
        """Sends the entry alone; returns the bus's id for it or raises its error."""
        [outcome] = await self._telemetry.send(self._sender, [entry], [self._telemetry.caller()])
        return _result(outcome)

    async def aclose(self) -> None:
        """Nothing is queued; present for symmetry with `BatchingPublisher`."""


class BatchingPublisher:
    """Coalesces concurrent publishes on one worker into PutEvents calls of up to ten entries.

    An event waits at most ``max_wait`` for others to join its batch; a full batch (ten
    entries, or the byte limit) is sent at once. Each caller gets exactly its own entry's
    outcome: a failed entry fails only its caller. A call that fails as a whole with a
    retryable error fails every caller in it with that error (each retries; nothing is
    lost). A call of several entries that fails with a non-retryable error may have been
    caused by one entry: each entry is then sent again alone, so a permanent failure only
    ever reaches the caller whose own entry earned it. `aclose` flushes what is queued and
    waits for it.
    """

    def __init__(
        self,
        sender: EventBatchSender,
        *,
        max_wait: timedelta = timedelta(milliseconds=5),
        max_entries: int = MAX_ENTRIES_PER_CALL,
        max_batch_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        """Configures the batching.

        Args:
            sender: The bus backend.
            max_wait: Longest time an event waits for a batch to fill.
            max_entries: Entries per call, 1 to 10.
            max_batch_bytes: Byte limit of one call (sum of the entry sizes).
        """
        if not 1 <= max_entries <= MAX_ENTRIES_PER_CALL:
            raise ValueError(f"max_entries must be 1..{MAX_ENTRIES_PER_CALL}")
        if max_wait < timedelta(0):
            raise ValueError("max_wait must not be negative")
        self._sender = sender
        self._telemetry = PublishTelemetry()
        self._max_wait = max_wait.total_seconds()
        self._max_entries = max_entries
        self._max_bytes = max_batch_bytes
        self._pending: list[_Pending] = []
        self._pending_bytes = 0
        self._timer: asyncio.TimerHandle | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._closed = False

    async def publish(self, entry: EventEntry) -> str:
        """Queues the entry for the next batch; returns the bus's id for it or raises its error."""
        if self._closed:
            raise RuntimeError("publisher is closed")
        loop = asyncio.get_running_loop()
        if self._pending and self._pending_bytes + entry.size > self._max_bytes:
            self._flush()
        future: asyncio.Future[str] = loop.create_future()
        self._pending.append((entry, future, self._telemetry.caller()))
        self._pending_bytes += entry.size
        if len(self._pending) >= self._max_entries:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._max_wait, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending, self._pending_bytes = self._pending, [], 0
        # A caller cancelled while queued (activity timeout) is not sent.
        batch = [item for item in batch if not item[1].cancelled()]
        if batch:
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _send(self, batch: Sequence[_Pending]) -> None:
        try:
            outcomes = await self._telemetry.send(
                self._sender, [item[0] for item in batch], [item[2] for item in batch]
            )
        except SharedActivityError as err:
            if len(batch) > 1 and err.non_retryable:
                await self._isolate(batch, err)
                return
            for _, future, _ in batch:
                if not future.done():
                    future.set_exception(_copy_error(err))
            return
        except BaseException as err:  # an unexpected failure still reaches every caller
            for _, future, _ in batch:
                if not future.done():
                    future.set_exception(err)
            if not isinstance(err, Exception):
                raise
            return
        for (_, future, _), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if outcome.ok and outcome.bus_event_id is not None:
                future.set_result(outcome.bus_event_id)
            else:
                future.set_exception(_error(outcome))

    async def _isolate(self, batch: Sequence[_Pending], err: SharedActivityError) -> None:
        # Like a batch processor's poison-message isolation: one entry may have made the
        # whole call invalid, so each entry is tried alone and its caller gets its own answer.
        logger.warning(
            "PutEvents of %d entries failed permanently (%s); sending each alone",
            len(batch),
            err.type,
        )
        await asyncio.gather(*(self._send([item]) for item in batch if not item[1].done()))

    async def aclose(self) -> None:
        """Sends what is queued, waits for every call in flight, then refuses new events."""
        self._closed = True
        self._flush()
        while self._in_flight:
            # A snapshot, removed once awaited: since Python 3.12 gather() of tasks that are
            # all done returns without yielding, so their done callbacks (which also discard
            # them) may not have run yet, and waiting on the set itself would spin forever.
            tasks = set(self._in_flight)
            await asyncio.gather(*tasks, return_exceptions=True)
            self._in_flight -= tasks
