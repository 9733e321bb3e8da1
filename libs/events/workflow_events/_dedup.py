"""Dropping duplicate deliveries by `dedup_key`, over any store.

EventBridge and SQS deliver at least once, and a producer's retry sends the same event again
(same ``detail.id``). A `Deduplicator` remembers the keys handled, behind three calls that a
shared store implements atomically:

- ``claim(key)``: `ClaimResult.DONE` when the key was handled already (drop the message),
  `ClaimResult.IN_PROGRESS` when another consumer holds a live claim on it (leave the message
  for a later delivery, or rely on an idempotent side effect), else takes a claim for
  ``lease`` and answers `ClaimResult.CLAIMED` (handle it);
- ``complete(key)``: handled: remembered as done for ``ttl``;
- ``release(key)``: handling failed: drop the claim so that a redelivery may claim it.

A claim expires after its lease, so a consumer that dies while handling never blocks the key
for good: keep the lease below the queue's visibility timeout. `InMemoryDeduplicator` serves
one process; with Redis ``claim`` is ``SET key claimed NX PX <lease>`` (then ``GET`` to tell
done from claimed), ``complete`` is ``SET key done PX <ttl>`` and ``release`` deletes the key
if it is still ``claimed``; with DynamoDB ``claim`` is a ``PutItem`` conditioned on
``attribute_not_exists(pk) OR expires_at < :now``, with a TTL attribute for the expiry.

`handle_once` wraps the three calls around a block of code.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

__all__ = ["ClaimResult", "Deduplicator", "InMemoryDeduplicator", "handle_once"]


class ClaimResult(StrEnum):
    """What `Deduplicator.claim` found."""

    CLAIMED = "claimed"
    """New key (or an expired claim): the caller holds it now and handles the message."""
    IN_PROGRESS = "in_progress"
    """Another caller holds a live claim: the message is being handled elsewhere."""
    DONE = "done"
    """Handled already: a duplicate."""


@runtime_checkable
class Deduplicator(Protocol):
    """Remembers which keys were handled; see the module docstring for the contract."""

    async def claim(self, key: str) -> ClaimResult:
        """Atomically: `ClaimResult.DONE`, `IN_PROGRESS`, or take the claim (`CLAIMED`)."""
        ...

    async def complete(self, key: str) -> None:
        """Marks the key handled (kept for the store's TTL); idempotent."""
        ...

    async def release(self, key: str) -> None:
        """Drops the caller's claim after a failure; a done key stays done."""
        ...


class InMemoryDeduplicator:
    """A `Deduplicator` in this process's memory: TTL, lease and a bound on the keys kept.

    Each call is atomic within one event loop (nothing awaits between the check and the
    write). Past ``max_keys`` the least recently written keys are forgotten first, so memory
    stays bounded under any load; a forgotten key is only a duplicate handled twice, which
    the handler must tolerate anyway (a restart forgets everything too).
    """

    def __init__(
        self,
        *,
        ttl: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(minutes=5),
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Args: ttl: How long a done key is remembered. lease: How long a claim holds. max_keys: Keys kept at most. clock: Seconds, monotonic (tests pass a fake one)."""
        if ttl <= timedelta(0) or lease <= timedelta(0):
            raise ValueError("ttl and lease must be positive")
        if max_keys < 1:
            raise ValueError("max_keys must be >= 1")
        self._ttl = ttl.total_seconds()
        self._lease = lease.total_seconds()
        self._max_keys = max_keys
        self._clock = clock
        # key -> (done, expires at); ordered by last write, oldest first.
        self._keys: OrderedDict[str, tuple[bool, float]] = OrderedDict()

    @property
    def size(self) -> int:
        """Keys currently kept (expired ones included until they are purged)."""
        return len(self._keys)

    def _write(self, key: str, done: bool, expires: float) -> None:
        self._keys[key] = (done, expires)
        self._keys.move_to_end(key)
        while len(self._keys) > self._max_keys:
            self._keys.popitem(last=False)

    def _purge(self, now: float) -> None:
        # Drop expired keys from the old end; a long-lived key in front stops it early, which
        # only delays the purge (expiry is also checked on every read).
        while self._keys:
            _, expires = next(iter(self._keys.values()))
            if expires > now:
                break
            self._keys.popitem(last=False)

    async def claim(self, key: str) -> ClaimResult:
        """See `Deduplicator.claim`."""
        now = self._clock()
        self._purge(now)
        found = self._keys.get(key)
        if found is not None and found[1] > now:
            return ClaimResult.DONE if found[0] else ClaimResult.IN_PROGRESS
        self._write(key, False, now + self._lease)
        return ClaimResult.CLAIMED

    async def complete(self, key: str) -> None:
        """See `Deduplicator.complete`."""
        self._write(key, True, self._clock() + self._ttl)

    async def release(self, key: str) -> None:
        """See `Deduplicator.release`."""
        found = self._keys.get(key)
        if found is not None and not found[0]:
            del self._keys[key]


@asynccontextmanager
async def handle_once(deduplicator: Deduplicator, key: str) -> AsyncIterator[ClaimResult]:
    """Claims ``key`` for the block; completes it when the block ends, releases it on error.

    The block handles the message only when it gets `ClaimResult.CLAIMED`::

        async with handle_once(dedup, dedup_key(event)) as claim:
            if claim is ClaimResult.CLAIMED:
                await handle(event)
            # DONE: a duplicate, acknowledge it; IN_PROGRESS: handled elsewhere right now

    Nothing is completed or released for a claim the block did not get.
    """
    claim = await deduplicator.claim(key)
    if claim is not ClaimResult.CLAIMED:
        yield claim
        return
    try:
        yield claim
    except BaseException:
        await deduplicator.release(key)
        raise
    await deduplicator.complete(key)
