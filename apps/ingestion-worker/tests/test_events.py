"""The app's event models: their committed JSON Schemas are the command's output and validate.

If the first test fails after a change to ``ingestion_worker.events``:
``npx --yes pnpm@12.4.2 nx run ingestion-worker:schemas``, and commit ``schemas/``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # moto's dependency, in the dev venv
import pytest
from ingestion_worker.events import EVENTS, FileIngestedData, FileIngestionFailedData
from workflow_events.consumer import EventType, InvalidEventMessage, make_event, parse_event
from workflow_events.schemas import check_schemas

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
REGISTRY = "ingestion_worker.events:EVENTS"

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "file_ingested_successfully": {
        "file_id": "0b0e5f6c-1b7c-4d8e-9a53-2f1f8f9f0a11",
        "kind": "bin",
        "size": 0,
        "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "rows": None,
    },
    "file_ingestion_failed": {
        "file_id": "0b0e5f6c-1b7c-4d8e-9a53-2f1f8f9f0a11",
        "error": {"type": "FileMissing", "message": "file not found: /x"},
    },
}


def files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))}


def test_the_committed_schemas_are_what_the_command_writes(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow_events.schemas",
            "--registry",
            REGISTRY,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(files(out)) == [
        "ingestion.file_ingested_successfully.json",
        "ingestion.file_ingestion_failed.json",
    ]
    assert files(COMMITTED) == files(out)
    assert check_schemas(COMMITTED, EVENTS) == []


def test_the_registry_holds_the_events_the_app_sends() -> None:
    assert [(t.source, t.event_type, t.data_model) for t in EVENTS] == [
        ("ingestion", "file_ingested_successfully", FileIngestedData),
        ("ingestion", "file_ingestion_failed", FileIngestionFailedData),
    ]


@pytest.mark.parametrize("event_type", list(EVENTS), ids=lambda t: t.name)
def test_a_sample_event_validates_and_what_its_schema_rejects_the_kit_rejects(
    event_type: EventType,
) -> None:
    schema = json.loads((COMMITTED / f"{event_type.name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    check = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    data = SAMPLE_DATA[event_type.event_type]
    body = make_event(event_type.source, event_type.event_type, data)
    check.validate(body["detail"])
    assert isinstance(EVENTS.parse(body).detail.data, event_type.data_model)
    for change in ({"file_id": "nope"}, {"size": -1}, {"error": {"type": "X"}}):
        if not set(change) <= set(data):
            continue
        bad = {**body["detail"], "data": {**data, **change}}
        assert not check.is_valid(bad), change
        with pytest.raises(InvalidEventMessage):
            parse_event({**body, "detail": bad}, event_type.data_model)
