"""Least privilege: the schema owner migrates and grants; the worker's role only reads and writes.

Every command runs as a real process on the real server, each role is a throw-away login
role (unique name, dropped after the test), and ``postgres`` (the owner) migrates.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange, TemporalContext
from workflow_devstack import (
    PostgresDatabase,
    PostgresRole,
    create_database,
    create_role,
    drop_database,
    drop_role,
    free_port,
)
from workflow_file_status import FileCreate, create_engine, repository_for

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
GRANTED = {
    "files": {"SELECT", "INSERT", "UPDATE"},
    "file_status_history": {"SELECT", "INSERT"},
    "alembic_version": set(),  # the worker runs with migrate off: it never reads it
}
FUNCTION = "file_status_change(uuid, text, text[], uuid, text, text, text, text, integer)"
PASSWORD = "hunter2-never-shown"  # trust auth ignores it; it must never be printed


def migrate(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m workflow_file_status.migrate ARGV`` in a process of its own."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "workflow_file_status.migrate", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=base | (env or {}),
    )


async def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(migrate, *argv, env=env)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The command's only output: one line on stderr, no traceback, nothing on stdout."""
    assert done.stdout == "", done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert PASSWORD not in lines[0]
    return lines[0]


async def tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {row["tablename"] for row in rows}


@pytest_asyncio.fixture
async def unmigrated() -> AsyncIterator[PostgresDatabase]:
    database = await create_database(prefix="wsa_roles")
    try:
        yield database
    finally:
        await drop_database(database)


@pytest_asyncio.fixture(scope="module")
async def granted() -> AsyncIterator[tuple[PostgresDatabase, PostgresRole]]:
    """A database migrated by its owner, and a role (a name that needs quoting) granted."""
    database = await create_database(prefix="wsa_roles")
    role = await create_role(prefix='wsa "worker" role')
    try:
        assert (await cli("upgrade", "--database-url", database.dsn)).returncode == 0
        done = await cli("grant", role.name, "--database-url", database.dsn)
        assert done.returncode == 0, done.stderr
        quoted = '"' + role.name.replace('"', '""') + '"'
        assert one_line(done) == f'grant to {quoted} on schema "public": done'
        yield database, role
    finally:
        await drop_role(role, [database])
        await drop_database(database)


@pytest.mark.parametrize("given", ["option", "environment"])
async def test_migrating_as_a_role_without_rights_fails_in_one_line_naming_the_fix(
    unmigrated: PostgresDatabase, postgres_role: PostgresRole, given: str
) -> None:
    url = postgres_role.dsn(unmigrated, password=PASSWORD)
    if given == "option":
        done = await cli("upgrade", "--database-url", url)
    else:
        done = await cli("upgrade", env={"DATABASE_URL": url})
    assert done.returncode == 4, done.stderr
    line = one_line(done)
    assert line.startswith("migrate: permission denied for schema public (SQLSTATE 42501)")
    assert f'as role "{postgres_role.name}": run migrations as the schema owner' in line
    assert "the worker role needs only the grants of" in line and "migrate grant ROLE" in line
    assert unmigrated.name not in line and "postgresql://" not in line  # no URL
    assert await tables(unmigrated.dsn) == set()


async def test_an_unreachable_server_and_a_refused_login_exit_3_in_one_line() -> None:
    done = await cli(
        "upgrade", "--database-url", f"postgresql://app:{PASSWORD}@127.0.0.1:{free_port()}/x"
    )
    assert done.returncode == 3, done.stderr
    line = one_line(done)
    assert "(ConnectionRefusedError)" in line and "is reachable at the URL's host and port" in line

    nobody = f"wsa_nobody_{uuid.uuid4().hex[:8]}"  # never created
    done = await cli(
        "upgrade", "--database-url", f"postgresql://{nobody}:{PASSWORD}@127.0.0.1/test"
    )
    assert done.returncode == 3, done.stderr
    line = one_line(done)
    assert "(SQLSTATE 28000)" in line and "check the user, password and database name" in line


async def test_a_database_migrated_by_a_newer_version_exits_5(unmigrated: PostgresDatabase) -> None:
    assert (await cli("upgrade", "--database-url", unmigrated.dsn)).returncode == 0
    conn = await asyncpg.connect(unmigrated.dsn)
    try:
        await conn.execute("UPDATE alembic_version SET version_num = '0099'")
    finally:
        await conn.close()
    done = await cli("upgrade", "--database-url", unmigrated.dsn)
    assert done.returncode == 5, done.stderr
    assert "migrated by a newer version of workflow-file-status" in one_line(done)


async def test_grant_before_migrating_or_to_a_missing_role_exits_5(
    unmigrated: PostgresDatabase, postgres_role: PostgresRole
) -> None:
    done = await cli("grant", postgres_role.name, "--database-url", unmigrated.dsn)
    assert done.returncode == 5, done.stderr
    assert "(SQLSTATE 42P01)" in (line := one_line(done)) and "run the migrations first" in line
    assert (await cli("upgrade", "--database-url", unmigrated.dsn)).returncode == 0
    done = await cli("grant", f"{postgres_role.name}_missing", "--database-url", unmigrated.dsn)
    assert done.returncode == 5, done.stderr
    assert "create the worker's login role first" in one_line(done)


async def test_grant_gives_exactly_the_runtime_privileges_and_is_idempotent(
    granted: tuple[PostgresDatabase, PostgresRole],
) -> None:
    database, role = granted
    assert (await cli("grant", role.name, "--database-url", database.dsn)).returncode == 0
    conn = await asyncpg.connect(database.dsn)
    try:
        for table, privileges in GRANTED.items():
            for privilege in TABLE_PRIVILEGES:
                held = await conn.fetchval(
                    "SELECT has_table_privilege($1, $2, $3)",
                    role.name,
                    f"public.{table}",
                    privilege,
                )
                assert held == (privilege in privileges), (table, privilege)
        check = "SELECT has_schema_privilege($1, 'public', $2)"
        assert await conn.fetchval(check, role.name, "USAGE")
        assert not await conn.fetchval(check, role.name, "CREATE")
        check = "SELECT has_function_privilege($1, $2, 'EXECUTE')"
        assert await conn.fetchval(check, role.name, FUNCTION)
        check = "SELECT has_database_privilege($1, current_database(), 'CREATE')"
        assert not await conn.fetchval(check, role.name)
        sequences = "SELECT count(*) FROM pg_class WHERE relkind = 'S'"
        assert await conn.fetchval(sequences) == 0  # nothing to grant on sequences
    finally:
        await conn.close()


async def test_the_granted_role_runs_every_call_and_cannot_change_the_schema_or_delete(
    granted: tuple[PostgresDatabase, PostgresRole],
) -> None:
    database, role = granted
    engine = create_engine(role.sqlalchemy_url(database, password=PASSWORD), pool_size=2)
    try:
        repo = repository_for(engine)
        file = await repo.register_file(FileCreate(name="r.csv", uri="/r.csv"))
        first = TemporalContext("wf-roles", "run-1", "1", 1, namespace="default")
        change = await repo.change_status(
            file.id, FileStatus.PROCESSING, first, DEFAULT_TRANSITIONS
        )
        assert change == StatusChange(file.id, FileStatus.PENDING, FileStatus.PROCESSING, True, 2)
        retried = TemporalContext("wf-roles", "run-1", "1", 2, namespace="default")
        again = await repo.change_status(
            file.id, FileStatus.PROCESSING, retried, DEFAULT_TRANSITIONS
        )
        assert again == change  # the retry gets its execution's change; nothing written
        done = TemporalContext("wf-roles", "run-1", "2", 1, namespace="default")
        await repo.change_status(file.id, FileStatus.COMPLETED, done, DEFAULT_TRANSITIONS)
        current = await repo.get_file(file.id)
        assert current is not None and (current.status, current.version) == (
            FileStatus.COMPLETED,
            3,
        )
        history = await repo.get_history(file.id)
        assert [(h.to_status, h.version, h.attempt) for h in history] == [
            (FileStatus.PROCESSING, 2, 1),
            (FileStatus.COMPLETED, 3, 1),
        ]
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(role.dsn(database))
    try:
        for statement in (
            "CREATE TABLE public.wsa_intruder (x int)",
            "DELETE FROM files",
            "TRUNCATE files CASCADE",
            "UPDATE file_status_history SET attempt = 9",  # the audit trail is append-only
            "DROP TABLE file_status_history",
            "SELECT * FROM alembic_version",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_grant_as_a_role_that_is_not_the_owner_exits_4_and_grants_nothing(
    granted: tuple[PostgresDatabase, PostgresRole], postgres_role: PostgresRole
) -> None:
    database, worker = granted
    # The worker's role holds the privileges without the grant option: PostgreSQL only warns.
    done = await cli(
        "grant", postgres_role.name, "--database-url", worker.dsn(database, password=PASSWORD)
    )
    assert done.returncode == 4, done.stderr
    line = one_line(done)
    assert line.startswith("grant: the privileges were not granted (SELECT on")
    assert "grant as the owner of the file-status tables" in line
    # A role without any privilege is refused outright.
    done = await cli("grant", worker.name, "--database-url", postgres_role.dsn(database))
    assert done.returncode == 4, done.stderr
    assert "(SQLSTATE 42501)" in one_line(done)
    conn = await asyncpg.connect(database.dsn)
    try:
        check = "SELECT has_table_privilege($1, 'public.files', 'SELECT')"
        assert not await conn.fetchval(check, postgres_role.name)  # rolled back: nothing
    finally:
        await conn.close()
