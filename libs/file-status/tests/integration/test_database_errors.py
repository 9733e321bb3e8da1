"""Real databases in real trouble: every repository method answers with a typed, small error.

PostgreSQL: not migrated (no tables; tables without the 0002 function and columns), read-only,
not accepting connections, logins and privileges refused, a lock timeout. SQLite: not
migrated, read-only, locked, impossible to open.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange, TemporalContext
from workflow_contracts.errors import (
    DatabaseAccessDeniedError,
    DatabaseConflictError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    SchemaNotMigratedError,
    SharedActivityError,
)
from workflow_devstack import PostgresDatabase, create_database, drop_database
from workflow_devstack.postgres import admin_url
from workflow_file_status import FileCreate, create_engine, repository_for
from workflow_file_status._resource import SqlFileStatusAdapter
from workflow_file_status.migrate import upgrade

S = FileStatus
DELAY = timedelta(seconds=5)
CTX = TemporalContext("wf-errors", "run", "1", 1, namespace="default")


def calls(repo: SqlFileStatusAdapter) -> dict[str, Callable[[], Awaitable[Any]]]:
    """Each repository method, as a worker's activities call it."""
    file_id = uuid.uuid4()
    return {
        "change_status": lambda: repo.change_status(
            file_id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS
        ),
        "register_file": lambda: repo.register_file(FileCreate(name="e", uri="/e")),
        "get_file": lambda: repo.get_file(file_id),
        "get_history": lambda: repo.get_history(file_id),
    }


async def fails(
    call: Callable[[], Awaitable[Any]],
    error: type[SharedActivityError],
    *,
    code: str,
    secrets: tuple[str, ...] = (),
) -> SharedActivityError:
    with pytest.raises(SharedActivityError) as info:
        await call()
    err = info.value
    assert type(err) is error, err.message
    assert not err.non_retryable
    assert code in err.message, err.message
    # Small and clean: no driver exception attached, no SQL, no URL, no secrets.
    assert err.__cause__ is None and err.__context__ is None
    assert len(err.message) <= 500
    for leak in ("FROM files", "INTO files", "$1", "?,", "://", *secrets):  # SQL text, URLs
        assert leak not in err.message and leak not in repr(err.details), leak
    assert set(err.details[0]) >= {"sqlstate", "error", "operation"}
    return err


@pytest_asyncio.fixture
async def scratch(postgres_database: PostgresDatabase) -> AsyncIterator[PostgresDatabase]:
    database = await create_database(prefix="wsa_errors")
    try:
        yield database
    finally:
        await drop_database(database)


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(admin_url())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_postgres_not_migrated_then_half_migrated(scratch: PostgresDatabase) -> None:
    engine = create_engine(scratch.sqlalchemy_url, pool_size=2)
    repo = repository_for(engine, operator_retry_delay=DELAY)
    try:
        for operation, call in calls(repo).items():
            err = await fails(call, SchemaNotMigratedError, code="SQLSTATE 42")
            assert err.next_retry_delay == DELAY
            assert "python -m workflow_file_status.migrate upgrade" in err.message
            assert err.details[0]["operation"] == operation
        # A worker newer than the schema: tables of 0001, no function, no new columns.
        await asyncio.to_thread(upgrade, scratch.dsn, "0001")
        file = await repo.register_file(FileCreate(name="old", uri="/old"))
        await fails(
            lambda: repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS),
            SchemaNotMigratedError,
            code="SQLSTATE 42883",
        )
        await fails(lambda: repo.get_history(file.id), SchemaNotMigratedError, code="42703")
        await asyncio.to_thread(upgrade, scratch.dsn)
        change = await repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS)
        assert change.changed and change.version == 2
    finally:
        await engine.dispose()


async def test_postgres_read_only_database(scratch: PostgresDatabase) -> None:
    await asyncio.to_thread(upgrade, scratch.dsn)
    writable = create_engine(scratch.sqlalchemy_url, pool_size=1)
    file = await repository_for(writable).register_file(FileCreate(name="r", uri="/r"))
    await writable.dispose()
    await admin(f'ALTER DATABASE "{scratch.name}" SET default_transaction_read_only = on')
    engine = create_engine(scratch.sqlalchemy_url, pool_size=1)
    repo = repository_for(engine, operator_retry_delay=DELAY)
    try:
        err = await fails(
            lambda: repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS),
            DatabaseReadOnlyError,
            code="SQLSTATE 25006",
        )
        assert err.next_retry_delay == DELAY and "primary" in err.message
        await fails(calls(repo)["register_file"], DatabaseReadOnlyError, code="25006")
        read = await repo.get_file(file.id)  # reading still works
        assert read is not None and read.version == 1
    finally:
        await engine.dispose()


async def test_postgres_database_not_accepting_connections(scratch: PostgresDatabase) -> None:
    await admin(f'ALTER DATABASE "{scratch.name}" ALLOW_CONNECTIONS false')
    engine = create_engine(scratch.sqlalchemy_url, pool_size=1)
    repo = repository_for(engine)
    try:
        for call in calls(repo).values():
            err = await fails(call, DatabaseUnavailableError, code="SQLSTATE 55000")
            assert err.next_retry_delay is None
    finally:
        await engine.dispose()
        await admin(f'ALTER DATABASE "{scratch.name}" ALLOW_CONNECTIONS true')


async def test_postgres_refused_logins_are_access_denied(
    postgres_database: PostgresDatabase,
) -> None:
    host = postgres_database.sqlalchemy_url.split("@", 1)[1].rsplit("/", 1)[0]
    for url, code in (
        (f"postgresql+asyncpg://postgres:s3cret-pw@{host}/wsa_no_such_db", "3D000"),
        (f"postgresql+asyncpg://wsa_no_such_role:s3cret-pw@{host}/test", "28000"),
    ):
        engine = create_engine(url, pool_size=1)
        try:
            repo = repository_for(engine, operator_retry_delay=DELAY)
            err = await fails(
                calls(repo)["get_file"],
                DatabaseAccessDeniedError,
                code=f"SQLSTATE {code}",
                secrets=("s3cret-pw", host),
            )
            assert err.next_retry_delay == DELAY
        finally:
            await engine.dispose()


async def test_postgres_missing_privilege_is_access_denied(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    role = f"wsa_noaccess_{uuid.uuid4().hex[:8]}"
    await admin(f"CREATE ROLE {role} LOGIN")
    url = postgres_database.sqlalchemy_url.replace("postgres@", f"{role}@", 1)
    engine = create_engine(url, pool_size=1)
    try:
        repo = repository_for(engine)
        for call in calls(repo).values():
            await fails(call, DatabaseAccessDeniedError, code="SQLSTATE 42501")
    finally:
        await engine.dispose()
        await admin(f"DROP ROLE {role}")


async def test_postgres_lock_timeout_is_a_retryable_conflict(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    file = await repository_for(pg_engine).register_file(FileCreate(name="l", uri="/l"))
    engine = create_engine(
        postgres_database.sqlalchemy_url,
        pool_size=1,
        connect_args={"server_settings": {"lock_timeout": "100"}},
    )
    repo = repository_for(engine)
    blocker = await asyncpg.connect(postgres_database.dsn)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM files WHERE id = $1 FOR UPDATE", file.id)

    async def change() -> StatusChange:
        return await repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS)

    try:
        err = await fails(change, DatabaseConflictError, code="SQLSTATE 55P03")
        assert err.next_retry_delay is None
        await tx.rollback()
        assert (await change()).version == 2  # the same connection, still usable
    finally:
        await blocker.close()
        await engine.dispose()


@pytest_asyncio.fixture
async def sqlite_file(tmp_path: Path) -> AsyncIterator[tuple[Path, SqlFileStatusAdapter]]:
    path = tmp_path / "files.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        yield path, repository_for(engine, operator_retry_delay=DELAY)
    finally:
        await engine.dispose()


async def test_sqlite_not_migrated_then_half_migrated(
    sqlite_file: tuple[Path, SqlFileStatusAdapter],
) -> None:
    path, repo = sqlite_file
    for call in calls(repo).values():
        err = await fails(call, SchemaNotMigratedError, code="OperationalError")
        assert err.next_retry_delay == DELAY and "no such table" in err.message
    await asyncio.to_thread(upgrade, f"sqlite:///{path}", "0001")
    file = await repo.register_file(FileCreate(name="old", uri="/old"))
    await fails(
        lambda: repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS),
        SchemaNotMigratedError,
        code="no such column",
    )
    await asyncio.to_thread(upgrade, f"sqlite:///{path}")
    assert (await repo.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS)).changed


async def test_sqlite_read_only_and_locked(
    sqlite_file: tuple[Path, SqlFileStatusAdapter],
) -> None:
    path, repo = sqlite_file
    await asyncio.to_thread(upgrade, f"sqlite:///{path}")
    file = await repo.register_file(FileCreate(name="ro", uri="/ro"))

    async def change(r: SqlFileStatusAdapter) -> StatusChange:
        return await r.change_status(file.id, S.PROCESSING, CTX, DEFAULT_TRANSITIONS)

    read_only = create_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        ro_repo = repository_for(read_only, operator_retry_delay=DELAY)
        err = await fails(lambda: change(ro_repo), DatabaseReadOnlyError, code="SQLITE_READONLY")
        assert err.next_retry_delay == DELAY and str(path) not in err.message
        assert (await ro_repo.get_file(file.id)) is not None
    finally:
        await read_only.dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    impatient = create_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        locked_repo = repository_for(impatient)
        await fails(lambda: change(locked_repo), DatabaseConflictError, code="SQLITE_BUSY")
        holder.execute("ROLLBACK")
        assert (await change(locked_repo)).version == 2
    finally:
        holder.close()
        await impatient.dispose()


async def test_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'files.db'}")
    try:
        repo = repository_for(engine)
        for call in calls(repo).values():
            await fails(
                call, DatabaseUnavailableError, code="SQLITE_CANTOPEN", secrets=(str(tmp_path),)
            )
    finally:
        await engine.dispose()
