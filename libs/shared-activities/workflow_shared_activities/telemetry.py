"""Turning metrics and traces on in a worker of your own.

The shared activities always record their metrics on ``activity.metric_meter()`` and their
spans on the global OpenTelemetry tracer provider; both cost little and go nowhere until the
application exports them:

- metrics: give the client a Temporal `Runtime` that exports them, e.g. `prometheus_runtime`
  (Temporal's own SDK metrics come with them);
- traces: give the client Temporal's ``OpenTelemetryPlugin`` (`tracing_plugin`) and set a
  tracer provider made by ``temporalio.contrib.opentelemetry.create_tracer_provider`` (needs
  ``opentelemetry-sdk``, in the ``app`` extra) with your exporter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from temporalio.plugin import SimplePlugin
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from workflow_events._telemetry import (
    EVENTS_PUBLISHED,
    EVENTS_REJECTED,
    EVENTS_THROTTLED,
    PUT_EVENTS_BATCH_SIZE,
    PUT_EVENTS_CALLS,
    PUT_EVENTS_LATENCY,
)
from workflow_file_status._telemetry import (
    DATABASE_ERRORS,
    DATABASE_LATENCY,
    ILLEGAL_TRANSITIONS,
    STATUS_CHANGES,
    STATUS_NOOPS,
)
from workflow_notifications._telemetry import NOTIFICATION_LATENCY, NOTIFICATIONS_PUBLISHED

__all__ = [
    "SHARED_HISTOGRAM_BUCKETS",
    "SHARED_METRICS",
    "prometheus_runtime",
    "tracing_plugin",
]

_LATENCY_MS: Sequence[float] = (
    0.25,
    0.5,
    1,
    2,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10000,
)

SHARED_HISTOGRAM_BUCKETS: Mapping[str, Sequence[float]] = {
    PUT_EVENTS_BATCH_SIZE: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    PUT_EVENTS_LATENCY: _LATENCY_MS,
    DATABASE_LATENCY: _LATENCY_MS,
    NOTIFICATION_LATENCY: _LATENCY_MS,
}
"""Histogram buckets that fit the shared metrics (batch sizes 1 to 10, latencies in ms)."""

SHARED_METRICS: Mapping[str, str] = {
    EVENTS_PUBLISHED: "counter: events handed to the bus, by source, event_type, outcome",
    EVENTS_THROTTLED: "counter: events throttled by the bus, by error_code",
    EVENTS_REJECTED: "counter: events the bus refused for good, by error_code",
    PUT_EVENTS_CALLS: "counter: PutEvents calls, by outcome (ok, partial or the error type)",
    PUT_EVENTS_BATCH_SIZE: "histogram: entries per PutEvents call",
    PUT_EVENTS_LATENCY: "histogram (ms): duration of one PutEvents call",
    STATUS_CHANGES: "counter: applied status changes, by from_status, to_status",
    STATUS_NOOPS: "counter: status calls that changed nothing, by status",
    ILLEGAL_TRANSITIONS: "counter: changes the transition graph refused, by from/to_status",
    DATABASE_LATENCY: "histogram (ms): duration of one status statement, by outcome",
    DATABASE_ERRORS: "counter: failed status statements, by error_type",
    NOTIFICATIONS_PUBLISHED: "counter: SNS Publish attempts, by outcome (ok or the error type)",
    NOTIFICATION_LATENCY: "histogram (ms): duration of one SNS Publish, by outcome",
}
"""Every metric the shared activities record, with its kind and labels."""


def prometheus_runtime(
    bind_address: str,
    *,
    histogram_bucket_overrides: Mapping[str, Sequence[float]] | None = None,
) -> Runtime:
    """A Temporal runtime serving its metrics at ``http://<bind_address>/metrics``.

    Give it to ``Client.connect(..., runtime=...)``; the client's workers export Temporal's
    SDK metrics and the shared activities' (see `SHARED_METRICS`). One per process and port.

    Args:
        bind_address: ``host:port`` to listen on (``0.0.0.0:9464`` to be scraped from outside).
        histogram_bucket_overrides: More bucket overrides (merged over
            `SHARED_HISTOGRAM_BUCKETS`).
    """
    buckets = {k: list(v) for k, v in SHARED_HISTOGRAM_BUCKETS.items()}
    buckets.update({k: list(v) for k, v in (histogram_bucket_overrides or {}).items()})
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=bind_address, histogram_bucket_overrides=buckets)
        )
    )


def tracing_plugin(*, add_temporal_spans: bool = True) -> SimplePlugin:
    """Temporal's ``OpenTelemetryPlugin``: context through workflows and activities, spans.

    With ``add_temporal_spans`` the trace has Temporal's spans (StartWorkflow, RunWorkflow,
    StartActivity, RunActivity) around the shared activities' own (``EventBridge.PutEvents``,
    ``file_status.change``). Set a tracer provider made by
    ``temporalio.contrib.opentelemetry.create_tracer_provider`` for spans to be exported.

    Raises:
        ImportError: ``opentelemetry-sdk`` is not installed (the ``app`` extra has it).
    """
    from temporalio.contrib.opentelemetry import OpenTelemetryPlugin

    return OpenTelemetryPlugin(add_temporal_spans=add_temporal_spans)
