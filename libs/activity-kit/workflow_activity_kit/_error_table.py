"""One shape of error-table row for every backend, and the one way a table is read.

Like httpx's transport exception map, a backend lists `ErrorRow`s most specific first and the
first row matching a failure decides our error: its type (hence its retryability), the cause
and fix its message gives, and the ``next_retry_delay`` hint. What a row can match is read
once from the failure into `ErrorFacts` by the backend (an AWS answer's code and HTTP status,
a database driver's SQLSTATE or error name), so the same rows serve every backend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from workflow_contracts.errors import OperatorActionRequired, SharedActivityError

__all__ = ["ErrorFacts", "ErrorRow", "first_row"]


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    """What is safe and useful to know about a failure, as the rows match it.

    Attributes:
        chain: The exception and those it wraps that the backend looks into, outermost
            first (an AWS call: the exception alone).
        error: Class name of the innermost exception.
        sqlstate: PostgreSQL SQLSTATE, if any.
        code: The service's or driver's error name: an AWS ``Error.Code``, a SQLite
            extended error name (``SQLITE_BUSY``).
        message: The failure's message, already made safe (one line, scrubbed, cut).
        status: HTTP status of the service's answer (``0``: an answer without one; None:
            no answer at all).
    """

    chain: tuple[BaseException, ...]
    error: str
    sqlstate: str | None
    code: str | None
    message: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One row of a backend's error table: when it matches, and what the failure becomes.

    A row matches when any of its criteria does: an error code (exact, or the name of a
    family: ``SQLITE_READONLY`` also matches ``SQLITE_READONLY_DBMOVED``), a SQLSTATE (five
    characters exact, or a two-character class), an HTTP status or range of statuses, an
    exception type anywhere in the chain, or a pattern found in the message.

    Attributes:
        error: Our error raised (its class fixes the type and the retryability).
        cause: What it means, in a few words; the backend places it in the message.
        codes: Error codes (`ErrorFacts.code`).
        sqlstates: SQLSTATE codes or classes.
        statuses: HTTP statuses (an ``int``, ``0`` for an answer without one) or ranges.
        types: Exception classes.
        messages: Regular expressions searched in the message (case-insensitive).
        fix: What an operator does about it (ends the message), if the cause does not say.
        delay: ``next_retry_delay`` hint (a throttled call); None gives errors an operator
            fixes the operator delay, and the others Temporal's back-off.
        names_value: The failure is about a value the call sent (a value a database cannot
            store): the backend names that argument when it can tell which it is.
    """

    error: type[SharedActivityError]
    cause: str
    codes: frozenset[str] = frozenset()
    sqlstates: frozenset[str] = frozenset()
    statuses: tuple[int | range, ...] = ()
    types: tuple[type[BaseException], ...] = ()
    messages: tuple[str, ...] = ()
    fix: str = ""
    delay: timedelta | None = None
    names_value: bool = False

    def matches(self, facts: ErrorFacts) -> bool:
        """Tells whether this row applies to the failure described by ``facts``."""
        state = facts.sqlstate
        if state is not None and (state in self.sqlstates or state[:2] in self.sqlstates):
            return True
        code = facts.code
        if code is not None and any(code == c or code.startswith(c + "_") for c in self.codes):
            return True
        status = facts.status
        if status is not None and any(
            status in s if isinstance(s, range) else status == s for s in self.statuses
        ):
            return True
        if self.types and any(isinstance(e, self.types) for e in facts.chain):
            return True
        return any(re.search(p, facts.message, re.IGNORECASE) for p in self.messages)

    def retry_delay(self, operator_retry_delay: timedelta) -> timedelta | None:
        """The ``next_retry_delay`` hint of this row's error (None: Temporal's back-off)."""
        if self.delay is not None:
            return self.delay
        if issubclass(self.error, OperatorActionRequired):
            return operator_retry_delay
        return None


def first_row(facts: ErrorFacts, rows: Sequence[ErrorRow]) -> ErrorRow | None:
    """The first row of ``rows`` (a table, most specific first) that matches, or None."""
    return next((row for row in rows if row.matches(facts)), None)
