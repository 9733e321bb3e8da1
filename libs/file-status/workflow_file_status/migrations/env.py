"""Alembic environment: runs the migrations on an async engine (asyncpg or aiosqlite)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from workflow_file_status import _models  # noqa: F401 - registers the tables
from workflow_file_status._engine import create_engine

target_metadata = SQLModel.metadata


_LOCK_KEY = 0x57F5_0001  # PostgreSQL advisory lock: one migrator at a time


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Workers started together may all migrate at start-up: serialise them, so the
        # later ones find the schema already at head instead of racing to create it.
        # A transaction-level lock: released by the commit, after the schema is visible.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "pass the database URL (see workflow_file_status.migrate)"
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline mode is not supported; pass a database URL")
asyncio.run(_run_async())
