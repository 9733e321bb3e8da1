"""HTTP liveness and readiness of a worker process: `serve_health`.

Two endpoints on a port of their own (Temporal's Prometheus endpoint is served by its Rust
core and takes no other route):

- ``GET /healthz``: 200 ``{"status": "ok"}`` while the process serves HTTP at all.
- ``GET /readyz``: 200 when the worker runs and every dependency answers within the check
  timeout, else 503; the JSON body names each check, its status and, when failing, one short
  reason (an error class or code, never a message that could quote a URL or a credential).

A worker's checks are ``worker`` (its clients open and the worker running, not stopping),
``temporal`` (the server's gRPC health service), ``database`` (``SELECT 1`` on the worker's
engine) and ``event_bus`` (``DescribeEventBus`` on the worker's events client). The last three
run concurrently and their result is kept for a second, so a storm of probes costs one round
of checks per second; the ``worker`` check is read live, so readiness turns off the moment a
stop is requested, before the graceful shutdown starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.worker import Worker

from workflow_shared_activities._health_server import (
    DEFAULT_CHECK_TIMEOUT,
    Check,
    CheckFailed,
    Gate,
    HealthServer,
)
from workflow_shared_activities._plugin import SharedActivitiesPlugin
from workflow_shared_activities._resources import WorkerResources

__all__ = ["HealthServer", "serve_health"]

logger = logging.getLogger(__name__)


def _worker_checks(
    worker: Worker, resources: WorkerResources, timeout: timedelta = DEFAULT_CHECK_TIMEOUT
) -> dict[str, Check]:
    """The dependency checks of a worker built with `SharedActivitiesPlugin`."""

    async def temporal() -> None:
        if not await worker.client.service_client.check_health(timeout=timeout):
            raise CheckFailed("not serving")

    probes = resources.probes()
    # Sorted: the order of the checks in /readyz does not depend on the packages' order.
    return {"temporal": temporal, **{name: probes[name] for name in sorted(probes)}}


def _worker_gate(worker: Worker, resources: WorkerResources, stop: asyncio.Event | None) -> Gate:
    """Why the worker is not ready by itself (``starting``, ``shutting down``...), or None."""
    seen_running = False

    def gate() -> str | None:
        nonlocal seen_running
        if stop is not None and stop.is_set():
            return "shutting down"
        if resources.is_open and worker.is_running:
            seen_running = True
            return None
        return "stopped" if seen_running or worker.is_shutdown else "starting"

    return gate


@asynccontextmanager
async def serve_health(
    worker: Worker,
    plugin: SharedActivitiesPlugin,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    check_timeout: timedelta = DEFAULT_CHECK_TIMEOUT,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[HealthServer]:
    """Serves ``/healthz`` and ``/readyz`` for a worker built with ``plugin``, while open.

    Enter it before running the worker and leave it after the worker has stopped, so
    ``/healthz`` answers during the whole graceful shutdown. Readiness is off from the moment
    ``stop`` is set (give the event `run_until_signalled` sets on SIGINT/SIGTERM) or the
    worker is not running.

    Args:
        worker: The worker (built, not necessarily running yet).
        plugin: The `SharedActivitiesPlugin` the worker was built with.
        port: Port to listen on; 0 for a free one (`HealthServer.port`).
        host: Address to listen on (``0.0.0.0`` for probes from outside the host).
        check_timeout: Limit of each readiness check.
        stop: The event that asks the worker to stop.

    Raises:
        LookupError: The worker was not built with ``plugin``.
        OSError: The address cannot be bound.
    """
    resources = plugin.resources_for(worker)
    server = HealthServer(
        _worker_checks(worker, resources, check_timeout),
        gate=_worker_gate(worker, resources, stop),
        host=host,
        port=port,
        check_timeout=check_timeout,
    )
    async with server:
        announce = asyncio.create_task(_announce_stop(stop)) if stop is not None else None
        try:
            yield server
        finally:
            if announce is not None:
                announce.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await announce


async def _announce_stop(stop: asyncio.Event) -> None:
    # Readiness already reads the event itself; this only tells the log when it turned off.
    await stop.wait()
    logger.info("readiness off: shutting down", extra={"reason": "shutting down"})
