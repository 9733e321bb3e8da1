"""SQLModel tables: the files and their status history.

Kept out of the contracts package: workflows never import these.
"""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

import sqlalchemy as sa
from pydantic import AfterValidator
from sqlmodel import Field, SQLModel
from workflow_contracts import FileStatus

__all__ = [
    "FileBase",
    "FileCreate",
    "FileRead",
    "FileRecord",
    "StatusHistoryRead",
    "StatusHistoryRecord",
]


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    # SQLite stores no offset: what was written as UTC comes back naive.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class FileBase(SQLModel):
    """Fields a caller supplies when registering a file."""

    name: str = Field(max_length=512)
    uri: str = Field(max_length=2048, description="Where the file's content lives (path or URI).")


class FileCreate(FileBase):
    """Input of `register_file`; the id is generated unless given."""

    id: UUID | None = None


class FileRecord(FileBase, table=True):
    """A file and its current status (table ``files``)."""

    __tablename__ = "files"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    status: str = Field(default=FileStatus.PENDING.value, max_length=32, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )


class FileRead(FileBase):
    """A file as the public API returns it."""

    id: UUID
    status: FileStatus
    version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class StatusHistoryRecord(SQLModel, table=True):
    """One status change and who made it (table ``file_status_history``).

    The unique index on (file, execution id) is what makes a retried attempt unable to write
    a second row: ``execution_id`` is `workflow_contracts.execution_id` of the Temporal
    activity execution, the same on every attempt and distinct for every execution,
    standalone activities included (their activity run id is part of it). It is NULL for a
    change made outside Temporal (a context without an activity id): never deduplicated.
    """

    __tablename__ = "file_status_history"
    __table_args__ = (
        sa.Index(
            "uq_file_status_history_execution_id",
            "file_id",
            "execution_id",
            unique=True,
        ),
    )

    # (file, version) is the key: one row per version, no sequence, one index fewer to write.
    file_id: UUID = Field(foreign_key="files.id", primary_key=True, ondelete="CASCADE")
    version: int = Field(primary_key=True, description="The file's version after this change.")
    from_status: str = Field(max_length=32, nullable=False)
    to_status: str = Field(max_length=32, nullable=False)
    changed_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
    execution_id: UUID | None = Field(default=None, description="The idempotency key.")
    workflow_id: str | None = Field(default=None, max_length=1024)
    run_id: str | None = Field(default=None, max_length=255)
    activity_id: str | None = Field(default=None, max_length=1024)
    activity_run_id: str | None = Field(default=None, max_length=255)
    attempt: int | None = None


class StatusHistoryRead(SQLModel):
    """A history row as the public API returns it."""

    file_id: UUID
    from_status: FileStatus
    to_status: FileStatus
    version: int
    changed_at: UtcDatetime
    workflow_id: str | None
    run_id: str | None
    activity_id: str | None
    attempt: int | None
    execution_id: UUID | None = None
    activity_run_id: str | None = None
