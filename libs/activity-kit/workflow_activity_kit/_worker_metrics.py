"""One set of metric instruments per worker, found from inside a running activity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from temporalio import activity
from temporalio.common import MetricMeter

__all__ = ["WorkerMetrics"]

MetricsT = TypeVar("MetricsT")


class WorkerMetrics(Generic[MetricsT]):
    """The running activity's metrics, made once per namespace and task queue.

    Instruments are built from the worker's `activity.metric_meter()` the first time an activity
    of that worker records, then reused: building them per call would cost more than recording.
    """

    def __init__(self, build: Callable[[MetricMeter], MetricsT]) -> None:
        """Starts empty; ``build`` makes a worker's instruments from its meter."""
        self._build = build
        self._metrics: dict[tuple[str, str], MetricsT] = {}

    def metrics(self) -> MetricsT | None:
        """The metrics of the running activity's worker (None outside one, or no-op meter)."""
        if not activity.in_activity():
            return None
        info = activity.info()
        key = (info.namespace, info.task_queue)
        found = self._metrics.get(key)
        if found is None:
            meter = activity.metric_meter()
            if meter is MetricMeter.noop:
                return None
            found = self._metrics[key] = self._build(meter)
        return found
