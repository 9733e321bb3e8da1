"""Running a worker process: structured logs and graceful shutdown on SIGINT/SIGTERM."""

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter
from temporalio.client import Client, Plugin
from temporalio.runtime import Runtime
from temporalio.worker import Worker
from workflow_contracts import DATA_CONVERTER

__all__ = [
    "JsonLogFormatter",
    "configure_logging",
    "connect_client",
    "run_until_signalled",
    "run_worker_until_stopped",
]

# The worker lines keep the logger name operators filter on (0.1: the runtime module).
_LOGGER = logging.getLogger("workflow_shared_activities.runtime")


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line (python-json-logger), for log shippers.

    Each line has ``time`` (ISO 8601 in UTC with milliseconds and the zone,
    ``2026-01-31T12:00:00.123+00:00``), ``level``, ``logger``, ``message``, every field passed
    in ``extra`` (Temporal's ``temporal_activity`` / ``temporal_workflow`` included), and, when
    a span is active, its ``trace_id`` and ``span_id`` (W3C hex), so log lines join traces.
    An exception is in ``error``.
    """

    def __init__(self) -> None:
        """Configures the fields."""
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "error"},
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """Adds the time first, the library's fields, then the active span's ids."""
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            log_data["trace_id"] = format(span_context.trace_id, "032x")
            log_data["span_id"] = format(span_context.span_id, "016x")


def configure_logging(level: str = "INFO") -> None:
    """Structured JSON logs on stderr (call once, from an application's entry point)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


async def run_until_signalled(worker: Worker, stop: asyncio.Event | None = None) -> None:
    """Runs the worker until SIGINT/SIGTERM (or ``stop``), then shuts it down gracefully.

    Shutdown stops polling for new tasks and lets running activities finish within the
    worker's ``graceful_shutdown_timeout``; what did not finish is retried by Temporal on
    another (or the restarted) worker. A worker that fails while starting (its clients or
    migrations) ends this at once with its error instead of hanging.
    """
    _LOGGER.info("worker running on task queue %s", worker.task_queue)
    await run_worker_until_stopped(worker, stop or asyncio.Event())


async def run_worker_until_stopped(worker: Worker, stop: asyncio.Event) -> None:
    """Runs the worker until SIGINT/SIGTERM or ``stop``, then shuts it down gracefully.

    Unlike ``async with worker`` (`run_until_signalled`), a worker that fails while starting
    (its clients or migrations failing in the plugin) ends this at once with that error:
    ``Worker.shutdown()`` after such a failure never returns, so it is only called on a
    worker that is running.

    Raises:
        BaseException: The worker's own fatal error.
    """
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.create_task(worker.run())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()  # the worker's fatal error, if any
            return
        _LOGGER.info("stop requested: shutting down gracefully")
        await worker.shutdown()
        await running
    finally:
        stopping.cancel()
        for sig in signals:
            loop.remove_signal_handler(sig)
        if not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


async def connect_client(
    address: str,
    namespace: str = "default",
    *,
    runtime: Runtime | None = None,
    plugins: Sequence[Plugin] = (),
) -> Client:
    """A Temporal client with the data converter the contracts need.

    Args:
        address: The Temporal frontend (``host:port``).
        namespace: The namespace.
        runtime: The Temporal runtime (e.g. `prometheus_runtime` to export metrics); the
            default runtime when None.
        plugins: Client plugins (e.g. `tracing_plugin`).
    """
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=DATA_CONVERTER,
        runtime=runtime,
        plugins=list(plugins),
    )
