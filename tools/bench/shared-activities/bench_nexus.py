"""A status change through Nexus against the same call as an activity, side by side.

Run with ``pnpm nx run workflow-shared-activities:bench-nexus``. One dev server with two
namespaces: ``caller`` runs `StatusLatencyWorkflow` on a worker that also has the shared
activities (the activity arm: ``set_file_status(...)``), ``platform`` runs the platform worker
(`SharedActivitiesPlugin(..., nexus=True)`) behind an endpoint (the Nexus arm:
``set_file_status(..., nexus_endpoint=...)``). Both over the same PostgreSQL database. The arms
alternate, one workflow of ``--calls`` sequential changes at a time, ``--rounds`` times each:
the same machine load for both. Prints each arm's latency percentiles and the ratio.

Two measures. In the workflow: from the task that scheduled a call to the one that resumed
with its result (``workflow.now()`` of each task). On the wall clock: a workflow's
``execute_workflow`` time, less that of a workflow making no call (run in the same round),
divided by ``--calls``: the mean per call. On the dev server both come in steps of about 50 ms
(see ``docs/nexus.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from typing import Any

from nexus_workflows import StatusLatencyWorkflow
from temporalio.client import Client
from temporalio.worker import Worker
from workflow_devstack import MotoProcess, create_database, drop_database
from workflow_devstack.temporal import start_dev_server
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin
from workflow_shared_activities.nexus import ensure_nexus_endpoint

ENDPOINT = "bench-shared-operations"


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100)
    return {"p50": statistics.median(ordered), "p90": cut[89], "max": ordered[-1]}


async def bench(rounds: int, calls: int) -> dict[str, Any]:
    """Runs both arms, interleaved; their latencies (ms) and the ratios."""
    database = await create_database(prefix="wsa_bench_nexus")
    moto = await asyncio.to_thread(MotoProcess().start)
    env = await start_dev_server(extra_namespaces=["platform", "caller"])
    try:
        await asyncio.to_thread(upgrade, database.sqlalchemy_url)
        config = SharedActivitiesConfig(
            events=EventSettings(bus_name="bench-nexus"),
            file_status=FileStatusSettings(database_url=database.sqlalchemy_url),
            aws_region=moto.region,
            aws_endpoint_url=moto.endpoint_url,
        )
        target = env.client.service_client.config.target_host
        platform_plugin = SharedActivitiesPlugin(config, nexus=True)
        caller_plugin = SharedActivitiesPlugin(config)
        platform = await Client.connect(target, namespace="platform", plugins=[platform_plugin])
        caller = await Client.connect(target, namespace="caller", plugins=[caller_plugin])
        await ensure_nexus_endpoint(
            platform, ENDPOINT, target_namespace="platform", target_task_queue="platform"
        )
        async with (
            Worker(platform, task_queue="platform"),
            Worker(caller, task_queue="caller", workflows=[StatusLatencyWorkflow]) as worker,
        ):
            resources = caller_plugin.resources_for(worker)
            await asyncio.wait_for(resources.wait_until_open(), 30)
            file = await resources[FILE_STATUS].register_file(
                FileCreate(name="bench.csv", uri="/bench.csv")
            )
            arms: dict[str, list[float]] = {"activity": [], "nexus": []}
            walls: dict[str, list[float]] = {"activity": [], "nexus": [], "none": []}
            # A first workflow of each arm warms the workers up; not counted.
            for r in range(rounds + 1):
                order = (
                    ["none", "activity", "nexus"] if r % 2 == 0 else ["nexus", "activity", "none"]
                )
                for arm in order:
                    started = time.perf_counter()
                    latencies = await caller.execute_workflow(
                        StatusLatencyWorkflow.run,
                        args=[
                            file.id,
                            0 if arm == "none" else calls,
                            ENDPOINT if arm == "nexus" else None,
                        ],
                        id=f"bench-{arm}-{uuid.uuid4()}",
                        task_queue="caller",
                    )
                    if r > 0:
                        walls[arm].append(time.perf_counter() - started)
                        if arm != "none":
                            arms[arm] += latencies
    finally:
        await env.shutdown()
        moto.stop()
        await drop_database(database)
    result: dict[str, Any] = {
        arm: {k: v * 1000 for k, v in _percentiles(values).items()} for arm, values in arms.items()
    }
    result["ratio_p50"] = result["nexus"]["p50"] / result["activity"]["p50"]
    result["ratio_p90"] = result["nexus"]["p90"] / result["activity"]["p90"]
    result["samples"] = len(arms["nexus"])
    baseline = statistics.median(walls["none"])
    for arm in arms:
        result[arm]["wall_per_call"] = (statistics.median(walls[arm]) - baseline) / calls * 1000
    result["ratio_wall"] = result["nexus"]["wall_per_call"] / result["activity"]["wall_per_call"]
    return result


def main() -> None:
    """Parses the options, runs the benchmark, prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="workflows per arm")
    parser.add_argument("--calls", type=int, default=10, help="status changes per workflow")
    args = parser.parse_args()
    result = asyncio.run(bench(args.rounds, args.calls))
    print(f"status change latency, {result['samples']} calls per arm, interleaved (ms)")
    print(f"{'arm':<10}{'p50':>10}{'p90':>10}{'max':>10}{'wall/call':>12}")
    for arm in ("activity", "nexus"):
        row = result[arm]
        print(
            f"{arm:<10}{row['p50']:>10.1f}{row['p90']:>10.1f}{row['max']:>10.1f}"
            f"{row['wall_per_call']:>12.1f}"
        )
    print(
        f"nexus / activity: p50 {result['ratio_p50']:.2f}x, p90 {result['ratio_p90']:.2f}x,"
        f" wall per call {result['ratio_wall']:.2f}x"
    )


if __name__ == "__main__":
    main()
