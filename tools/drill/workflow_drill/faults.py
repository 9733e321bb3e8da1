"""A fault-injecting HTTP proxy in front of the EventBridge endpoint.

botocore talks to the proxy as if it were EventBridge. Every call is forwarded to the real
endpoint (moto) except a configurable share of ``PutEvents`` calls, which are answered with
throttling (HTTP 400 ``ThrottlingException``), an HTTP 500, a partial failure (HTTP 200,
``FailedEntryCount > 0``: the failed entries are really not delivered), or delayed.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import ClientSession, ClientTimeout, web

__all__ = ["FaultPlan", "FaultProxy"]

_JSON = "application/x-amz-json-1.1"
_PUT_EVENTS = "AWSEvents.PutEvents"
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "host", "content-encoding"}


@dataclass(frozen=True)
class FaultPlan:
    """The share of PutEvents calls that get each fault (the rest pass untouched).

    Attributes:
        throttle: Answered HTTP 400 ``ThrottlingException``.
        server_error: Answered HTTP 500 ``InternalException``.
        partial: Some entries (at least one) fail with ``InternalFailure``; the others are
            delivered.
        latency: Delayed by ``delay`` seconds, then forwarded.
        delay: The added latency.
    """

    throttle: float = 0.0
    server_error: float = 0.0
    partial: float = 0.0
    latency: float = 0.0
    delay: float = 0.5

    @property
    def active(self) -> bool:
        """True when any fault is injected."""
        return any((self.throttle, self.server_error, self.partial, self.latency))


@dataclass
class FaultProxy:
    """Serves on ``127.0.0.1:port`` and forwards to ``target`` with the faults of ``plan``."""

    target: str
    port: int
    plan: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 7
    injected: Counter[str] = field(default_factory=Counter)
    _runner: web.AppRunner | None = None
    _session: ClientSession | None = None

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    @property
    def url(self) -> str:
        """The endpoint URL to give to the events client."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FaultProxy:
        """Starts serving."""
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        """Stops serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _pick(self) -> str | None:
        roll = self._random.random()
        for name, share in (
            ("throttle", self.plan.throttle),
            ("server_error", self.plan.server_error),
            ("partial", self.plan.partial),
            ("latency", self.plan.latency),
        ):
            if roll < share:
                return name
            roll -= share
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        if request.headers.get("X-Amz-Target") != _PUT_EVENTS:
            return await self._forward(request, headers, body)
        fault = self._pick()
        if fault is not None:
            self.injected[fault] += 1
        if fault == "throttle":
            return _error(400, "ThrottlingException", "Rate exceeded (injected)")
        if fault == "server_error":
            return _error(500, "InternalException", "injected server error")
        if fault == "latency":
            await asyncio.sleep(self.plan.delay)
        if fault == "partial":
            return await self._partial(request, headers, body)
        return await self._forward(request, headers, body)

    async def _forward(
        self, request: web.Request, headers: dict[str, str], body: bytes
    ) -> web.Response:
        assert self._session is not None
        async with self._session.request(
            request.method, self.target + request.path_qs, headers=headers, data=body
        ) as answer:
            data = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=answer.status, headers=out, body=data)

    async def _partial(
        self, request: web.Request, headers: dict[str, str], body: bytes
    ) -> web.Response:
        entries = json.loads(body).get("Entries", [])
        failing = {self._random.randrange(len(entries))} if entries else set()
        failing |= {i for i in range(len(entries)) if self._random.random() < 0.3}
        kept = [e for i, e in enumerate(entries) if i not in failing]
        delivered: list[dict[str, str]] = []
        if kept:
            answer = await self._forward(request, headers, json.dumps({"Entries": kept}).encode())
            if answer.status != 200:
                return answer
            assert answer.body is not None and isinstance(answer.body, bytes)
            delivered = json.loads(answer.body).get("Entries", [])
        results: list[dict[str, str]] = []
        it = iter(delivered)
        for i in range(len(entries)):
            if i in failing:
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "injected"})
            else:
                results.append(next(it))
        failed = sum(1 for r in results if "ErrorCode" in r)
        return web.json_response(
            {"FailedEntryCount": failed, "Entries": results}, content_type=_JSON
        )


def _error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        headers={"x-amzn-ErrorType": code},
        body=json.dumps({"__type": code, "message": message}).encode(),
        content_type=_JSON,
    )
