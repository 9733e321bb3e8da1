"""PostgreSQL under concurrency and failure: nothing lost, errors retryable, pool recovers."""

from __future__ import annotations

import asyncio
import random
import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, TemporalContext
from workflow_contracts.errors import DatabaseUnavailableError, InvalidStatusTransitionError
from workflow_devstack import PostgresDatabase, TcpProxy, free_port
from workflow_file_status import FileCreate, create_engine, repository_for
from workflow_file_status._resource import SqlFileStatusAdapter

S = FileStatus


def ctx(i: int) -> TemporalContext:
    return TemporalContext(f"wf-{i}", "run", "1", 1)


async def test_32_concurrent_conflicting_updates_lose_nothing(
    pg_repository: SqlFileStatusAdapter,
) -> None:
    file = await pg_repository.register_file(FileCreate(name="hot.csv", uri="/hot.csv"))
    rng = random.Random(7)
    targets = [rng.choice(list(S)) for _ in range(32)]

    async def update(i: int) -> bool:
        try:
            change = await pg_repository.change_status(
                file.id, targets[i], ctx(i), DEFAULT_TRANSITIONS
            )
        except InvalidStatusTransitionError:
            return False
        return change.changed

    changed = await asyncio.gather(*(update(i) for i in range(32)))
    final = await pg_repository.get_file(file.id)
    history = await pg_repository.get_history(file.id)
    assert final is not None
    assert len(history) == sum(changed) == final.version - 1
    assert [h.version for h in history] == list(range(2, final.version + 1))
    previous = S.PENDING
    for row in history:
        assert row.from_status is previous
        assert row.to_status in DEFAULT_TRANSITIONS[row.from_status]
        previous = row.to_status
    assert final.status is previous


async def _backend_pids(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'workflow-file-status'"
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


async def _terminate(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'workflow-file-status'"
            )
        )
    finally:
        await conn.close()


async def test_pool_recovers_after_backends_are_terminated(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    repo = repository_for(pg_engine)
    file = await repo.register_file(FileCreate(name="t.csv", uri="/t.csv"))
    await asyncio.gather(*(repo.get_file(file.id) for _ in range(4)))  # fill the pool
    assert await _backend_pids(postgres_database.dsn)
    assert await _terminate(postgres_database.dsn) >= 1
    change = await repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
    assert change.changed and change.version == 2
    assert await _terminate(postgres_database.dsn) >= 1
    change = await repo.change_status(file.id, S.COMPLETED, ctx(2), DEFAULT_TRANSITIONS)
    assert change.changed and change.version == 3
    # Reads reconnect the same way: the apps' own activities read files through get_file.
    await asyncio.gather(*(repo.get_file(file.id) for _ in range(4)))
    assert await _terminate(postgres_database.dsn) >= 1
    read = await repo.get_file(file.id)
    assert read is not None and read.version == 3
    assert await _terminate(postgres_database.dsn) >= 1
    assert len(await repo.get_history(file.id)) == 2


async def test_connection_dropped_during_the_update_is_retryable(
    postgres_database: PostgresDatabase,
) -> None:
    # The repository reconnects once; the row is still locked, so that try times out.
    engine = create_engine(postgres_database.sqlalchemy_url, statement_timeout_ms=1000)
    repo = repository_for(engine)
    file = await repo.register_file(FileCreate(name="t.csv", uri="/t.csv"))
    blocker = await asyncpg.connect(postgres_database.dsn)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM files WHERE id = $1 FOR UPDATE", file.id)
    try:
        update = asyncio.create_task(
            repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
        )
        for _ in range(50):  # until the update waits on the row lock
            await asyncio.sleep(0.05)
            waiting = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND application_name = 'workflow-file-status'"
            )
            if waiting:
                break
        await blocker.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'workflow-file-status' AND wait_event_type = 'Lock'"
        )
        with pytest.raises(DatabaseUnavailableError) as info:
            await update
        assert not info.value.non_retryable
    finally:
        await tx.rollback()
        await blocker.close()
    file_now = await repo.get_file(file.id)
    assert file_now is not None and file_now.version == 1
    change = await repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
    assert change.changed and change.version == 2
    assert len(await repo.get_history(file.id)) == 1
    await engine.dispose()


async def test_statement_timeout_is_retryable(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    engine = create_engine(postgres_database.sqlalchemy_url, statement_timeout_ms=200)
    repo = repository_for(engine)
    file = await repository_for(pg_engine).register_file(FileCreate(name="t", uri="/t"))
    blocker = await asyncpg.connect(postgres_database.dsn)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM files WHERE id = $1 FOR UPDATE", file.id)
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            await repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
        assert not info.value.non_retryable
    finally:
        await tx.rollback()
        await blocker.close()
    change = await repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
    assert change.version == 2
    await engine.dispose()


async def test_short_outage_then_recovery(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    target = urlsplit(postgres_database.dsn)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    url = postgres_database.sqlalchemy_url.replace(
        f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}"
    )
    engine = create_engine(url, pool_size=2, pool_timeout=2)
    repo = repository_for(engine)
    file = await repository_for(pg_engine).register_file(FileCreate(name="t", uri="/t"))
    try:
        assert (
            await repo.change_status(file.id, S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS)
        ).changed
        await proxy.stop()
        for i in range(3):  # the worker keeps running; every call fails retryably
            with pytest.raises(DatabaseUnavailableError) as info:
                await repo.change_status(file.id, S.COMPLETED, ctx(2), DEFAULT_TRANSITIONS)
            assert not info.value.non_retryable, i
        await proxy.start()
        change = await repo.change_status(file.id, S.COMPLETED, ctx(2), DEFAULT_TRANSITIONS)
        assert change.changed and change.version == 3
    finally:
        await proxy.stop()
        await engine.dispose()


async def test_database_down_is_retryable() -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            await repository_for(engine).change_status(
                uuid.uuid4(), S.PROCESSING, ctx(1), DEFAULT_TRANSITIONS
            )
        assert not info.value.non_retryable
    finally:
        await engine.dispose()
