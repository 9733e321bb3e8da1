"""Throughput of SendNotificationActivity against the raw aioboto3 SNS client, in one run.

Run with ``pnpm nx run workflow-notifications:bench``; writes
``libs/notifications/BENCHMARKS.md``. The ratio of rows in one run is what matters, not the
absolute rates. Servers run in their own processes.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
from pathlib import Path

import aioboto3
from temporalio.testing import ActivityEnvironment
from workflow_devstack import FAKE_AWS_ENV, endpoint_process, run_concurrently
from workflow_notifications import SendNotificationActivity
from workflow_notifications._sns import (
    SNS_CLIENT_CONFIG,
    SnsPublisher,
    open_sns_client,
    publish_arguments,
)
from workflow_notifications._validation import build_request

HERE = Path(__file__).parent
LIBRARY = HERE.parents[2] / "libs" / "notifications"
"""The library measured: its ``BENCHMARKS.md`` is written there."""
SUBJECT, MESSAGE = "File failed", "file 0b0f5c1e failed: malformed CSV at line 3"
ATTRIBUTES = {"file_id": "0b0f5c1e", "stage": "ingestion"}


def activity_env(i: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, activity_id=str(i), workflow_id=f"bench-{i % 97}")
    return env


async def bench_endpoint(
    kind: str, url: str, n: int, naive_n: int
) -> list[tuple[str, str, float, str]]:
    rows: list[tuple[str, str, float, str]] = []
    async with open_sns_client(region_name="us-east-1", endpoint_url=url) as client:
        topic = "arn:aws:sns:us-east-1:123456789012:bench"
        if kind == "moto":
            topic = (await client.create_topic(Name="bench"))["TopicArn"]
        # The same Publish the activity sends (its attributes included), built once.
        arguments = publish_arguments(build_request("bench", topic, SUBJECT, MESSAGE, ATTRIBUTES))

        async def raw(i: int) -> None:
            await client.publish(**arguments)

        activity = SendNotificationActivity(SnsPublisher(client))
        envs = [activity_env(i) for i in range(n)]  # the harness is not what is measured

        async def through_activity(i: int) -> None:
            await envs[i].run(activity.run, topic, SUBJECT, MESSAGE, ATTRIBUTES)

        await run_concurrently(200, 32, raw)  # warm the connection pool
        raw_rates, act_rates = [], []
        for _ in range(3):  # interleaved, so both rows share the machine's conditions
            raw_rates.append(await run_concurrently(n, 32, raw))
            act_rates.append(await run_concurrently(n, 32, through_activity))
        raw_rate, act_rate = max(raw_rates), max(act_rates)
        rows.append((kind, "(2) raw sns.publish, c=32", raw_rate, "baseline"))
        rows.append(
            (
                kind,
                "(1) activity path, c=32",
                act_rate,
                f"ratio (1)/(2) = {act_rate / raw_rate:.2f}",
            )
        )

    async def naive(i: int) -> None:
        async with aioboto3.Session().client(
            "sns", region_name="us-east-1", endpoint_url=url, config=SNS_CLIENT_CONFIG
        ) as c:
            await c.publish(**arguments)

    naive_rate = await run_concurrently(naive_n, 8, naive)
    rows.append(
        (
            kind,
            "(3) naive: new session + client per call, c=8",
            naive_rate,
            f"{naive_rate / raw_rate:.3f}x raw",
        )
    )
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--naive-calls", type=int, default=60)
    parser.add_argument("--output", type=Path, default=LIBRARY / "BENCHMARKS.md")
    args = parser.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    rows = []
    for kind in ("stub", "moto"):
        with endpoint_process(kind, HERE / "stub_endpoint.py") as url:
            rows += await bench_endpoint(kind, url, args.calls, args.naive_calls)
    lines = [
        "# workflow-notifications benchmarks",
        "",
        f"Measured by `tools/bench/notifications/bench_notifications.py` through `pnpm nx run workflow-notifications:bench` ({args.calls} publishes per row,"
        f" best of 3 interleaved runs; Python {platform.python_version()}, {os.cpu_count()} CPUs,"
        " shared). `stub` is a minimal always-success Publish endpoint (client cost only);"
        " `moto` is moto's server. Both run in their own process on loopback. Compare ratios"
        " within one run, not absolute rates.",
        "",
        "Target: (1)/(2) >= 0.9 (validation, the execution id and the error mapping cost little"
        " next to the call); (3) shows what one long-lived client per worker saves.",
        "",
        "| endpoint | row | publishes/s | notes |",
        "|---|---|---:|---|",
        *[f"| {e} | {r} | {rate:,.0f} | {note} |" for e, r, rate, note in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
