"""PostgreSQL behind PgBouncer in transaction mode, as platforms run it.

With ``?pooler=transaction`` the repository works through a pool of server connections
smaller than its own work: every call succeeds at once, nothing is logged, the end state is
exact, and the statement timeout still cancels a statement on the server. Without it, each way
a pooler refuses a direct-connection configuration becomes an operator error naming the fix.
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, TemporalContext
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    DatabaseAccessDeniedError,
    DatabaseUnavailableError,
)
from workflow_devstack import PgBouncer, PostgresDatabase, create_database, drop_database
from workflow_devstack.pytest_plugin import StartPgBouncer
from workflow_file_status import FileCreate, create_engine, repository_for
from workflow_file_status._migrate import downgrade
from workflow_file_status._postgres import is_disconnect
from workflow_file_status.migrate import upgrade

S = FileStatus
FILES = 60


@pytest.fixture
def database(postgres_database: PostgresDatabase, pg_engine: AsyncEngine) -> PostgresDatabase:
    """The session's database, migrated (by the ``pg_engine`` fixture)."""
    return postgres_database


def ctx(name: str) -> TemporalContext:
    return TemporalContext(f"wf-{name}", "run", "1", 1, namespace="default")


def pooled_url(bouncer: PgBouncer, database: PostgresDatabase) -> str:
    return bouncer.through(database.sqlalchemy_url) + "?pooler=transaction"


async def test_two_pools_through_a_smaller_pooler_succeed_at_once(
    pgbouncer: PgBouncer,
    database: PostgresDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Two engines (two workers) of 10 connections each, on 3 server connections.
    url = pooled_url(pgbouncer, database)
    engines = [create_engine(url, pool_size=10, max_overflow=0) for _ in range(2)]
    repos = [repository_for(engine) for engine in engines]
    caplog.set_level(logging.INFO, logger="workflow_file_status")
    try:
        files = await asyncio.gather(
            *(
                repos[n % 2].register_file(FileCreate(name=f"p-{n}.csv", uri=f"/p/{n}"))
                for n in range(FILES)
            )
        )

        async def stage(n: int, file_id: UUID) -> None:
            repo = repos[n % 2]
            for step, target in enumerate((S.PROCESSING, S.COMPLETED)):
                change = await repo.change_status(
                    file_id, target, ctx(f"{n}-{step}"), DEFAULT_TRANSITIONS
                )
                assert change.changed and change.version == step + 2
            # The same execution again (a retry): its committed change, not a second one.
            again = await repo.change_status(
                file_id, S.COMPLETED, ctx(f"{n}-1"), DEFAULT_TRANSITIONS
            )
            assert again.changed and again.version == 3
            await repos[(n + 1) % 2].get_file(file_id)

        await asyncio.gather(*(stage(n, f.id) for n, f in enumerate(files)))
        for n, file in enumerate(files):
            final = await repos[n % 2].get_file(file.id)
            assert final is not None and (final.status, final.version) == (S.COMPLETED, 3)
            history = await repos[n % 2].get_history(file.id)
            assert [(h.from_status, h.to_status, h.version) for h in history] == [
                (S.PENDING, S.PROCESSING, 2),
                (S.PROCESSING, S.COMPLETED, 3),
            ]
    finally:
        for engine in engines:
            await engine.dispose()
    # Nothing retried, reconnected or failed on the way.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []


async def test_the_statement_timeout_cancels_on_the_server_behind_the_pooler(
    pgbouncer: PgBouncer, database: PostgresDatabase
) -> None:
    url = pooled_url(pgbouncer, database)
    engine = create_engine(url, pool_size=2, statement_timeout_ms=300)
    repo = repository_for(engine)
    file = await repo.register_file(FileCreate(name="t.csv", uri="/t.csv"))
    blocker = await asyncpg.connect(database.dsn)  # straight to the server
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM files WHERE id = $1 FOR UPDATE", file.id)
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            await asyncio.wait_for(
                repo.change_status(file.id, S.PROCESSING, ctx("t"), DEFAULT_TRANSITIONS), 5
            )
        assert not info.value.non_retryable
        # The cancel reached the server the statement ran on: nothing waits on the lock.
        for _ in range(40):
            waiting = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = $1",
                database.name,
            )
            if waiting == 0:
                break
            await asyncio.sleep(0.05)
        assert waiting == 0
    finally:
        await tx.rollback()
        await blocker.close()
    change = await repo.change_status(file.id, S.PROCESSING, ctx("t"), DEFAULT_TRANSITIONS)
    assert change.changed and change.version == 2
    assert len(await repo.get_history(file.id)) == 1
    await engine.dispose()


async def test_a_pooler_with_its_defaults_gives_an_operator_error_naming_the_fix(
    pgbouncer: PgBouncer,
    database: PostgresDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = create_engine(pgbouncer.through(database.sqlalchemy_url), pool_size=2)
    repo = repository_for(engine)
    caplog.set_level(logging.WARNING, logger="workflow_file_status")
    try:
        for operation in (
            repo.change_status(UUID(int=1), S.PROCESSING, ctx("d"), DEFAULT_TRANSITIONS),
            repo.register_file(FileCreate(name="d.csv", uri="/d.csv")),
            repo.get_file(UUID(int=1)),
        ):
            with pytest.raises(DatabaseAccessDeniedError) as info:
                await operation
            error = info.value
            assert not error.non_retryable
            assert error.next_retry_delay == OPERATOR_RETRY_DELAY
            assert "unsupported startup parameter: statement_timeout" in error.message
            assert "pooler=transaction" in error.message
            assert error.details[0]["sqlstate"] == "08P01"
    finally:
        await engine.dispose()
    # A refusal, not a lost connection: the pool is not thrown away and retried each time.
    assert not any("reconnecting" in r.getMessage() for r in caplog.records)


async def test_a_statement_prepared_on_another_server_connection_names_the_fix(
    start_pgbouncer: StartPgBouncer, database: PostgresDatabase
) -> None:
    # The usual half-fix: the pooler ignores statement_timeout, the worker still caches
    # named statements per connection.
    bouncer = start_pgbouncer(pool_size=2, ignore_startup_parameters=("statement_timeout",))
    engine = create_engine(bouncer.through(database.sqlalchemy_url), pool_size=1)
    repo = repository_for(engine)
    try:
        file = await repo.register_file(FileCreate(name="n.csv", uri="/n.csv"))
        await repo.change_status(file.id, S.PROCESSING, ctx("n1"), DEFAULT_TRANSITIONS)
        # The pooler replaces its server connections: the statement the worker's connection
        # prepared (and cached) is on none of them.
        await bouncer.reconnect()
        with pytest.raises(DatabaseAccessDeniedError) as info:
            await repo.change_status(file.id, S.COMPLETED, ctx("n2"), DEFAULT_TRANSITIONS)
        assert "does not exist" in info.value.message
        assert "pooler=transaction" in info.value.message
        assert info.value.details[0]["sqlstate"] == "26000"
        assert not info.value.non_retryable
    finally:
        await engine.dispose()
    # Nothing was applied by the refused call.
    direct = create_engine(database.sqlalchemy_url, pool_size=1)
    try:
        read = await repository_for(direct).get_file(file.id)
        assert read is not None and (read.status, read.version) == (S.PROCESSING, 2)
    finally:
        await direct.dispose()


async def test_the_same_repository_with_pooler_set_survives_what_broke_it(
    start_pgbouncer: StartPgBouncer, database: PostgresDatabase
) -> None:
    bouncer = start_pgbouncer(pool_size=2)
    engine = create_engine(
        bouncer.through(database.sqlalchemy_url) + "?pooler=transaction", pool_size=1
    )
    repo = repository_for(engine)
    try:
        file = await repo.register_file(FileCreate(name="s.csv", uri="/s.csv"))
        await repo.change_status(file.id, S.PROCESSING, ctx("s1"), DEFAULT_TRANSITIONS)
        await bouncer.reconnect()
        change = await repo.change_status(file.id, S.COMPLETED, ctx("s2"), DEFAULT_TRANSITIONS)
        assert change.changed and change.version == 3
        assert len(await repo.get_history(file.id)) == 2
    finally:
        await engine.dispose()


def test_a_pooler_refusal_is_not_a_lost_connection() -> None:
    refused = asyncpg.ProtocolViolationError("unsupported startup parameter: statement_timeout")
    assert not is_disconnect(refused)
    assert is_disconnect(asyncpg.ConnectionDoesNotExistError("connection was closed"))


def test_an_unknown_pooler_is_refused_without_quoting_the_url() -> None:
    with pytest.raises(ValueError) as info:
        create_engine("postgresql://u:secret@h/db?pooler=sometimes")
    assert "sometimes" in str(info.value)
    assert "secret" not in str(info.value)


async def test_a_session_mode_pooler_works_with_the_same_setting(
    start_pgbouncer: StartPgBouncer, database: PostgresDatabase
) -> None:
    bouncer = start_pgbouncer(pool_mode="session", pool_size=2)
    engine = create_engine(pooled_url(bouncer, database), pool_size=2)
    repo = repository_for(engine)
    try:
        file = await repo.register_file(FileCreate(name="se.csv", uri="/se.csv"))
        change = await repo.change_status(file.id, S.PROCESSING, ctx("se"), DEFAULT_TRANSITIONS)
        assert change.changed and change.version == 2
    finally:
        await engine.dispose()


async def test_a_statement_mode_pooler_is_an_operator_error_naming_the_pool_mode(
    start_pgbouncer: StartPgBouncer,
    database: PostgresDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bouncer = start_pgbouncer(pool_mode="statement", pool_size=2)
    engine = create_engine(pooled_url(bouncer, database), pool_size=1)
    repo = repository_for(engine)
    caplog.set_level(logging.INFO, logger="workflow_file_status")
    try:
        for operation in (
            repo.register_file(FileCreate(name="st", uri="/st")),
            repo.get_file(UUID(int=2)),
        ):
            with pytest.raises(DatabaseAccessDeniedError) as info:
                await operation
            assert "pool_mode = transaction" in info.value.message
            assert not info.value.non_retryable
    finally:
        await engine.dispose()
    # A refusal, not a lost connection: nothing reconnected or retried.
    assert not any("connection" in r.getMessage() for r in caplog.records)


async def test_a_timeout_while_queued_in_the_pooler_costs_one_connection_not_the_pool(
    start_pgbouncer: StartPgBouncer,
    database: PostgresDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # One server connection, held by another client: the worker's statement waits in the
    # pooler's queue, and its timeout ends it there (the pooler then closes that client).
    bouncer = start_pgbouncer(pool_size=1)
    engine = create_engine(pooled_url(bouncer, database), pool_size=1, statement_timeout_ms=200)
    repo = repository_for(engine)
    file = await repo.register_file(FileCreate(name="q.csv", uri="/q.csv"))
    holder = await asyncpg.connect(bouncer.url(database.name), statement_cache_size=0)
    caplog.set_level(logging.INFO, logger="workflow_file_status")
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT 1")
        with pytest.raises(DatabaseUnavailableError):  # the status change's own path
            await repo.change_status(file.id, S.FAILED, ctx("q-timeout"), DEFAULT_TRANSITIONS)
        with pytest.raises(DatabaseUnavailableError):  # and SQLAlchemy's
            await repo.get_file(file.id)
        await tx.rollback()
        await asyncio.sleep(0.5)  # the pooler has closed the timed-out client by now
        for n in range(6):
            change = await repo.change_status(
                file.id, (S.PROCESSING, S.COMPLETED)[n % 2], ctx(f"q{n}"), DEFAULT_TRANSITIONS
            )
            assert change.changed
            assert await repo.get_file(file.id) is not None
    finally:
        await holder.close()
        await engine.dispose()
    # The closed connection was replaced on its own: the pool was never thrown away.
    assert not any("reconnecting" in r.getMessage() for r in caplog.records)
    assert not any(
        r.levelno >= logging.WARNING and "lost" in r.getMessage() for r in caplog.records
    )


async def test_no_named_statement_is_left_on_the_pooler_s_server_connections(
    start_pgbouncer: StartPgBouncer, database: PostgresDatabase
) -> None:
    bouncer = start_pgbouncer(pool_size=1)  # one server connection: every call lands on it
    engine = create_engine(pooled_url(bouncer, database), pool_size=2)
    repo = repository_for(engine)
    try:
        file = await repo.register_file(FileCreate(name="u.csv", uri="/u.csv"))
        await repo.change_status(file.id, S.PROCESSING, ctx("u"), DEFAULT_TRANSITIONS)
        await repo.get_file(file.id)
        await repo.get_history(file.id)
    finally:
        await engine.dispose()
    probe = await asyncpg.connect(bouncer.url(database.name), statement_cache_size=0)
    try:
        names = await probe.fetch("SELECT name FROM pg_prepared_statements")
    finally:
        await probe.close()
    assert names == []


async def test_migrations_run_through_the_pooler_concurrently(
    start_pgbouncer: StartPgBouncer,
) -> None:
    scratch = await create_database(prefix="wsa_pooled_migrate")
    bouncer = start_pgbouncer(pool_size=2)
    url = pooled_url(bouncer, scratch)
    try:
        # Two workers starting together with migrate on: serialised by the advisory lock.
        await asyncio.gather(*(asyncio.to_thread(upgrade, url) for _ in range(2)))
        await asyncio.to_thread(downgrade, url, "base")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url, pool_size=1)
        try:
            repo = repository_for(engine)
            file = await repo.register_file(FileCreate(name="m.csv", uri="/m.csv"))
            change = await repo.change_status(file.id, S.PROCESSING, ctx("m"), DEFAULT_TRANSITIONS)
            assert change.version == 2
        finally:
            await engine.dispose()
    finally:
        await drop_database(scratch)
