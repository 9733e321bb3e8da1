import dataclasses
import json
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, _type_hints_from_func
from temporalio.testing import ActivityEnvironment
from workflow_activity_kit import execution_id
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    UPDATE_FILE_STATUS_ACTIVITY,
    FileStatus,
    StatusChange,
    TemporalContext,
    make_transition_graph,
)
from workflow_contracts.errors import (
    InvalidArgumentsError,
    InvalidFileIdError,
    InvalidStatusError,
    InvalidStatusTransitionError,
    SharedActivityError,
    UnknownFileError,
    UnsupportedArgumentsError,
)
from workflow_file_status import UpdateFileStatusActivity
from workflow_file_status._sql_common import allowed_sources
from workflow_file_status.testing import InMemoryFileStatusRepository

S = FileStatus


def env(attempt: int = 1, activity_id: str = "3") -> ActivityEnvironment:
    e = ActivityEnvironment()
    e.info = dataclasses.replace(
        e.info, workflow_id="wf", workflow_run_id="run", activity_id=activity_id, attempt=attempt
    )
    return e


def raw(value: Any) -> Any:
    """An argument as a JSON caller in any SDK sends it (any JSON: typed as Any)."""
    return RawValue(Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode()))


def test_activity_has_the_contract_name_and_takes_raw_payloads() -> None:
    defn = UpdateFileStatusActivity.run.__temporal_activity_definition  # type: ignore[attr-defined]
    assert defn.name == UPDATE_FILE_STATUS_ACTIVITY
    args, result = _type_hints_from_func(UpdateFileStatusActivity.run)
    assert args == [RawValue, RawValue] and result is StatusChange


async def test_raw_json_arguments_change_the_status() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    run = UpdateFileStatusActivity(repo).run
    change = await env().run(run, raw(str(file_id).upper()), raw("PROCESSING"))
    assert change == StatusChange(file_id, S.PENDING, S.PROCESSING, True, 2)


@pytest.mark.parametrize(
    ("file_id", "status", "error", "field"),
    [
        (42, "PROCESSING", InvalidFileIdError, "file_id"),
        (None, "PROCESSING", InvalidFileIdError, "file_id"),
        ([], "PROCESSING", InvalidFileIdError, "file_id"),
        ({}, "PROCESSING", InvalidFileIdError, "file_id"),
        (True, "PROCESSING", InvalidFileIdError, "file_id"),
        ("", "PROCESSING", InvalidFileIdError, "file_id"),
        ("\ud800", "PROCESSING", InvalidFileIdError, "file_id"),
        ("{FILE}", "PROCESSING", InvalidFileIdError, "file_id"),
        ("urn:uuid:FILE", "PROCESSING", InvalidFileIdError, "file_id"),
        ("FILE", "completed", InvalidStatusError, "status"),
        ("FILE", None, InvalidStatusError, "status"),
        ("FILE", 2, InvalidStatusError, "status"),
        ("FILE", ["PROCESSING"], InvalidStatusError, "status"),
    ],
)
async def test_raw_json_that_does_not_fit_is_the_argument_s_permanent_error(
    file_id: Any, status: Any, error: type[SharedActivityError], field: str
) -> None:
    repo = InMemoryFileStatusRepository()
    real = repo.add()
    if isinstance(file_id, str):
        file_id = file_id.replace("FILE", str(real))
    with pytest.raises(error) as info:
        await env().run(UpdateFileStatusActivity(repo).run, raw(file_id), raw(status))
    assert info.value.non_retryable
    assert info.value.message.startswith(f"{field}: ")
    assert repo.history == [] and repo.files[real] == (S.PENDING, 1)


async def test_undecodable_payloads_and_wrong_counts_are_typed() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    run = UpdateFileStatusActivity(repo).run
    broken: Any = RawValue(Payload(metadata={"encoding": b"json/plain"}, data=b"\xff"))
    with pytest.raises(InvalidStatusError, match=r"status: not valid UTF-8"):
        await env().run(run, raw(str(file_id)), broken)
    with pytest.raises(InvalidArgumentsError) as few:
        await env().run(run, raw(str(file_id)))  # type: ignore[call-arg]
    assert few.value.non_retryable
    with pytest.raises(UnsupportedArgumentsError) as many:
        await env().run(run, raw(str(file_id)), raw("PROCESSING"), raw(1))  # type: ignore[call-arg]
    assert not many.value.non_retryable
    assert repo.history == []


async def test_change_with_context_recorded() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    change = await env().run(UpdateFileStatusActivity(repo).run, file_id, S.PROCESSING)
    assert change == StatusChange(file_id, S.PENDING, S.PROCESSING, True, 2)
    [row] = repo.history
    assert (row.context.workflow_id, row.context.run_id, row.context.activity_id) == (
        "wf",
        "run",
        "3",
    )
    assert repo.files[file_id] == (S.PROCESSING, 2)


async def test_json_strings_are_accepted() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    change = await env().run(UpdateFileStatusActivity(repo).run, str(file_id), "PROCESSING")  # type: ignore[arg-type]
    assert change.current is S.PROCESSING


async def test_retry_returns_the_committed_outcome() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    activity = UpdateFileStatusActivity(repo)
    first = await env().run(activity.run, file_id, S.PROCESSING)
    again = await env(attempt=2).run(activity.run, file_id, S.PROCESSING)
    assert again == first
    assert len(repo.history) == 1


@pytest.mark.parametrize(
    ("file_id", "status", "error"),
    [
        ("nope", "PROCESSING", InvalidFileIdError),
        (None, "PROCESSING", InvalidFileIdError),
        ("00000000-0000-4000-8000-000000000000", "DONE", InvalidStatusError),
        ("00000000-0000-4000-8000-000000000000", "PROCESSING", UnknownFileError),
    ],
)
async def test_bad_input_is_permanent_and_writes_nothing(
    file_id: object, status: object, error: type[SharedActivityError]
) -> None:
    repo = InMemoryFileStatusRepository()
    repo.add()
    with pytest.raises(error) as info:
        await env().run(UpdateFileStatusActivity(repo).run, file_id, status)  # type: ignore[arg-type]
    assert info.value.non_retryable
    assert repo.history == []


async def test_transition_graph_can_be_replaced() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    strict = UpdateFileStatusActivity(
        repo, transitions=make_transition_graph({"PENDING": ["COMPLETED"]})
    )
    with pytest.raises(InvalidStatusTransitionError):
        await env().run(strict.run, file_id, S.PROCESSING)
    assert (await env(activity_id="4").run(strict.run, file_id, S.COMPLETED)).changed


async def test_fake_keys_changes_per_execution_like_the_sql_backend() -> None:
    repo = InMemoryFileStatusRepository()
    file_id = repo.add()
    one = TemporalContext(None, None, "act", 1, namespace="default", activity_run_id="r1")
    two = dataclasses.replace(one, activity_run_id="r2")
    first = await repo.change_status(file_id, S.PROCESSING, one, DEFAULT_TRANSITIONS)
    second = await repo.change_status(file_id, S.COMPLETED, two, DEFAULT_TRANSITIONS)
    again = await repo.change_status(
        file_id, S.PROCESSING, dataclasses.replace(one, attempt=2), DEFAULT_TRANSITIONS
    )
    assert (first.version, second.version, again) == (2, 3, first)
    assert [r.execution_id for r in repo.history] == [execution_id(one), execution_id(two)]
    outside = TemporalContext(None, None, None, 1)  # not a Temporal execution: no key
    await repo.change_status(file_id, S.PROCESSING, outside, DEFAULT_TRANSITIONS)
    await repo.change_status(file_id, S.FAILED, outside, DEFAULT_TRANSITIONS)
    assert [r.version for r in repo.history] == [2, 3, 4, 5]


def test_allowed_sources_reads_the_graph() -> None:
    from workflow_contracts import DEFAULT_TRANSITIONS

    assert allowed_sources(S.PROCESSING, DEFAULT_TRANSITIONS) == ["COMPLETED", "FAILED", "PENDING"]
    assert allowed_sources(S.COMPLETED, DEFAULT_TRANSITIONS) == ["PROCESSING"]
    assert allowed_sources(S.PENDING, DEFAULT_TRANSITIONS) == []
