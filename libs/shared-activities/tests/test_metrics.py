"""The shared activities' metrics, scraped from a real worker's Prometheus endpoint.

The worker runs on the dev server with PostgreSQL; its events go to a small PutEvents endpoint
that throttles one entry once and rejects another, so every counter has something to count.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from temporalio.client import ActivityFailureError, Client
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_contracts import DATA_CONVERTER, FileStatus
from workflow_devstack import PostgresDatabase, free_port
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    change_file_status,
    emit_event,
)
from workflow_shared_activities.telemetry import prometheus_runtime

Samples = list[tuple[str, dict[str, str], float]]


class FaultyPutEvents:
    """PutEvents answering per entry: ``mode`` "throttle-once" or "reject" in its data."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    async def handle(self, request: web.Request) -> web.Response:
        entries = json.loads(await request.read()).get("Entries", [])
        answers: list[dict[str, str]] = []
        for entry in entries:
            detail = json.loads(entry["Detail"])
            mode = detail["data"].get("mode")
            if mode == "reject":
                answers.append({"ErrorCode": "InvalidArgument", "ErrorMessage": "bad entry"})
            elif mode == "throttle-once" and detail["id"] not in self.seen:
                self.seen.add(detail["id"])
                answers.append({"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"})
            else:
                answers.append({"EventId": f"ok-{uuid.uuid4()}"})
        failed = sum("ErrorCode" in a for a in answers)
        return web.Response(
            text=json.dumps({"FailedEntryCount": failed, "Entries": answers}),
            content_type="application/x-amz-json-1.1",
        )


@pytest_asyncio.fixture
async def endpoint() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/", FaultyPutEvents().handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def parse(text: str) -> Samples:
    out: Samples = []
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            out.append((match.group(1), labels, float(match.group(3))))
    return out


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for n, have, v in samples if n == name and labels.items() <= have.items())


async def test_every_shared_metric_counts_what_the_worker_did(
    temporal_env: WorkflowEnvironment,
    postgres_database: PostgresDatabase,
    aws_env: dict[str, str],
    endpoint: str,
) -> None:
    port = free_port()
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        data_converter=DATA_CONVERTER,
        runtime=prometheus_runtime(f"127.0.0.1:{port}"),
    )
    queue = f"metrics-{uuid.uuid4()}"
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name="bus"),
            file_status=FileStatusSettings(
                database_url=postgres_database.sqlalchemy_url, migrate=True
            ),
            aws_region="us-east-1",
            aws_endpoint_url=endpoint,
        )
    )
    fast = RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=3)
    async with Worker(client, task_queue=queue, plugins=[plugin]):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 15)
        file = await plugin.resources[FILE_STATUS].register_file(
            FileCreate(name="f.csv", uri="/f.csv")
        )

        async def status(key: str, to: FileStatus) -> Any:
            return await change_file_status(client, file.id, to, key=key, task_queue=queue)

        async def event(key: str, mode: str) -> Any:
            return await emit_event(
                client, "svc", "done", {"mode": mode}, key=key, task_queue=queue, retry_policy=fast
            )

        tag = uuid.uuid4().hex
        assert (await status(f"{tag}-1", FileStatus.PROCESSING)).changed
        assert not (await status(f"{tag}-2", FileStatus.PROCESSING)).changed  # a no-op
        with pytest.raises(ActivityFailureError):
            await status(f"{tag}-3", FileStatus.PENDING)  # PROCESSING -> PENDING: illegal
        await event(f"{tag}-a", "ok")
        await event(f"{tag}-b", "throttle-once")  # attempt 1 throttled, attempt 2 published
        with pytest.raises(ActivityFailureError):
            await event(f"{tag}-c", "reject")

    def get() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            return str(answer.read().decode())

    samples = parse(await asyncio.to_thread(get))
    mine = {"task_queue": queue, "namespace": "default"}
    published = "shared_events_published"
    assert (
        total(samples, published, outcome="published", source="svc", event_type="done", **mine) == 2
    )
    assert total(samples, published, outcome="EventThrottled", **mine) == 1
    assert total(samples, published, outcome="EventRejected", **mine) == 1
    assert total(samples, "shared_events_throttled", error_code="ThrottlingException", **mine) == 1
    assert total(samples, "shared_events_rejected", error_code="InvalidArgument", **mine) == 1
    assert total(samples, "shared_put_events_calls", outcome="ok", **mine) == 2
    assert total(samples, "shared_put_events_calls", outcome="partial", **mine) == 2
    assert total(samples, "shared_put_events_batch_size_sum", **mine) == 4
    assert total(samples, "shared_put_events_latency_count", **mine) == 4
    changes = "shared_status_changes"
    assert total(samples, changes, from_status="PENDING", to_status="PROCESSING", **mine) == 1
    assert total(samples, changes, **mine) == 1
    assert total(samples, "shared_status_noops", status="PROCESSING", **mine) == 1
    illegal = "shared_status_illegal_transitions"
    assert total(samples, illegal, from_status="PROCESSING", to_status="PENDING", **mine) == 1
    assert total(samples, "shared_db_latency_count", outcome="ok", **mine) == 2
    assert total(samples, "shared_db_latency_count", outcome="InvalidStatusTransition", **mine) == 1
    assert total(samples, "shared_db_errors", **mine) == 0
    # Latencies in float milliseconds, with buckets under a millisecond: a fast statement
    # counts for what it took, not 0.
    assert total(samples, "shared_db_latency_sum", outcome="ok", **mine) > 0
    assert total(samples, "shared_put_events_latency_sum", **mine) > 0
    assert any(
        n == "shared_db_latency_bucket" and labels.get("le") == "0.25" for n, labels, _ in samples
    )
    # The batch-size histogram has the shared buckets (1 to 10 entries).
    assert any(
        n == "shared_put_events_batch_size_bucket" and labels.get("le") == "10"
        for n, labels, _ in samples
    )
