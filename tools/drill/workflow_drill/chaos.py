"""Bounded, logged chaos: worker kills, database backend terminations and outages, a
Temporal restart."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from workflow_drill.fleet import Fleet
from workflow_drill.stack import DrillStack

__all__ = ["ChaosLog", "ChaosPlan", "run_chaos", "supervise"]


@dataclass(frozen=True)
class ChaosPlan:
    """What to break, and when (seconds after the phase started).

    Attributes:
        kills: Workers SIGKILLed (each restarted after ``restart_after``), one every
            ``kill_every`` seconds.
        backend_terminations: Times all the drill database's backends are terminated, spread
            over the phase, one every ``terminate_every`` seconds.
        outage_at: When database connections start being refused (None: no outage).
        outage_seconds: How long they are refused.
        temporal_restart_at: When the Temporal server is restarted once (None: never).
    """

    kills: int = 0
    kill_every: float = 4.0
    restart_after: float = 1.0
    backend_terminations: int = 0
    terminate_every: float = 5.0
    outage_at: float | None = None
    outage_seconds: float = 0.0
    temporal_restart_at: float | None = None
    seed: int = 11

    @property
    def active(self) -> bool:
        """True when anything is broken."""
        return bool(
            self.kills
            or self.backend_terminations
            or self.outage_at is not None
            or self.temporal_restart_at is not None
        )


@dataclass
class ChaosLog:
    """What was actually done, with times."""

    applied: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def note(self, action: str, detail: str) -> None:
        """Counts and records one action."""
        self.applied[action] += 1
        self.lines.append(f"{time.monotonic() - self.started:7.1f}s  {action:<22} {detail}")


async def _at(log: ChaosLog, seconds: float) -> None:
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - log.started)))


async def _kills(plan: ChaosPlan, fleet: Fleet, log: ChaosLog, rng: random.Random) -> None:
    for n in range(plan.kills):
        await _at(log, plan.kill_every * (n + 1))
        victim = rng.choice([w for w in fleet.workers if w.alive] or fleet.workers)
        victim.kill()
        log.note("worker SIGKILL", victim.name)
        await asyncio.sleep(plan.restart_after)
        victim.start()
        log.note("worker restart", victim.name)


async def terminate_backends(stack: DrillStack) -> int:
    """Cuts every connection to the drill's database; returns how many were cut."""
    admin = await stack.admin()
    try:
        value = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            stack.database.name,
        )
        return int(value or 0)
    finally:
        await admin.close()


async def _terminations(plan: ChaosPlan, stack: DrillStack, log: ChaosLog) -> None:
    for n in range(plan.backend_terminations):
        await _at(log, plan.terminate_every * (n + 1) + 0.5)
        killed = await terminate_backends(stack)
        log.note("backends terminated", f"{killed} connection(s)")


async def _outage(plan: ChaosPlan, stack: DrillStack, log: ChaosLog) -> None:
    assert plan.outage_at is not None
    await _at(log, plan.outage_at)
    name = stack.database.name
    admin = await stack.admin()
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        killed = await terminate_backends(stack)
        log.note(
            "database outage", f"connections refused for {plan.outage_seconds:.0f}s ({killed} cut)"
        )
        await asyncio.sleep(plan.outage_seconds)
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
    log.note("database back", "")


async def _restart(plan: ChaosPlan, stack: DrillStack, log: ChaosLog) -> None:
    assert plan.temporal_restart_at is not None
    await _at(log, plan.temporal_restart_at)
    log.note("temporal restart", "server stopped; state kept in its file")
    await stack.restart_temporal()
    log.note("temporal back", stack.temporal_address)


async def run_chaos(plan: ChaosPlan, stack: DrillStack, fleet: Fleet, log: ChaosLog) -> None:
    """Applies the plan (each kind concurrently); returns when all of it was applied."""
    rng = random.Random(plan.seed)
    tasks = [_kills(plan, fleet, log, rng), _terminations(plan, stack, log)]
    if plan.outage_at is not None:
        tasks.append(_outage(plan, stack, log))
    if plan.temporal_restart_at is not None:
        tasks.append(_restart(plan, stack, log))
    await asyncio.gather(*tasks)


async def supervise(fleet: Fleet, log: ChaosLog, stop: asyncio.Event) -> None:
    """Restarts a worker that exited on its own, as a process supervisor would.

    An app exits with code 3 when a service is unreachable at start (a worker restarted
    while the Temporal server itself restarts); a deployment's supervisor starts it again.
    """
    while not stop.is_set():
        for worker in fleet.dead():
            code = worker.process.returncode if worker.process else None
            log.note("worker exited", f"{worker.name} (exit code {code}); restarted")
            worker.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
