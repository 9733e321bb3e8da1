"""The consumer kit: parsing EventBridge events with our envelope, one typed error, dedup key."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from workflow_contracts import TemporalContext
from workflow_events._entry import build_entry
from workflow_events.consumer import (
    SPEC_VERSION,
    EventDetail,
    EventRegistry,
    EventType,
    InvalidEventMessage,
    WorkflowEvent,
    dedup_key,
    make_event,
    parse_event,
    peek_event,
)

from tests.models import (
    SAMPLE_TYPES,
    EvaluationCompletedData,
    FileIngestedData,
    FileIngestionFailedData,
)

FILE_ID = uuid.UUID("0b0e5f6c-1b7c-4d8e-9a53-2f1f8f9f0a11")
INGESTED = {"file_id": str(FILE_ID), "kind": "csv", "size": 12, "sha256": "a" * 64, "rows": 2}
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def ingested(**changes: Any) -> dict[str, Any]:
    return make_event("ingestion", "file_ingested_successfully", {**INGESTED, **changes}, time=NOW)


def broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    event = ingested()
    change(event)
    return event


def problem(body: Any, data_model: type[Any] | None = None) -> InvalidEventMessage:
    with pytest.raises(InvalidEventMessage) as caught:
        if data_model is None:
            parse_event(body)
        else:
            parse_event(body, data_model)
    return caught.value


# -- valid events -------------------------------------------------------------------------


def test_an_event_parses_from_text_bytes_and_mapping_alike() -> None:
    event = ingested()
    text = json.dumps(event)
    parsed = [
        parse_event(text, FileIngestedData),
        parse_event(text.encode(), FileIngestedData),
        parse_event(bytearray(text.encode()), FileIngestedData),
        parse_event(event, FileIngestedData),
    ]
    assert all(p == parsed[0] for p in parsed)
    first = parsed[0]
    assert isinstance(first, WorkflowEvent)
    assert first.detail_type == "file_ingested_successfully" and first.source == "ingestion"
    assert first.detail.data == FileIngestedData(
        file_id=FILE_ID, kind="csv", size=12, sha256="a" * 64, rows=2
    )
    assert first.detail.time == NOW and first.detail.spec_version == SPEC_VERSION
    assert first.detail.context.workflow_id == "test-workflow"
    assert first.detail.context.activity_run_id is None


def test_without_a_data_model_data_stays_a_dict() -> None:
    event = parse_event(json.dumps(ingested()))
    assert event.detail.data == INGESTED


def test_the_detail_is_what_the_producer_builds() -> None:
    # The kit reads exactly the Detail that SendEventActivity's build_entry writes.
    context = TemporalContext("wf-1", "run-1", "7", 3, "IngestFileWorkflow", "prod")
    entry, _ = build_entry(
        event_id="e-1",
        source="ingestion",
        event_type="file_ingestion_failed",
        data={"file_id": FILE_ID, "error": {"type": "FileMissing", "message": "gone"}},
        time=NOW,
        context=context,
        source_prefix="acme.data",
    )
    body = {
        "version": "0",
        "id": "bus-id",
        "detail-type": entry.detail_type,
        "source": entry.source,
        "account": "111122223333",
        "time": "2026-11-25T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": json.loads(entry.detail),
    }
    event = parse_event(body, FileIngestionFailedData)
    assert event.source == "acme.data.ingestion" and event.detail.source == "ingestion"
    assert event.detail.data.error.type == "FileMissing"
    assert event.detail.context.model_dump() == {
        "workflow_id": "wf-1",
        "run_id": "run-1",
        "activity_id": "7",
        "activity_run_id": None,
        "workflow_type": "IngestFileWorkflow",
        "namespace": "prod",
    }


# AWS Powertools' EventBridgeModel (aws_lambda_powertools.utilities.parser.models): field name
# -> alias, and whether it is required there.
POWERTOOLS_FIELDS = {
    "version": ("version", True),
    "id": ("id", True),
    "source": ("source", True),
    "account": ("account", True),
    "time": ("time", True),
    "region": ("region", True),
    "resources": ("resources", True),
    "detail_type": ("detail-type", True),
    "detail": ("detail", True),
    "replay_name": ("replay-name", False),
}


def test_the_model_has_the_fields_and_aliases_of_powertools_eventbridge_model() -> None:
    fields = {
        name: (field.alias or name, field.is_required())
        for name, field in WorkflowEvent.model_fields.items()
    }
    # The same names and aliases; only account is optional here (moto leaves it out).
    assert set(fields) == set(POWERTOOLS_FIELDS)
    for name, (alias, required) in POWERTOOLS_FIELDS.items():
        assert fields[name][0] == alias
        assert fields[name][1] == (required and name != "account")


def test_a_powertools_shaped_event_parses() -> None:
    # The shape of Powertools' own EventBridge test event, replayed from an archive, whose
    # detail is one of our envelopes; by alias as the wire has it, or by field name.
    detail = ingested()["detail"]
    wire = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "file_ingested_successfully",
        "source": "ingestion",
        "account": "111122223333",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        "detail": detail,
        "replay-name": "replay_archive",
    }
    event = parse_event(wire, FileIngestedData)
    assert event.replay_name == "replay_archive" and event.account == "111122223333"
    assert event.resources == wire["resources"]
    assert event.time == datetime(2017, 12, 22, 18, 43, 48, tzinfo=UTC)
    by_name = WorkflowEvent[FileIngestedData].model_validate(
        {**{k: v for k, v in wire.items() if "-" not in k}, "detail_type": wire["detail-type"]}
        | {"detail": EventDetail[FileIngestedData].model_validate_json(json.dumps(detail))}
    )
    assert by_name.detail == event.detail and by_name.detail_type == event.detail_type
    dumped = event.model_dump(mode="json", by_alias=True)
    assert dumped["detail-type"] == "file_ingested_successfully"
    assert parse_event(dumped, FileIngestedData) == event


def test_unknown_fields_are_ignored_at_every_level() -> None:
    event = ingested()
    event["ingestion-time"] = 1
    event["detail"]["trace"] = "x"
    event["detail"]["context"]["attempt"] = 4
    event["detail"]["data"]["columns"] = 3
    parsed = parse_event(event, FileIngestedData)
    assert parsed.detail.data.rows == 2


def test_any_1x_envelope_version_is_read() -> None:
    assert parse_event(broken(lambda e: e["detail"].update(spec_version="1.7"))).detail
    assert "spec_version" in problem(broken(lambda e: e["detail"].update(spec_version="2.0"))).path


def test_a_prefixed_bus_source_is_accepted() -> None:
    event = make_event("ingestion", "file_ingestion_failed", {"file_id": "f"}, source_prefix="a.b")
    assert parse_event(event).source == "a.b.ingestion"


def test_moto_events_without_an_account_parse() -> None:
    event = broken(lambda e: e.pop("account"))
    assert parse_event(event).account is None


# -- one typed error, naming what is wrong --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "path"),
    [
        ("not json", "body is not JSON", ""),
        (b"\xff\xfe", "body is not JSON", ""),
        ("[1, 2]", "body is a JSON array, not an EventBridge event object", ""),
        ("null", "body is a JSON null, not an EventBridge event object", ""),
        (broken(lambda e: e.pop("version")), "version: missing", "version"),
        (broken(lambda e: e.pop("detail-type")), "detail-type: missing", "detail-type"),
        (broken(lambda e: e.pop("detail")), "detail: missing", "detail"),
        (broken(lambda e: e.pop("region")), "region: missing", "region"),
        (broken(lambda e: e.pop("time")), "time: missing", "time"),
        (
            broken(lambda e: e.update(version=0)),
            "version: expected a valid string, got number 0",
            "version",
        ),
        (
            broken(lambda e: e.update(resources=[1])),
            "resources[0]: expected a valid string, got number 1",
            "resources[0]",
        ),
        (
            broken(lambda e: e.update(detail=[])),
            "detail: expected an object, got array of 0 item(s)",
            "detail",
        ),
        (broken(lambda e: e["detail"].pop("id")), "detail.id: missing", "detail.id"),
        (
            broken(lambda e: e["detail"].update(id="")),
            "detail.id: String should have at least 1 character, got string ''",
            "detail.id",
        ),
        (broken(lambda e: e["detail"].pop("context")), "detail.context: missing", "detail.context"),
        (
            broken(lambda e: e["detail"]["context"].pop("run_id")),
            "detail.context.run_id: missing",
            "detail.context.run_id",
        ),
        (
            broken(lambda e: e["detail"]["context"].update(run_id=5)),
            "detail.context.run_id",
            "detail.context.run_id",
        ),
        (
            broken(lambda e: e["detail"].pop("spec_version")),
            "detail.spec_version: missing",
            "detail.spec_version",
        ),
        (
            broken(lambda e: e["detail"].update(spec_version="2.0")),
            "detail.spec_version: unsupported envelope version: expected 1.x, got string '2.0'",
            "detail.spec_version",
        ),
        (
            broken(lambda e: e["detail"].update(spec_version=1.0)),
            "detail.spec_version: expected a valid string, got number 1.0",
            "detail.spec_version",
        ),
        (
            broken(lambda e: e["detail"].update(time="2026-11-25T10:00:00")),
            "detail.time: expected timezone info, got string '2026-11-25T10:00:00'",
            "detail.time",
        ),
        (
            broken(lambda e: e["detail"].update(data=[1])),
            "detail.data: expected an object, got array of 1 item(s)",
            "detail.data",
        ),
        (
            broken(lambda e: e["detail"].update(type="other")),
            "detail.type 'other' differs from detail-type 'file_ingested_successfully'",
            "",
        ),
        (
            broken(lambda e: e.update(source="evaluation")),
            "source 'evaluation' is neither detail.source 'ingestion' nor a prefixed form",
            "",
        ),
    ],
)
def test_what_is_wrong_is_named(body: Any, message: str, path: str) -> None:
    body = json.dumps(body) if isinstance(body, dict) else body
    err = problem(body)
    assert message in str(err)
    assert err.path == path
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file_id": "nope"}, "detail.data.file_id: expected a valid UUID"),
        ({"size": "12"}, "detail.data.size: expected a valid integer, got string '12'"),
        ({"size": -1}, "detail.data.size: expected greater than or equal to 0, got number -1"),
        ({"rows": 2.5}, "detail.data.rows"),
        ({"sha256": "XYZ"}, "detail.data.sha256: String should match pattern"),
    ],
)
def test_data_is_checked_against_its_model_with_json_types(
    change: dict[str, Any], message: str
) -> None:
    assert message in str(problem(ingested(**change), FileIngestedData))


def test_a_bool_is_not_a_number_nor_a_number_a_bool() -> None:
    data = {
        "file_id": str(FILE_ID),
        "score": "0.9",
        "passed": 1,
        "report": {
            "rows": 1,
            "cells": 2,
            "empty_cell_ratio": 0,
            "duplicate_rows": 0,
            "score": 0.9,
            "threshold": 0.8,
            "passed": True,
        },
    }
    event = make_event("evaluation", "evaluation_completed", data)
    err = problem(event, EvaluationCompletedData)
    assert [(p.path, p.got) for p in err.problems] == [
        ("detail.data.score", "string '0.9'"),
        ("detail.data.passed", "number 1"),
    ]
    # An integer is a JSON number: accepted for a float field, as JSON Schema does.
    assert (
        parse_event(
            make_event("evaluation", "evaluation_completed", {**data, "score": 1, "passed": True}),
            EvaluationCompletedData,
        ).detail.data.score
        == 1.0
    )


def test_every_problem_is_kept_the_message_lists_three() -> None:
    event = ingested()
    for key in ("version", "id", "account", "region", "resources"):
        event.pop(key)
    err = problem(event)
    assert [p.path for p in err.problems] == ["version", "id", "region", "resources"]
    assert str(err).endswith("(+1 more)") and str(err).count("missing") == 3


def test_the_message_never_holds_a_huge_body() -> None:
    huge = "x" * 1_000_000
    for body in (
        huge,
        json.dumps({"source": huge}),
        json.dumps(
            broken(
                lambda e: e["detail"]["data"].update(kind=1, size=huge, sha256=huge, file_id=huge)
            )
        ),
    ):
        err = problem(body, FileIngestedData)
        assert len(str(err)) <= 600 and huge[:100] not in str(err)
        assert all(len(str(p)) < 300 for p in err.problems)


def test_a_mapping_that_is_not_json_data_is_one_typed_error() -> None:
    event = ingested()
    event["detail"]["data"]["when"] = datetime.now(UTC)
    assert "body is not JSON data" in str(problem(event))
    assert "body is not JSON data" in str(problem({"a": float("nan")}))
    assert "not JSON text or an object" in str(problem(42))


def test_deep_nesting_is_one_typed_error() -> None:
    assert "body is not JSON" in str(problem("[" * 100_000))
    with pytest.raises(InvalidEventMessage, match="not JSON"):
        peek_event("[" * 100_000)


# -- routing and deduplication -----------------------------------------------------------


def test_peek_reads_the_kind_without_validating_the_rest() -> None:
    header = peek_event(json.dumps({"source": "ingestion", "detail-type": "other"}))
    assert (header.source, header.detail_type) == ("ingestion", "other")
    assert header.body == {"source": "ingestion", "detail-type": "other"}
    with pytest.raises(InvalidEventMessage, match=r"source: missing; detail-type: missing"):
        peek_event({})
    with pytest.raises(InvalidEventMessage, match=r"detail-type: expected a valid string"):
        peek_event({"source": "s", "detail-type": 3})


def test_the_dedup_key_is_the_envelope_id_not_eventbridges() -> None:
    first = ingested()
    # The producer's retry: a new PutEvents call, so a new EventBridge id, same envelope.
    retry = copy.deepcopy(first)
    retry["id"] = str(uuid.uuid4())
    keys = {dedup_key(parse_event(e)) for e in (first, retry)}
    assert keys == {first["detail"]["id"]}
    assert dedup_key(parse_event(ingested())) != first["detail"]["id"]


# -- the registry ----------------------------------------------------------------------------


def test_the_registry_parses_each_type_with_its_model() -> None:
    assert [(t.source, t.event_type) for t in SAMPLE_TYPES] == [
        ("evaluation", "evaluation_completed"),
        ("ingestion", "file_ingested_successfully"),
        ("ingestion", "file_ingestion_failed"),
    ]
    event = SAMPLE_TYPES.parse(json.dumps(ingested()))
    assert isinstance(event.detail.data, FileIngestedData)
    other = SAMPLE_TYPES.parse(make_event("ingestion", "file_archived", {"file_id": "f"}))
    assert other.detail.data == {"file_id": "f"}
    with pytest.raises(InvalidEventMessage, match=r"detail\.data\.file_id: missing"):
        SAMPLE_TYPES.parse(make_event("ingestion", "file_ingestion_failed", {"error": {}}))
    with pytest.raises(InvalidEventMessage, match="body is a JSON array"):
        SAMPLE_TYPES.parse("[]")


def test_registering_a_type() -> None:
    class Archived(BaseModel):
        file_id: uuid.UUID

    registry = EventRegistry([EventType("ingestion", "file_archived", Archived)])
    assert registry.register("ingestion", "file_archived", Archived).data_model is Archived
    assert len(registry) == 1
    with pytest.raises(ValueError, match="registered with Archived"):
        registry.register("ingestion", "file_archived", FileIngestedData)
    with pytest.raises(ValueError, match="non-empty"):
        registry.register("", "x", Archived)
    event = registry.parse(make_event("ingestion", "file_archived", {"file_id": str(FILE_ID)}))
    assert event.detail.data == Archived(file_id=FILE_ID)
