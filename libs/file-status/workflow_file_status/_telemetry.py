"""Traces and metrics of status changes; cheap when nothing is configured.

Metrics go through ``activity.metric_meter()`` (namespace, task queue and activity type are
added by Temporal; the worker's runtime exports them), spans through the global OpenTelemetry
tracer provider (a no-op until the application sets one).

Hot path: the instruments are made once per worker (namespace and task queue) from the first
activity's meter, and bound to each label set once, so recording is one call of about a
microsecond; a span is made when the statement is done, with every attribute at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from temporalio.common import MetricMeter
from workflow_activity_kit import WorkerMetrics
from workflow_contracts import ErrorType, FileStatus, StatusChange
from workflow_contracts.errors import SharedActivityError

__all__ = [
    "DATABASE_ERRORS",
    "DATABASE_LATENCY",
    "ILLEGAL_TRANSITIONS",
    "STATUS_CHANGES",
    "STATUS_NOOPS",
    "StatusMetrics",
    "StatusTelemetry",
    "traced_change",
]

STATUS_CHANGES = "shared_status_changes"
"""Counter: applied status changes, by ``from_status`` and ``to_status``."""
STATUS_NOOPS = "shared_status_noops"
"""Counter: calls that changed nothing (already in the target status), by ``status``."""
ILLEGAL_TRANSITIONS = "shared_status_illegal_transitions"
"""Counter: changes the transition graph refused, by ``from_status`` and ``to_status``."""
DATABASE_LATENCY = "shared_db_latency"
"""Histogram (milliseconds): duration of one status statement, by ``outcome``."""
DATABASE_ERRORS = "shared_db_errors"
"""Counter: failed status statements, by ``error_type`` (e.g. ``DatabaseUnavailable``)."""

_TRACER = trace.get_tracer("workflow_file_status")
# Refusals of the request itself, not database failures: counted apart from shared_db_errors.
_NOT_DATABASE_ERRORS = frozenset(
    {ErrorType.INVALID_STATUS_TRANSITION, ErrorType.FILE_NOT_FOUND, ErrorType.INVALID_ARGUMENTS}
)


class StatusMetrics:
    """The status metrics on one meter, each label set bound once."""

    def __init__(self, meter: MetricMeter) -> None:
        """Args: meter: An activity's meter (its worker's namespace and task queue)."""
        self._changes = meter.create_counter(STATUS_CHANGES, "Applied status changes")
        self._noops = meter.create_counter(STATUS_NOOPS, "Status calls that changed nothing")
        self._illegal = meter.create_counter(ILLEGAL_TRANSITIONS, "Changes the graph refused")
        self._errors = meter.create_counter(DATABASE_ERRORS, "Failed status statements")
        # Float milliseconds: a duration histogram records whole milliseconds (a 0.4 ms
        # statement would count as 0), and costs three times as much per record.
        self._latency = meter.create_histogram_float(
            DATABASE_LATENCY, "Duration of one status statement", "ms"
        )
        self._bound: dict[tuple[str, ...], Any] = {}

    def _get(self, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        found = self._bound.get(key)
        if found is None:
            found = self._bound[key] = make()
        return found

    def changed(self, previous: str, current: str) -> None:
        """Counts an applied change."""
        self._get(
            ("c", previous, current),
            lambda: self._changes.with_additional_attributes(
                {"from_status": previous, "to_status": current}
            ),
        ).add(1)

    def noop(self, status: str) -> None:
        """Counts a call that changed nothing."""
        self._get(
            ("n", status), lambda: self._noops.with_additional_attributes({"status": status})
        ).add(1)

    def failed(self, err: SharedActivityError, target: FileStatus) -> None:
        """Counts a refused transition or a database error."""
        kind = _kind(err)
        if kind == ErrorType.INVALID_STATUS_TRANSITION:
            details = err.details[0] if err.details and isinstance(err.details[0], dict) else {}
            previous = str(details.get("from", "unknown"))
            self._get(
                ("i", previous, target.value),
                lambda: self._illegal.with_additional_attributes(
                    {"from_status": previous, "to_status": target.value}
                ),
            ).add(1)
        elif kind not in _NOT_DATABASE_ERRORS:
            self._get(
                ("e", kind), lambda: self._errors.with_additional_attributes({"error_type": kind})
            ).add(1)

    def latency(self, seconds: float, outcome: str) -> None:
        """Records one statement's duration."""
        self._get(
            ("l", outcome), lambda: self._latency.with_additional_attributes({"outcome": outcome})
        ).record(seconds * 1000)


class StatusTelemetry(WorkerMetrics[StatusMetrics]):
    """The running activity's `StatusMetrics`, made once per namespace and task queue."""

    def __init__(self) -> None:
        """Starts empty."""
        super().__init__(StatusMetrics)


async def traced_change(
    metrics: StatusMetrics | None,
    file_id: UUID,
    target: FileStatus,
    change: Callable[[], Awaitable[StatusChange]],
) -> StatusChange:
    """Runs one status statement, then records its span and its metrics.

    The span (``file_status.change``, kind CLIENT, a child of the current span) carries the
    file id, the target, ``from``, ``changed`` and ``version``; a failure sets ``error.type``.
    """
    started, started_ns = time.perf_counter(), time.time_ns()
    attributes: dict[str, str | bool | int] = {
        "file.id": str(file_id),
        "file_status.to": target.value,
    }
    try:
        result = await change()
    except SharedActivityError as err:
        if metrics is not None:
            metrics.latency(time.perf_counter() - started, _kind(err))
            metrics.failed(err, target)
        attributes["error.type"] = _kind(err)
        _span(attributes, started_ns, error=_kind(err))
        raise
    previous = result.previous.value
    if metrics is not None:
        metrics.latency(time.perf_counter() - started, "ok")
        if result.changed:
            metrics.changed(previous, result.current.value)
        else:
            metrics.noop(result.current.value)
    attributes["file_status.from"] = previous
    attributes["file_status.changed"] = result.changed
    attributes["file_status.version"] = result.version
    _span(attributes, started_ns)
    return result


def _span(
    attributes: dict[str, str | bool | int], started_ns: int, error: str | None = None
) -> None:
    # Made when the statement is done, with its start time and every attribute at once: a
    # third of the cost of a span open during the statement (a hot path).
    span = _TRACER.start_span(
        "file_status.change", kind=SpanKind.CLIENT, attributes=attributes, start_time=started_ns
    )
    if error is not None:
        span.set_status(StatusCode.ERROR, error)
    span.end()


def _kind(err: SharedActivityError) -> str:
    return err.type or type(err).__name__
