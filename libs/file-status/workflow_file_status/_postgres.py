"""The PostgreSQL adapter: the status change is one call of ``file_status_change``.

The function (its source is ``file_status_change.sql``, beside this module) locks the file
row, then looks for this execution's own committed change, then applies the guard, bumps the
version and writes the history row; see the source for why the lookup must come after the
lock. One prepared statement, one round trip, on the pool's asyncpg connection.
"""

import importlib.resources
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn
from workflow_contracts import FileStatus, TemporalContext
from workflow_contracts.errors import OPERATOR_RETRY_DELAY

from workflow_file_status._engine import engine_pooler
from workflow_file_status._errors import driver_facts
from workflow_file_status._postgres_errors import PG_RULES, POOLER_REFUSALS, STATEMENT_POOLING
from workflow_file_status._sql_common import ChangeRow, SqlRepositoryBase, logger

__all__ = [
    "CHANGE_FUNCTION_SQL",
    "PG_CHANGE_STATUS",
    "PG_NUL_ESCAPE",
    "PostgresFileStatusRepository",
    "change_function_source",
    "fetch_change",
    "is_disconnect",
]

T = TypeVar("T")

CHANGE_FUNCTION_SQL = "file_status_change.sql"
"""The package resource holding the head ``CREATE FUNCTION file_status_change`` statement."""

PG_NUL_ESCAPE = "\\u0000"
r"""What a NUL in a Temporal id (the dev server accepts one) is stored as on PostgreSQL.

PostgreSQL text cannot hold U+0000 (SQLSTATE 22021). The ids are audit columns: the
idempotency key is the ``execution_id`` hash of the real ids, so escaping changes no key.
The six ASCII characters ``\u0000`` (JSON's spelling, as Temporal's UI shows the id) are
stored in every database encoding (U+FFFD is not, in LATIN1) and say which character it was;
an id that already held that text is stored the same, which only the key tells apart. SQLite
stores NUL as it is.
"""

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


def change_function_source() -> str:
    """The head ``CREATE FUNCTION file_status_change`` statement (`CHANGE_FUNCTION_SQL`).

    Migrations hold frozen copies of it and never read it: a test checks that a database
    migrated to head defines this function exactly.
    """
    return importlib.resources.files(__package__).joinpath(CHANGE_FUNCTION_SQL).read_text()


def _pg_text(value: str | None) -> str | None:
    # A C-level scan per id; the replacement only for the rare id that holds a NUL.
    if value is None or "\x00" not in value:
        return value
    return value.replace("\x00", PG_NUL_ESCAPE)


class PostgresFileStatusRepository(SqlRepositoryBase):
    """File status in PostgreSQL (asyncpg), behind one long-lived async engine.

    The worker creates the engine once (`create_engine`) and disposes it at shutdown; the
    status change is one call of the ``file_status_change`` function (`PG_CHANGE_STATUS`).
    A lost connection is retried once on a fresh pool (only this connection, behind a
    transaction-mode pooler), for the idempotent calls: the change and the reads.

    Errors: see `SqlRepositoryBase`; the table is `_postgres_errors`. A value PostgreSQL cannot
    store (SQLSTATE class 22) is a permanent `InvalidArgumentsError` naming it. A NUL in a
    Temporal id is stored as `PG_NUL_ESCAPE` (audit columns; the key is computed from the
    real ids).
    """

    _rules = PG_RULES

    def __init__(
        self, engine: AsyncEngine, *, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
    ) -> None:
        """Builds the repository.

        Args:
            engine: The worker's PostgreSQL+asyncpg engine (`create_engine`).
            operator_retry_delay: ``next_retry_delay`` of the errors an operator must fix.
        """
        super().__init__(engine, operator_retry_delay=operator_retry_delay)
        self._pooled = engine_pooler(engine) == "transaction"

    async def _change_row(
        self,
        file_id: UUID,
        target: FileStatus,
        sources: Sequence[str],
        key: str | None,
        context: TemporalContext,
    ) -> ChangeRow:
        args = (
            file_id,
            target.value,
            sources,
            key,
            _pg_text(context.workflow_id),
            _pg_text(context.run_id),
            _pg_text(context.activity_id),
            _pg_text(context.activity_run_id),
            context.attempt,
        )
        return await self._reconnecting(lambda: fetch_change(self._engine, args))

    async def _reconnecting(self, call: Callable[[], Awaitable[T]]) -> T:
        """Runs ``call``; after a lost connection, once more on a fresh pool.

        Only for idempotent calls: a change this execution already committed is found and
        returned, not applied twice.
        """
        try:
            return await call()
        except Exception as err:
            if not is_disconnect(err):
                raise
            if self._pooled:
                # Behind a pooler only this client connection is gone (already discarded):
                # the pooler keeps the server ones. See engine._configure_pooled.
                logger.info("pooled connection closed (%s); retrying", type(err).__name__)
                return await call()
            # The server dropped our connections (restart, failover, pg_terminate_backend):
            # the pool's other connections are as dead as this one.
            logger.warning("database connection lost (%s); reconnecting", type(err).__name__)
        await self._engine.dispose()
        return await call()
