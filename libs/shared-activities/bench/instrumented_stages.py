"""What telemetry costs a worker running file stages: the instrumented rows of `bench_stages`.

The worker is the `real` one (`SharedActivitiesPlugin`, as users run it) in three modes,
interleaved in each round: ``off`` (no telemetry: the bench's client, Temporal's no-op meter,
no tracer provider); ``metrics`` (a client on a Prometheus-serving runtime, so the shared
activities and Temporal's SDK record every metric); ``metrics+traces`` (also Temporal's
``OpenTelemetryPlugin`` from `tracing_plugin` on the worker and an SDK tracer provider with
always-on sampling, a batching processor and an exporter that discards: Temporal's spans around
every workflow and activity, and the shared activities' ``file_status.change`` and
``EventBridge.PutEvents`` spans). The figure is this process's CPU time per stage (the worker
is all this process runs while a driver in its own process starts the stages), every thread
included; throughput ratios are shown too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from temporalio.client import Client
from workflow_devstack.instrumentation import MODES, Instrumentation
from workflow_shared_activities import ActivityMode

__all__ = ["Measured", "bench_instrumentation", "render_instrumentation"]


@dataclass(frozen=True)
class Measured:
    """One instrumented row: stages per second and CPU microseconds per stage (best of rounds)."""

    mode: ActivityMode
    instrumentation: str
    rate: float
    cpu_us: float


RunStages = Callable[[Client, ActivityMode, str], Awaitable[tuple[float, float]]]
"""Runs the measured stages on a `real` worker over the client: (stages/s, CPU us per stage)."""


async def bench_instrumentation(
    clients: Mapping[str, Client], instr: Instrumentation, run: RunStages, rounds: int
) -> list[Measured]:
    """Each instrumentation mode (``clients`` by mode) in each activity mode, best of rounds.

    ``clients["metrics"]`` is on ``instr.runtime``; ``clients["metrics+traces"]`` too, with
    `tracing_plugin`. The global tracer provider records only while ``metrics+traces`` runs.
    """
    best: dict[tuple[ActivityMode, str], Measured] = {}
    for round_ in range(rounds):
        for mode in (ActivityMode.REGULAR, ActivityMode.LOCAL):
            for name in MODES if round_ % 2 == 0 else MODES[::-1]:
                instr.set(name)
                try:
                    rate, cpu_us = await run(
                        clients[name], mode, f"instr-{name}-{mode.value}-{round_}"
                    )
                finally:
                    instr.set("off")
                print(
                    f"instrumented round {round_ + 1}: {mode.value:7} {name:15}"
                    f" {rate:6.1f} stages/s, {cpu_us:,.0f} us CPU/stage",
                    flush=True,
                )
                current = best.get((mode, name))
                if current is not None:
                    rate, cpu_us = max(rate, current.rate), min(cpu_us, current.cpu_us)
                best[(mode, name)] = Measured(mode, name, rate, cpu_us)
    return list(best.values())


def render_instrumentation(rows: Sequence[Measured], stages: int, rounds: int) -> list[str]:
    """The BENCHMARKS.md section of the instrumented rows."""
    by_key = {(r.mode, r.instrumentation): r for r in rows}
    lines = [
        "## What telemetry costs a worker",
        "",
        f"The `real` worker (`shared` runner) in three modes, interleaved, best of {rounds}"
        f" rounds, {stages} stages each: `off` (no telemetry), `metrics` (a Prometheus-serving"
        " runtime: the shared activities' metrics and Temporal's), `metrics+traces` (also"
        " Temporal's `OpenTelemetryPlugin` via `tracing_plugin()` and an SDK tracer provider:"
        " always-on sampling, a batching processor, an exporter that discards). CPU is the"
        " worker process's, every thread, per stage. Target (#10): instrumentation costs at most"
        " 5%, CPU per stage off/on >= 0.95.",
        "",
        "| mode | instrumentation | stages/s | CPU per stage | off/on CPU | on/off stages/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for mode in (ActivityMode.REGULAR, ActivityMode.LOCAL):
        off = by_key.get((mode, "off"))
        for name in MODES:
            row = by_key.get((mode, name))
            if row is None:
                continue
            cpu_ratio = f"{off.cpu_us / row.cpu_us:.3f}" if off and name != "off" else ""
            rate_ratio = f"{row.rate / off.rate:.3f}" if off and name != "off" else ""
            lines.append(
                f"| {mode.value} | {name} | {row.rate:,.1f} | {row.cpu_us / 1000:,.2f} ms |"
                f" {cpu_ratio} | {rate_ratio} |"
            )
    lines.append("")
    return lines
