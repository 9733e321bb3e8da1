"""Running a worker process: structured logs and graceful shutdown on SIGINT/SIGTERM."""

import asyncio
import json
import logging
import signal
import sys
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_contracts import DATA_CONVERTER

__all__ = ["JsonLogFormatter", "configure_logging", "connect_client", "run_until_signalled"]

_CONTEXT_FIELDS = ("workflow_id", "file_id", "event_id", "event_source", "event_type", "attempt")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the workflow/file/event ids passed in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        """Formats the record as JSON."""
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = str(value)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out)


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
    another (or the restarted) worker.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with worker:
            logging.getLogger(__name__).info("worker running on task queue %s", worker.task_queue)
            await stop.wait()
            logging.getLogger(__name__).info("stop requested: shutting down gracefully")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def connect_client(address: str, namespace: str = "default") -> Client:
    """A Temporal client with the data converter the contracts need."""
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)
