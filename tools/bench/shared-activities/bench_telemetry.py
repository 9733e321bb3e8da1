"""What telemetry costs a worker running file stages; writes
``libs/shared-activities/BENCHMARKS-telemetry.md``.

Run with ``pnpm nx run workflow-shared-activities:bench-telemetry`` (the ``bench`` target runs
it after the stage bench). On the stage bench's stack (`stage_stack`): the `real` worker in
each instrumentation mode, interleaved, best of rounds (`instrumented_stages`), then the shared
activities' own share, two workers side by side (`share_stages`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from instrumented_stages import Measured, SharedShare, bench_instrumentation, render_instrumentation
from share_stages import bench_shared_share
from stage_stack import LIBRARY, Sample, StageStack, run_stages, stage_stack, stage_worker
from temporalio.client import Client
from workflow_contracts import DATA_CONVERTER, ActivityMode
from workflow_devstack import FAKE_AWS_ENV, LOOPBACK, free_port
from workflow_devstack.instrumentation import Instrumentation
from workflow_shared_activities.telemetry import prometheus_runtime, tracing_plugin

Instrumented = tuple[list[Measured], list[SharedShare]]
"""The instrumented rows, and the shared activities' share measured side by side."""


async def bench_telemetry(args: argparse.Namespace, stack: StageStack) -> Instrumented:
    """The `real` worker in each instrumentation mode; the shared activities' own share."""
    client, files, config = stack.client, stack.files, stack.config
    instr = Instrumentation(prometheus_runtime(f"{LOOPBACK}:{free_port()}"), replay_safe=True)
    target = client.service_client.config.target_host
    metrics = await Client.connect(target, runtime=instr.runtime, data_converter=DATA_CONVERTER)
    traced = await Client.connect(
        target,
        runtime=instr.runtime,
        data_converter=DATA_CONVERTER,
        plugins=[tracing_plugin(add_temporal_spans=False)],
    )
    with_temporal = await Client.connect(
        target, runtime=instr.runtime, data_converter=DATA_CONVERTER, plugins=[tracing_plugin()]
    )

    async def run(on: Client, mode: ActivityMode, tag: str) -> tuple[float, float, float]:
        async with stage_worker(on, "shared", "real", config):
            warmup = min(args.concurrency, args.warmup)
            await run_stages(on, files, ActivityMode.REGULAR, args.warmup, warmup, f"warm-{tag}")
            instr.provider.force_flush()
            exported, cpu = instr.exporter.exported, time.process_time()
            sample = await run_stages(on, files, mode, args.stages, args.concurrency, tag)
            instr.provider.force_flush()  # the spans' export is part of what they cost
            cpu_us = (time.process_time() - cpu) / args.stages * 1e6
            return sample.rate, cpu_us, (instr.exporter.exported - exported) / args.stages

    clients = {
        "off": client,
        "metrics": metrics,
        "metrics+traces": traced,
        "temporal": with_temporal,
        "metrics+traces+temporal": with_temporal,
    }
    try:
        rows = await bench_instrumentation(clients, instr, run, args.rounds)
        shares: list[SharedShare] = []
        if args.share_batches > 0:

            async def drive(
                on: Sequence[uuid.UUID], mode: ActivityMode, n: int, tag: str, queue: str
            ) -> Sample:
                # Half the usual stages in flight at each of the two workers.
                in_flight = min(n, max(1, args.concurrency // 2))
                return await run_stages(client, on, mode, n, in_flight, tag, queue)

            shares = await bench_shared_share(
                target,
                config,
                files,
                drive,
                args.share_batches,
                args.share_batch,
                min(args.warmup, args.share_batch),
            )
        return rows, shares
    finally:
        instr.shutdown()


def render(args: argparse.Namespace, instrumented: Instrumented) -> str:
    """The BENCHMARKS-telemetry.md text."""
    lines = [
        "# workflow-shared-activities benchmarks: what telemetry costs a worker",
        "",
        "Measured by `tools/bench/shared-activities/bench_telemetry.py` through `pnpm nx run workflow-shared-activities:bench-telemetry` on the stack of"
        " the stage benchmark (`BENCHMARKS.md`: a Temporal dev server, moto's server in its own"
        " process, the local PostgreSQL, all started by the bench; Python"
        f" {platform.python_version()}, {os.cpu_count()} CPUs). A stage is `run_file_stage`"
        " with a trivial work activity (5 activity calls), started by a driver in its own"
        f" process, {args.concurrency} in flight. Figures vary by machine and load: compare"
        " ratios within one run.",
        "",
    ]
    lines += render_instrumentation(
        instrumented[0], args.stages, args.rounds, instrumented[1], args.share_batch
    )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", type=int, default=300, help="stages per row")
    parser.add_argument("--concurrency", type=int, default=100, help="stages in flight")
    parser.add_argument("--warmup", type=int, default=50, help="untimed stages per worker start")
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds of the per-mode rows (0: skip them)"
    )
    parser.add_argument(
        "--share-batches",
        type=int,
        default=8,
        help="batches per mode measuring the shared activities' share (0: skip them)",
    )
    parser.add_argument("--share-batch", type=int, default=100, help="stages per batch")
    parser.add_argument("--output", type=Path, default=LIBRARY / "BENCHMARKS-telemetry.md")
    args = parser.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    files = max(args.stages, args.warmup, 2 * args.share_batch)
    async with stage_stack(files, "wsa_bench_telemetry") as stack:
        instrumented = await bench_telemetry(args, stack)
    text = render(args, instrumented)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
