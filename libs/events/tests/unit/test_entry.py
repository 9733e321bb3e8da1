import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from uuid import UUID

import pytest
from workflow_contracts import ErrorType, TemporalContext
from workflow_contracts._event_entry import entry_size
from workflow_contracts.errors import EventTooLargeError, InvalidEventError
from workflow_events._entry import build_entry

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CTX = TemporalContext("wf", "run", "1", 1, "W", "default")


def build(**kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = dict(
        event_id="id-1",
        source="ingestion",
        event_type="file_ingested",
        data={},
        time=NOW,
        context=CTX,
    )
    args.update(kw)
    return build_entry(**args)  # type: ignore[arg-type]


class Color(Enum):
    RED = "red"


def test_entry_fields_and_envelope() -> None:
    entry, envelope = build(data={"file_id": "f1"})
    assert entry.source == "ingestion"
    assert entry.detail_type == "file_ingested"
    assert entry.time == NOW
    detail = json.loads(entry.detail)
    assert detail == {
        "id": "id-1",
        "source": "ingestion",
        "type": "file_ingested",
        "time": "2026-11-25T10:00:00+00:00",
        "data": {"file_id": "f1"},
        "context": {
            "workflow_id": "wf",
            "run_id": "run",
            "activity_id": "1",
            "activity_run_id": None,
            "workflow_type": "W",
            "namespace": "default",
        },
        "spec_version": "1.0",
    }
    assert envelope.id == "id-1"
    assert entry.size == 14 + len("ingestion") + len("file_ingested") + len(entry.detail.encode())


def test_source_prefix_applies_to_bus_source_only() -> None:
    entry, envelope = build(source_prefix="acme.data")
    assert entry.source == "acme.data.ingestion"
    assert envelope.source == "ingestion"
    assert json.loads(entry.detail)["source"] == "ingestion"


def test_data_is_serialised_deterministically() -> None:
    data = {
        "b": UUID("12345678-1234-5678-1234-567812345678"),
        "a": datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        "naive": datetime(2026, 1, 1, 12, 0),
        "d": date(2026, 2, 3),
        "money": Decimal("10.10"),
        "color": Color.RED,
        "list": (1, 2.5, None, True),
    }
    entry1, _ = build(data=data)
    entry2, _ = build(data=dict(reversed(list(data.items()))))
    assert entry1.detail == entry2.detail
    got = json.loads(entry1.detail)["data"]
    assert got == {
        "a": "2026-01-01T10:00:00+00:00",
        "b": "12345678-1234-5678-1234-567812345678",
        "color": "red",
        "d": "2026-02-03",
        "list": [1, 2.5, None, True],
        "money": "10.10",
        "naive": "2026-01-01T12:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"source": ""}, "source"),
        ({"source": "   "}, "source"),
        ({"source": None}, "source"),
        ({"source": 3}, "source"),
        ({"event_type": ""}, "event_type"),
        ({"event_type": ["x"]}, "event_type"),
        ({"event_type": "x" * 129}, "event_type"),
        ({"source": "aws.s3"}, "source"),
        ({"source": "AWS.s3"}, "source"),
        ({"source": "s3", "source_prefix": "aws"}, "source"),
        ({"data": [1, 2]}, "data"),
        ({"data": "text"}, "data"),
        ({"data": None}, "data"),
        ({"data": {"x": {1, 2}}}, "data['x']"),
        ({"data": {"rows": [1, object()]}}, "data['rows'][1]"),
        ({"data": {"x": float("nan")}}, "data['x']"),
        ({"data": {"x": {1: "int key"}}}, "data['x']"),
        ({"data": {"b": b"bytes"}}, "data['b']"),
    ],
)
def test_bad_input_is_a_permanent_error_naming_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidEventError) as info:
        build(**kw)
    err = info.value
    assert err.type == ErrorType.INVALID_EVENT
    assert err.non_retryable
    assert err.details[0]["field"] == field
    assert field in err.message


def test_detail_type_of_128_chars_is_fine() -> None:
    entry, _ = build(event_type="x" * 128)
    assert len(entry.detail_type) == 128


def test_size_limit_uses_the_aws_formula_exactly() -> None:
    entry, _ = build(data={"blob": ""})
    base = entry.size
    limit = 2048
    filler = "é" * ((limit - base) // 2)  # two UTF-8 bytes each
    fits, _ = build(data={"blob": filler}, max_entry_bytes=limit)
    assert fits.size == entry_size(fits.source, fits.detail_type, fits.detail)
    assert limit - 1 <= fits.size <= limit
    with pytest.raises(EventTooLargeError) as info:
        build(data={"blob": filler + "éé"}, max_entry_bytes=limit)
    assert info.value.non_retryable
    assert info.value.details[0]["limit"] == limit


def test_entry_size_formula() -> None:
    assert entry_size("s", "t", "{}") == 14 + 1 + 1 + 2
    assert entry_size("s", "t", "{}", ("arn:1",), has_time=False) == 1 + 1 + 2 + 5
    assert entry_size("é", "t", "{}") == 14 + 2 + 1 + 2
