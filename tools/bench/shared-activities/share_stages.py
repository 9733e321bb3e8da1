"""The shared activities' own telemetry cost, two workers measured side by side.

Two `real` workers (``share_worker.py``, a process each, on task queues of their own) run
Temporal's telemetry (`tracing_plugin()`, a Prometheus runtime, an SDK tracer provider with
always-on sampling); one also records the shared activities' spans and metrics
(``metrics+traces+temporal``), the other not (``temporal``). Each batch drives the same number
of stages at both at once, so a shared host whose speed drifts (here by tens of percent
within a minute) slows both alike, and compares their CPU per stage. Half-way through the
workers swap modes, so that neither process's own luck (its scheduling, its caches) counts as
the telemetry's. The figure is the median of the batches' ratios.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from instrumented_stages import SharedShare
from share_worker import ANSWER
from stage_stack import bench_process
from workflow_contracts import ActivityMode
from workflow_shared_activities import SharedActivitiesConfig

__all__ = ["bench_shared_share"]

WITHOUT, WITH = "temporal", "metrics+traces+temporal"

RunStages = Callable[[Sequence[uuid.UUID], ActivityMode, int, str, str], Awaitable[object]]
"""Drives stages at a task queue: files, mode, count, tag, task queue."""


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process, task_queue: str) -> None:
        self.proc, self.task_queue = proc, task_queue

    async def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{command}\n".encode())
        await self.proc.stdin.drain()
        while True:
            line = (await self.proc.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"the share worker on {self.task_queue} ended")
            if line.startswith(ANSWER):
                return line.removeprefix(ANSWER).strip()
            print(f"share worker {self.task_queue}: {line.rstrip()}", flush=True)

    async def usage(self) -> tuple[float, int]:
        """CPU seconds so far, and spans exported so far."""
        answer = json.loads(await self.ask("cpu"))
        return float(answer["cpu"]), int(answer["spans"])


@asynccontextmanager
async def _worker(
    target: str, config: SharedActivitiesConfig, task_queue: str, mode: str
) -> AsyncIterator[_Worker]:
    proc = await bench_process("share_worker.py")
    worker = _Worker(proc, task_queue)
    try:
        request = {"target": target, "task_queue": task_queue, "config": _fields(config)}
        ready = await worker.ask(json.dumps({**request, "mode": mode}))
        if ready != "ready":
            raise RuntimeError(f"the share worker on {task_queue} said {ready!r}")
        yield worker
    finally:
        if proc.returncode is None:
            assert proc.stdin is not None
            proc.stdin.write(b"stop\n")
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _fields(config: SharedActivitiesConfig) -> dict[str, Any]:
    keep = ("event_bus_name", "database_url", "aws_region", "aws_endpoint_url")
    return {k: getattr(config, k) for k in keep}


async def bench_shared_share(
    target: str,
    config: SharedActivitiesConfig,
    files: Sequence[uuid.UUID],
    run_stages: RunStages,
    batches: int,
    batch: int,
    warmup: int,
) -> list[SharedShare]:
    """``batches`` batches of ``batch`` stages at each worker, per activity mode.

    ``files`` must hold at least ``2 * batch`` files (each worker takes its own half).
    """
    halves = (files[:batch], files[batch : 2 * batch])
    async with AsyncExitStack() as stack:
        workers = [
            await stack.enter_async_context(_worker(target, config, f"bench-share-{i}", mode))
            for i, mode in enumerate((WITHOUT, WITH))
        ]
        current = [WITHOUT, WITH]
        await asyncio.gather(
            *(
                run_stages(
                    half[:warmup], ActivityMode.REGULAR, warmup, f"warm-share-{i}", w.task_queue
                )
                for i, (w, half) in enumerate(zip(workers, halves, strict=True))
            )
        )
        shares = []
        for mode in (ActivityMode.REGULAR, ActivityMode.LOCAL):
            cpu: dict[str, list[float]] = {WITHOUT: [], WITH: []}
            spans: dict[str, list[float]] = {WITHOUT: [], WITH: []}
            for n in range(batches):
                # Worker 0 runs without for the first half of each mode's batches, then with.
                modes = [WITHOUT, WITH] if n < batches // 2 else [WITH, WITHOUT]
                if modes != current:
                    await asyncio.gather(
                        *(w.ask(f"set {m}") for w, m in zip(workers, modes, strict=True))
                    )
                    current = modes
                before = await asyncio.gather(*(w.usage() for w in workers))
                await asyncio.gather(
                    *(
                        run_stages(half, mode, batch, f"share-{mode.value}-{n}-{i}", w.task_queue)
                        for i, (w, half) in enumerate(zip(workers, halves, strict=True))
                    )
                )
                after = await asyncio.gather(*(w.usage() for w in workers))
                for m, (cpu_after, spans_after), (cpu_before, spans_before) in zip(
                    modes, after, before, strict=True
                ):
                    cpu[m].append((cpu_after - cpu_before) / batch * 1e6)
                    spans[m].append((spans_after - spans_before) / batch)
                print(
                    f"shared share batch {n + 1}: {mode.value:7} {cpu[WITHOUT][-1]:,.0f} us"
                    f" without, {cpu[WITH][-1]:,.0f} us with,"
                    f" ratio {cpu[WITHOUT][-1] / cpu[WITH][-1]:.3f}",
                    flush=True,
                )
            shares.append(
                SharedShare.of(
                    mode,
                    [a / b for a, b in zip(cpu[WITHOUT], cpu[WITH], strict=True)],
                    cpu[WITHOUT],
                    cpu[WITH],
                    (statistics.median(spans[WITHOUT]), statistics.median(spans[WITH])),
                )
            )
        return shares
