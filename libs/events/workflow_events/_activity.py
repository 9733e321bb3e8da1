"""`SendEventActivity`: publishes a workflow event, idempotently, to the configured bus."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from workflow_activity_kit import execution_id, json_type, wire_activity
from workflow_contracts import SEND_EVENT_ACTIVITY, EventReceipt, TemporalContext
from workflow_contracts.errors import InvalidEventError, SharedActivityError

from workflow_events._entry import (
    DEFAULT_MAX_ENTRY_BYTES,
    MAX_ENTRY_BYTES_LIMIT,
    build_entry,
    check_source_prefix,
)
from workflow_events._port import EventPublisher
from workflow_events._telemetry import EventTelemetry
from workflow_events._trace_context import caller_trace_context

__all__ = ["SendEventActivity", "parse_event_time"]

logger = logging.getLogger(__name__)


def parse_event_time(value: object) -> datetime:
    """An event time from the wire: an aware datetime, or ISO 8601 text with an offset.

    Raises:
        InvalidEventError: Anything else (naive, not a date-time, another JSON type).
    """
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEventError(
                f"time: not an ISO 8601 date-time: {value[:40]!r}", {"field": "time"}
            ) from None
    if not isinstance(parsed, datetime):
        raise InvalidEventError(
            f"time: must be an ISO 8601 date-time string, got {json_type(value)}",
            {"field": "time"},
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidEventError(
            "time: needs a UTC offset (e.g. 2026-01-31T12:00:00Z)", {"field": "time"}
        )
    return parsed.astimezone(UTC)


class SendEventActivity:
    """Publishes events for workflows; register ``SendEventActivity(...).run`` on a worker.

    Every retry of one activity execution publishes byte-identical ``Detail``: same id
    (`workflow_contracts.execution_id`), same time (when the activity was first scheduled),
    same content (the attempt number is logged, never published), so consumers drop
    duplicates by ``detail.id``. Two executions, including two standalone runs that reuse one
    activity id, never share an id.

    Observability (see `workflow_events._telemetry`): the caller's W3C trace context (the one
    Temporal carried to the activity, the same on every attempt) travels as ``detail.trace``,
    and as the X-Ray ``TraceHeader`` when that propagator is configured; each outcome is
    counted on ``activity.metric_meter()``.

    Whatever a caller sends on the wire (from any SDK), the activity answers with a typed
    error: arguments are decoded by `wire_activity` and validated here, so a bad value is a
    non-retryable `InvalidEventError` naming the field, never a retried decoding failure.
    """

    def __init__(
        self,
        publisher: EventPublisher,
        *,
        source_prefix: str | None = None,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        """Configures the activity.

        Args:
            publisher: Where events go (`BatchingPublisher`/`DirectPublisher` over the
                EventBridge backend, or a fake in tests).
            source_prefix: Optional namespace before every source: ``"acme.data"`` publishes
                source ``"ingestion"`` as ``Source = "acme.data.ingestion"``; ``detail.source``
                keeps the logical source. A prefix with whitespace, a control or a format
                character is a `ValueError` here.
            max_entry_bytes: Entry size limit (AWS's formula), 256 KiB by default, at most
                1 MiB (buses accept 1 MiB entries since January 2026).
        """
        if not 0 < max_entry_bytes <= MAX_ENTRY_BYTES_LIMIT:
            raise ValueError(f"max_entry_bytes must be 1..{MAX_ENTRY_BYTES_LIMIT}")
        if source_prefix:
            check_source_prefix(source_prefix)  # a bad one would fail every event
        self._publisher = publisher
        self._telemetry = EventTelemetry()
        self._source_prefix = source_prefix
        self._max_entry_bytes = max_entry_bytes

    @wire_activity(
        SEND_EVENT_ACTIVITY,
        errors={
            "source": InvalidEventError,
            "event_type": InvalidEventError,
            "data": InvalidEventError,
            "time": InvalidEventError,
        },
    )
    async def run(
        self,
        source: str,
        event_type: str,
        data: dict[str, Any],
        time: datetime | str | None = None,
    ) -> EventReceipt:
        """Publishes ``data`` as an event of ``event_type`` from ``source``.

        Args:
            source: Logical source, e.g. ``"ingestion"``.
            event_type: Event type, e.g. ``"file_ingested_successfully"`` (the DetailType).
            data: Event payload, a JSON object.
            time: The event time (timezone-aware, or ISO 8601 text with an offset); by default
                when the activity was first scheduled. A workflow calling it as a local
                activity passes ``workflow.now()``: a local activity scheduled again (after a
                back-off timer or on another worker) gets a new scheduled time, the
                workflow's time does not change on replay.

        Returns:
            The receipt, with the stable event id.

        Raises:
            InvalidArgumentsError: Fewer than three arguments (non-retryable).
            UnsupportedArgumentsError: More than four: a caller newer than this worker.
            InvalidEventError: Bad source, event type or data: not decodable, wrong JSON type,
                empty, too long, invalid Unicode, a control or format character (or
                whitespace in a source), too deep, NaN (non-retryable, nothing sent).
            EventTooLargeError: Entry over the size limit (non-retryable, nothing sent).
            EventRejectedError: The bus refused the entry (non-retryable).
            EventBusNotFoundError: The bus does not exist (retried with a long delay).
            EventAccessDeniedError: No permission or no valid credentials (same).
            EventPublishRetryableError: Transient failure or throttling (retried by Temporal).
        """
        info = activity.info()
        context = TemporalContext.from_activity_info(info)
        event_id = execution_id(context)
        trace, trace_header = caller_trace_context()
        entry, envelope = build_entry(
            event_id=event_id,
            source=source,
            event_type=event_type,
            data=data,
            time=info.scheduled_time if time is None else parse_event_time(time),
            context=context,
            source_prefix=self._source_prefix,
            max_entry_bytes=self._max_entry_bytes,
            trace=trace,
            trace_header=trace_header,
        )
        metrics = self._telemetry.metrics()
        try:
            bus_event_id = await self._publisher.publish(entry)
        except SharedActivityError as err:
            if metrics is not None:
                metrics.record(entry, err)
            raise
        if metrics is not None:
            metrics.record(entry, None)
        if logger.isEnabledFor(logging.INFO):  # skip building the extra dict when off
            logger.info(
                "event published",
                extra={
                    "event_id": event_id,
                    "event_source": entry.source,
                    "event_type": entry.detail_type,
                    "workflow_id": info.workflow_id,
                    "activity_run_id": info.activity_run_id,
                    "attempt": info.attempt,
                },
            )
        return EventReceipt(
            event_id=event_id,
            source=entry.source,
            event_type=entry.detail_type,
            time=envelope.time,
            bus_event_id=bus_event_id,
        )
