"""Throughput of SendEventActivity against raw aioboto3, in one run (ratios, not absolutes).

Run with ``pnpm nx run workflow-events:bench``; writes the table to ``BENCHMARKS.md``.
Servers run in their own processes so the client under test has its own core.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aioboto3
from temporalio.testing import ActivityEnvironment
from types_aiobotocore_events.type_defs import PutEventsRequestEntryTypeDef
from workflow_contracts import TemporalContext
from workflow_devstack import FAKE_AWS_ENV, free_port, run_concurrently
from workflow_events import (
    EVENTS_CLIENT_CONFIG,
    BatchingPublisher,
    DirectPublisher,
    EntryOutcome,
    EventBatchSender,
    EventEntry,
    SendEventActivity,
    build_entry,
    new_aioboto3_event_sender,
    open_events_client,
)

HERE = Path(__file__).parent
BUS = "bench-bus"


class CountingSender:
    def __init__(self, inner: EventBatchSender) -> None:
        self.inner = inner
        self.calls = 0

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        self.calls += 1
        return await self.inner.send_batch(entries)


def activity_env(i: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, activity_id=str(i), workflow_id=f"bench-{i % 97}")
    return env


def start_server(kind: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if kind == "moto":
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    else:
        cmd = [sys.executable, str(HERE / "stub_endpoint.py"), str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=0.5)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    return proc, url


async def bench_endpoint(
    name: str, url: str, n: int, naive_n: int
) -> list[tuple[str, str, float, str]]:
    rows: list[tuple[str, str, float, str]] = []
    async with open_events_client(region_name="us-east-1", endpoint_url=url) as client:
        if name == "moto":
            await client.create_event_bus(Name=BUS)
        # The same entry the activity sends (Time and an envelope-sized Detail), built once.
        sample, _ = build_entry(
            event_id="bench",
            source="bench",
            event_type="t",
            data={"a": 1},
            time=datetime.now(UTC),
            context=TemporalContext("w", "r", "1", 1, "W", "default"),
        )
        entry: PutEventsRequestEntryTypeDef = {
            "Source": sample.source,
            "DetailType": sample.detail_type,
            "Detail": sample.detail,
            "Time": sample.time,
            "EventBusName": BUS,
        }

        async def raw(i: int) -> None:
            response = await client.put_events(Entries=[entry])
            assert response["FailedEntryCount"] == 0

        direct = SendEventActivity(DirectPublisher(new_aioboto3_event_sender(client, BUS)))

        # Activity contexts are made before timing: the harness is not what is measured.
        envs = [activity_env(i) for i in range(n)]

        async def activity_direct(i: int) -> None:
            await envs[i].run(direct.run, "bench", "t", {"a": i})

        # Warm up connections, then interleave the two measured rows to share conditions.
        await run_concurrently(200, 32, raw)
        raw_rates, act_rates = [], []
        for _ in range(3):
            raw_rates.append(await run_concurrently(n, 32, raw))
            act_rates.append(await run_concurrently(n, 32, activity_direct))
        raw_rate, act_rate = max(raw_rates), max(act_rates)
        rows.append((name, "(2) raw put_events, 1 entry/call, c=32", raw_rate, "1.00 calls/event"))
        rows.append(
            (
                name,
                "(1) activity path, batching off, c=32",
                act_rate,
                f"ratio (1)/(2) = {act_rate / raw_rate:.2f}",
            )
        )

        counting = CountingSender(new_aioboto3_event_sender(client, BUS))
        publisher = BatchingPublisher(counting, max_wait=timedelta(milliseconds=5))
        batched = SendEventActivity(publisher)

        async def activity_batched(i: int) -> None:
            await envs[i].run(batched.run, "bench", "t", {"a": i})

        batch_rate = max([await run_concurrently(n, 64, activity_batched) for _ in range(2)])
        await publisher.aclose()
        rows.append(
            (
                name,
                "(3) activity path, micro-batching, c=64",
                batch_rate,
                f"{counting.calls / (2 * n):.3f} calls/event; {batch_rate / raw_rate:.1f}x raw",
            )
        )

    naive_entry: PutEventsRequestEntryTypeDef = {
        "Source": "bench",
        "DetailType": "t",
        "Detail": '{"a":1}',
        "EventBusName": BUS,
    }

    async def naive(i: int) -> None:
        async with aioboto3.Session().client(
            "events", region_name="us-east-1", endpoint_url=url, config=EVENTS_CLIENT_CONFIG
        ) as c:
            await c.put_events(Entries=[naive_entry])

    naive_rate = await run_concurrently(naive_n, 8, naive)
    rows.append(
        (
            name,
            "(4) naive: new session + client per event, c=8",
            naive_rate,
            f"{naive_rate / raw_rate:.3f}x raw",
        )
    )
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--naive-events", type=int, default=60)
    parser.add_argument("--output", type=Path, default=HERE.parent / "BENCHMARKS.md")
    args = parser.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    rows = []
    for kind in ("stub", "moto"):
        proc, url = start_server(kind)
        try:
            rows += await bench_endpoint(kind, url, args.events, args.naive_events)
        finally:
            proc.terminate()
            proc.wait(10)
    lines = [
        "# workflow-events benchmarks",
        "",
        f"Measured by `pnpm nx run workflow-events:bench` ({args.events} events per row, best of runs;"
        f" Python {platform.python_version()}, {os.cpu_count()} CPUs). `stub` is a minimal"
        " always-success PutEvents endpoint (client cost only); `moto` is moto's server. Both run in"
        " their own process on loopback. Figures vary by machine: compare ratios within one run.",
        "",
        "Targets: (1)/(2) >= 0.9; micro-batching <= 0.15 PutEvents calls per event and >= 5x the"
        " raw one-entry rate against moto.",
        "",
        "| endpoint | row | events/s | notes |",
        "|---|---|---:|---|",
        *[f"| {e} | {r} | {rate:,.0f} | {note} |" for e, r, rate, note in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
