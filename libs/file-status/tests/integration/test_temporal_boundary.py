"""The activity at its boundaries, on a real Temporal dev server and PostgreSQL.

Called by name with plain JSON as any SDK would; the database missing its schema, then
migrated while the workflow waits; two attempts of one execution running at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_activity_kit import execution_id
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    ErrorType,
    FileStatus,
    StatusChange,
    TemporalContext,
    TransitionGraph,
)
from workflow_devstack import PostgresDatabase, activity_attempts, create_database, drop_database
from workflow_file_status import (
    FileCreate,
    FileStatusRepository,
    UpdateFileStatusActivity,
    create_engine,
    repository_for,
)
from workflow_file_status._resource import SqlFileStatusAdapter
from workflow_file_status.migrate import upgrade

from tests.workflows import (
    PatientStatusWorkflow,
    RawArgumentsWorkflow,
    StatusWithActivityIdWorkflow,
)

S = FileStatus


@asynccontextmanager
async def worker(env: WorkflowEnvironment, repository: FileStatusRepository) -> AsyncIterator[str]:
    task_queue = f"boundary-{uuid.uuid4()}"
    activity = UpdateFileStatusActivity(repository)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[PatientStatusWorkflow, RawArgumentsWorkflow, StatusWithActivityIdWorkflow],
        activities=[activity.run],
    ):
        yield task_queue


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 15) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def last_failure(handle: WorkflowHandle[Any, Any]) -> Any:
    pending = (await handle.describe()).raw_description.pending_activities
    if pending and pending[0].HasField("last_failure"):
        return pending[0]
    return None


@pytest.mark.parametrize(
    ("args", "error", "retryable"),
    [
        ([42, "PROCESSING"], ErrorType.INVALID_FILE_ID, False),
        ([None, "PROCESSING"], ErrorType.INVALID_FILE_ID, False),
        (["{" + str(uuid.UUID(int=1)) + "}", "PROCESSING"], ErrorType.INVALID_FILE_ID, False),
        ([str(uuid.UUID(int=1)), "completed"], ErrorType.INVALID_STATUS, False),
        ([str(uuid.UUID(int=1)), ["PROCESSING"]], ErrorType.INVALID_STATUS, False),
        ([str(uuid.UUID(int=1))], ErrorType.INVALID_ARGUMENTS, False),
        ([str(uuid.UUID(int=1)), "PROCESSING", 1], ErrorType.UNSUPPORTED_ARGUMENTS, True),
    ],
)
async def test_any_json_call_gets_the_activity_s_own_error(
    temporal_env: WorkflowEnvironment,
    pg_repository: SqlFileStatusAdapter,
    args: list[Any],
    error: str,
    retryable: bool,
) -> None:
    async with worker(temporal_env, pg_repository) as task_queue:
        handle = await temporal_env.client.start_workflow(
            RawArgumentsWorkflow.run,
            # Permanent errors get a second attempt they must not use; a retryable one
            # would wait the operator delay (30 s), so it gets a single attempt.
            args=[args, 1 if retryable else 2],
            id=f"raw-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        outcome = await handle.result()
    assert outcome["type"] == error
    assert outcome["non_retryable"] is not retryable
    assert await activity_attempts(handle) == [1]
    if error in {ErrorType.INVALID_FILE_ID, ErrorType.INVALID_STATUS}:
        assert outcome["message"].split(":")[0] in {"file_id", "status"}


async def test_unmigrated_database_waits_for_the_migration(
    temporal_env: WorkflowEnvironment,
) -> None:
    database = await create_database(prefix="wsa_unmigrated")
    engine = create_engine(database.sqlalchemy_url, pool_size=2)
    repository = repository_for(engine, operator_retry_delay=timedelta(milliseconds=300))
    file_id = uuid.uuid4()
    try:
        async with worker(temporal_env, repository) as task_queue:
            handle = await temporal_env.client.start_workflow(
                "PatientStatusWorkflow",
                args=[str(file_id), "PROCESSING", 10],
                id=f"unmigrated-{file_id}",
                task_queue=task_queue,
            )
            failed: list[Any] = []

            async def failed_once() -> bool:
                failed[:] = [await last_failure(handle)]
                return failed[0] is not None

            await eventually(failed_once, "the first failure")
            info = failed[0].last_failure.application_failure_info
            assert info.type == ErrorType.SCHEMA_NOT_MIGRATED
            assert not info.non_retryable
            assert info.next_retry_delay.ToTimedelta() == timedelta(milliseconds=300)
            message = failed[0].last_failure.message
            assert "workflow_file_status.migrate upgrade" in message and "SQLSTATE" in message
            assert database.name not in message and "postgresql" not in message
            assert not failed[0].last_failure.HasField("cause")  # no driver exception attached

            # The operator migrates; the file appears; the waiting workflow completes.
            await asyncio.to_thread(upgrade, database.dsn)
            await repository.register_file(FileCreate(id=file_id, name="late", uri="/late"))
            result = await asyncio.wait_for(handle.result(), 20)
        assert result["changed"] is True and result["version"] == 2
        # History keeps the started event of the attempt that completed: not the first.
        assert (await activity_attempts(handle))[-1] >= 2
    finally:
        await engine.dispose()
        await drop_database(database)


class CancelLostOnTheWay:
    """Lets a cancelled attempt's statement run on, as when the cancel never reaches it.

    The SDK cancels an attempt at its start-to-close timeout, and asyncpg then asks the
    server to cancel the statement: best effort, on another connection, lost with the
    network or the worker. The statement then stays queued on the row lock and commits
    later, while the next attempt runs.
    """

    def __init__(self, inner: SqlFileStatusAdapter) -> None:
        self.inner = inner
        self.statements: list[asyncio.Task[StatusChange]] = []

    async def change_status(
        self,
        file_id: uuid.UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        statement = asyncio.ensure_future(
            self.inner.change_status(file_id, target, context, transitions)
        )
        self.statements.append(statement)
        return await asyncio.shield(statement)


async def _lock_waiters(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


async def test_twin_attempts_return_their_own_committed_change(
    temporal_env: WorkflowEnvironment,
    postgres_database: PostgresDatabase,
    pg_engine: AsyncEngine,  # the schema, migrated
) -> None:
    """Attempt 1 blocks past its timeout; attempt 2 starts; others move the file between."""
    # Statements wait on the row lock for as long as the scenario takes: on a loaded machine
    # that can pass the default 10 s statement timeout, and a statement retried after it
    # queues again behind the others, changing their order.
    engine = create_engine(postgres_database.sqlalchemy_url, statement_timeout_ms=120_000)
    pg_repository = repository_for(engine)
    file = await pg_repository.register_file(FileCreate(name="twin.csv", uri="/twin.csv"))
    blocker = await asyncpg.connect(postgres_database.dsn)
    # pg_stat_activity is a snapshot per transaction: watch from outside the blocker's.
    monitor = await asyncpg.connect(postgres_database.dsn)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM files WHERE id = $1 FOR UPDATE", file.id)
    others: list[asyncio.Task[StatusChange]] = []
    released = False
    lossy = CancelLostOnTheWay(pg_repository)
    try:
        async with worker(temporal_env, lossy) as task_queue:
            handle = await temporal_env.client.start_workflow(
                "PatientStatusWorkflow",
                args=[str(file.id), "FAILED", 2],
                id=f"twin-{file.id}",
                task_queue=task_queue,
            )
            await eventually(lambda: _waiting(monitor, 1), "attempt 1 on the row lock")
            # Two other executions queue behind attempt 1, before attempt 2: once attempt 1
            # commits PENDING -> FAILED, they move the file FAILED -> PROCESSING -> COMPLETED,
            # from where FAILED is illegal. A lookup that missed attempt 1's row would fail.
            for n, target in enumerate((S.PROCESSING, S.COMPLETED), start=2):
                context = TemporalContext(f"other-{target}-{file.id}", "run", "1", 1)
                others.append(
                    asyncio.create_task(
                        pg_repository.change_status(file.id, target, context, DEFAULT_TRANSITIONS)
                    )
                )
                await eventually(lambda n=n: _waiting(monitor, n), f"{n} waiters")  # type: ignore[misc]
            # Attempt 1 timed out (2 s) while waiting: attempt 2 starts and queues too.
            await eventually(lambda: _waiting(monitor, 4), "attempt 2 on the row lock")
            await tx.rollback()
            released = True
            result = await asyncio.wait_for(handle.result(), 20)
        moved = await asyncio.gather(*others)
        # Every attempt's statement, the one orphaned by its timeout included, returned the
        # execution's one change.
        own = await asyncio.gather(*lossy.statements)
    finally:
        if not released:
            await tx.rollback()
        await blocker.close()
        await monitor.close()
    assert result == {
        "file_id": str(file.id),
        "previous": "PENDING",
        "current": "FAILED",
        "changed": True,
        "version": 2,
    }
    assert [(c.current, c.version) for c in moved] == [(S.PROCESSING, 3), (S.COMPLETED, 4)]
    assert len(own) >= 2
    assert set(own) == {StatusChange(file.id, S.PENDING, S.FAILED, True, 2)}
    assert (await activity_attempts(handle))[-1] >= 2  # the answer came from a later attempt
    history = await pg_repository.get_history(file.id)
    mine = [h for h in history if h.workflow_id == handle.id]
    assert [(h.to_status, h.version, h.attempt) for h in mine] == [(S.FAILED, 2, 1)]
    assert [h.version for h in history] == [2, 3, 4]
    await engine.dispose()


async def _waiting(conn: asyncpg.Connection, n: int) -> bool:
    return await _lock_waiters(conn) >= n


@pytest.mark.parametrize(
    ("workflow_id", "activity_id"),
    [("nul\x00wf-{}", "1"), ("nul-act-{}", "act\x00ivity"), ("\x00{}\x00", "\x00")],
    ids=["workflow-id", "activity-id", "both"],
)
async def test_temporal_ids_with_a_nul_update_the_status_on_postgres(
    temporal_env: WorkflowEnvironment,
    pg_repository: SqlFileStatusAdapter,
    workflow_id: str,
    activity_id: str,
) -> None:
    """The dev server accepts a NUL in ids; PostgreSQL text cannot hold one."""
    file = await pg_repository.register_file(FileCreate(name="nul.csv", uri="/nul.csv"))
    workflow_id = workflow_id.format(uuid.uuid4().hex[:8])
    async with worker(temporal_env, pg_repository) as task_queue:
        handle = await temporal_env.client.start_workflow(
            StatusWithActivityIdWorkflow.run,
            args=[str(file.id), "PROCESSING", activity_id],
            id=workflow_id,
            task_queue=task_queue,
        )
        result = await asyncio.wait_for(handle.result(), 20)
    assert result["changed"] is True and result["version"] == 2
    assert await activity_attempts(handle) == [1]
    [row] = await pg_repository.get_history(file.id)
    assert row.workflow_id == workflow_id.replace("\x00", "\\u0000")
    assert row.activity_id == activity_id.replace("\x00", "\\u0000")
    context = TemporalContext(
        workflow_id, handle.result_run_id, activity_id, 1, namespace="default"
    )
    assert str(row.execution_id) == execution_id(context)  # keyed by the real ids


async def test_an_unknown_stored_status_waits_for_the_operator_to_correct_the_row(
    temporal_env: WorkflowEnvironment,
    postgres_database: PostgresDatabase,
    pg_engine: AsyncEngine,
) -> None:
    repository = repository_for(pg_engine, operator_retry_delay=timedelta(milliseconds=300))
    file = await repository.register_file(FileCreate(name="archived.csv", uri="/a.csv"))
    admin = await asyncpg.connect(postgres_database.dsn)
    try:
        async with admin.transaction():  # as a newer migration adding a status would
            await admin.execute("ALTER TABLE files DROP CONSTRAINT ck_files_status")
            await admin.execute("UPDATE files SET status = 'ARCHIVED' WHERE id = $1", file.id)
        async with worker(temporal_env, repository) as task_queue:
            handle = await temporal_env.client.start_workflow(
                "PatientStatusWorkflow",
                args=[str(file.id), "PROCESSING", 10],
                id=f"archived-{file.id}",
                task_queue=task_queue,
            )
            failed: list[Any] = []

            async def failed_once() -> bool:
                failed[:] = [await last_failure(handle)]
                return failed[0] is not None

            await eventually(failed_once, "the first failure")
            info = failed[0].last_failure.application_failure_info
            assert info.type == ErrorType.UNKNOWN_STORED_STATUS
            assert not info.non_retryable
            assert info.next_retry_delay.ToTimedelta() == timedelta(milliseconds=300)
            message = failed[0].last_failure.message
            assert str(file.id) in message and "'ARCHIVED'" in message
            assert "upgrade the worker" in message and "correct the row" in message
            assert await repository.get_history(file.id) == []

            # The operator corrects the row; the waiting workflow completes.
            await admin.execute("UPDATE files SET status = 'PENDING' WHERE id = $1", file.id)
            result = await asyncio.wait_for(handle.result(), 20)
        assert result["changed"] is True and result["version"] == 2
    finally:
        await admin.execute("DELETE FROM files WHERE id = $1", file.id)
        await admin.execute(
            "ALTER TABLE files ADD CONSTRAINT ck_files_status"
            " CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'))"
        )
        await admin.close()
