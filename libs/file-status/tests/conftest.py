"""Engines on real databases, schema built by the migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_devstack import PostgresDatabase
from workflow_file_status import create_engine, repository_for
from workflow_file_status._resource import SqlFileStatusAdapter
from workflow_file_status.migrate import upgrade


@pytest_asyncio.fixture(scope="session")
async def pg_engine(postgres_database: PostgresDatabase) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, postgres_database.dsn)
    engine = create_engine(postgres_database.sqlalchemy_url, pool_size=16, max_overflow=32)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "files.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def repository(request: pytest.FixtureRequest) -> SqlFileStatusAdapter:
    engine_fixture = "pg_engine" if request.param == "postgresql" else "sqlite_engine"
    engine: AsyncEngine = request.getfixturevalue(engine_fixture)
    return repository_for(engine)


@pytest_asyncio.fixture
async def pg_repository(pg_engine: AsyncEngine) -> SqlFileStatusAdapter:
    return repository_for(pg_engine)
