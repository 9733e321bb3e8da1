"""Values one backend cannot store, rows this worker cannot read, URLs asyncpg refuses.

- Temporal ids with a NUL (the dev server accepts them; PostgreSQL text cannot hold one) are
  stored escaped on PostgreSQL, keyed by the real id; other values PostgreSQL cannot store
  (SQLSTATE class 22: a character the database's encoding lacks, a value too long) are a
  permanent `InvalidArgumentsError` naming the value, not a retried "unclassified" error.
- A stored status this worker does not know (a newer writer, a row set by hand) is an
  operator error, `UnknownStoredStatusError`, that names the file, the value and the fix.
- A libpq-only URL parameter: ``sslmode`` is translated; the others are an operator error.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_activity_kit import execution_id
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange, TemporalContext
from workflow_contracts.errors import (
    DatabaseAccessDeniedError,
    InvalidArgumentsError,
    UnknownStoredStatusError,
)
from workflow_devstack import PostgresDatabase, drop_database
from workflow_devstack.postgres import admin_url
from workflow_file_status import FileCreate, create_engine, repository_for
from workflow_file_status._resource import SqlFileStatusAdapter
from workflow_file_status.migrate import upgrade

S = FileStatus
DELAY = timedelta(seconds=3)


def ctx(workflow_id: str = "wf-1", activity_id: str = "1") -> TemporalContext:
    return TemporalContext(workflow_id, "run-1", activity_id, 1, "W", "default")


async def permanent_invalid(call: Callable[[], Awaitable[Any]], *words: str) -> None:
    with pytest.raises(InvalidArgumentsError) as info:
        await call()
    err = info.value
    assert err.non_retryable and err.next_retry_delay is None
    assert len(err.message) <= 500 and err.__cause__ is None and err.__context__ is None
    for word in words:
        assert word in err.message, err.message
    assert "SQLSTATE 22" in err.message and err.details[0]["sqlstate"].startswith("22")


# -- F2: NUL in the Temporal ids, class 22 -------------------------------------------------


@pytest.mark.parametrize(
    ("workflow_id", "activity_id"),
    [("wf\x00nul", "1"), ("wf-1", "act\x00ivity"), ("\x00", "\x00\x00")],
    ids=["workflow-id", "activity-id", "only-nul"],
)
async def test_ids_with_a_nul_are_stored_and_keyed_by_the_real_id(
    repository: SqlFileStatusAdapter, workflow_id: str, activity_id: str
) -> None:
    file = await repository.register_file(FileCreate(name="n.csv", uri="/n.csv"))
    context = ctx(workflow_id, activity_id)
    change = await repository.change_status(file.id, S.PROCESSING, context, DEFAULT_TRANSITIONS)
    assert change == StatusChange(file.id, S.PENDING, S.PROCESSING, True, 2)
    # A retry of the same execution finds its change: the key is the real id's.
    again = await repository.change_status(file.id, S.PROCESSING, context, DEFAULT_TRANSITIONS)
    assert again == change
    [row] = await repository.get_history(file.id)
    assert str(row.execution_id) == execution_id(context)
    postgres = repository.engine.dialect.name == "postgresql"
    # PostgreSQL text cannot hold NUL: stored as the six characters \u0000 (audit only).
    nul = "\\u0000" if postgres else "\x00"
    assert row.workflow_id == workflow_id.replace("\x00", nul)
    assert row.activity_id == activity_id.replace("\x00", nul)


async def test_a_nul_escaped_id_never_collides_with_its_escape(
    repository: SqlFileStatusAdapter,
) -> None:
    """Two executions whose stored ids look alike are still two changes."""
    file = await repository.register_file(FileCreate(name="c.csv", uri="/c.csv"))
    first = ctx("wf\x00x")
    second = ctx("wf\\u0000x")
    await repository.change_status(file.id, S.PROCESSING, first, DEFAULT_TRANSITIONS)
    await repository.change_status(file.id, S.FAILED, second, DEFAULT_TRANSITIONS)
    history = await repository.get_history(file.id)
    assert [h.to_status for h in history] == [S.PROCESSING, S.FAILED]
    assert [str(h.execution_id) for h in history] == [execution_id(first), execution_id(second)]


async def test_a_value_too_long_for_its_column_is_permanent_and_named(
    pg_repository: SqlFileStatusAdapter,
) -> None:
    file = await pg_repository.register_file(FileCreate(name="l.csv", uri="/l.csv"))
    long_id = "w" * 1100  # workflow_id is varchar(1024)
    await permanent_invalid(
        lambda: pg_repository.change_status(
            file.id, S.PROCESSING, ctx(long_id), DEFAULT_TRANSITIONS
        ),
        "workflow_id",
        "SQLSTATE 22001",
        "1100 characters",
    )
    assert await pg_repository.get_history(file.id) == []


async def test_a_file_name_with_a_nul_is_permanent_and_named(
    pg_repository: SqlFileStatusAdapter,
) -> None:
    await permanent_invalid(
        lambda: pg_repository.register_file(FileCreate(name="a\x00b.csv", uri="/a.csv")),
        "name",
        "'a\\x00b.csv'",
        "SQLSTATE 22021",
    )


@pytest_asyncio.fixture
async def latin1_engine(postgres_database: PostgresDatabase) -> AsyncIterator[AsyncEngine]:
    """A database in LATIN1 (legal, older installs): no emoji, no U+FFFD."""
    name = f"wsa_latin1_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_url())
    try:
        await conn.execute(
            f"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' TEMPLATE template0"
            " LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    finally:
        await conn.close()
    database = PostgresDatabase(name, postgres_database.dsn.rsplit("/", 1)[0] + f"/{name}")
    try:
        await asyncio.to_thread(upgrade, database.dsn)
        engine = create_engine(database.sqlalchemy_url, pool_size=2)
        yield engine
        await engine.dispose()
    finally:
        await drop_database(database)


async def test_latin1_database_an_emoji_id_is_permanent_and_named(
    latin1_engine: AsyncEngine,
) -> None:
    repo = repository_for(latin1_engine)
    file = await repo.register_file(FileCreate(name="l.csv", uri="/l.csv"))
    await permanent_invalid(
        lambda: repo.change_status(
            file.id, S.PROCESSING, ctx(activity_id="emoji-\U0001f600"), DEFAULT_TRANSITIONS
        ),
        "activity_id",
        "'emoji-\\U0001f600'",
        "SQLSTATE 22P05",
    )
    assert await repo.get_history(file.id) == []
    # A NUL is escaped in ASCII: stored even in LATIN1. So is an accented id.
    context = ctx(workflow_id="wf\x00é")
    change = await repo.change_status(file.id, S.PROCESSING, context, DEFAULT_TRANSITIONS)
    assert change.changed
    [row] = await repo.get_history(file.id)
    assert row.workflow_id == "wf\\u0000é"


# -- F5: a stored status this worker does not know -------------------------------------------


async def set_stored_status(repo: SqlFileStatusAdapter, file_id: uuid.UUID, value: str) -> None:
    """Writes ``value`` into the row, as a newer writer or an operator would."""
    engine = repo.engine
    if engine.dialect.name == "postgresql":
        raw = await engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            async with driver.transaction():
                # A newer migration adding a status would drop or widen the check.
                await driver.execute("ALTER TABLE files DROP CONSTRAINT IF EXISTS ck_files_status")
                await driver.execute("UPDATE files SET status = $1 WHERE id = $2", value, file_id)
        finally:
            raw.close()
        return
    path = engine.url.database
    assert path
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE files SET status = ? WHERE id = ?", (value, file_id.hex))


async def restore_check(repo: SqlFileStatusAdapter, file_id: uuid.UUID) -> None:
    """Removes the file and puts the check constraint back (the engines are shared)."""
    engine = repo.engine
    if engine.dialect.name != "postgresql":
        path = engine.url.database
        assert path
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("DELETE FROM files WHERE id = ?", (file_id.hex,))
        return
    raw = await engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("DELETE FROM files WHERE id = $1", file_id)
        await driver.execute(
            "ALTER TABLE files ADD CONSTRAINT ck_files_status"
            " CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'))"
        )
    finally:
        raw.close()


@pytest.mark.parametrize("stored", ["ARCHIVED", "processing"])
async def test_an_unknown_stored_status_waits_for_the_operator(
    repository: SqlFileStatusAdapter, stored: str
) -> None:
    repo = repository_for(repository.engine, operator_retry_delay=DELAY)
    file = await repo.register_file(FileCreate(name="u.csv", uri="/u.csv"))
    await set_stored_status(repo, file.id, stored)
    try:
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "change_status": lambda: repo.change_status(
                file.id, S.PROCESSING, ctx(), DEFAULT_TRANSITIONS
            ),
            "get_file": lambda: repo.get_file(file.id),
        }
        for operation, call in calls.items():
            with pytest.raises(UnknownStoredStatusError) as info:
                await call()
            err = info.value
            assert not err.non_retryable and err.next_retry_delay == DELAY, operation
            assert str(file.id) in err.message and repr(stored) in err.message
            assert "upgrade the worker" in err.message and "correct the row" in err.message
            assert err.details[0]["stored_status"] == stored
            assert err.details[0]["file_id"] == str(file.id)
            assert len(err.message) <= 500
        assert await repo.get_history(file.id) == []  # nothing was written
        # The operator corrects the row: the same call succeeds.
        await set_stored_status(repo, file.id, "PENDING")
        change = await repo.change_status(file.id, S.PROCESSING, ctx(), DEFAULT_TRANSITIONS)
        assert change == StatusChange(file.id, S.PENDING, S.PROCESSING, True, 2)
        # A history row written by a newer worker is unreadable the same way.
        await set_stored_status(repo, file.id, stored)
        await _write_history_from(repo, file.id, stored)
        with pytest.raises(UnknownStoredStatusError) as info:
            await repo.get_history(file.id)
        assert repr(stored) in info.value.message and "file_status_history" in info.value.message
    finally:
        await restore_check(repo, file.id)


async def _write_history_from(repo: SqlFileStatusAdapter, file_id: uuid.UUID, stored: str) -> None:
    engine = repo.engine
    if engine.dialect.name == "postgresql":
        raw = await engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute(
                "INSERT INTO file_status_history (file_id, version, from_status, to_status,"
                " changed_at) VALUES ($1, 3, 'PROCESSING', $2, now())",
                file_id,
                stored,
            )
        finally:
            raw.close()
        return
    path = engine.url.database
    assert path
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO file_status_history (file_id, version, from_status, to_status,"
            " changed_at) VALUES (?, 3, 'PROCESSING', ?, '2026-01-01 00:00:00')",
            (file_id.hex, stored),
        )


# -- F7: URL parameters asyncpg does not take --------------------------------------------------


async def test_libpq_sslmode_in_the_url_just_works(postgres_database: PostgresDatabase) -> None:
    engine = create_engine(postgres_database.sqlalchemy_url + "?sslmode=disable", pool_size=1)
    try:
        repo = repository_for(engine)
        assert await repo.get_file(uuid.uuid4()) is None
    finally:
        await engine.dispose()


async def test_sslmode_require_on_a_server_without_ssl_waits_for_the_operator(
    postgres_database: PostgresDatabase,
) -> None:
    conn = await asyncpg.connect(postgres_database.dsn)
    try:
        ssl_on = await conn.fetchval("SHOW ssl") == "on"
    finally:
        await conn.close()
    engine = create_engine(postgres_database.sqlalchemy_url + "?sslmode=require", pool_size=1)
    repo = repository_for(engine, operator_retry_delay=DELAY)
    try:
        if ssl_on:
            assert await repo.get_file(uuid.uuid4()) is None
            return
        with pytest.raises(DatabaseAccessDeniedError) as info:
            await repo.get_file(uuid.uuid4())
        assert not info.value.non_retryable and info.value.next_retry_delay == DELAY
        assert "SSL" in info.value.message
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "parameter", ["sslrootcert=/etc/ssl/root.crt", "connect_timeout=5", "application_name=w"]
)
async def test_a_libpq_only_url_parameter_waits_for_the_operator_with_the_fix(
    postgres_database: PostgresDatabase, parameter: str
) -> None:
    url = postgres_database.sqlalchemy_url.replace("postgres@", "postgres:s3cret-pw@", 1)
    engine = create_engine(f"{url}?{parameter}", pool_size=1)
    repo = repository_for(engine, operator_retry_delay=DELAY)
    name = parameter.split("=")[0]
    try:
        for call in (
            lambda: repo.get_file(uuid.uuid4()),
            lambda: repo.change_status(uuid.uuid4(), S.PROCESSING, ctx(), DEFAULT_TRANSITIONS),
        ):
            with pytest.raises(DatabaseAccessDeniedError) as info:
                await call()
            err = info.value
            assert not err.non_retryable and err.next_retry_delay == DELAY
            assert f"'{name}'" in err.message and "database URL" in err.message
            assert "s3cret-pw" not in err.message and "://" not in err.message
            assert err.__cause__ is None and len(err.message) <= 500
    finally:
        await engine.dispose()
