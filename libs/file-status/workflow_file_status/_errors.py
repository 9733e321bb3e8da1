"""Turning any database exception into one of the contracts' small, typed errors.

Each backend has one ordered table of `ErrorRule` rows (`_pg_errors`, `_sqlite_errors`),
most specific first, like httpx's transport exception map: the first row that matches the
exception decides the error type. Anything no row matches becomes a retryable
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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from workflow_contracts import (
    DatabaseUnavailableError,
    OperatorActionRequired,
    SharedActivityError,
)

Arguments = Sequence[tuple[str, object]]
"""The values a call sent, by name (``("activity_id", "a")``): which one a class-22 error
(a value the database cannot store) is about is found among them."""

__all__ = [
    "MIGRATE_FIX",
    "Arguments",
    "DriverFacts",
    "ErrorRule",
    "driver_facts",
    "map_error",
    "match_rule",
]

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
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|secret|token)\s*[=:]\s*\S+")


@dataclass(frozen=True, slots=True)
class DriverFacts:
    """What is safe and useful to report about a database exception.

    Attributes:
        chain: The exception and what it wraps (SQLAlchemy ``orig``, then ``__cause__``),
            outermost first.
        error: Class name of the innermost (driver) exception.
        sqlstate: PostgreSQL SQLSTATE, if any exception in the chain carries one.
        code: SQLite extended error name (``SQLITE_BUSY``), if any.
        message: The driver's message: first line, scrubbed of URLs and secrets, cut short.
    """

    chain: tuple[BaseException, ...]
    error: str
    sqlstate: str | None
    code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of a backend's mapping table: when it matches, and what it becomes.

    A row matches when any of its criteria does: a SQLSTATE (five characters exact, or a
    two-character class), a SQLite error name (exact, or a prefix of an extended code), an
    exception type anywhere in the chain, or a pattern found in the driver message.

    Attributes:
        error: The contracts error raised.
        cause: What it means, in a few words (starts the message).
        sqlstates: SQLSTATE codes or classes.
        codes: SQLite error names (``SQLITE_READONLY`` also matches ``SQLITE_READONLY_*``).
        types: Exception classes.
        messages: Regular expressions searched in the driver message (case-insensitive).
        fix: What an operator does about it (ends the message), if anything.
        names_value: The error is about a value the call sent (a value the database cannot
            store): the message names that argument with a short excerpt, and ``details``
            carry ``"argument"``, when the driver message tells which one it is.
    """

    error: type[SharedActivityError]
    cause: str
    sqlstates: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    types: tuple[type[BaseException], ...] = ()
    messages: tuple[str, ...] = ()
    fix: str = ""
    names_value: bool = False

    def matches(self, facts: DriverFacts) -> bool:
        """Tells whether this row applies to the exception described by ``facts``."""
        state = facts.sqlstate
        if state is not None and (state in self.sqlstates or state[:2] in self.sqlstates):
            return True
        code = facts.code
        if code is not None and any(code == c or code.startswith(c + "_") for c in self.codes):
            return True
        if self.types and any(isinstance(e, self.types) for e in facts.chain):
            return True
        return any(re.search(p, facts.message, re.IGNORECASE) for p in self.messages)


def driver_facts(err: BaseException) -> DriverFacts:
    """Unwraps ``err`` (SQLAlchemy wrapper, adapted DBAPI error, driver error) into facts."""
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
    return DriverFacts(tuple(chain), type(innermost).__name__, sqlstate, code, _short(innermost))


def match_rule(facts: DriverFacts, rules: Sequence[ErrorRule]) -> ErrorRule | None:
    """The first row of ``rules`` that matches, or None."""
    return next((rule for rule in rules if rule.matches(facts)), None)


def map_error(
    err: BaseException,
    rules: Sequence[ErrorRule],
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
    rule = match_rule(facts, rules)
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
    delay = operator_retry_delay if issubclass(error_type, OperatorActionRequired) else None
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
    text = raw.strip().splitlines()[0] if raw.strip() else ""
    text = _SECRET.sub(r"\1=***", _URL.sub("<url>", text))
    if len(text) > _MAX_DRIVER_MESSAGE:
        text = text[: _MAX_DRIVER_MESSAGE - 3] + "..."
    return text
