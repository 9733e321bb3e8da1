"""Every contract round-trips through the data converter the workers use."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from workflow_contracts import (
    DATA_CONVERTER,
    EventEnvelope,
    EventReceipt,
    FileStatus,
    StatusChange,
    TemporalContext,
)

NOW = datetime(2026, 11, 25, 12, 30, 45, 123456, tzinfo=UTC)
ENVELOPE = EventEnvelope(
    id=str(uuid4()),
    source="ingestion",
    type="file_ingested_successfully",
    time=NOW,
    data={"file_id": "f", "nested": {"rows": 3, "cols": ["a", "b"], "ok": True, "none": None}},
    context=TemporalContext(
        workflow_id="wf", run_id="run", activity_id="1", attempt=2, workflow_type="W"
    ),
)
CASES: list[tuple[Any, type]] = [
    (FileStatus.COMPLETED, FileStatus),
    (uuid4(), UUID),
    (NOW, datetime),
    (ENVELOPE, EventEnvelope),
    (
        EventReceipt(event_id="e", source="s", event_type="t", time=NOW, bus_event_id="b"),
        EventReceipt,
    ),
    (StatusChange(uuid4(), FileStatus.PENDING, FileStatus.PROCESSING, True, 2), StatusChange),
]


@pytest.mark.parametrize(("value", "type_"), CASES, ids=lambda v: type(v).__name__)
def test_round_trip(value: Any, type_: type) -> None:
    payloads = DATA_CONVERTER.payload_converter.to_payloads([value])
    [back] = DATA_CONVERTER.payload_converter.from_payloads(payloads, [type_])
    assert back == value
    assert type(back) is type(value)


def test_status_travels_as_its_plain_string() -> None:
    [payload] = DATA_CONVERTER.payload_converter.to_payloads([FileStatus.FAILED])
    assert payload.data == b'"FAILED"'


def test_nested_types_are_restored() -> None:
    change = StatusChange(uuid4(), FileStatus.FAILED, FileStatus.PROCESSING, True, 7)
    payloads = DATA_CONVERTER.payload_converter.to_payloads([change])
    [back] = DATA_CONVERTER.payload_converter.from_payloads(payloads, [StatusChange])
    assert isinstance(back.file_id, UUID)
    assert back.previous is FileStatus.FAILED
    assert isinstance(back.current, FileStatus)
