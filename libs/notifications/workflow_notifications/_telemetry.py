"""Traces and metrics of ``shared.send_notification``; cheap when nothing is configured.

Metrics go through ``activity.metric_meter()`` (namespace, task queue and activity type are
added by Temporal; the worker's runtime exports them), spans through the global OpenTelemetry
tracer provider (a no-op until the application sets one).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from temporalio.common import MetricMeter
from workflow_activity_kit import WorkerMetrics
from workflow_contracts.errors import SharedActivityError

from workflow_notifications._port import NotificationRequest, PublishOutcome

__all__ = [
    "NOTIFICATIONS_PUBLISHED",
    "NOTIFICATION_LATENCY",
    "NotificationMetrics",
    "NotificationTelemetry",
    "traced_publish",
]

NOTIFICATIONS_PUBLISHED = "shared_notifications_published"
"""Counter: SNS Publish attempts, by ``outcome`` (``ok`` or the error type)."""
NOTIFICATION_LATENCY = "shared_notification_latency"
"""Histogram (milliseconds): duration of one SNS Publish, by ``outcome``."""

_TRACER = trace.get_tracer("workflow_notifications")


class NotificationMetrics:
    """The metrics on one meter, each label set bound once (recording is then one call)."""

    def __init__(self, meter: MetricMeter) -> None:
        """Args: meter: An activity's meter (its worker's namespace and task queue)."""
        self._published = meter.create_counter(NOTIFICATIONS_PUBLISHED, "SNS Publish attempts")
        # Float milliseconds: a whole-millisecond histogram would count a fast call as 0.
        self._latency = meter.create_histogram_float(
            NOTIFICATION_LATENCY, "Duration of one SNS Publish", "ms"
        )
        self._bound: dict[str, tuple[Any, Any]] = {}

    def record(self, outcome: str, seconds: float) -> None:
        """Counts one publish and records its duration."""
        bound = self._bound.get(outcome)
        if bound is None:
            labels = {"outcome": outcome}
            bound = self._bound[outcome] = (
                self._published.with_additional_attributes(labels),
                self._latency.with_additional_attributes(labels),
            )
        bound[0].add(1)
        bound[1].record(seconds * 1000)


class NotificationTelemetry(WorkerMetrics[NotificationMetrics]):
    """The running activity's `NotificationMetrics`, made once per namespace and task queue."""

    def __init__(self) -> None:
        """Starts empty."""
        super().__init__(NotificationMetrics)


async def traced_publish(
    metrics: NotificationMetrics | None,
    request: NotificationRequest,
    publish: Callable[[NotificationRequest], Awaitable[PublishOutcome]],
) -> PublishOutcome:
    """Runs one publish in a span (``notification.publish``, kind PRODUCER), then counts it.

    A failure sets the span's ``error.type`` and is counted under its error type; the
    message itself is never put on the span (it may hold personal data).
    """
    started = time.perf_counter()
    attributes = {
        "notification.id": request.notification_id,
        "messaging.system": "aws_sns",
        "messaging.destination.name": request.topic_arn,
    }
    with _TRACER.start_as_current_span(
        "notification.publish", kind=SpanKind.PRODUCER, attributes=attributes
    ) as span:
        try:
            outcome = await publish(request)
        except SharedActivityError as err:
            kind = err.type or type(err).__name__
            span.set_attribute("error.type", kind)
            span.set_status(StatusCode.ERROR, kind)
            if metrics is not None:
                metrics.record(kind, time.perf_counter() - started)
            raise
    if metrics is not None:
        metrics.record("ok", time.perf_counter() - started)
    return outcome
