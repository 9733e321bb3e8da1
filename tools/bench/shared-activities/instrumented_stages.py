"""What telemetry costs a worker running file stages: the per-mode rows of `bench_telemetry`.

The worker is the `real` one (`SharedActivitiesPlugin`, as users run it) in five modes,
interleaved in each round: ``off`` (no telemetry: the bench's client, Temporal's no-op meter,
spans dropped by the sampler); ``metrics`` (a client on a Prometheus-serving runtime, so the
shared activities and Temporal's SDK record every metric); ``metrics+traces`` (also
``tracing_plugin(add_temporal_spans=False)``, Temporal's ``OpenTelemetryPlugin`` carrying the
context through workflows and activities, and an SDK tracer provider with always-on sampling,
a batching processor and an exporter that discards: the shared activities' own spans,
``file_status.change`` and ``EventBridge.PutEvents``; the driver starts the stages untraced, so
these spans are roots and the events carry no ``detail.trace``); ``metrics+traces+temporal``
(``tracing_plugin()``: Temporal's spans around every workflow and activity too, under which
every event carries ``detail.trace``); ``temporal`` (the same client, but the shared activities'
own spans dropped and their metrics not recorded: Temporal's telemetry alone, so that the
shared activities' share is ``temporal`` against ``metrics+traces+temporal``). The figure is
this process's CPU time per stage (the worker is all this process runs while a driver in its
own process starts the stages), every thread included; throughput ratios are shown too.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from temporalio.client import Client
from workflow_contracts import ActivityMode
from workflow_devstack.instrumentation import Instrumentation

__all__ = [
    "STAGE_MODES",
    "Measured",
    "SharedShare",
    "bench_instrumentation",
    "render_instrumentation",
]

STAGE_MODES = ("off", "metrics", "metrics+traces", "temporal", "metrics+traces+temporal")
"""The instrumentation modes of the worker, in the order the rows are shown."""


@dataclass(frozen=True)
class Measured:
    """One instrumented row: stages per second and CPU microseconds per stage (best of rounds)."""

    mode: ActivityMode
    instrumentation: str
    rate: float
    cpu_us: float
    spans_per_stage: float


@dataclass(frozen=True)
class SharedShare:
    """The shared activities' telemetry against Temporal's alone (`share_stages`).

    ``ratios`` are CPU per stage without / with it, one per batch of the two workers.
    """

    mode: ActivityMode
    ratios: tuple[float, ...]
    cpu_without_us: float
    cpu_with_us: float
    spans_per_stage: tuple[float, float] = (0.0, 0.0)
    """Spans exported per stage without and with (the medians): the switch at work."""

    @classmethod
    def of(
        cls,
        mode: ActivityMode,
        ratios: Sequence[float],
        without: Sequence[float],
        with_: Sequence[float],
        spans_per_stage: tuple[float, float] = (0.0, 0.0),
    ) -> SharedShare:
        """The batches' ratios, and the medians of the CPU per stage without and with."""
        return cls(
            mode,
            tuple(ratios),
            statistics.median(without),
            statistics.median(with_),
            spans_per_stage,
        )

    @property
    def median(self) -> float:
        """The median ratio: what the target reads."""
        return statistics.median(self.ratios)

    @property
    def quartiles(self) -> tuple[float, float]:
        """The first and third quartiles of the ratios (their spread)."""
        if len(self.ratios) < 2:
            return self.ratios[0], self.ratios[0]
        q = statistics.quantiles(self.ratios, n=4)
        return q[0], q[2]


RunStages = Callable[[Client, ActivityMode, str], Awaitable[tuple[float, float, float]]]
"""Runs the measured stages on a `real` worker over the client: stages/s, CPU us per stage and
spans exported per stage."""


async def bench_instrumentation(
    clients: Mapping[str, Client], instr: Instrumentation, run: RunStages, rounds: int
) -> list[Measured]:
    """Each instrumentation mode (``clients`` by mode) in each activity mode, best of rounds.

    The clients of every mode but ``off`` are on ``instr.runtime``; the traced ones have
    `tracing_plugin`. The global tracer provider records only while a traced mode runs.
    """
    best: dict[tuple[ActivityMode, str], Measured] = {}
    for round_ in range(rounds):
        for mode in (ActivityMode.REGULAR, ActivityMode.LOCAL):
            for name in STAGE_MODES if round_ % 2 == 0 else STAGE_MODES[::-1]:
                instr.set(name)
                try:
                    rate, cpu_us, spans = await run(
                        clients[name], mode, f"instr-{name}-{mode.value}-{round_}"
                    )
                finally:
                    instr.set("off")
                print(
                    f"instrumented round {round_ + 1}: {mode.value:7} {name:15}"
                    f" {rate:6.1f} stages/s, {cpu_us:,.0f} us CPU/stage, {spans:.1f} spans/stage",
                    flush=True,
                )
                current = best.get((mode, name))
                if current is not None:
                    rate, cpu_us = max(rate, current.rate), min(cpu_us, current.cpu_us)
                best[(mode, name)] = Measured(mode, name, rate, cpu_us, spans)
    return list(best.values())


def render_instrumentation(
    rows: Sequence[Measured],
    stages: int,
    rounds: int,
    shares: Sequence[SharedShare] = (),
    batch: int = 0,
) -> list[str]:
    """The BENCHMARKS.md section of the instrumented rows."""
    by_key = {(r.mode, r.instrumentation): r for r in rows}
    lines = [
        "## What telemetry costs a worker",
        "",
        f"The `real` worker (`shared` runner) in five modes, interleaved, best of {rounds}"
        f" rounds, {stages} stages each: `off` (no telemetry), `metrics` (a Prometheus-serving"
        " runtime: the shared activities' metrics and Temporal's), `metrics+traces` (also"
        " `tracing_plugin(add_temporal_spans=False)`, which carries the trace context through"
        " workflows and activities, and an SDK tracer provider: always-on sampling, a batching"
        " processor, an exporter that discards; the spans are the shared activities' own,"
        " `file_status.change` and `EventBridge.PutEvents`, roots since the driver starts the"
        " stages untraced, so events carry no `detail.trace`), `temporal` (`tracing_plugin()`"
        " and the Prometheus runtime: Temporal's own spans around every workflow and activity"
        " and its metrics, with the shared activities' spans dropped and their metrics not"
        " recorded), `metrics+traces+temporal` (the same with the shared activities' too, under"
        " which every event carries `detail.trace`; what the sample apps turn on). CPU is the"
        " worker process's, every thread, per stage. Target: the shared activities'"
        " instrumentation costs at most 5%: CPU per stage `temporal` / `metrics+traces+temporal`"
        " >= 0.95 (their share, Temporal's telemetry on in both).",
        "",
        "| mode | instrumentation | stages/s | CPU per stage | spans per stage | off/on CPU |"
        " on/off stages/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for mode in (ActivityMode.REGULAR, ActivityMode.LOCAL):
        off = by_key.get((mode, "off"))
        for name in STAGE_MODES:
            row = by_key.get((mode, name))
            if row is None:
                continue
            cpu_ratio = f"{off.cpu_us / row.cpu_us:.3f}" if off and name != "off" else ""
            rate_ratio = f"{row.rate / off.rate:.3f}" if off and name != "off" else ""
            lines.append(
                f"| {mode.value} | {name} | {row.rate:,.1f} | {row.cpu_us / 1000:,.2f} ms |"
                f" {row.spans_per_stage:.1f} | {cpu_ratio} | {rate_ratio} |"
            )
    lines += ["", *_shared_share(shares, batch), ""]
    return lines


def _shared_share(shares: Sequence[SharedShare], batch: int) -> list[str]:
    """The shared activities' own share, measured in pairs on one worker."""
    if not shares:
        return []
    lines = [
        "The shared activities' share, Temporal's telemetry on in both (the target): two"
        " `real` workers, a process each (`tracing_plugin()`, the Prometheus runtime, the"
        " tracer provider above), one `temporal` and one `metrics+traces+temporal`, driven"
        f" at once, {len(shares[0].ratios)} batches of {batch} stages each per mode, the two"
        " swapping modes half-way (`tools/bench/shared-activities/share_stages.py`): a host whose speed drifts slows"
        " both alike. The ratio is CPU per stage without / with the shared activities'"
        " telemetry, per batch; the median of the batches.",
        "",
        "| mode | CPU per stage without (median) | with (median) | without/with, median |"
        " quartiles | batches >= 0.95 | spans per stage without / with |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for share in shares:
        low, high = share.quartiles
        met = sum(r >= 0.95 for r in share.ratios)
        lines.append(
            f"| {share.mode.value} | {share.cpu_without_us / 1000:.2f} ms |"
            f" {share.cpu_with_us / 1000:.2f} ms | {share.median:.3f} | {low:.3f} to"
            f" {high:.3f} | {met} of {len(share.ratios)} |"
            f" {share.spans_per_stage[0]:.1f} / {share.spans_per_stage[1]:.1f} |"
        )
    return lines
