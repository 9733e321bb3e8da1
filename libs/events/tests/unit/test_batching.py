import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from workflow_contracts import TemporalContext
from workflow_contracts.errors import (
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)
from workflow_events import EventEntry
from workflow_events._entry import build_entry
from workflow_events._port import EntryOutcome
from workflow_events._publishers import BatchingPublisher, DirectPublisher
from workflow_events.testing import InMemoryEventBus

CTX = TemporalContext("wf", "run", "1", 1)


def entry(i: int, size: int = 0) -> EventEntry:
    e, _ = build_entry(
        event_id=f"e{i}",
        source="s",
        event_type="t",
        data={"i": i, "pad": "x" * size},
        time=datetime(2026, 1, 1, tzinfo=UTC),
        context=CTX,
    )
    return e


async def test_concurrent_events_share_calls_of_at_most_ten() -> None:
    bus = InMemoryEventBus()
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    ids = await asyncio.gather(*(publisher.publish(entry(i)) for i in range(25)))
    assert ids == [f"bus-e{i}" for i in range(25)]
    assert [len(call) for call in bus.calls] == [10, 10, 5]
    assert [e.event_id for e in bus.accepted] == [f"e{i}" for i in range(25)]


async def test_a_lone_event_is_sent_after_the_wait() -> None:
    bus = InMemoryEventBus()
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=1))
    assert await publisher.publish(entry(1)) == "bus-e1"
    assert len(bus.calls) == 1


async def test_each_caller_gets_its_own_entry_outcome() -> None:
    bus = InMemoryEventBus(entry_failures={"e3": "ThrottlingException", "e7": "InvalidArgument"})
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(10)), return_exceptions=True
    )
    assert len(bus.calls) == 1
    assert isinstance(results[3], EventThrottledError) and not results[3].non_retryable
    assert isinstance(results[7], EventRejectedError) and results[7].non_retryable
    assert [r for i, r in enumerate(results) if i not in (3, 7)] == [
        f"bus-e{i}" for i in range(10) if i not in (3, 7)
    ]
    # The retry of the throttled caller re-sends its entry only.
    assert await publisher.publish(entry(3)) == "bus-e3"
    assert [e.event_id for e in bus.calls[-1]] == ["e3"]
    assert sorted(e.event_id for e in bus.accepted) == sorted(f"e{i}" for i in range(10) if i != 7)


@pytest.mark.parametrize(
    "error",
    [
        EventPublishRetryableError("connection reset"),
        EventThrottledError("slow down", next_retry_delay=timedelta(seconds=1)),
        EventBusNotFoundError("no bus", next_retry_delay=timedelta(seconds=2)),
        EventAccessDeniedError("no permission"),
    ],
)
async def test_a_retryable_failed_call_fails_every_caller_in_it(
    error: SharedActivityError,
) -> None:
    bus = InMemoryEventBus(call_error=error)
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(4)), return_exceptions=True
    )
    assert len(bus.calls) == 1  # a retry, not a loss: no call per entry
    assert all(type(r) is type(error) for r in results)
    assert all(not r.non_retryable for r in results)  # type: ignore[union-attr]
    assert all(r.next_retry_delay == error.next_retry_delay for r in results)  # type: ignore[union-attr]
    assert len({id(r) for r in results}) == 4  # each caller raises its own instance
    assert all(r.__cause__ is None for r in results)  # type: ignore[union-attr]


async def test_one_poisoned_entry_fails_only_its_caller() -> None:
    # One entry makes the whole call invalid: each entry is then sent alone.
    bus = InMemoryEventBus(poison={"e2": EventRejectedError("ValidationException")})
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(4)), return_exceptions=True
    )
    assert isinstance(results[2], EventRejectedError) and results[2].non_retryable
    assert [results[i] for i in (0, 1, 3)] == ["bus-e0", "bus-e1", "bus-e3"]
    assert [len(call) for call in bus.calls] == [4, 1, 1, 1, 1]
    assert sorted(e.event_id for e in bus.accepted) == ["e0", "e1", "e3"]


async def test_isolated_entries_each_get_their_own_outcome() -> None:
    # The call fails permanently; alone, one entry is rejected, another throttled.
    bus = InMemoryEventBus(
        poison={"e0": EventRejectedError("bad e0")},
        entry_failures={"e1": "ThrottlingException"},
    )
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(3)), return_exceptions=True
    )
    assert isinstance(results[0], EventRejectedError)
    assert isinstance(results[1], EventThrottledError) and not results[1].non_retryable
    assert results[2] == "bus-e2"


async def test_a_permanent_failure_of_a_lone_entry_is_not_sent_again() -> None:
    bus = InMemoryEventBus(call_error=EventRejectedError("refused"))
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=1))
    with pytest.raises(EventRejectedError):
        await publisher.publish(entry(1))
    assert len(bus.calls) == 1


async def test_a_permanent_failure_of_every_entry_reaches_every_caller() -> None:
    bus = InMemoryEventBus(call_error=EventRejectedError("refused"))
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, EventRejectedError) and r.non_retryable for r in results)
    assert [len(call) for call in bus.calls] == [3, 1, 1, 1]


async def test_the_error_a_backend_built_for_an_entry_is_the_one_raised() -> None:
    built = EventAccessDeniedError("grant it on 'bus-x'", next_retry_delay=timedelta(seconds=3))

    class Backend:
        async def send_batch(self, entries: object) -> list[EntryOutcome]:
            return [EntryOutcome(error_code="AccessDeniedException", error=built)]

    with pytest.raises(EventAccessDeniedError) as direct:
        await DirectPublisher(Backend()).publish(entry(1))
    assert direct.value is built
    with pytest.raises(EventAccessDeniedError) as batched:
        await BatchingPublisher(Backend(), max_wait=timedelta(0)).publish(entry(1))
    assert batched.value is built


async def test_byte_limit_splits_batches() -> None:
    bus = InMemoryEventBus()
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=20), max_batch_bytes=3000)
    await asyncio.gather(*(publisher.publish(entry(i, size=1000)) for i in range(5)))
    assert all(sum(e.size for e in call) <= 3000 for call in bus.calls)
    assert sum(len(call) for call in bus.calls) == 5
    assert len(bus.calls) >= 3


async def test_close_flushes_what_is_queued() -> None:
    bus = InMemoryEventBus()
    publisher = BatchingPublisher(bus, max_wait=timedelta(hours=1))
    pending = [asyncio.create_task(publisher.publish(entry(i))) for i in range(3)]
    await asyncio.sleep(0)
    assert bus.calls == []
    await publisher.aclose()
    assert [await p for p in pending] == ["bus-e0", "bus-e1", "bus-e2"]
    with pytest.raises(RuntimeError):
        await publisher.publish(entry(9))


async def test_a_cancelled_caller_is_not_sent() -> None:
    bus = InMemoryEventBus()
    publisher = BatchingPublisher(bus, max_wait=timedelta(milliseconds=30))
    doomed = asyncio.create_task(publisher.publish(entry(1)))
    kept = asyncio.create_task(publisher.publish(entry(2)))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await kept == "bus-e2"
    assert [e.event_id for e in bus.accepted] == ["e2"]


async def test_direct_publisher_sends_one_entry_per_call() -> None:
    bus = InMemoryEventBus(entry_failures={"e2": "MalformedDetail"})
    publisher = DirectPublisher(bus)
    assert await publisher.publish(entry(1)) == "bus-e1"
    with pytest.raises(EventRejectedError):
        await publisher.publish(entry(2))
    assert [len(c) for c in bus.calls] == [1, 1]


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError):
        BatchingPublisher(InMemoryEventBus(), max_entries=11)
    with pytest.raises(ValueError):
        BatchingPublisher(InMemoryEventBus(), max_wait=timedelta(seconds=-1))
