"""Which files are in flight, and the audit queue's events that tell when each is done."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from uuid import UUID

from workflow_demo.stack import LocalStack

__all__ = ["TERMINAL_EVENTS", "Flow", "collect_events", "leave_if_failed"]

logger = logging.getLogger(__name__)

TERMINAL_EVENTS = frozenset({"evaluation_completed", "evaluation_failed", "file_ingestion_failed"})
"""A file's last event: its evaluation's outcome, or its ingestion's failure."""


class Flow:
    """Which files are in flight; each file leaves the window once, at its last event."""

    def __init__(self, concurrency: int) -> None:
        self.window = asyncio.Semaphore(concurrency)
        self.started: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.evaluated = 0

    def start(self, file_id: UUID) -> None:
        self.started[str(file_id)] = time.perf_counter()

    def finish(self, file_id: str) -> None:
        if file_id in self.started and file_id not in self.finished:
            self.finished[file_id] = time.perf_counter()
            self.window.release()

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("source") == "evaluation":
            self.evaluated += 1
        if event.get("detail-type") in TERMINAL_EVENTS:
            self.finish(str(event["detail"]["data"].get("file_id")))

    def latency(self, file_id: UUID) -> float | None:
        key = str(file_id)
        if key in self.finished:
            return self.finished[key] - self.started[key]
        return None


def leave_if_failed(flow: Flow, file_id: str, run: asyncio.Task[Any]) -> None:
    """A workflow that fails outright sends no last event: its file leaves the window here."""
    if run.cancelled() or run.exception() is not None:
        flow.finish(file_id)


async def collect_events(
    stack: LocalStack, sink: list[dict[str, Any]], flow: Flow, stop: asyncio.Event
) -> None:
    url = stack.audit_route.queue_url
    while not stop.is_set():
        try:
            response = await stack.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = response.get("Messages", [])
            if not messages:
                continue
            for message in messages:
                event = json.loads(message["Body"])
                sink.append(event)
                flow.on_event(event)
            await stack.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
        except Exception as err:  # the emulator hiccuped: keep collecting
            logger.warning("collecting events: %s: %s", type(err).__name__, err)
            await asyncio.sleep(0.5)
