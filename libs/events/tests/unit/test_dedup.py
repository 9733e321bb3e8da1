"""The store-agnostic deduplication helper and its in-memory implementation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from workflow_events.consumer import ClaimResult, Deduplicator, InMemoryDeduplicator, handle_once


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **kw: object) -> InMemoryDeduplicator:
    args: dict[str, object] = {"ttl": timedelta(seconds=100), "lease": timedelta(seconds=10)}
    args.update(kw)
    return InMemoryDeduplicator(clock=clock, **args)  # type: ignore[arg-type]


def test_it_follows_the_protocol() -> None:
    assert isinstance(InMemoryDeduplicator(), Deduplicator)


async def test_claim_complete_and_duplicates() -> None:
    dedup = make(Clock())
    assert await dedup.claim("a") is ClaimResult.CLAIMED
    assert await dedup.claim("a") is ClaimResult.IN_PROGRESS  # a concurrent delivery
    await dedup.complete("a")
    assert await dedup.claim("a") is ClaimResult.DONE
    await dedup.release("a")  # a done key stays done
    assert await dedup.claim("a") is ClaimResult.DONE
    assert await dedup.claim("b") is ClaimResult.CLAIMED


async def test_a_released_claim_can_be_claimed_again() -> None:
    dedup = make(Clock())
    assert await dedup.claim("a") is ClaimResult.CLAIMED
    await dedup.release("a")
    assert await dedup.claim("a") is ClaimResult.CLAIMED
    await dedup.release("never-claimed")  # no error


async def test_a_claim_expires_after_its_lease() -> None:
    clock = Clock()
    dedup = make(clock)
    assert await dedup.claim("a") is ClaimResult.CLAIMED
    clock.now += 9.9
    assert await dedup.claim("a") is ClaimResult.IN_PROGRESS
    clock.now += 0.2  # the holder died: the next delivery takes over
    assert await dedup.claim("a") is ClaimResult.CLAIMED


async def test_a_done_key_is_forgotten_after_the_ttl() -> None:
    clock = Clock()
    dedup = make(clock)
    await dedup.complete("a")
    clock.now += 99
    assert await dedup.claim("a") is ClaimResult.DONE
    clock.now += 2
    assert await dedup.claim("a") is ClaimResult.CLAIMED


async def test_memory_is_bounded_oldest_forgotten_first() -> None:
    dedup = make(Clock(), max_keys=3)
    for key in "abcd":
        await dedup.complete(key)
    assert dedup.size == 3
    assert await dedup.claim("a") is ClaimResult.CLAIMED  # forgotten (evicts "b")
    assert [await dedup.claim(k) for k in "cd"] == [ClaimResult.DONE, ClaimResult.DONE]


async def test_expired_keys_are_purged() -> None:
    clock = Clock()
    dedup = make(clock)
    for i in range(50):
        await dedup.complete(f"k{i}")
    clock.now += 101
    await dedup.claim("new")
    assert dedup.size == 1


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        InMemoryDeduplicator(ttl=timedelta(0))
    with pytest.raises(ValueError, match="max_keys"):
        InMemoryDeduplicator(max_keys=0)


async def test_handle_once_completes_on_success_and_releases_on_error() -> None:
    dedup = make(Clock())
    handled: list[str] = []

    async def deliver(key: str, fail: bool = False) -> ClaimResult:
        async with handle_once(dedup, key) as claim:
            if claim is ClaimResult.CLAIMED:
                if fail:
                    raise RuntimeError("handler failed")
                handled.append(key)
        return claim

    with pytest.raises(RuntimeError):
        await deliver("a", fail=True)
    assert await deliver("a") is ClaimResult.CLAIMED  # released: the redelivery handles it
    assert await deliver("a") is ClaimResult.DONE
    assert handled == ["a"]


async def test_concurrent_deliveries_handle_once() -> None:
    dedup = InMemoryDeduplicator()
    handled: list[str] = []

    async def deliver() -> ClaimResult:
        async with handle_once(dedup, "same") as claim:
            if claim is ClaimResult.CLAIMED:
                await asyncio.sleep(0.01)
                handled.append("same")
        return claim

    claims = await asyncio.gather(*(deliver() for _ in range(20)))
    assert handled == ["same"]
    assert claims.count(ClaimResult.CLAIMED) == 1
    assert set(claims) == {ClaimResult.CLAIMED, ClaimResult.IN_PROGRESS}
    assert await deliver() is ClaimResult.DONE
