"""Turning any database exception into one of the contracts' small, typed errors.

Each backend has one ordered table of the activity kit's `ErrorRow`s (`_postgres_errors`,
`_sqlite_errors`), most specific first, like httpx's transport exception map: the first row
that matches the exception (the kit's `first_row`, on the `ErrorFacts` read here) decides the
error type. Anything no row matches becomes a retryable
`DatabaseUnavailableError` named "unclassified": never a raw driver exception, and never a
permanent failure a workflow cannot recover from once the cause is fixed.

What reaches Temporal is small and safe: a message naming the operation, the cause, the
driver exception class, the SQLSTATE (or SQLite error code) and a short driver message, plus
``details`` ``{"sqlstate", "error", "operation"}`` (and SQLite's ``"code"``). Never SQL text, parameters, URLs or
passwords (SQLAlchemy's own message carries SQL and parameters: only the innermost driver
exception's first line is used, scrubbed and cut). The error is raised without its driver
exception attached; the original is logged at WARNING by the repository.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from workflow_activity_kit import ErrorFacts, ErrorRow, first_row, safe_message
from workflow_contracts.errors import DatabaseUnavailableError, SharedActivityError

Arguments = Sequence[tuple[str, object]]
"""The values a call sent, by name (``("activity_id", "a")``): which one a class-22 error
(a value the database cannot store) is about is found among them."""

__all__ = ["MIGRATE_FIX", "Arguments", "driver_facts", "map_error"]

MIGRATE_FIX = (
    "Run the migrations: python -m workflow_file_status.migrate upgrade --database-url URL"
    " (or pnpm nx run workflow-file-status:migrate with DATABASE_URL set)"
)
"""How an operator fixes a missing table, column or function (ends the message)."""

_MAX_DRIVER_MESSAGE = 160
_MAX_VALUE_EXCERPT = 40
_CHAIN_LIMIT = 8
# What PostgreSQL's class-22 messages say about the value (English server messages; other
# languages fall back to a message that names no value).
_BYTE_SEQUENCE = re.compile(r"\b0x([0-9a-fA-F]{2})\b")
_COLUMN_LENGTH = re.compile(r"character varying\((\d+)\)|character\((\d+)\)")
_REDACTIONS = (
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token)\s*[=:]\s*\S+"), r"\1=***"),
)


def driver_facts(err: BaseException) -> ErrorFacts:
    """Unwraps ``err`` (SQLAlchemy wrapper, adapted DBAPI error, driver error) into facts.

    The chain is the exception and what it wraps (SQLAlchemy ``orig``, then ``__cause__``),
    outermost first; the SQLSTATE (PostgreSQL) or extended error name (SQLite, in ``code``)
    is the first any of them carries; the message is the innermost's first line, scrubbed
    of URLs and secrets, cut short.
    """
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and len(chain) < _CHAIN_LIMIT and current not in chain:
        chain.append(current)
        orig: Any = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    innermost = chain[-1]
    sqlstate = next((s for e in chain if isinstance(s := getattr(e, "sqlstate", None), str)), None)
    code = next(
        (c for e in chain if isinstance(c := getattr(e, "sqlite_errorname", None), str)), None
    )
    return ErrorFacts(tuple(chain), type(innermost).__name__, sqlstate, code, _short(innermost))


def map_error(
    err: BaseException,
    rules: Sequence[ErrorRow],
    *,
    operation: str,
    operator_retry_delay: timedelta,
    arguments: Arguments = (),
) -> SharedActivityError:
    """The typed error to raise for ``err`` (which it does not wrap).

    Args:
        err: What the driver, SQLAlchemy or the pool raised.
        rules: The backend's ordered table.
        operation: The repository method (``change_status``), named in the message.
        operator_retry_delay: ``next_retry_delay`` of the errors an operator fixes.
        arguments: The values the call sent, by name: a value the database cannot store is
            named in the message (a short excerpt, never the whole value).
    """
    facts = driver_facts(err)
    rule = first_row(facts, rules)
    error_type = rule.error if rule else DatabaseUnavailableError
    cause = rule.cause if rule else "unclassified database error"
    code = f"SQLSTATE {facts.sqlstate}" if facts.sqlstate else facts.code
    where = f"{facts.error}, {code}" if code else facts.error
    culprit = _culprit(facts.message, arguments) if rule and rule.names_value else None
    subject = f"{culprit[0]} {culprit[1]} " if culprit else ""
    if rule and rule.names_value and not culprit:
        subject = "a value "
    message = f"{operation}: {subject}{cause} ({where}): {facts.message or 'no message'}"
    if rule and rule.fix:
        message += f". {rule.fix}"
    details: dict[str, str | None] = {
        "sqlstate": facts.sqlstate,
        "error": facts.error,
        "operation": operation,
    }
    if facts.code:
        details["code"] = facts.code
    if culprit:
        details["argument"] = culprit[0]
    delay = rule.retry_delay(operator_retry_delay) if rule else None
    return error_type(message, details, next_retry_delay=delay)


def _culprit(message: str, arguments: Arguments) -> tuple[str, str] | None:
    """Which argument a class-22 driver message is about, and how to show it (short).

    "value too long for type character varying(N)": the first text longer than N.
    "invalid byte sequence ...: 0x00", "character with byte sequence 0xf0 0x9f 0x98 0x80 ...
    has no equivalent in encoding ...": the first text holding that character.
    """
    texts = [(name, value) for name, value in arguments if isinstance(value, str)]
    length = _COLUMN_LENGTH.search(message)
    if length:
        limit = int(length.group(1) or length.group(2))
        for name, value in texts:
            if len(value) > limit:
                return name, f"of {len(value)} characters (the column holds {limit})"
        return None
    sequence = bytes(int(byte, 16) for byte in _BYTE_SEQUENCE.findall(message))
    try:
        character = sequence.decode()[:1]
    except UnicodeDecodeError:
        return None
    for name, value in texts:
        if character and character in value:
            return name, _excerpt(value)
    return None


def _excerpt(value: str) -> str:
    # ascii(): a NUL, an emoji or a control character stays printable, in Python's notation.
    text = ascii(value)
    if len(text) > _MAX_VALUE_EXCERPT:
        text = text[: _MAX_VALUE_EXCERPT - 4] + "...'"
    return text


def _short(err: BaseException) -> str:
    # args[0] for driver errors: str() of some wrappers appends SQL and parameters.
    raw = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)
    if isinstance(err, OSError) and err.strerror:
        raw = err.strerror  # without the address and errno decorations
    return safe_message(raw, _MAX_DRIVER_MESSAGE, _REDACTIONS)
