"""PostgreSQL's status change: one call of ``file_status_change`` (migration 0002), one trip.

The function locks the file row, then looks for this execution's own committed change, then
applies the guard, bumps the version and writes the history row; see the migration for why
the lookup must come after the lock.
"""

import re
from collections.abc import Sequence
from typing import Any

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from workflow_file_status._errors import driver_facts
from workflow_file_status._pg_errors import POOLER_REFUSALS, STATEMENT_POOLING

__all__ = ["PG_CHANGE_STATUS", "fetch_change", "is_disconnect"]

PG_CHANGE_STATUS = "SELECT * FROM file_status_change($1, $2, $3, $4, $5, $6, $7, $8, $9)"
"""Arguments: file id, target, allowed sources, execution id (or NULL), workflow id, run id,
activity id, activity run id, attempt. Returns no row for an unknown file, else one row:
status and version before, new version (NULL if nothing changed), and the execution's prior
change (from, to, version; NULL if none)."""

_DISCONNECT_TYPES = (
    asyncpg.InterfaceError,
    asyncpg_base.InternalClientError,  # protocol state broken by a drop
    ConnectionError,
)
_NOT_DISCONNECT_TYPES = (asyncpg_base.DataError, asyncpg_base.ClientConfigurationError)
_POOLER_REFUSAL = re.compile("|".join((*POOLER_REFUSALS, STATEMENT_POOLING)), re.IGNORECASE)


def is_disconnect(err: BaseException) -> bool:
    """True when the connection under ``err`` is gone (restart, failover, terminated backend).

    Then every pooled connection is likely stale too: refresh the pool and try again.
    """
    facts = driver_facts(err)
    # asyncpg's own refusals of an argument or of the configuration are InterfaceErrors
    # too, but the connection is fine: a fresh pool would fail the same way.
    if any(isinstance(e, _NOT_DISCONNECT_TYPES) for e in facts.chain):
        return False
    # A pooler's refusal of this worker's configuration (08P01 for a startup parameter):
    # discarding the pool on every attempt would only repeat it.
    if _POOLER_REFUSAL.search(facts.message):
        return False
    if any(isinstance(e, _DISCONNECT_TYPES) for e in facts.chain):
        return True
    if any(isinstance(e, DBAPIError) and e.connection_invalidated for e in facts.chain):
        return True
    state = facts.sqlstate or ""
    return state.startswith("08") or state in {"57P01", "57P02", "57P03"}


async def fetch_change(engine: AsyncEngine, args: Sequence[Any]) -> Sequence[Any] | None:
    """Runs `PG_CHANGE_STATUS` on a pooled connection: one prepared statement, one trip."""
    # The pool's raw connection, without an AsyncConnection around it: the call needs no
    # SQLAlchemy transaction (it is one statement, its own transaction), and this path is
    # the hot one. asyncpg prepares it once per connection and caches it.
    pooled = await engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None
        row: Sequence[Any] | None = await driver.fetchrow(PG_CHANGE_STATUS, *args)
    except BaseException as err:
        # Only a dead connection is discarded. A cancelled or timed-out call (the activity
        # cancelled at its start-to-close timeout) keeps it: asyncpg is then sending the
        # server a cancel request from a task of that connection, which closing it would
        # kill, leaving the statement queued on the row lock; the next user waits for it.
        if is_disconnect(err):
            await greenlet_spawn(pooled.invalidate, err if isinstance(err, Exception) else None)
        raise
    finally:
        await greenlet_spawn(pooled.close)  # back to the pool (reset runs in a greenlet)
    return row
