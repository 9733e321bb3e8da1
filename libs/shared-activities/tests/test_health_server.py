"""`HealthServer` over fake checks, through real HTTP: the JSON, the timeouts, the cache.

What the endpoints say about a real worker is tested on real workers (``test_health.py``
here, and each app's ``test_health.py``); these pin the contract's shape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy.exc import OperationalError
from temporalio.service import RPCError, RPCStatusCode
from workflow_shared_activities._health import HealthServer
from workflow_shared_activities._health_server import Check, CheckFailed, describe_failure

SECRET_URL = "postgresql+asyncpg://app:hunter2@db.internal:5432/files"


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, await response.json()


def counted(calls: Counter[str], name: str, fail: BaseException | None = None) -> Check:
    async def check() -> None:
        calls[name] += 1
        if fail is not None:
            raise fail

    return check


async def test_ready_when_the_gate_is_open_and_every_check_passes(
    http: aiohttp.ClientSession,
) -> None:
    calls: Counter[str] = Counter()
    checks = {name: counted(calls, name) for name in ("temporal", "database", "event_bus")}
    async with HealthServer(checks, port=0) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert await get(http, f"{server.url}/healthz") == (200, {"status": "ok"})
        status, body = await get(http, f"{server.url}/readyz")
    assert status == 200
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["worker", "temporal", "database", "event_bus"]
    assert body["checks"]["worker"] == {"status": "ok"}
    for name in ("temporal", "database", "event_bus"):
        entry = body["checks"][name]
        assert entry["status"] == "ok" and set(entry) == {"status", "duration_ms"}
        assert isinstance(entry["duration_ms"], float)


async def test_a_failing_check_gives_503_naming_it_with_a_short_reason_and_no_secret(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calls: Counter[str] = Counter()
    leaky = OperationalError("SELECT 1", {}, ConnectionRefusedError(f"cannot reach {SECRET_URL}"))
    checks = {
        "temporal": counted(calls, "temporal"),
        "database": counted(calls, "database", leaky),
        "event_bus": counted(calls, "event_bus", RuntimeError(f"boom {SECRET_URL}")),
    }
    async with HealthServer(checks, port=0, cache_ttl=timedelta(0)) as server:
        status, body = await get(http, f"{server.url}/readyz")
        await get(http, f"{server.url}/readyz")  # still failing: logged once
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["temporal"]["status"] == "ok"
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["reason"] == "ConnectionRefusedError"
    assert body["checks"]["event_bus"]["reason"] == "RuntimeError"
    assert "hunter2" not in str(body) and "hunter2" not in caplog.text
    failing = [r.getMessage() for r in caplog.records if "failing" in r.getMessage()]
    assert sorted(failing) == [
        "readiness check database failing: ConnectionRefusedError",
        "readiness check event_bus failing: RuntimeError",
    ]


def test_reasons_are_codes_and_class_names_never_messages() -> None:
    client_error = Exception("An error occurred (ResourceNotFoundException): no bus x")
    client_error.response = {"Error": {"Code": "ResourceNotFoundException", "Message": "x"}}  # type: ignore[attr-defined]
    assert describe_failure(client_error, 2) == "ResourceNotFoundException"
    rpc = RPCError(f"dns error {SECRET_URL}", RPCStatusCode.UNAVAILABLE, b"")
    assert describe_failure(rpc, 2) == "RPCError UNAVAILABLE"
    assert describe_failure(TimeoutError(), 2.5) == "timed out after 2.5 s"
    assert describe_failure(CheckFailed("not serving"), 2) == "not serving"
    assert describe_failure(OSError(f"no route to {SECRET_URL}"), 2) == "OSError"
    # As SQLAlchemy's asyncpg adapter raises: its own error, the driver's as the cause.
    adapted = RuntimeError("InterfaceError")
    adapted.__cause__ = ConnectionResetError(SECRET_URL)
    assert describe_failure(OperationalError("SELECT 1", {}, adapted), 2) == "ConnectionResetError"


async def test_checks_run_concurrently_each_within_its_timeout(
    http: aiohttp.ClientSession,
) -> None:
    async def slow() -> None:
        await asyncio.sleep(0.3)

    async def stuck() -> None:
        await asyncio.sleep(60)

    checks = {"a": slow, "b": slow, "c": slow, "stuck": stuck}
    async with HealthServer(checks, port=0, check_timeout=timedelta(seconds=0.5)) as server:
        started = time.perf_counter()
        status, body = await get(http, f"{server.url}/readyz")
        elapsed = time.perf_counter() - started
    assert status == 503
    assert body["checks"]["stuck"]["reason"] == "timed out after 0.5 s"
    assert all(body["checks"][name]["status"] == "ok" for name in "abc")
    assert elapsed < 1.0  # the four together, not 0.9 s + 0.5 s one after the other


async def test_a_probe_storm_runs_one_round_of_checks_per_cache_period(
    http: aiohttp.ClientSession,
) -> None:
    calls: Counter[str] = Counter()

    async def database() -> None:
        calls["database"] += 1
        await asyncio.sleep(0.1)

    async with HealthServer(
        {"database": database}, port=0, cache_ttl=timedelta(seconds=0.5)
    ) as server:
        results = await asyncio.gather(*(get(http, f"{server.url}/readyz") for _ in range(50)))
        assert {status for status, _ in results} == {200}
        assert calls["database"] == 1  # the probes in flight shared one round
        await get(http, f"{server.url}/readyz")
        assert calls["database"] == 1  # answered from the cache
        await asyncio.sleep(0.6)
        await get(http, f"{server.url}/readyz")
        assert calls["database"] == 2


async def test_a_closed_gate_fails_at_once_and_skips_the_checks(
    http: aiohttp.ClientSession,
) -> None:
    calls: Counter[str] = Counter()
    reason: list[str | None] = ["starting"]
    gate: Callable[[], str | None] = lambda: reason[0]  # noqa: E731
    checks = {"database": counted(calls, "database"), "event_bus": counted(calls, "event_bus")}
    async with HealthServer(checks, gate=gate, port=0) as server:
        status, body = await get(http, f"{server.url}/readyz")
        assert status == 503
        assert body == {
            "status": "fail",
            "checks": {
                "worker": {"status": "fail", "reason": "starting"},
                "database": {"status": "skipped", "reason": "worker not running"},
                "event_bus": {"status": "skipped", "reason": "worker not running"},
            },
        }
        assert not calls
        reason[0] = None
        assert (await get(http, f"{server.url}/readyz"))[0] == 200
        reason[0] = "shutting down"  # read live: the cached round does not hide it
        status, body = await get(http, f"{server.url}/readyz")
        assert status == 503 and body["checks"]["worker"]["reason"] == "shutting down"
        assert (await get(http, f"{server.url}/healthz"))[0] == 200


async def test_stop_closes_the_port_and_a_taken_port_fails_to_start(
    http: aiohttp.ClientSession,
) -> None:
    server = HealthServer({}, port=0)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
    await server.start()
    url = server.url
    try:
        with pytest.raises(OSError):
            await HealthServer({}, port=server.port).start()
    finally:
        await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(http, f"{url}/healthz")


async def test_a_check_slow_to_cancel_does_not_hold_the_probe_past_its_timeout(
    http: aiohttp.ClientSession,
) -> None:
    async def slow_cleanup() -> None:
        # A driver closing a slow connection when cancelled: the cleanup takes its time.
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.shield(asyncio.sleep(2))

    checks = {"database": slow_cleanup}
    async with HealthServer(checks, port=0, check_timeout=timedelta(seconds=0.3)) as server:
        started = time.monotonic()
        status, body = await get(http, f"{server.url}/readyz")
        elapsed = time.monotonic() - started
    assert status == 503
    assert body["checks"]["database"]["reason"].startswith("timed out")
    assert elapsed < 1.5, elapsed
