import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import ActivityEnvironment
from workflow_activity_kit import execution_id
from workflow_contracts import SEND_EVENT_ACTIVITY, ErrorType, TemporalContext
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    InvalidEventError,
    SharedActivityError,
)
from workflow_events import SendEventActivity
from workflow_events.testing import InMemoryPublisher

SCHEDULED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def make_env(**info: object) -> ActivityEnvironment:
    env = ActivityEnvironment()
    fields: dict[str, object] = {
        "workflow_id": "ingest-42",
        "workflow_run_id": "run-1",
        "activity_id": "7",
        "workflow_type": "IngestFileWorkflow",
        "scheduled_time": SCHEDULED,
        "current_attempt_scheduled_time": SCHEDULED,
    }
    fields.update(info)
    env.info = dataclasses.replace(env.info, **fields)  # type: ignore[arg-type]
    return env


def test_activity_has_the_contract_name() -> None:
    defn = SendEventActivity.run.__temporal_activity_definition  # type: ignore[attr-defined]
    assert defn.name == SEND_EVENT_ACTIVITY


async def test_publishes_the_envelope() -> None:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    receipt = await make_env().run(
        activity.run, "ingestion", "file_ingested_successfully", {"file_id": "f1"}
    )
    [entry] = publisher.published
    [detail] = publisher.details()
    assert entry.source == "ingestion"
    assert entry.detail_type == "file_ingested_successfully"
    assert entry.time == SCHEDULED
    assert detail["id"] == receipt.event_id
    assert detail["data"] == {"file_id": "f1"}
    assert detail["time"] == SCHEDULED.isoformat()
    assert detail["context"] == {
        "workflow_id": "ingest-42",
        "run_id": "run-1",
        "activity_id": "7",
        "activity_run_id": None,
        "workflow_type": "IngestFileWorkflow",
        "namespace": "default",
    }
    assert receipt.bus_event_id == "bus-1"
    assert receipt.time == SCHEDULED
    context = TemporalContext.from_activity_info(make_env().info)
    assert receipt.event_id == execution_id(context)


async def test_a_retry_sends_byte_identical_detail() -> None:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    first = await make_env().run(activity.run, "ingestion", "x", {"n": 1})
    # Attempt 2 of the same execution: scheduled again later, same ids otherwise.
    retry_env = make_env(attempt=2)
    retry_env.info = dataclasses.replace(
        retry_env.info, current_attempt_scheduled_time=SCHEDULED + timedelta(seconds=5)
    )
    second = await retry_env.run(activity.run, "ingestion", "x", {"n": 1})
    assert first.event_id == second.event_id
    a, b = publisher.published
    assert a.time == b.time == SCHEDULED
    assert a.detail.encode() == b.detail.encode()
    assert a == b
    assert "attempt" not in publisher.details()[0]["context"]


async def test_standalone_runs_differ_by_run_id_and_each_keeps_one_id_across_retries() -> None:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    standalone = {"workflow_id": None, "workflow_run_id": None, "workflow_type": None}
    run1 = await make_env(**standalone, activity_run_id="r1").run(activity.run, "s", "t", {})
    retry = await make_env(**standalone, activity_run_id="r1", attempt=2).run(
        activity.run, "s", "t", {}
    )
    run2 = await make_env(**standalone, activity_run_id="r2").run(activity.run, "s", "t", {})
    assert run1.event_id == retry.event_id != run2.event_id
    first, again, other = publisher.published
    assert first.detail == again.detail != other.detail
    assert publisher.details()[0]["context"] == {
        "workflow_id": None,
        "run_id": None,
        "activity_id": "7",
        "activity_run_id": "r1",
        "workflow_type": None,
        "namespace": "default",
    }


async def test_other_executions_get_other_ids() -> None:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    a = await make_env().run(activity.run, "s", "t", {})
    b = await make_env(activity_id="8").run(activity.run, "s", "t", {})
    c = await make_env(workflow_run_id="run-2").run(activity.run, "s", "t", {})
    assert len({a.event_id, b.event_id, c.event_id}) == 3


@pytest.mark.parametrize(
    "args",
    [
        ("", "t", {}),
        ("s", "", {}),
        ("aws.ec2", "t", {}),
        ("s", "t" * 129, {}),
        ("s", "t", ["not", "an", "object"]),
        ("s", "t", {"x": {1, 2}}),
    ],
)
async def test_bad_input_sends_nothing(args: tuple[object, object, object]) -> None:
    publisher = InMemoryPublisher()
    with pytest.raises(InvalidEventError) as info:
        await make_env().run(SendEventActivity(publisher).run, *args)  # type: ignore[arg-type]
    assert info.value.non_retryable
    assert publisher.attempts == 0


async def test_too_large_sends_nothing_and_limit_is_configurable() -> None:
    publisher = InMemoryPublisher()
    big = {"blob": "x" * 300_000}
    with pytest.raises(Exception) as info:
        await make_env().run(SendEventActivity(publisher).run, "s", "t", big)
    assert getattr(info.value, "type", None) == ErrorType.EVENT_TOO_LARGE
    assert publisher.attempts == 0
    receipt = await make_env().run(
        SendEventActivity(publisher, max_entry_bytes=1024 * 1024).run, "s", "t", big
    )
    assert receipt.event_id
    with pytest.raises(ValueError):
        SendEventActivity(publisher, max_entry_bytes=1024 * 1024 + 1)


@pytest.mark.parametrize(
    ("code", "cls", "retryable"),
    [
        ("ThrottlingException", EventThrottledError, True),
        ("InternalFailure", EventPublishRetryableError, True),
        ("AccessDeniedException", EventAccessDeniedError, True),
        ("InvalidArgument", EventRejectedError, False),
        ("MalformedDetail", EventRejectedError, False),
        ("NotAuthorizedForSourceException", EventAccessDeniedError, True),
        ("NotAuthorizedForDetailTypeException", EventAccessDeniedError, True),
        ("InvalidAccountIdException", EventRejectedError, False),
        ("RedactionFailure", EventRejectedError, False),
        ("SomethingNew", EventRejectedError, False),
    ],
)
async def test_bus_answers_map_to_typed_errors(
    code: str, cls: type[SharedActivityError], retryable: bool
) -> None:
    publisher = InMemoryPublisher(fail_with=[code])
    with pytest.raises(cls) as info:
        await make_env().run(SendEventActivity(publisher).run, "s", "t", {})
    assert info.value.non_retryable is (not retryable)
    assert info.value.details[0]["error_code"] == code
    assert code in info.value.message
    if code == "ThrottlingException":
        assert info.value.next_retry_delay == timedelta(seconds=1)
    if cls is EventAccessDeniedError:
        assert info.value.next_retry_delay == OPERATOR_RETRY_DELAY
        assert "events:PutEvents" in info.value.message


async def test_detail_is_compact_json() -> None:
    publisher = InMemoryPublisher()
    await make_env().run(SendEventActivity(publisher).run, "s", "t", {"k": "v"})
    detail = publisher.published[0].detail
    assert json.loads(detail)["data"] == {"k": "v"}
    assert ", " not in detail and ": " not in detail
