"""Validation of the activity's inputs, before anything touches the database."""

from __future__ import annotations

from uuid import UUID

from workflow_contracts import FileStatus, InvalidFileIdError, InvalidStatusError

__all__ = ["parse_file_id", "parse_status"]


def parse_file_id(value: object) -> UUID:
    """Returns ``value`` as a UUID.

    Raises:
        InvalidFileIdError: If it is neither a UUID nor a UUID string (non-retryable).
    """
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidFileIdError(f"file_id must be a UUID, got {value!r}", {"file_id": repr(value)})


def parse_status(value: object) -> FileStatus:
    """Returns ``value`` as a `FileStatus`.

    Raises:
        InvalidStatusError: If it is not one of the statuses (non-retryable).
    """
    if isinstance(value, FileStatus):
        return value
    if isinstance(value, str):
        try:
            return FileStatus(value)
        except ValueError:
            pass
    allowed = ", ".join(FileStatus)
    raise InvalidStatusError(
        f"status must be one of {allowed}, got {value!r}", {"status": repr(value)}
    )
