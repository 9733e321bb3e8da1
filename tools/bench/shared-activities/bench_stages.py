"""A file stage at the workflow level: the shared activities against no-op ones, in both modes.

Run with ``pnpm nx run workflow-shared-activities:bench``; writes the table to
``libs/shared-activities/BENCHMARKS.md``.

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stage_stack import LIBRARY, Sample, run_stages, stage_stack, stage_worker
from workflow_contracts import ActivityMode
from workflow_devstack import FAKE_AWS_ENV, create_database, drop_database

KINDS = ("noop", "real")
MODES = (ActivityMode.REGULAR, ActivityMode.LOCAL)
RUNNERS = ("shared", "default", "unsandboxed")
"""``shared``: the sandbox as `SharedActivitiesPlugin` configures it, `workflow_contracts`
passed through (imported once per process); ``default``: Temporal's default sandbox, which
executes `workflow_contracts` afresh for every workflow run (what workers got before the
plugin shared it); ``unsandboxed``: no sandbox (what the sandbox's own per-run work costs)."""


Key = tuple[str, str, ActivityMode]
"""(runner, kind, mode)."""


async def bench_stages(args: argparse.Namespace) -> dict[Key, Sample]:
    """The best sample of each (runner, kind, mode) over the rounds."""
    best: dict[Key, Sample] = {}
    async with stage_stack(max(args.stages, args.warmup), "wsa_bench_stages") as stack:
        client, files, config = stack.client, stack.files, stack.config
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
    return best


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
    demo: dict[tuple[str, str], dict[str, Any]],
) -> str:
    """The BENCHMARKS.md text."""
    lines = [
        "# workflow-shared-activities benchmarks: a file stage at the workflow level",
        "",
        "Measured by `tools/bench/shared-activities/bench_stages.py` through `pnpm nx run workflow-shared-activities:bench` on a Temporal dev server, moto's"
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
    lines += [
        "What telemetry costs a worker running these stages is in `BENCHMARKS-telemetry.md`"
        " (`pnpm nx run workflow-shared-activities:bench-telemetry`).",
        "",
        "## The end-to-end demo",
        "",
    ]
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
    parser.add_argument("--output", type=Path, default=LIBRARY / "BENCHMARKS.md")
    args = parser.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    stages = await bench_stages(args)
    demo = (
        await bench_demo(args.demo_files, args.demo_rounds, args.demo_databases)
        if args.demo_files > 0
        else {}
    )
    text = render(args, stages, demo)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
