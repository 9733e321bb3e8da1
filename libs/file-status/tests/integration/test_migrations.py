"""The schema comes from the Alembic migrations; upgrade and downgrade both work."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from workflow_devstack import PostgresDatabase, create_database, drop_database
from workflow_file_status import create_engine, downgrade, upgrade

TABLES = {"files", "file_status_history"}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


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
    finally:
        await drop_database(database)


def test_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    run = [sys.executable, "-m", "workflow_file_status.migrate"]
    done = subprocess.run([*run, "upgrade", "--database-url", url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "cli.db" not in done.stderr + done.stdout  # the URL is not echoed
    assert asyncio.run(tables(url)) == TABLES
    done = subprocess.run(
        [*run, "downgrade"], capture_output=True, text=True, env={"DATABASE_URL": url, "PATH": ""}
    )
    assert done.returncode != 0 and "revision" in done.stderr
    done = subprocess.run([*run, "upgrade"], capture_output=True, text=True, env={"PATH": ""})
    assert done.returncode != 0 and "DATABASE_URL" in done.stderr


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_models_match_migrations(tmp_path: Path, backend: str) -> None:
    """The SQLModel tables and the migrated schema have the same columns."""
    from sqlmodel import SQLModel

    url = f"sqlite+aiosqlite:///{tmp_path / 'cmp.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            migrated = await conn.run_sync(
                lambda c: {t: {col["name"] for col in sa.inspect(c).get_columns(t)} for t in TABLES}
            )
    finally:
        await engine.dispose()
    declared = {t: {c.name for c in SQLModel.metadata.tables[t].columns} for t in TABLES}
    assert migrated == declared


async def test_workers_migrating_at_once_do_not_collide(
    postgres_database: PostgresDatabase,
) -> None:
    database = await create_database(prefix="wsa_migrate")
    try:
        await asyncio.gather(*(asyncio.to_thread(upgrade, database.dsn) for _ in range(3)))
        assert await tables(database.dsn) == TABLES
    finally:
        await drop_database(database)
