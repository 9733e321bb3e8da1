"""One contract, two backends: PostgreSQL and SQLite."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from workflow_activity_kit import execution_id
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    FileStatus,
    StatusChange,
    TemporalContext,
    make_transition_graph,
)
from workflow_contracts.errors import InvalidStatusTransitionError, UnknownFileError
from workflow_file_status import FileCreate
from workflow_file_status._resource import SqlFileStatusAdapter

S = FileStatus


def ctx(activity_id: str = "1", attempt: int = 1, run_id: str = "run-1") -> TemporalContext:
    return TemporalContext("wf-1", run_id, activity_id, attempt, "W", "default")


async def new_file(repo: SqlFileStatusAdapter) -> uuid.UUID:
    file = await repo.register_file(FileCreate(name="a.csv", uri="/data/a.csv"))
    return file.id


async def test_register_and_read(repository: SqlFileStatusAdapter) -> None:
    file_id = uuid.uuid4()
    file = await repository.register_file(FileCreate(id=file_id, name="a.csv", uri="/d/a.csv"))
    assert (file.id, file.status, file.version) == (file_id, S.PENDING, 1)
    again = await repository.register_file(FileCreate(id=file_id, name="other", uri="/x"))
    assert again.name == "a.csv"
    read = await repository.get_file(file_id)
    assert read is not None and read.status is S.PENDING and read.created_at.tzinfo is not None
    assert await repository.get_file(uuid.uuid4()) is None
    assert await repository.get_history(file_id) == []


async def test_change_records_history_with_context(repository: SqlFileStatusAdapter) -> None:
    file_id = await new_file(repository)
    change = await repository.change_status(file_id, S.PROCESSING, ctx(), DEFAULT_TRANSITIONS)
    assert change == StatusChange(file_id, S.PENDING, S.PROCESSING, True, 2)
    change = await repository.change_status(file_id, S.COMPLETED, ctx("2"), DEFAULT_TRANSITIONS)
    assert change == StatusChange(file_id, S.PROCESSING, S.COMPLETED, True, 3)
    file = await repository.get_file(file_id)
    assert file is not None and (file.status, file.version) == (S.COMPLETED, 3)
    history = await repository.get_history(file_id)
    assert [(h.from_status, h.to_status, h.version) for h in history] == [
        (S.PENDING, S.PROCESSING, 2),
        (S.PROCESSING, S.COMPLETED, 3),
    ]
    assert (history[0].workflow_id, history[0].run_id, history[0].activity_id) == (
        "wf-1",
        "run-1",
        "1",
    )
    assert history[0].attempt == 1 and history[0].changed_at.tzinfo is not None
    assert str(history[0].execution_id) == execution_id(ctx())
    assert history[0].activity_run_id is None


async def test_same_status_is_a_no_op(repository: SqlFileStatusAdapter) -> None:
    file_id = await new_file(repository)
    change = await repository.change_status(file_id, S.PENDING, ctx(), DEFAULT_TRANSITIONS)
    assert change == StatusChange(file_id, S.PENDING, S.PENDING, False, 1)
    assert await repository.get_history(file_id) == []


async def test_illegal_transition_writes_nothing(repository: SqlFileStatusAdapter) -> None:
    file_id = await new_file(repository)
    with pytest.raises(InvalidStatusTransitionError) as info:
        await repository.change_status(file_id, S.COMPLETED, ctx(), DEFAULT_TRANSITIONS)
    assert info.value.non_retryable
    assert "PENDING" in info.value.message and "COMPLETED" in info.value.message
    assert info.value.details[0]["from"] == "PENDING" and info.value.details[0]["to"] == "COMPLETED"
    assert info.value.details[0]["version"] == 1
    file = await repository.get_file(file_id)
    assert file is not None and (file.status, file.version) == (S.PENDING, 1)
    assert await repository.get_history(file_id) == []


async def test_unknown_file(repository: SqlFileStatusAdapter) -> None:
    with pytest.raises(UnknownFileError) as info:
        await repository.change_status(uuid.uuid4(), S.PROCESSING, ctx(), DEFAULT_TRANSITIONS)
    assert info.value.non_retryable


async def test_retry_of_a_committed_attempt_changes_nothing_more(
    repository: SqlFileStatusAdapter,
) -> None:
    file_id = await new_file(repository)
    first = await repository.change_status(file_id, S.PROCESSING, ctx(), DEFAULT_TRANSITIONS)
    # Another execution moves the file on; then attempt 2 of the first one arrives.
    await repository.change_status(file_id, S.FAILED, ctx("2"), DEFAULT_TRANSITIONS)
    retried = await repository.change_status(
        file_id, S.PROCESSING, ctx(attempt=2), DEFAULT_TRANSITIONS
    )
    assert retried == first
    file = await repository.get_file(file_id)
    assert file is not None and (file.status, file.version) == (S.FAILED, 3)
    assert len(await repository.get_history(file_id)) == 2


async def test_another_run_of_the_same_activity_id_is_a_new_change(
    repository: SqlFileStatusAdapter,
) -> None:
    file_id = await new_file(repository)
    await repository.change_status(file_id, S.PROCESSING, ctx(), DEFAULT_TRANSITIONS)
    await repository.change_status(file_id, S.FAILED, ctx("2"), DEFAULT_TRANSITIONS)
    change = await repository.change_status(
        file_id, S.PROCESSING, ctx(run_id="run-2"), DEFAULT_TRANSITIONS
    )
    assert change == StatusChange(file_id, S.FAILED, S.PROCESSING, True, 4)


async def test_caller_supplied_graph(repository: SqlFileStatusAdapter) -> None:
    graph = make_transition_graph({"PENDING": ["COMPLETED"]})
    file_id = await new_file(repository)
    with pytest.raises(InvalidStatusTransitionError):
        await repository.change_status(file_id, S.PROCESSING, ctx(), graph)
    change = await repository.change_status(file_id, S.COMPLETED, ctx(), graph)
    assert change.changed and change.current is S.COMPLETED


def standalone(activity_run_id: str, attempt: int = 1) -> TemporalContext:
    """A standalone activity: started by a client, no workflow; the caller picks its id."""
    return TemporalContext(
        None, None, "import-file", attempt, None, "default", activity_run_id=activity_run_id
    )


async def test_standalone_executions_are_told_apart_by_their_activity_run_id(
    repository: SqlFileStatusAdapter,
) -> None:
    file_id = await new_file(repository)
    first = await repository.change_status(
        file_id, S.PROCESSING, standalone("run-a"), DEFAULT_TRANSITIONS
    )
    # Same activity id, another execution: a change of its own, not the first one's.
    second = await repository.change_status(
        file_id, S.FAILED, standalone("run-b"), DEFAULT_TRANSITIONS
    )
    assert (first.version, second.version) == (2, 3) and second.previous is S.PROCESSING
    # A retry of the first execution gets its change back and writes nothing.
    retried = await repository.change_status(
        file_id, S.PROCESSING, standalone("run-a", attempt=2), DEFAULT_TRANSITIONS
    )
    assert retried == first
    history = await repository.get_history(file_id)
    assert [(h.activity_run_id, h.workflow_id, h.version) for h in history] == [
        ("run-a", None, 2),
        ("run-b", None, 3),
    ]
    assert [str(h.execution_id) for h in history] == [
        execution_id(standalone("run-a")),
        execution_id(standalone("run-b")),
    ]


async def test_a_change_made_outside_temporal_is_never_deduplicated(
    repository: SqlFileStatusAdapter,
) -> None:
    file_id = await new_file(repository)
    outside = TemporalContext(None, None, None, 1)
    await repository.change_status(file_id, S.PROCESSING, outside, DEFAULT_TRANSITIONS)
    await repository.change_status(file_id, S.FAILED, outside, DEFAULT_TRANSITIONS)
    change = await repository.change_status(
        file_id, S.PROCESSING, dataclasses.replace(outside, attempt=2), DEFAULT_TRANSITIONS
    )
    assert change.version == 4
    assert [h.execution_id for h in await repository.get_history(file_id)] == [None] * 3
