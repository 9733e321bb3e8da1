"""Validation of the activity's inputs, before anything touches the database.

The activity receives its arguments as plain JSON values (see
`workflow_activity_kit.wire_activity`):
whatever a caller in any SDK sent arrives here, ``null``, numbers, lists and lone surrogates
included. Only two shapes are accepted, strictly:

- ``file_id``: a `UUID`, or its canonical text: 36 characters, 32 hex digits in the 8-4-4-4-12
  hyphenated groups, either case (``str(uuid)``, ``uuid.toString()``, PostgreSQL's output).
  Braces, ``urn:uuid:`` prefixes, missing hyphens and surrounding spaces are rejected: Python's
  `UUID` would accept them, other SDKs and tools may not, and one spelling per id keeps ids in
  logs and history greppable.
- ``status``: a `FileStatus`, or exactly one of its values (case-sensitive: ``"completed"`` is
  not ``"COMPLETED"``).

Each rejection is the argument's own non-retryable error, naming the argument and what was
received (JSON type and a short, ASCII-escaped excerpt), so it stays small and printable.
"""

from __future__ import annotations

import re
from uuid import UUID

from workflow_activity_kit import json_type
from workflow_contracts import FileStatus
from workflow_contracts.errors import InvalidFileIdError, InvalidStatusError

__all__ = ["parse_file_id", "parse_status"]

# Explicit ASCII classes: ``\d`` and ``re.IGNORECASE`` would also match non-ASCII characters.
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_STATUSES: dict[str, FileStatus] = {status.value: status for status in FileStatus}
_ALLOWED = ", ".join(_STATUSES)
_EXCERPT_CHARS = 60


def parse_file_id(value: object) -> UUID:
    """Returns ``value`` as a UUID.

    Args:
        value: A `UUID`, or its canonical 36-character hyphenated text (either case).

    Raises:
        InvalidFileIdError: Anything else (non-retryable), naming ``file_id``.
    """
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and len(value) == 36 and _CANONICAL_UUID.fullmatch(value):
        return UUID(value)
    raise InvalidFileIdError(
        "file_id: expected a UUID string of 36 characters (8-4-4-4-12 hex digits with hyphens,"
        f" e.g. 123e4567-e89b-12d3-a456-426614174000), got {_describe(value)}",
        {"field": "file_id", "received": json_type(value)},
    )


def parse_status(value: object) -> FileStatus:
    """Returns ``value`` as a `FileStatus`.

    Args:
        value: A `FileStatus`, or exactly one of its values (case-sensitive).

    Raises:
        InvalidStatusError: Anything else (non-retryable), naming ``status``.
    """
    if isinstance(value, FileStatus):
        return value
    if isinstance(value, str):
        status = _STATUSES.get(value)
        if status is not None:
            return status
    raise InvalidStatusError(
        f"status: expected one of {_ALLOWED} (case-sensitive), got {_describe(value)}",
        {"field": "status", "received": json_type(value), "allowed": list(_STATUSES)},
    )


def _describe(value: object) -> str:
    kind = json_type(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, list | tuple | dict):
        return f"an {kind}"
    # ascii(): a lone surrogate or control character stays printable and encodable.
    text = ascii(value)
    if len(text) > _EXCERPT_CHARS:
        text = text[: _EXCERPT_CHARS - 3] + "..."
    return f"the {kind} {text}" if kind in {"string", "number", "boolean"} else f"a {kind} {text}"
