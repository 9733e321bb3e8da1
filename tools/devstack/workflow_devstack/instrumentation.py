"""Telemetry on and off within one benchmark run: what the instrumentation rows measure.

"Off" is a worker without telemetry: no tracer provider, Temporal's no-op meter, no trace
context. ``metrics`` gives the activities a Prometheus-serving Temporal runtime's meter;
``traces`` an SDK tracer provider (always-on sampling, a batching processor whose exporter
discards) and the remote trace context Temporal's interceptor puts around every activity. The
global provider can be set only once per process, so it is a switch that sends spans to the SDK
tracer or to a no-op one; with ``replay_safe`` (Temporal's ``OpenTelemetryPlugin`` requires its
``ReplaySafeTracerProvider`` as the global provider) the switch is the provider's sampler,
which drops every span while traces are off (a few microseconds per span: the only cost an
"off" row then carries).

``temporal`` is Temporal's telemetry alone: its metrics and spans on, the shared activities'
own off (their spans dropped by the sampler, their metrics not recorded), so that a worker's
rows can tell the shared activities' share apart from Temporal's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from temporalio.common import MetricMeter
from temporalio.contrib.opentelemetry import ReplaySafeTracerProvider, create_tracer_provider
from temporalio.runtime import Runtime
from workflow_activity_kit import WorkerMetrics

from workflow_devstack.bench import run_concurrently

__all__ = ["MODES", "SHARED_SPANS", "Instrumentation", "measure", "span_cost_us"]

MODES = ("off", "metrics", "metrics+traces")
"""The instrumentation modes, in the order the rows are shown."""

SHARED_SPANS = frozenset({"file_status.change", "EventBridge.PutEvents"})
"""The spans the shared activities make themselves (dropped in the ``temporal`` mode)."""


async def measure(
    n: int, concurrency: int, op: Callable[[int], Awaitable[object]]
) -> tuple[float, float]:
    """Operations per second, and this process's CPU time per operation in microseconds.

    CPU time counts every thread of the process (Temporal's core, the span processor), and
    much less what other processes on a shared machine do than the throughput does.
    """
    cpu = time.process_time()
    rate = await run_concurrently(n, concurrency, op)
    return rate, (time.process_time() - cpu) / n * 1e6


def span_cost_us(instr: Instrumentation, n: int = 20_000) -> float:
    """CPU microseconds of one bare SDK span in this process: the floor of a traced call.

    A span as the shared activities make theirs (through the global provider, five attributes
    given at start, ended at once), with ``instr``'s provider recording; every thread's CPU,
    the batching processor's export included.
    """
    tracer = trace.get_tracer("workflow_devstack.span_cost")
    attributes: dict[str, str | bool | int] = {
        "a": "x" * 36,
        "b": "PROCESSING",
        "c": "PENDING",
        "d": True,
        "e": 3,
    }
    mode = instr.mode
    instr.set("metrics+traces")
    try:
        instr.provider.force_flush()
        cpu = time.process_time()
        for _ in range(n):
            tracer.start_span("span_cost", attributes=attributes).end()
        instr.provider.force_flush()
        return (time.process_time() - cpu) / n * 1e6
    finally:
        instr.set(mode)


class _Discard(SpanExporter):
    def __init__(self) -> None:
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        return SpanExportResult.SUCCESS


class _SwitchTracer(trace.Tracer):
    def __init__(self, owner: Instrumentation, real: trace.Tracer) -> None:
        self._owner, self._real, self._off = owner, real, trace.NoOpTracer()

    def _pick(self) -> trace.Tracer:
        return self._real if self._owner.traces and self._owner.shared else self._off

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._pick().start_span(*args, **kwargs)

    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Iterator[trace.Span]:
        with self._pick().start_as_current_span(*args, **kwargs) as span:
            yield span


class _SwitchProvider(trace.TracerProvider):
    def __init__(self, owner: Instrumentation, real: TracerProvider) -> None:
        self._owner, self._real = owner, real

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _SwitchTracer(self._owner, self._real.get_tracer(*args, **kwargs))


class _SwitchSampler(Sampler):
    def __init__(self, owner: Instrumentation) -> None:
        self._owner = owner

    def should_sample(
        self, parent_context: Any, trace_id: int, name: str, *args: Any, **kwargs: Any
    ) -> SamplingResult:
        keep = self._owner.traces and (self._owner.shared or name not in SHARED_SPANS)
        picked = ALWAYS_ON if keep else ALWAYS_OFF
        return picked.should_sample(parent_context, trace_id, name, *args, **kwargs)

    def get_description(self) -> str:
        return "switch(AlwaysOn, AlwaysOff)"


class Instrumentation:
    """Turns telemetry on and off between measured rows (one per process).

    Args:
        runtime: The metrics-exporting Temporal runtime whose meter ``metrics`` uses (e.g. the
            shared activities' ``prometheus_runtime``).
        replay_safe: Make the global provider Temporal's replay-safe one (for workers with
            Temporal's ``OpenTelemetryPlugin``), switched by its sampler.
    """

    def __init__(self, runtime: Runtime, *, replay_safe: bool = False) -> None:
        self.mode = "off"
        self.metrics = False
        self.traces = False
        self.shared = True
        self.exporter = _Discard()
        self.provider: TracerProvider | ReplaySafeTracerProvider
        if replay_safe:
            self.provider = create_tracer_provider(sampler=_SwitchSampler(self))
            self.provider.add_span_processor(BatchSpanProcessor(self.exporter))
            trace.set_tracer_provider(self.provider)
        else:
            self.provider = TracerProvider()
            self.provider.add_span_processor(BatchSpanProcessor(self.exporter))
            trace.set_tracer_provider(_SwitchProvider(self, self.provider))
        self.runtime = runtime
        remote = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(1))
        self._caller = NonRecordingSpan(remote)

    def meter(self) -> MetricMeter:
        """The meter an activity environment gets: the runtime's when on, else the no-op."""
        return self.runtime.metric_meter if self.metrics else MetricMeter.noop

    @contextmanager
    def caller(self) -> Iterator[None]:
        """Around one activity call: the remote context Temporal's interceptor would attach."""
        if not self.traces:
            yield
            return
        with trace.use_span(self._caller, end_on_exit=False):
            yield

    def set(self, mode: str) -> None:
        """``off``, ``metrics``, ``metrics+traces`` (or a name starting with it: traces on).

        ``temporal``: metrics and traces on, but not the shared activities' own.
        """
        self.mode = mode
        self.metrics = mode != "off"
        self.traces = mode == "temporal" or mode.startswith("metrics+traces")
        self.shared = mode != "temporal"
        # The shared activities find their instruments through WorkerMetrics, and a
        # publisher records its calls' metrics itself: with these switched off, none of them
        # records anything (the cost of a metric-less worker, the lookups included).
        for owner, attribute, recording, silent in _SHARED_METRIC_SWITCHES:
            setattr(owner, attribute, recording if self.shared else silent)

    def shutdown(self) -> None:
        """Flushes the spans; the shared activities' metrics are recorded again."""
        for owner, attribute, recording, _ in _SHARED_METRIC_SWITCHES:
            setattr(owner, attribute, recording)
        self.provider.shutdown()


def _no_metrics(self: WorkerMetrics[Any]) -> None:
    return None


def _no_record(self: object, *args: object) -> None:
    return None


def _metric_switches() -> list[tuple[type, str, object, object]]:
    switches: list[tuple[type, str, object, object]] = [
        (WorkerMetrics, "metrics", WorkerMetrics.metrics, _no_metrics)
    ]
    try:
        from workflow_events._telemetry import PublishTelemetry
    except ImportError:  # the events package is not installed here: none of it records
        return switches
    # A publisher's call-level metrics (calls, batch size, latency) on its first caller's meter.
    switches.append((PublishTelemetry, "_record", PublishTelemetry._record, _no_record))
    return switches


_SHARED_METRIC_SWITCHES = _metric_switches()
