"""For an app's own activities: heartbeating while work runs, a retryable error for the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError
from workflow_contracts.errors import MAX_ERROR_MESSAGE_CHARS

__all__ = ["heartbeating", "retryable_error"]

T = TypeVar("T")


async def heartbeating(work: Awaitable[T], every: timedelta = timedelta(seconds=1)) -> T:
    """Awaits ``work`` inside an activity, heartbeating every ``every`` meanwhile.

    With a ``heartbeat_timeout`` on the call, an attempt whose worker was killed is retried
    after that timeout instead of after its whole ``start_to_close_timeout``.
    """
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every.total_seconds())
            if done:
                return task.result()
            activity.heartbeat()
    finally:
        if not task.done():
            task.cancel()


def retryable_error(err: Exception) -> ApplicationError:
    """An unexpected exception of an app's own activity as a small, readable, retryable error.

    The type is the exception's class name; the message is cut to `MAX_ERROR_MESSAGE_CHARS`
    (as the shared activities' own), so a driver's long error never bloats the history.
    Raise it ``from err``: the worker's log keeps the whole exception.
    """
    message = f"{type(err).__name__}: {err}"
    if len(message) > MAX_ERROR_MESSAGE_CHARS:
        message = message[: MAX_ERROR_MESSAGE_CHARS - 3] + "..."
    return ApplicationError(message, type=type(err).__name__, non_retryable=False)
