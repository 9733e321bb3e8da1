import dataclasses

import pytest
from temporalio.testing import ActivityEnvironment
from workflow_contracts import (
    UPDATE_FILE_STATUS_ACTIVITY,
    FileStatus,
    InvalidFileIdError,
    InvalidStatusError,
    InvalidStatusTransitionError,
    SharedActivityError,
    StatusChange,
    UnknownFileError,
    make_transition_graph,
)
from workflow_file_status import UpdateFileStatusActivity, allowed_sources
from workflow_file_status.testing import InMemoryFileStatusRepository

S = FileStatus


def env(attempt: int = 1, activity_id: str = "3") -> ActivityEnvironment:
    e = ActivityEnvironment()
    e.info = dataclasses.replace(
        e.info, workflow_id="wf", workflow_run_id="run", activity_id=activity_id, attempt=attempt
    )
    return e


def test_activity_has_the_contract_name() -> None:
    defn = UpdateFileStatusActivity.run.__temporal_activity_definition  # type: ignore[attr-defined]
    assert defn.name == UPDATE_FILE_STATUS_ACTIVITY


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


def test_allowed_sources_reads_the_graph() -> None:
    from workflow_contracts import DEFAULT_TRANSITIONS

    assert allowed_sources(S.PROCESSING, DEFAULT_TRANSITIONS) == ["COMPLETED", "FAILED", "PENDING"]
    assert allowed_sources(S.COMPLETED, DEFAULT_TRANSITIONS) == ["PROCESSING"]
    assert allowed_sources(S.PENDING, DEFAULT_TRANSITIONS) == []
