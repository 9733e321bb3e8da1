"""What both SQL adapters share: the reads, the outcome of a change and the error guard.

`PostgresFileStatusRepository` and `SqliteFileStatusRepository` differ only in how the
status change is written (`SqlRepositoryBase._change_row`), how a lost connection is
retried (`SqlRepositoryBase._reconnecting`) and which error table applies.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from workflow_activity_kit import ErrorRow, execution_id
from workflow_contracts import FileStatus, StatusChange, TemporalContext, TransitionGraph
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    DatabaseConflictError,
    InvalidStatusTransitionError,
    SharedActivityError,
    UnknownFileError,
    UnknownStoredStatusError,
)

from workflow_file_status._errors import Arguments, driver_facts, map_error
from workflow_file_status._models import (
    FileCreate,
    FileRead,
    FileRecord,
    StatusHistoryRead,
    StatusHistoryRecord,
)

__all__ = ["ChangeRow", "SqlRepositoryBase", "allowed_sources", "idempotency_key"]

logger = logging.getLogger("workflow_file_status.sql")

T = TypeVar("T")

ChangeRow = Sequence[Any] | None
"""What a status change returns, on either backend: no row for an unknown file, else status
and version before, new version (None if nothing changed), and the execution's prior change
(from, to, version; None if none). PostgreSQL's ``file_status_change`` defines the shape."""

_STATUSES: dict[str, FileStatus] = {status.value: status for status in FileStatus}
_KNOWN = ", ".join(_STATUSES)
_MAX_STORED_EXCERPT = 40


def allowed_sources(target: FileStatus, transitions: TransitionGraph) -> list[str]:
    """The statuses from which ``transitions`` allow moving to ``target``."""
    return sorted(source.value for source, targets in transitions.items() if target in targets)


def idempotency_key(context: TemporalContext) -> str | None:
    """The idempotency key of a change: `workflow_contracts.execution_id` of the execution.

    None for a context without an activity id (a change made outside Temporal): such
    changes are never deduplicated.
    """
    return execution_id(context) if context.activity_id is not None else None


def _stored(
    file_id: UUID, value: object, column: str, operator_retry_delay: timedelta
) -> FileStatus:
    """The `FileStatus` stored in ``column``; `UnknownStoredStatusError` if it is none.

    A row written by a newer worker (a status added since) or set by hand: an operator
    upgrades this worker or corrects the row, so the activity waits (retried every
    ``operator_retry_delay``) instead of failing the workflow or retrying as an outage.
    """
    status = _STATUSES.get(value) if isinstance(value, str) else None
    if status is not None:
        return status
    shown = ascii(value)
    if len(shown) > _MAX_STORED_EXCERPT:
        shown = shown[: _MAX_STORED_EXCERPT - 4] + "...'"
    raise UnknownStoredStatusError(
        f"file {file_id}: the stored status {shown} ({column}) is not one this worker knows"
        f" ({_KNOWN}): upgrade the worker to the version that wrote it, or correct the row",
        {
            "file_id": str(file_id),
            "stored_status": value[:_MAX_STORED_EXCERPT] if isinstance(value, str) else shown,
            "column": column,
        },
        next_retry_delay=operator_retry_delay,
    )


def _outcome(
    file_id: UUID,
    target: FileStatus,
    row: ChangeRow,
    transitions: TransitionGraph,
    operator_retry_delay: timedelta,
) -> StatusChange:
    if row is None:
        raise UnknownFileError(f"file {file_id} is not registered", {"file_id": str(file_id)})
    current, version, new_version, prior_from, prior_to, prior_version = row
    if prior_to is not None:
        return StatusChange(
            file_id,
            _stored(file_id, prior_from, "file_status_history.from_status", operator_retry_delay),
            _stored(file_id, prior_to, "file_status_history.to_status", operator_retry_delay),
            True,
            int(prior_version),
        )
    if current == target.value:
        return StatusChange(file_id, target, target, False, int(version))
    previous = _stored(file_id, current, "files.status", operator_retry_delay)
    if new_version is not None:
        return StatusChange(file_id, previous, target, True, int(new_version))
    allowed = sorted(t.value for t in transitions.get(previous, frozenset()))
    raise InvalidStatusTransitionError(
        f"file {file_id}: status {current} cannot move to {target.value}"
        f" (allowed from {current}: {', '.join(allowed) or 'none'})",
        {
            "file_id": str(file_id),
            "from": current,
            "to": target.value,
            "allowed": allowed,
            "version": int(version),  # the file's version when refused
        },
    )


def _is_unique_violation(err: BaseException) -> bool:
    return isinstance(err, IntegrityError) or driver_facts(err).sqlstate == "23505"


class SqlRepositoryBase(ABC):
    """File status behind one long-lived async engine; a subclass writes the change.

    Every method raises only the contracts' typed errors: a database failure becomes
    `DatabaseUnavailableError` (or `DatabaseConflictError`), retried by Temporal, or an
    `OperatorActionRequired` error (`SchemaNotMigratedError`, `DatabaseReadOnlyError`,
    `DatabaseAccessDeniedError`), retried after ``operator_retry_delay`` with a message that
    names the fix. A stored status this worker does not know is `UnknownStoredStatusError`
    (operator).
    """

    _rules: ClassVar[Sequence[ErrorRow]]
    """The backend's error table (see `_errors.map_error`)."""

    def __init__(
        self, engine: AsyncEngine, *, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
    ) -> None:
        """Builds the repository.

        Args:
            engine: The worker's async engine (`create_engine`), of this adapter's backend.
            operator_retry_delay: ``next_retry_delay`` of the errors an operator must fix.
        """
        self._engine = engine
        self._operator_retry_delay = operator_retry_delay

    @property
    def engine(self) -> AsyncEngine:
        """The engine in use."""
        return self._engine

    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """See `FileStatusRepository.change_status`."""
        return await self._guarded(
            "change_status",
            self._change_status(file_id, target, context, transitions),
            arguments=lambda: (
                ("workflow_id", context.workflow_id),
                ("run_id", context.run_id),
                ("activity_id", context.activity_id),
                ("activity_run_id", context.activity_run_id),
            ),
        )

    async def _change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        key = idempotency_key(context)  # of the real ids, whatever the backend stores
        sources = allowed_sources(target, transitions)
        for _ in range(3):
            try:
                row = await self._change_row(file_id, target, sources, key, context)
            except Exception as err:
                # Serialised by the row lock, two attempts of one execution cannot both
                # insert; kept as a safety net: the next try finds the committed row.
                if not _is_unique_violation(err):
                    raise
                logger.info("retrying status change of %s after a unique violation", file_id)
                continue
            return _outcome(file_id, target, row, transitions, self._operator_retry_delay)
        raise DatabaseConflictError(
            f"change_status: status change of {file_id} kept conflicting",
            {"sqlstate": "23505", "error": "UniqueViolation", "operation": "change_status"},
        )

    @abstractmethod
    async def _change_row(
        self,
        file_id: UUID,
        target: FileStatus,
        sources: Sequence[str],
        key: str | None,
        context: TemporalContext,
    ) -> ChangeRow:
        """Applies the change atomically: lock the file, look for ``key``'s change, write."""

    async def _reconnecting(self, call: Callable[[], Awaitable[T]]) -> T:
        """Runs the idempotent ``call``; an adapter may run it again after a lost connection."""
        return await call()

    async def register_file(self, file: FileCreate) -> FileRead:
        """Registers a file in status PENDING (version 1).

        Registering the same id again returns the existing file unchanged.
        """
        return await self._guarded(
            "register_file",
            self._register_file(file),
            arguments=lambda: (("name", file.name), ("uri", file.uri)),
        )

    async def _register_file(self, file: FileCreate) -> FileRead:
        async with AsyncSession(self._engine, expire_on_commit=False) as session:
            if file.id is not None:
                existing = await session.get(FileRecord, file.id)
                if existing is not None:
                    return FileRead.model_validate(existing, from_attributes=True)
            data = file.model_dump(exclude_none=True)
            record = FileRecord(**data)
            session.add(record)
            await session.commit()
            return FileRead.model_validate(record, from_attributes=True)

    async def get_file(self, file_id: UUID) -> FileRead | None:
        """The file and its current status, or None."""
        return await self._guarded("get_file", self._reconnecting(lambda: self._get_file(file_id)))

    async def _get_file(self, file_id: UUID) -> FileRead | None:
        async with AsyncSession(self._engine) as session:
            record = await session.get(FileRecord, file_id)
            if record is None:
                return None
            _stored(file_id, record.status, "files.status", self._operator_retry_delay)
            return FileRead.model_validate(record, from_attributes=True)

    async def get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        """The file's status changes, oldest first."""
        return await self._guarded(
            "get_history", self._reconnecting(lambda: self._get_history(file_id))
        )

    async def _get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        async with AsyncSession(self._engine) as session:
            rows = await session.exec(
                select(StatusHistoryRecord)
                .where(StatusHistoryRecord.file_id == file_id)
                .order_by(col(StatusHistoryRecord.version))
            )
            history = []
            for row in rows:
                for column, value in (
                    ("from_status", row.from_status),
                    ("to_status", row.to_status),
                ):
                    _stored(
                        file_id, value, f"file_status_history.{column}", self._operator_retry_delay
                    )
                history.append(StatusHistoryRead.model_validate(row, from_attributes=True))
            return history

    async def _guarded(
        self,
        operation: str,
        call: Awaitable[T],
        *,
        arguments: Callable[[], Arguments] | None = None,
    ) -> T:
        """Awaits ``call``; a database failure leaves as one typed error, with no driver cause.

        ``arguments`` gives the text values the call writes, by name (built only on a
        failure), so that a value the database cannot store is named in the error.
        """
        try:
            return await call
        except SharedActivityError:
            raise
        except Exception as err:
            mapped = map_error(
                err,
                self._rules,
                operation=operation,
                operator_retry_delay=self._operator_retry_delay,
                arguments=arguments() if arguments else (),
            )
            # The original stays in the worker's log (SQLAlchemy's text, never the URL).
            logger.warning("%s failed: %s", operation, mapped.message, exc_info=err)
        # Raised outside the handler: no __context__ either, so no driver exception (and no
        # SQL text, parameters or URL) is attached to what Temporal records.
        raise mapped
