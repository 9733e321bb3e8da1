"""Traces and metrics of publishing events; cheap when nothing is configured.

Metrics go through the caller's ``activity.metric_meter()`` (so they carry the namespace, task
queue and activity type, and reach whatever the worker's Temporal runtime exports); outside an
activity they go nowhere. Spans go through the global OpenTelemetry tracer provider (a no-op
until the application sets one, e.g. with Temporal's ``OpenTelemetryPlugin``).

A PutEvents call may carry several callers' entries: its span is a child of the first caller's
span and links to the others; its batch-level metrics (calls, batch size, latency) are recorded
on the first caller's meter, the per-entry outcomes on each caller's own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context, get_current
from opentelemetry.trace import Link, SpanKind, StatusCode
from temporalio import activity
from temporalio.common import (
    MetricCounter,
    MetricHistogram,
    MetricHistogramFloat,
    MetricMeter,
)
from workflow_activity_kit import WorkerMetrics
from workflow_contracts import ErrorType
from workflow_contracts.errors import SharedActivityError

from workflow_events._port import EntryOutcome, EventBatchSender, EventEntry

__all__ = [
    "EVENTS_PUBLISHED",
    "EVENTS_REJECTED",
    "EVENTS_THROTTLED",
    "PUT_EVENTS_BATCH_SIZE",
    "PUT_EVENTS_CALLS",
    "PUT_EVENTS_LATENCY",
    "Caller",
    "EventMetrics",
    "EventTelemetry",
    "PublishTelemetry",
]

EVENTS_PUBLISHED = "shared_events_published"
"""Counter: events handed to the bus, by ``source``, ``event_type`` and ``outcome``
(``published`` or the error type, e.g. ``EventThrottled``)."""
EVENTS_THROTTLED = "shared_events_throttled"
"""Counter: events the bus throttled (whole call or entry), by ``error_code``."""
EVENTS_REJECTED = "shared_events_rejected"
"""Counter: events the bus refused for good, by ``error_code``."""
PUT_EVENTS_CALLS = "shared_put_events_calls"
"""Counter: PutEvents calls, by ``outcome`` (``ok``, ``partial`` or the whole call's error)."""
PUT_EVENTS_BATCH_SIZE = "shared_put_events_batch_size"
"""Histogram: entries per PutEvents call."""
PUT_EVENTS_LATENCY = "shared_put_events_latency"
"""Histogram (milliseconds): duration of one PutEvents call."""

_TRACER = trace.get_tracer("workflow_events")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who waits for an entry: their trace context and their metric meter."""

    context: Context | None
    meter: MetricMeter


_NO_CALLER = Caller(None, MetricMeter.noop)


def _error_code(err: SharedActivityError) -> str:
    details = err.details[0] if err.details else None
    code = details.get("error_code") if isinstance(details, dict) else None
    return code if isinstance(code, str) and code else _kind(err)


class EventMetrics:
    """The per-event counters on one meter, each label set bound once (about 1 us a record)."""

    def __init__(self, meter: MetricMeter) -> None:
        """Args: meter: An activity's meter (its worker's namespace and task queue)."""
        self._published = meter.create_counter(EVENTS_PUBLISHED, "Events handed to the bus")
        self._throttled = meter.create_counter(EVENTS_THROTTLED, "Events the bus throttled")
        self._rejected = meter.create_counter(EVENTS_REJECTED, "Events the bus refused for good")
        self._bound: dict[tuple[str, ...], MetricCounter] = {}

    def _get(self, key: tuple[str, ...], counter: MetricCounter, **labels: str) -> MetricCounter:
        found = self._bound.get(key)
        if found is None:
            found = self._bound[key] = counter.with_additional_attributes(labels)
        return found

    def record(self, entry: EventEntry, error: SharedActivityError | None) -> None:
        """Counts one caller's event outcome (and a throttle or a rejection by code)."""
        outcome = "published" if error is None else _kind(error)
        self._get(
            ("p", entry.source, entry.detail_type, outcome),
            self._published,
            source=entry.source,
            event_type=entry.detail_type,
            outcome=outcome,
        ).add(1)
        if error is None:
            return
        if outcome == ErrorType.EVENT_THROTTLED:
            code = _error_code(error)
            self._get(("t", code), self._throttled, error_code=code).add(1)
        elif outcome == ErrorType.EVENT_REJECTED:
            code = _error_code(error)
            self._get(("r", code), self._rejected, error_code=code).add(1)


class EventTelemetry(WorkerMetrics[EventMetrics]):
    """The running activity's `EventMetrics`, made once per namespace and task queue."""

    def __init__(self) -> None:
        """Starts empty."""
        super().__init__(EventMetrics)


def _links(callers: Sequence[Caller]) -> list[Link]:
    seen: set[tuple[int, int]] = set()
    links: list[Link] = []
    for caller in callers[1:]:
        if caller.context is None:
            continue
        span_context = trace.get_current_span(caller.context).get_span_context()
        key = (span_context.trace_id, span_context.span_id)
        if span_context.is_valid and key not in seen:
            seen.add(key)
            links.append(Link(span_context))
    return links


class PublishTelemetry:
    """A publisher's spans and call-level metrics.

    The call-level instruments are made once, on the meter of the first caller seen in an
    activity: every caller of one worker's publisher shares its namespace, task queue and
    activity type, so the labels are those of each batch's callers.
    """

    def __init__(self) -> None:
        """Starts without instruments (made at the first call from an activity)."""
        self._instruments: tuple[MetricCounter, MetricHistogram, MetricHistogramFloat] | None = None
        self._calls: dict[str, MetricCounter] = {}

    def caller(self) -> Caller:
        """The current trace context, and the activity's meter until the instruments exist."""
        if self._instruments is None and activity.in_activity():
            return Caller(get_current(), activity.metric_meter())
        return Caller(get_current(), MetricMeter.noop)

    def _record(self, meter: MetricMeter, size: int, seconds: float, outcome: str) -> None:
        if self._instruments is None:
            if meter is MetricMeter.noop:
                return
            self._instruments = (
                meter.create_counter(PUT_EVENTS_CALLS, "PutEvents calls, by outcome"),
                meter.create_histogram(PUT_EVENTS_BATCH_SIZE, "Entries per PutEvents call"),
                # Float milliseconds, as the status statements' (whole ones would round
                # a fast call down to 0).
                meter.create_histogram_float(
                    PUT_EVENTS_LATENCY, "Duration of one PutEvents call", "ms"
                ),
            )
        calls, sizes, latency = self._instruments
        bound = self._calls.get(outcome)
        if bound is None:
            bound = self._calls[outcome] = calls.with_additional_attributes({"outcome": outcome})
        bound.add(1)
        sizes.record(size)
        latency.record(seconds * 1000)

    async def send(
        self, sender: EventBatchSender, entries: Sequence[EventEntry], callers: Sequence[Caller]
    ) -> list[EntryOutcome]:
        """One PutEvents call, then its span and the call-level metrics.

        The span (``EventBridge.PutEvents``, kind CLIENT) is a child of the first caller's span
        and links to the other callers'; attributes: the bus, the batch size, the outcome and
        the failed entries' codes. It is made when the call returns, with the call's start
        time and every attribute at once (a third of the cost of a span open during the call).
        """
        first = callers[0] if callers else _NO_CALLER
        started, started_ns = time.perf_counter(), time.time_ns()
        try:
            outcomes = await sender.send_batch(entries)
        except BaseException as err:
            outcome = _kind(err) if isinstance(err, SharedActivityError) else type(err).__name__
            _span(sender, entries, callers, started_ns, outcome, [], 0)
            self._record(first.meter, len(entries), time.perf_counter() - started, outcome)
            raise
        codes = sorted({o.error_code for o in outcomes if o.error_code})
        outcome = "partial" if codes else "ok"
        failed = sum(not o.ok for o in outcomes) if codes else 0
        _span(sender, entries, callers, started_ns, outcome, codes, failed)
        self._record(first.meter, len(entries), time.perf_counter() - started, outcome)
        return outcomes


def _span(
    sender: EventBatchSender,
    entries: Sequence[EventEntry],
    callers: Sequence[Caller],
    started_ns: int,
    outcome: str,
    codes: list[str],
    failed: int,
) -> None:
    attributes: dict[str, str | int | list[str]] = {
        "rpc.method": "PutEvents",
        "messaging.batch.message_count": len(entries),
        "workflow_events.outcome": outcome,
    }
    bus = getattr(sender, "bus_name", None)
    if isinstance(bus, str):
        attributes["aws.eventbridge.bus"] = bus
    if codes:
        attributes["workflow_events.failed_entry_count"] = failed
        attributes["workflow_events.failed_entry_codes"] = codes
    elif outcome != "ok":
        attributes["error.type"] = outcome
    span = _TRACER.start_span(
        "EventBridge.PutEvents",
        context=callers[0].context if callers else None,
        kind=SpanKind.CLIENT,
        attributes=attributes,
        links=_links(callers) if len(callers) > 1 else None,
        start_time=started_ns,
    )
    if outcome not in ("ok", "partial"):
        span.set_status(StatusCode.ERROR, outcome)
    span.end()


def _kind(err: SharedActivityError) -> str:
    return err.type or type(err).__name__
