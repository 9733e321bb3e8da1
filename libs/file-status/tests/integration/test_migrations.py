"""The schema comes from the Alembic migrations; upgrade and downgrade both work."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from workflow_activity_kit import execution_id
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange, TemporalContext
from workflow_devstack import PostgresDatabase, create_database, drop_database
from workflow_file_status import create_engine, repository_for
from workflow_file_status._migrate import downgrade
from workflow_file_status.migrate import upgrade

TABLES = {"files", "file_status_history"}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def has_function(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'file_status_change'")
            )
    finally:
        await engine.dispose()
    return bool(found)


async def check_round_trip(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    assert await tables(url) == TABLES
    await asyncio.to_thread(downgrade, url, "base")
    assert await tables(url) == set()
    await asyncio.to_thread(upgrade, url)
    assert await tables(url) == TABLES


async def test_sqlite_upgrade_downgrade(tmp_path: Path) -> None:
    await check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


async def test_postgres_upgrade_downgrade(postgres_database: PostgresDatabase) -> None:
    database = await create_database(prefix="wsa_migrate")
    try:
        await check_round_trip(database.dsn)
        assert await has_function(database.dsn)
        await asyncio.to_thread(downgrade, database.dsn, "0001")
        assert not await has_function(database.dsn)
    finally:
        await drop_database(database)


def test_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    run = [sys.executable, "-m", "workflow_file_status.migrate"]
    done = subprocess.run([*run, "upgrade", "--database-url", url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "cli.db" not in done.stderr + done.stdout  # the URL is not echoed
    assert "Warning" not in done.stderr, done.stderr  # runpy: module not imported twice
    assert asyncio.run(tables(url)) == TABLES
    done = subprocess.run(
        [*run, "downgrade"], capture_output=True, text=True, env={"DATABASE_URL": url, "PATH": ""}
    )
    assert done.returncode != 0 and "revision" in done.stderr
    done = subprocess.run([*run, "upgrade"], capture_output=True, text=True, env={"PATH": ""})
    assert done.returncode != 0 and "DATABASE_URL" in done.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_models_match_migrations(tmp_path: Path, backend: str) -> None:
    """The SQLModel tables and the migrated schema have the same columns and indexes."""
    from sqlmodel import SQLModel

    database = await create_database(prefix="wsa_migrate") if backend == "postgresql" else None
    url = database.dsn if database else f"sqlite+aiosqlite:///{tmp_path / 'cmp.db'}"
    try:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                migrated = await conn.run_sync(
                    lambda c: {
                        t: (
                            {col["name"] for col in sa.inspect(c).get_columns(t)},
                            {
                                (i["name"], tuple(i["column_names"]))
                                for i in sa.inspect(c).get_indexes(t)
                            },
                        )
                        for t in TABLES
                    }
                )
        finally:
            await engine.dispose()
    finally:
        if database:
            await drop_database(database)
    declared = {
        t: (
            {c.name for c in SQLModel.metadata.tables[t].columns},
            {
                (i.name, tuple(c.name for c in i.columns))
                for i in SQLModel.metadata.tables[t].indexes
            },
        )
        for t in TABLES
    }
    assert migrated == declared


OLD_FILES = sa.table(
    "files",
    sa.column("id", sa.Uuid()),
    *(sa.column(n, sa.String()) for n in ("name", "uri", "status")),
    sa.column("version", sa.Integer()),
    *(sa.column(n, sa.DateTime(timezone=True)) for n in ("created_at", "updated_at")),
)
OLD_HISTORY = sa.table(
    "file_status_history",
    sa.column("file_id", sa.Uuid()),
    *(sa.column(n, sa.String()) for n in ("from_status", "to_status")),
    *(sa.column(n, sa.String()) for n in ("workflow_id", "run_id", "activity_id")),
    *(sa.column(n, sa.Integer()) for n in ("version", "attempt")),
    sa.column("changed_at", sa.DateTime(timezone=True)),
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_0002_keys_existing_history_so_retries_across_the_upgrade_still_match(
    tmp_path: Path, backend: str
) -> None:
    database = await create_database(prefix="wsa_migrate") if backend == "postgresql" else None
    url = database.dsn if database else f"sqlite+aiosqlite:///{tmp_path / 'backfill.db'}"
    file_id, other = uuid.uuid4(), uuid.uuid4()
    workflow = TemporalContext("wf-old", "run-old", "7", 1, namespace="prod")
    no_run = TemporalContext("wf-old", None, "8", 1, namespace="prod")
    now = datetime.now(UTC)
    try:
        await asyncio.to_thread(upgrade, url, "0001")
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(
                OLD_FILES.insert(),
                [
                    {
                        "id": f,
                        "name": "f",
                        "uri": "/f",
                        "status": "FAILED",
                        "version": 3,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for f in (file_id, other)
                ],
            )
            rows = [
                # A workflow's change, then a standalone one (no workflow: no key to derive).
                (file_id, "PENDING", "PROCESSING", 2, "wf-old", "run-old", "7"),
                (file_id, "PROCESSING", "FAILED", 3, None, None, "7"),
                # The same execution on another file; a row without a run id.
                (other, "PENDING", "PROCESSING", 2, "wf-old", "run-old", "7"),
                (other, "PROCESSING", "FAILED", 3, "wf-old", None, "8"),
            ]
            await conn.execute(
                OLD_HISTORY.insert(),
                [
                    {
                        "file_id": f,
                        "from_status": a,
                        "to_status": b,
                        "version": v,
                        "workflow_id": wf,
                        "run_id": run,
                        "activity_id": act,
                        "attempt": 1,
                        "changed_at": now,
                    }
                    for f, a, b, v, wf, run, act in rows
                ],
            )
        await engine.dispose()

        # The workers that wrote these rows ran in namespace "prod".
        await asyncio.to_thread(upgrade, url, temporal_namespace="prod")
        engine = create_engine(url)
        repo = repository_for(engine)
        try:
            keys = [h.execution_id for f in (file_id, other) for h in await repo.get_history(f)]
            key, key_no_run = uuid.UUID(execution_id(workflow)), uuid.UUID(execution_id(no_run))
            assert keys == [key, None, key, key_no_run]
            # Attempt 2 of the old execution, after the upgrade: its change, not a new one.
            retried = await repo.change_status(
                file_id, FileStatus.PROCESSING, replace(workflow, attempt=2), DEFAULT_TRANSITIONS
            )
            assert retried == StatusChange(
                file_id, FileStatus.PENDING, FileStatus.PROCESSING, True, 2
            )
        finally:
            await engine.dispose()
        await asyncio.to_thread(downgrade, url, "0001")
        assert await tables(url) == TABLES
        await asyncio.to_thread(upgrade, url)
    finally:
        if database:
            await drop_database(database)


async def test_workers_migrating_at_once_do_not_collide(
    postgres_database: PostgresDatabase,
) -> None:
    database = await create_database(prefix="wsa_migrate")
    try:
        await asyncio.gather(*(asyncio.to_thread(upgrade, database.dsn) for _ in range(3)))
        assert await tables(database.dsn) == TABLES
    finally:
        await drop_database(database)
