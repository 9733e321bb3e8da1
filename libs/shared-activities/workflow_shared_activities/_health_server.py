"""The HTTP server of the health endpoints: `HealthServer`, over named checks.

``GET /healthz`` answers 200 ``{"status": "ok"}`` while the process serves HTTP at all;
``GET /readyz`` answers 200 when the gate is open and every check passes within its timeout,
else 503, with a JSON body naming each check (see ``docs/health-checks.md``). The checks run
concurrently and a round's result answers the probes of the next second (``cache_ttl``), so a
storm of probes costs one round a second; the gate (``worker``) is read on every probe.
`workflow_shared_activities._health.serve_health` builds one for a worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from temporalio.service import RPCError

__all__ = ["DEFAULT_CHECK_TIMEOUT", "Check", "CheckFailed", "Gate", "HealthServer"]

logger = logging.getLogger(__name__)

DEFAULT_CHECK_TIMEOUT = timedelta(seconds=2)
DEFAULT_CACHE_TTL = timedelta(seconds=1)

Check = Callable[[], Awaitable[None]]
"""A dependency check: returns when healthy, raises otherwise."""

Gate = Callable[[], str | None]
"""The live precondition of every check: None when open, else why not (``shutting down``)."""


class CheckFailed(Exception):
    """A check's failure whose message is safe to show as it is (no secret in it)."""


def describe_failure(err: BaseException, timeout: float) -> str:
    """One short reason for a failed check, safe to serve: a class name or an error code.

    Driver messages are left out on purpose: they may quote a host, a URL or a user name.
    """
    if isinstance(err, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(err, CheckFailed):
        return str(err)
    # botocore's ClientError, recognised by its shape (botocore is aioboto3's, not ours).
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str) and code:
            return code
    if isinstance(err, RPCError):
        return f"RPCError {err.status.name}"
    # The driver's own error names the failure best (SQLAlchemy's asyncpg adapter wraps
    # ConnectionDoesNotExistError in a generic InterfaceError, then in a DBAPIError).
    root: BaseException = err
    if isinstance(err, DBAPIError) and err.orig is not None:
        root = err.orig
    for _ in range(10):  # bounded: a cause chain could be made circular
        if root.__cause__ is None:
            break
        root = root.__cause__
    return type(root).__name__


class HealthServer:
    """Serves ``/healthz`` and ``/readyz`` for a set of named checks (aiohttp).

    Use it as an async context manager (or `start` / `stop`); `serve_health` builds one for
    a worker. ``port=0`` binds a free port: read it from `port` (it is also logged, with the
    field ``health_port``).
    """

    def __init__(
        self,
        checks: Mapping[str, Check],
        *,
        gate: Gate = lambda: None,
        gate_name: str = "worker",
        host: str = "127.0.0.1",
        port: int = 0,
        check_timeout: timedelta = DEFAULT_CHECK_TIMEOUT,
        cache_ttl: timedelta = DEFAULT_CACHE_TTL,
    ) -> None:
        """Configures the server; nothing listens until `start`.

        Args:
            checks: The dependency checks, by the name they have in the JSON.
            gate: Read on every ``/readyz``; while it gives a reason, readiness fails under
                ``gate_name`` with that reason and the checks are skipped.
            gate_name: The gate's name in the JSON.
            host: Address to listen on (``0.0.0.0`` for probes from outside the host).
            port: Port to listen on; 0 for a free one.
            check_timeout: Limit of each check.
            cache_ttl: How long a round of checks answers later probes.
        """
        self._checks = dict(checks)
        self._gate = gate
        self._gate_name = gate_name
        self._host = host
        self._requested_port = port
        self._timeout = check_timeout.total_seconds()
        self._ttl = cache_ttl.total_seconds()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._results: dict[str, dict[str, Any]] | None = None
        self._results_at = 0.0
        self._round: asyncio.Task[dict[str, dict[str, Any]]] | None = None
        self._abandoned: set[asyncio.Future[None]] = set()

    @property
    def port(self) -> int:
        """The port listened on (the chosen one when asked for 0).

        Raises:
            RuntimeError: The server is not started.
        """
        if self._port is None:
            raise RuntimeError("the health server is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port`` of the server."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listens on the configured address.

        Raises:
            OSError: The address cannot be bound (the port is taken).
        """
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        # No signal handling here: the worker's own handlers decide when the process stops.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        logger.info(
            "health endpoints on %s (/healthz, /readyz)",
            self.url,
            extra={"health_host": self._host, "health_port": self._port},
        )

    async def stop(self) -> None:
        """Stops listening (and cancels a round of checks in flight)."""
        if self._round is not None:
            self._round.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            logger.info("health endpoints closed")

    async def __aenter__(self) -> HealthServer:
        """Starts the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stops the server."""
        await self.stop()

    async def readiness(self) -> dict[str, Any]:
        """The ``/readyz`` document: ``status`` (``ok`` or ``fail``) and every check's entry."""
        results: dict[str, dict[str, Any]] = {}
        blocked = self._gate()
        if blocked is None:
            results = await self._dependency_results()
            blocked = self._gate()  # a stop may have come while the checks ran
        if blocked is not None:
            skipped = {"status": "skipped", "reason": f"{self._gate_name} not running"}
            checks = {self._gate_name: {"status": "fail", "reason": blocked}}
            return {"status": "fail", "checks": checks | dict.fromkeys(self._checks, skipped)}
        checks = {self._gate_name: {"status": "ok"}} | results
        ok = all(entry["status"] == "ok" for entry in checks.values())
        return {"status": "ok" if ok else "fail", "checks": checks}

    async def _healthz(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"}, 200)

    async def _readyz(self, request: web.Request) -> web.Response:
        document = await self.readiness()
        return _json(document, 200 if document["status"] == "ok" else 503)

    async def _dependency_results(self) -> dict[str, dict[str, Any]]:
        if self._results is not None and time.monotonic() - self._results_at < self._ttl:
            return self._results
        if self._round is None:
            self._round = asyncio.create_task(self._run_checks())
        # Shielded: one caller going away (a probe's timeout) must not cancel the others' round.
        return await asyncio.shield(self._round)

    async def _run_checks(self) -> dict[str, dict[str, Any]]:
        try:
            names = list(self._checks)
            entries = await asyncio.gather(*(self._run_check(self._checks[n]) for n in names))
            results = dict(zip(names, entries, strict=True))
            self._log_changes(results)
            self._results, self._results_at = results, time.monotonic()
            return results
        finally:
            self._round = None

    async def _run_check(self, check: Check) -> dict[str, Any]:
        started = time.perf_counter()
        task = asyncio.ensure_future(check())
        try:
            done, _ = await asyncio.wait({task}, timeout=self._timeout)
            if not done:
                # Cancelled, not awaited: a driver's cleanup (closing a slow connection)
                # must not hold the probe past its timeout.
                task.cancel()
                self._abandoned.add(task)
                task.add_done_callback(self._abandoned.discard)
                raise TimeoutError
            task.result()
        except Exception as err:
            reason: str | None = describe_failure(err, self._timeout)
        else:
            reason = None
        entry: dict[str, Any] = {
            "status": "ok" if reason is None else "fail",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if reason is not None:
            entry["reason"] = reason
        return entry

    def _log_changes(self, results: Mapping[str, Mapping[str, Any]]) -> None:
        # Only changes are logged: a probe a second would otherwise flood the log.
        before = self._results or {}
        for name, entry in results.items():
            was = before.get(name, {}).get("status")
            if entry["status"] == "fail" and was != "fail":
                logger.warning(
                    "readiness check %s failing: %s",
                    name,
                    entry["reason"],
                    extra={"check": name, "reason": entry["reason"]},
                )
            elif entry["status"] == "ok" and was == "fail":
                logger.info("readiness check %s ok again", name, extra={"check": name})


def _json(document: Mapping[str, Any], status: int) -> web.Response:
    return web.json_response(document, status=status, headers={"Cache-Control": "no-store"})
