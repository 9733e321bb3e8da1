"""The status statement's span and metrics, with fakes (the real worker: shared-activities)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.common import MetricMeter
from workflow_contracts import FileStatus, StatusChange
from workflow_contracts.errors import DatabaseUnavailableError, InvalidStatusTransitionError
from workflow_file_status._telemetry import StatusMetrics, traced_change

FILE = uuid.uuid4()
S = FileStatus
_EXPORTER = InMemorySpanExporter()


class _Instrument:
    def __init__(self, meter: RecordingMeter, name: str, bound: Mapping[str, Any]) -> None:
        self.meter, self.name, self.bound = meter, name, dict(bound)

    def add(self, value: int, attributes: Mapping[str, Any] | None = None) -> None:
        self.meter.records.append((self.name, value, {**self.bound, **(attributes or {})}))

    record = add

    def with_additional_attributes(self, attributes: Mapping[str, Any]) -> _Instrument:
        return _Instrument(self.meter, self.name, {**self.bound, **attributes})


class RecordingMeter(MetricMeter):
    def __init__(self) -> None:
        self.records: list[tuple[str, Any, dict[str, Any]]] = []

    def _new(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _Instrument(self, name, {})

    create_counter = create_histogram = create_histogram_float = _new
    create_histogram_timedelta = create_gauge = create_gauge_float = _new

    def with_additional_attributes(self, additional_attributes: Mapping[str, Any]) -> MetricMeter:
        return self

    def counts(self) -> list[tuple[str, Any, dict[str, Any]]]:
        return [r for r in self.records if r[0] != "shared_db_latency"]

    def latency_outcomes(self) -> list[str]:
        return [r[2]["outcome"] for r in self.records if r[0] == "shared_db_latency"]


@pytest.fixture
def spans() -> InMemorySpanExporter:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    return _EXPORTER


async def test_a_change_is_counted_by_edge_and_its_span_says_what_happened(
    spans: InMemorySpanExporter,
) -> None:
    meter = RecordingMeter()

    async def change() -> StatusChange:
        return StatusChange(FILE, S.PENDING, S.PROCESSING, True, 2)

    await traced_change(StatusMetrics(meter), FILE, S.PROCESSING, change)
    assert meter.counts() == [
        ("shared_status_changes", 1, {"from_status": "PENDING", "to_status": "PROCESSING"})
    ]
    assert meter.latency_outcomes() == ["ok"]
    # Float milliseconds: a statement of a few microseconds is not rounded down to 0.
    latency = meter.records[0][1]
    assert isinstance(latency, float) and 0 < latency < 1000
    [span] = spans.get_finished_spans()
    assert span.name == "file_status.change"
    assert dict(span.attributes or {}) == {
        "file.id": str(FILE),
        "file_status.to": "PROCESSING",
        "file_status.from": "PENDING",
        "file_status.changed": True,
        "file_status.version": 2,
    }


async def test_a_no_op_an_illegal_transition_and_a_database_error_are_counted_apart(
    spans: InMemorySpanExporter,
) -> None:
    meter = RecordingMeter()

    async def same() -> StatusChange:
        return StatusChange(FILE, S.COMPLETED, S.COMPLETED, False, 3)

    async def illegal() -> StatusChange:
        raise InvalidStatusTransitionError("no", {"from": "COMPLETED", "to": "PENDING"})

    async def down() -> StatusChange:
        raise DatabaseUnavailableError("database unavailable")

    await traced_change(StatusMetrics(meter), FILE, S.COMPLETED, same)
    with pytest.raises(InvalidStatusTransitionError):
        await traced_change(StatusMetrics(meter), FILE, S.PENDING, illegal)
    with pytest.raises(DatabaseUnavailableError):
        await traced_change(StatusMetrics(meter), FILE, S.PENDING, down)
    assert meter.counts() == [
        ("shared_status_noops", 1, {"status": "COMPLETED"}),
        (
            "shared_status_illegal_transitions",
            1,
            {"from_status": "COMPLETED", "to_status": "PENDING"},
        ),
        ("shared_db_errors", 1, {"error_type": "DatabaseUnavailable"}),
    ]
    assert meter.latency_outcomes() == ["ok", "InvalidStatusTransition", "DatabaseUnavailable"]
    failed = [s for s in spans.get_finished_spans() if not s.status.is_ok]
    assert [(s.attributes or {}).get("error.type") for s in failed] == [
        "InvalidStatusTransition",
        "DatabaseUnavailable",
    ]
