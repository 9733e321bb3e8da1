"""UpdateFileStatusActivity end to end on a real Temporal dev server and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_contracts import ErrorType, FileStatus, StatusChange, TemporalContext, TransitionGraph
from workflow_contracts.errors import DatabaseUnavailableError
from workflow_devstack import activity_attempts
from workflow_file_status import FileCreate, UpdateFileStatusActivity
from workflow_file_status._resource import SqlFileStatusAdapter

from tests.workflows import CompleteFileWorkflow, IllegalStatusWorkflow, StatusByNameWorkflow

S = FileStatus
WORKFLOWS = [CompleteFileWorkflow, StatusByNameWorkflow, IllegalStatusWorkflow]


class LosesFirstCompletion:
    """Commits for real, then fails attempt 1 as if the worker died before reporting."""

    def __init__(self, inner: SqlFileStatusAdapter) -> None:
        self.inner = inner
        self.calls: list[int] = []

    async def change_status(
        self,
        file_id: uuid.UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        self.calls.append(context.attempt)
        change = await self.inner.change_status(file_id, target, context, transitions)
        if context.attempt == 1:
            raise DatabaseUnavailableError("connection lost after commit (simulated)")
        return change


@asynccontextmanager
async def worker(env: WorkflowEnvironment, repository: object) -> AsyncIterator[str]:
    task_queue = f"status-{uuid.uuid4()}"
    activity = UpdateFileStatusActivity(repository)  # type: ignore[arg-type]
    async with Worker(
        env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=[activity.run]
    ):
        yield task_queue


async def test_call_form_from_a_workflow(
    temporal_env: WorkflowEnvironment, pg_repository: SqlFileStatusAdapter
) -> None:
    file = await pg_repository.register_file(FileCreate(name="a.csv", uri="/a.csv"))
    async with worker(temporal_env, pg_repository) as task_queue:
        changes = await temporal_env.client.execute_workflow(
            CompleteFileWorkflow.run, file.id, id=f"complete-{file.id}", task_queue=task_queue
        )
    assert changes == [
        StatusChange(file.id, S.PENDING, S.PROCESSING, True, 2),
        StatusChange(file.id, S.PROCESSING, S.COMPLETED, True, 3),
    ]
    history = await pg_repository.get_history(file.id)
    assert [h.workflow_id for h in history] == [f"complete-{file.id}"] * 2
    assert history[0].activity_id != history[1].activity_id


async def test_call_by_name_with_json(
    temporal_env: WorkflowEnvironment, pg_repository: SqlFileStatusAdapter
) -> None:
    file = await pg_repository.register_file(FileCreate(name="b.csv", uri="/b.csv"))
    async with worker(temporal_env, pg_repository) as task_queue:
        result = await temporal_env.client.execute_workflow(
            "StatusByNameWorkflow",
            args=[str(file.id), "PROCESSING"],
            id=f"byname-{file.id}",
            task_queue=task_queue,
        )
    assert result == {
        "file_id": str(file.id),
        "previous": "PENDING",
        "current": "PROCESSING",
        "changed": True,
        "version": 2,
    }


async def test_illegal_transition_fails_after_one_attempt(
    temporal_env: WorkflowEnvironment, pg_repository: SqlFileStatusAdapter
) -> None:
    file = await pg_repository.register_file(FileCreate(name="c.csv", uri="/c.csv"))
    async with worker(temporal_env, pg_repository) as task_queue:
        handle = await temporal_env.client.start_workflow(
            IllegalStatusWorkflow.run, file.id, id=f"illegal-{file.id}", task_queue=task_queue
        )
        outcome = await handle.result()
    assert outcome["type"] == ErrorType.INVALID_STATUS_TRANSITION
    assert outcome["details"][0]["from"] == "PENDING"
    assert await activity_attempts(handle) == [1]
    assert await pg_repository.get_history(file.id) == []


async def test_retry_after_lost_completion_leaves_one_history_row(
    temporal_env: WorkflowEnvironment, pg_repository: SqlFileStatusAdapter
) -> None:
    file = await pg_repository.register_file(FileCreate(name="d.csv", uri="/d.csv"))
    flaky = LosesFirstCompletion(pg_repository)
    async with worker(temporal_env, flaky) as task_queue:
        changes = await temporal_env.client.execute_workflow(
            CompleteFileWorkflow.run, file.id, id=f"flaky-{file.id}", task_queue=task_queue
        )
    assert flaky.calls == [1, 2, 1, 2]
    assert [c.version for c in changes] == [2, 3]
    history = await pg_repository.get_history(file.id)
    assert [(h.to_status, h.attempt) for h in history] == [(S.PROCESSING, 1), (S.COMPLETED, 1)]
    final = await pg_repository.get_file(file.id)
    assert final is not None and (final.status, final.version) == (S.COMPLETED, 3)
