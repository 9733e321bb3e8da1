"""The function a database migrated to head defines is the one in ``file_status_change.sql``.

Migrations hold frozen copies of the function's text; the source file beside the adapter is
the head definition. PostgreSQL's own rendering (``pg_get_functiondef``) of both is compared:
the head database's function, and the source file's statement run in a scratch schema.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from workflow_file_status._postgres import change_function_source

SIGNATURE = "file_status_change(uuid, text, text[], uuid, text, text, text, text, integer)"


async def definitions(conn: AsyncConnection, schema: str | None = None) -> dict[str, str]:
    """Each ``file_status_change`` function's definition, by schema (``schema`` only if given)."""
    rows = await conn.execute(
        sa.text(
            "SELECT n.nspname, pg_get_functiondef(p.oid) FROM pg_proc AS p"
            " JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE p.proname = 'file_status_change'"
            " AND (CAST(:schema AS text) IS NULL OR n.nspname = :schema)"
        ),
        {"schema": schema},
    )
    return {str(name): str(definition) for name, definition in rows}


def unqualified(definition: str, schema: str) -> str:
    """The definition without its schema, which is where it was created, not what it is."""
    qualified = f"CREATE OR REPLACE FUNCTION {schema}.file_status_change("
    assert definition.startswith(qualified), definition[:120]
    return definition.replace(qualified, "CREATE OR REPLACE FUNCTION file_status_change(", 1)


async def test_head_defines_exactly_the_source_file_function(pg_engine: AsyncEngine) -> None:
    scratch = f"scratch_{uuid.uuid4().hex[:12]}"
    async with pg_engine.connect() as conn:  # one transaction, rolled back
        try:
            head = await definitions(conn)
            assert len(head) == 1, sorted(head)  # one function, no stale overload
            [(head_schema, head_definition)] = head.items()
            found = await conn.scalar(sa.text(f"SELECT to_regprocedure('{SIGNATURE}')"))
            assert found is not None  # the signature PG_CHANGE_STATUS calls
            await conn.exec_driver_sql(f"CREATE SCHEMA {scratch}")
            await conn.exec_driver_sql(f"SET LOCAL search_path TO {scratch}")
            # Driver SQL, as the migrations run it: the body is no text() with bind parameters.
            await conn.exec_driver_sql(change_function_source())
            source = await definitions(conn, scratch)
        finally:
            await conn.rollback()  # the scratch schema and its function go with it
    assert list(source) == [scratch]
    assert unqualified(head_definition, head_schema) == unqualified(source[scratch], scratch)
