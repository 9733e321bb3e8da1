"""A file stage at the workflow level: the shared activities against no-op ones, in both modes.

Run with ``pnpm nx run workflow-shared-activities:bench``; writes the table to ``BENCHMARKS.md``.

Everything is real and started here: a Temporal dev server (``start_dev_server``), moto's
server (in its own process, so the emulator's CPU is not charged to the worker under test),
and a throw-away PostgreSQL database. One worker at a time runs `BenchStageWorkflow`
(``run_file_stage`` with a trivial work activity): either with `SharedActivitiesPlugin`
(the real activities: one status change per call in PostgreSQL, events to moto's
EventBridge) or with no-op activities registered under the same names (the ceiling: the same
workflow, the same number of activity calls, nothing behind them). Both workers are built like
the apps' (`WorkerApp.build_worker`: default slots, 3 s sticky queue).

The stages are started and awaited by ``drive_stages.py`` in a process of its own, as a
deployment's starters are: in the worker's process the client's CPU would be charged to the
worker under test. Each row is the best of ``--rounds`` measurements taken in the same run, the rows of a round
interleaved (the machine is shared: compare ratios, not absolutes). Runner ``shared`` is the
sandbox as the plugin configures it (`workflow_contracts` passed through); runner ``default``
runs the same rows in Temporal's default sandbox (the real activities then registered without
the plugin, over the same resources): what the pass-through is worth.

Then the end-to-end demo runs as its own process (``python -m workflow_demo``) at
``--demo-files`` files, in each mode, on SQLite (its default) and on PostgreSQL, best of
``--demo-rounds``; ``--demo-files 0`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aioboto3
from instrumented_stages import Measured, SharedShare, bench_instrumentation, render_instrumentation
from share_stages import bench_shared_share
from stage_workflows import (
    BenchStageWorkflow,
    bench_work,
    noop_send_event,
    noop_update_file_status,
)
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from workflow_contracts import DATA_CONVERTER
from workflow_devstack import (
    FAKE_AWS_ENV,
    LOOPBACK,
    MotoProcess,
    create_database,
    drop_database,
    free_port,
    start_dev_server,
)
from workflow_devstack.instrumentation import Instrumentation
from workflow_shared_activities import (
    ActivityMode,
    FileCreate,
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    SharedResources,
    SqlFileStatusRepository,
    create_engine,
    prometheus_runtime,
    share_contracts_with_sandbox,
    tracing_plugin,
    upgrade,
)

HERE = Path(__file__).parent
BUS = "bench-stages"
TASK_QUEUE = "bench-stages"
KINDS = ("noop", "real")
MODES = (ActivityMode.REGULAR, ActivityMode.LOCAL)
RUNNERS = ("shared", "default", "unsandboxed")
"""``shared``: the sandbox as `SharedActivitiesPlugin` configures it, `workflow_contracts`
passed through (imported once per process); ``default``: Temporal's default sandbox, which
executes `workflow_contracts` afresh for every workflow run (what workers got before the
plugin shared it); ``unsandboxed``: no sandbox (what the sandbox's own per-run work costs)."""


@dataclass
class Sample:
    """One measurement: stages per second and each stage's latency (seconds)."""

    rate: float
    latencies: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@asynccontextmanager
async def stage_worker(
    client: Client,
    runner: str,
    kind: str,
    config: SharedActivitiesConfig,
    task_queue: str = TASK_QUEUE,
) -> AsyncIterator[None]:
    """The stage worker, built like the apps' (`WorkerApp.build_worker`), running."""
    options: dict[str, Any] = {
        "task_queue": task_queue,
        "workflows": [BenchStageWorkflow],
        "graceful_shutdown_timeout": timedelta(seconds=5),
        "sticky_queue_schedule_to_start_timeout": timedelta(seconds=3),
    }
    if runner == "unsandboxed":
        # No sandbox at all: what the sandbox's per-run work costs (not a recommendation).
        options["workflow_runner"] = UnsandboxedWorkflowRunner()
    if kind == "real" and runner in ("shared", "unsandboxed"):
        # As users run it: the plugin opens the resources and shares the contracts.
        plugin = SharedActivitiesPlugin(config)
        async with Worker(client, activities=[bench_work], plugins=[plugin], **options):
            yield
        return
    if kind == "real":
        # The same activities and resources, without the plugin's sandbox pass-through.
        resources = SharedResources()
        activities = SharedActivitiesPlugin(config).build_activities(resources)
        async with (
            resources.open(config),
            Worker(client, activities=[bench_work, *activities], **options),
        ):
            yield
        return
    if runner == "shared":
        options["workflow_runner"] = share_contracts_with_sandbox(None)
    noop: list[Callable[..., Any]] = [bench_work, noop_update_file_status, noop_send_event]
    async with Worker(client, activities=noop, **options):
        yield


async def run_stages(
    client: Client,
    files: Sequence[uuid.UUID],
    mode: ActivityMode,
    n: int,
    concurrency: int,
    tag: str,
    task_queue: str = TASK_QUEUE,
) -> Sample:
    """``n`` stages (file ``i`` for stage ``i``), ``concurrency`` in flight, driven by
    ``drive_stages.py`` in its own process (starters do not share the worker's process)."""
    request = {
        "target": client.service_client.config.target_host,
        "task_queue": task_queue,
        "files": [str(f) for f in files],
        "mode": mode.value,
        "n": n,
        "concurrency": concurrency,
        "tag": tag,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "drive_stages.py"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=HERE,
    )
    out, _ = await proc.communicate(json.dumps(request).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"the stage driver failed (exit {proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return Sample(result["rate"], result["latencies"])


Key = tuple[str, str, ActivityMode]
"""(runner, kind, mode)."""


Instrumented = tuple[list[Measured], list[SharedShare]]
"""The instrumented rows, and the shared activities' share measured in pairs."""


async def bench_stages(args: argparse.Namespace) -> tuple[dict[Key, Sample], Instrumented]:
    """The best sample of each (runner, kind, mode) over the rounds; the instrumented rows."""
    best: dict[Key, Sample] = {}
    instrumented: Instrumented = ([], [])
    database = await create_database(prefix="wsa_bench_stages")
    env = None
    try:
        await asyncio.to_thread(upgrade, database.sqlalchemy_url)
        engine = create_engine(database.sqlalchemy_url, pool_size=4)
        repo = SqlFileStatusRepository(engine)
        # One file per stage of a run; a file COMPLETED by one round is taken back to
        # PROCESSING by the next (a legal transition), each stage a new execution.
        files = [
            (await repo.register_file(FileCreate(name=f"f{i}", uri=f"/bench/f{i}"))).id
            for i in range(max(args.stages, args.warmup, 2 * args.share_batch))
        ]
        await engine.dispose()
        with MotoProcess() as moto:
            moto_url = moto.endpoint_url
            async with aioboto3.Session().client(
                "events", region_name="us-east-1", endpoint_url=moto_url
            ) as events:
                await events.create_event_bus(Name=BUS)
            config = SharedActivitiesConfig(
                event_bus_name=BUS,
                database_url=database.sqlalchemy_url,
                aws_region="us-east-1",
                aws_endpoint_url=moto_url,
            )
            env = await start_dev_server()
            client = env.client
            configs = [(runner, kind) for runner in args.runners for kind in KINDS]
            for round_ in range(args.rounds):
                # The order turns each round, so that no row always runs first or last.
                shift = round_ % len(configs)
                for runner, kind in configs[shift:] + configs[:shift]:
                    async with stage_worker(client, runner, kind, config):
                        # Warm-up: sandbox, connection pools, sticky caches; not timed.
                        await run_stages(
                            client,
                            files,
                            ActivityMode.REGULAR,
                            args.warmup,
                            min(args.concurrency, args.warmup),
                            f"warm-{runner}-{kind}-{round_}",
                        )
                        for mode in MODES:
                            sample = await run_stages(
                                client,
                                files,
                                mode,
                                args.stages,
                                args.concurrency,
                                f"{runner}-{kind}-{mode.value}-{round_}",
                            )
                            print(
                                f"round {round_ + 1}: {runner:11} {kind:4} {mode.value:7} "
                                f"{sample.rate:7.1f} stages/s, p50 "
                                f"{1000 * sample.percentile(50):.0f} ms",
                                flush=True,
                            )
                            key = (runner, kind, mode)
                            if key not in best or sample.rate > best[key].rate:
                                best[key] = sample
            if args.instrumented_rounds > 0 or args.share_batches > 0:
                instrumented = await _instrumented(args, client, files, config)
    finally:
        if env is not None:
            await env.shutdown()
        await drop_database(database)
    return best, instrumented


async def _instrumented(
    args: argparse.Namespace,
    client: Client,
    files: Sequence[uuid.UUID],
    config: SharedActivitiesConfig,
) -> Instrumented:
    """The `real` worker with telemetry off, metrics, metrics + traces (`instrumented_stages`)."""
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
        rows = await bench_instrumentation(clients, instr, run, args.instrumented_rounds)
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


async def bench_demo(
    files: int, rounds: int, databases: Sequence[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The demo (its own process and stack) per database and mode: the best report of each."""
    if importlib.util.find_spec("workflow_demo") is None:
        return {}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        for round_ in range(rounds):
            for database_kind in databases:
                for mode in MODES:
                    out = Path(tmp) / f"{database_kind}-{mode.value}-{round_}.json"
                    argv = [
                        sys.executable,
                        "-m",
                        "workflow_demo",
                        "--files",
                        str(files),
                        "--mode",
                        mode.value,
                        "--report-json",
                        str(out),
                    ]
                    database = None
                    if database_kind == "postgresql":
                        database = await create_database(prefix="wsa_bench_demo")
                        argv += ["--database-url", database.sqlalchemy_url]
                    try:
                        done = await asyncio.to_thread(
                            subprocess.run,
                            argv,
                            capture_output=True,
                            text=True,
                            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
                        )
                    finally:
                        if database is not None:
                            await drop_database(database)
                    if not out.exists():
                        print(f"demo {database_kind} {mode.value}: no report", flush=True)
                        print(done.stdout[-2000:], done.stderr[-2000:], flush=True)
                        continue
                    report = json.loads(out.read_text())
                    print(
                        f"demo round {round_ + 1}: {database_kind:10} {mode.value:7}"
                        f" {report['files_per_second']:5.1f} files/s, ok={report['ok']}",
                        flush=True,
                    )
                    key = (database_kind, mode.value)
                    current = best.get(key)
                    if current is None or report["files_per_second"] > current["files_per_second"]:
                        best[key] = report
    return best


def render(
    args: argparse.Namespace,
    stages: dict[Key, Sample],
    instrumented: Instrumented,
    demo: dict[tuple[str, str], dict[str, Any]],
) -> str:
    """The BENCHMARKS.md text."""
    lines = [
        "# workflow-shared-activities benchmarks: a file stage at the workflow level",
        "",
        "Measured by `pnpm nx run workflow-shared-activities:bench` on a Temporal dev server, moto's"
        " server (its own process) and the local PostgreSQL, all started by the bench (Python"
        f" {platform.python_version()}, {os.cpu_count()} CPUs: each row is"
        f" the best of {args.rounds} rounds, the rows of a round interleaved). A stage is"
        " `run_file_stage` with a trivial work activity: PROCESSING, the work, COMPLETED, the"
        " completed event (5 activity calls). `real`: `SharedActivitiesPlugin` (PostgreSQL pool of"
        " 10, events micro-batched to moto's EventBridge); `noop`: activities under the same names"
        " that return at once (the ceiling). The worker is built like the apps' (default slots,"
        " 3 s sticky queue). Runner `shared`: the sandbox as the plugin configures it, with"
        " `workflow_contracts` passed through (see below); `default`: Temporal's default sandbox"
        " (the real activities registered without the plugin, over the same resources);"
        " `unsandboxed`: Temporal's `UnsandboxedWorkflowRunner` (with the plugin), to show what"
        " the sandbox's own work per workflow run costs (not a recommendation)."
        f" {args.stages} stages per row, {args.concurrency} in flight, started and awaited by a"
        " driver in its own process (as a deployment's starters). Figures vary by machine and"
        " load: compare ratios within one run.",
        "",
        "Targets: real/noop >= 0.85 in each mode; LOCAL/REGULAR (real) >= 1.6.",
        "",
        "| runner | mode | activities | stages/s | p50 latency | p99 latency | notes |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    runners = [r for r in RUNNERS if any(key[0] == r for key in stages)]
    for runner in runners:
        for mode in MODES:
            noop = stages.get((runner, "noop", mode))
            for kind in KINDS:
                sample = stages.get((runner, kind, mode))
                if sample is None:
                    continue
                notes = []
                if kind == "real" and noop is not None:
                    notes.append(f"real/noop = {sample.rate / noop.rate:.2f}")
                regular = stages.get((runner, kind, ActivityMode.REGULAR))
                if mode is ActivityMode.LOCAL and regular is not None:
                    notes.append(f"LOCAL/REGULAR = {sample.rate / regular.rate:.2f}")
                base = stages.get(("default", kind, mode))
                if runner != "default" and base is not None:
                    notes.append(f"{sample.rate / base.rate:.2f}x the default sandbox")
                lines.append(
                    f"| {runner} | {mode.value} | {kind} | {sample.rate:,.1f} |"
                    f" {1000 * sample.percentile(50):,.0f} ms |"
                    f" {1000 * sample.percentile(99):,.0f} ms | {'; '.join(notes)} |"
                )
    lines += [
        "",
        "`SharedActivitiesPlugin` gives every worker it configures the workflow runner"
        " `share_contracts_with_sandbox(runner)`: the worker's sandbox (the user's restrictions"
        ' kept) with `with_passthrough_modules("workflow_contracts")`. Without it the sandbox'
        " executes the whole `workflow_contracts` package again for every workflow"
        " run (its dataclasses, enums and error classes rebuilt each time): that, not the"
        " activities, is most of a stage's CPU in this process. The package holds constants and"
        " pure functions only, so sharing it across runs keeps workflows deterministic.",
        "",
    ]
    if instrumented[0] or instrumented[1]:
        lines += render_instrumentation(
            instrumented[0],
            args.stages,
            args.instrumented_rounds,
            instrumented[1],
            args.share_batch,
        )
    lines += ["## The end-to-end demo", ""]
    if not demo:
        lines += ["Not measured (`workflow_demo` not installed, or `--demo-files 0`).", ""]
        return "\n".join(lines)
    first = next(iter(demo.values()))
    lines += [
        f"`python -m workflow_demo --files {args.demo_files} --mode MODE [--database-url URL]` as"
        " its own process, with its own stack (dev server, moto in its own process, the"
        " database) and the apps' workers as they are, each in its own process (the demo's"
        f" default); best of {args.demo_rounds} runs per row, the rows interleaved."
        f" {first['files']} files (the generated ones plus the shipped samples), at most"
        f" {first['concurrency']} in flight, each ingested then evaluated through the SQS"
        " hand-off; latency is a file's, from its ingestion start to its last event on the"
        " audit queue. `sqlite` is the demo's default (embedded); `postgresql` a throw-away"
        " database on the local server. Target: >= 12 files/s in the best mode.",
        "",
        "| database | mode | files | files/s | seconds | latency p50 | p90 | p99 | all expected |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (database_kind, mode_value), r in demo.items():
        latency = r["latency_seconds"] or {"p50": 0.0, "p90": 0.0, "p99": 0.0}
        lines.append(
            f"| {database_kind} | {mode_value} | {r['files']} | {r['files_per_second']:.1f} |"
            f" {r['seconds']:.1f} | {latency['p50']:.2f} s | {latency['p90']:.2f} s |"
            f" {latency['p99']:.2f} s |"
            f" {'yes' if r['ok'] else 'no: ' + '; '.join(r['problems'][:3])} |"
        )
    lines.append("")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", type=int, default=400, help="stages per measurement")
    parser.add_argument("--concurrency", type=int, default=100, help="stages in flight")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50, help="untimed stages per worker start")
    parser.add_argument(
        "--runners", nargs="+", choices=RUNNERS, default=list(RUNNERS), help="workflow runners"
    )
    parser.add_argument("--demo-files", type=int, default=300, help="0: skip the demo")
    parser.add_argument("--demo-rounds", type=int, default=2)
    parser.add_argument(
        "--demo-databases",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
    )
    parser.add_argument(
        "--instrumented-rounds",
        type=int,
        default=2,
        help="rounds of the telemetry off/metrics/traces rows (0: skip them)",
    )
    parser.add_argument(
        "--share-batches",
        type=int,
        default=8,
        help="batches per mode measuring the shared activities' telemetry (0: skip them)",
    )
    parser.add_argument("--share-batch", type=int, default=100, help="stages per batch")
    parser.add_argument("--output", type=Path, default=HERE.parent / "BENCHMARKS.md")
    args = parser.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    stages, instrumented = await bench_stages(args)
    demo = (
        await bench_demo(args.demo_files, args.demo_rounds, args.demo_databases)
        if args.demo_files > 0
        else {}
    )
    text = render(args, stages, instrumented, demo)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
