"""Spans, trace context and metrics of publishing, with fakes (the real chain: the apps' tests)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opentelemetry import propagate, trace
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import DefaultSetter, Setter, TextMapPropagator
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from temporalio.common import MetricCounter, MetricMeter
from temporalio.testing import ActivityEnvironment
from workflow_contracts import TemporalContext
from workflow_contracts.errors import EventThrottledError
from workflow_events import EventEntry, SendEventActivity
from workflow_events._entry import build_entry
from workflow_events._publishers import BatchingPublisher
from workflow_events._telemetry import EventMetrics
from workflow_events._trace_context import caller_trace_context
from workflow_events.consumer import EventTrace, consuming_event
from workflow_events.testing import InMemoryEventBus, InMemoryPublisher

CTX = TemporalContext("wf", "run", "1", 1)
_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    yield _EXPORTER


def entry(i: int) -> EventEntry:
    e, _ = build_entry(
        event_id=f"e{i}",
        source="s",
        event_type="t",
        data={"i": i},
        time=datetime(2026, 1, 1, tzinfo=UTC),
        context=CTX,
    )
    return e


def span_id(span: ReadableSpan) -> int:
    context = span.get_span_context()
    assert context is not None
    return context.span_id


async def test_a_batch_span_is_the_first_callers_child_and_links_the_others(
    spans: InMemorySpanExporter,
) -> None:
    bus = InMemoryEventBus(entry_failures={"e2": "ThrottlingException"})
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=50))
    tracer = trace.get_tracer("test")

    async def caller(i: int) -> None:
        with tracer.start_as_current_span(f"caller-{i}"):
            try:
                await publisher.publish(entry(i))
            except EventThrottledError:
                assert i == 2

    await asyncio.gather(*(caller(i) for i in range(3)))
    finished = spans.get_finished_spans()
    [put] = [s for s in finished if s.name == "EventBridge.PutEvents"]
    callers = {s.name: s for s in finished if s.name.startswith("caller-")}
    assert put.parent is not None and put.parent.span_id == span_id(callers["caller-0"])
    assert {link.context.span_id for link in put.links} == {
        span_id(callers["caller-1"]),
        span_id(callers["caller-2"]),
    }
    attributes = put.attributes or {}
    assert attributes["messaging.batch.message_count"] == 3
    assert attributes["workflow_events.outcome"] == "partial"
    assert attributes["workflow_events.failed_entry_codes"] == ("ThrottlingException",)


def test_the_envelope_carries_the_context_temporal_carried_not_the_attempts_span(
    spans: InMemorySpanExporter,
) -> None:
    # What the activity sees under a tracing interceptor: a RunActivity span per attempt,
    # child of the remote context in the activity's headers (the same on every attempt).
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    parent = trace.set_span_in_context(NonRecordingSpan(remote))
    tracer = trace.get_tracer("test")
    seen = []
    for _ in range(2):  # two attempts
        with tracer.start_as_current_span("RunActivity:shared.send_event", context=parent):
            seen.append(caller_trace_context())
    assert seen[0] == seen[1] == ({"traceparent": f"00-{0xABC:032x}-{0xDEF:016x}-01"}, None)
    assert caller_trace_context() == (None, None)  # no trace: no trace key, no header


_SETTER: Setter[Any] = DefaultSetter()


class _XRayLike(TextMapPropagator):
    def inject(self, carrier: Any, context: Any = None, setter: Setter[Any] = _SETTER) -> None:
        sc = trace.get_current_span(context).get_span_context()
        setter.set(carrier, "X-Amzn-Trace-Id", f"Root=1-{sc.trace_id:032x}")

    def extract(self, carrier: Any, context: Any = None, getter: Any = None) -> Any:
        return context

    @property
    def fields(self) -> set[str]:
        return {"X-Amzn-Trace-Id"}


async def test_an_xray_propagator_adds_the_trace_header_and_the_detail_keeps_w3c(
    spans: InMemorySpanExporter,
) -> None:
    saved = propagate.get_global_textmap()
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), _XRayLike()])
    )
    try:
        publisher = InMemoryPublisher()
        activity = SendEventActivity(publisher)
        with trace.get_tracer("test").start_as_current_span("workflow"):
            receipt = await ActivityEnvironment().run(activity.run, "s", "t", {"a": 1})
            trace_id = trace.get_current_span().get_span_context().trace_id
    finally:
        propagate.set_global_textmap(saved)
    [sent] = publisher.published
    assert sent.trace_header == f"Root=1-{trace_id:032x}"
    detail = json.loads(sent.detail)
    assert detail["trace"]["traceparent"].split("-")[1] == f"{trace_id:032x}"
    assert receipt.event_id == detail["id"]


def test_a_consumer_continues_the_events_trace(spans: InMemorySpanExporter) -> None:
    carrier = EventTrace(traceparent=f"00-{0x123:032x}-{0x456:016x}-01").carrier()
    with consuming_event(carrier, "consume t", {"event_id": "e1"}):
        inner = trace.get_current_span().get_span_context()
    assert inner.trace_id == 0x123
    [span] = [s for s in spans.get_finished_spans() if s.name == "consume t"]
    assert span.parent is not None and span.parent.span_id == 0x456
    with consuming_event(None, "consume untraced"):
        assert trace.get_current_span().get_span_context().trace_id != 0x123


class _Counter(MetricCounter):
    def __init__(self, meter: RecordingMeter, name: str, bound: Mapping[str, Any]) -> None:
        self._meter, self._name, self._bound = meter, name, dict(bound)

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str | None:
        return None

    @property
    def unit(self) -> str | None:
        return None

    def add(self, value: int, additional_attributes: Mapping[str, Any] | None = None) -> None:
        labels = {**self._bound, **(additional_attributes or {})}
        self._meter.adds.append((self._name, value, labels))

    def with_additional_attributes(self, additional_attributes: Mapping[str, Any]) -> _Counter:
        return _Counter(self._meter, self._name, {**self._bound, **additional_attributes})


class RecordingMeter(MetricMeter):
    def __init__(self) -> None:
        self.adds: list[tuple[str, int, dict[str, Any]]] = []

    def create_counter(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricCounter:
        return _Counter(self, name, {})

    def create_histogram(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_histogram_float(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_histogram_timedelta(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_gauge(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_gauge_float(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def with_additional_attributes(self, additional_attributes: Mapping[str, Any]) -> MetricMeter:
        return self


def test_each_caller_counts_its_own_outcome_and_a_throttle_by_code() -> None:
    meter = RecordingMeter()
    metrics = EventMetrics(meter)
    metrics.record(entry(1), None)
    metrics.record(entry(2), EventThrottledError("slow", {"error_code": "ThrottlingException"}))
    assert meter.adds == [
        ("shared_events_published", 1, {"source": "s", "event_type": "t", "outcome": "published"}),
        (
            "shared_events_published",
            1,
            {"source": "s", "event_type": "t", "outcome": "EventThrottled"},
        ),
        ("shared_events_throttled", 1, {"error_code": "ThrottlingException"}),
    ]
