"""Updates per second on PostgreSQL: the activity path against a raw asyncpg pool, one run.

Run with ``pnpm nx run workflow-file-status:bench``; writes the table to
``libs/file-status/BENCHMARKS.md``.
Rows: (1) UpdateFileStatusActivity through the PostgreSQL adapter (guard, version, history),
(2) a raw asyncpg pool running the bare single-statement UPDATE (no history), (3) the naive
SQLModel read-modify-write, (4) a new connection per update, (7) the activity path through
PgBouncer in transaction mode (``?pooler=transaction``) against (1) direct, interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.testing import ActivityEnvironment
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, TemporalContext
from workflow_devstack import (
    PgBouncer,
    create_database,
    drop_database,
    free_port,
    pgbouncer_path,
    run_concurrently,
)
from workflow_devstack.instrumentation import Instrumentation, measure, span_cost_us
from workflow_file_status import FileCreate, UpdateFileStatusActivity, create_engine, repository_for
from workflow_file_status._models import FileRecord
from workflow_file_status._resource import SqlFileStatusAdapter
from workflow_file_status.migrate import upgrade
from workflow_shared_activities.telemetry import prometheus_runtime

HERE = Path(__file__).parent
LIBRARY = HERE.parents[2] / "libs" / "file-status"
"""The library measured: its ``BENCHMARKS.md`` is written there."""


def compare(name: str, on: tuple[float, float], off: tuple[float, float]) -> str:
    """Throughput ratio, and the CPU ratio off/on (the cost: 0.95 is 5% more CPU per update)."""
    return (
        f"{name} = {on[0] / off[0]:.3f}; CPU/update off/on = {off[1] / on[1]:.3f} ({on[1]:.0f} us)"
    )


CYCLE = [FileStatus.PROCESSING, FileStatus.COMPLETED]  # legal both ways: PROCESSING <-> COMPLETED


def activity_env(i: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id=f"bench-{i}", activity_id="1")
    return env


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=4000)
    parser.add_argument("--files", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the interleaved rows")
    parser.add_argument("--output", type=Path, default=LIBRARY / "BENCHMARKS.md")
    parser.add_argument(
        "--pooler-pool-size", type=int, default=8, help="PgBouncer's server connections (7)"
    )
    args = parser.parse_args()
    database = await create_database(prefix="wsa_bench")
    instr = Instrumentation(prometheus_runtime(f"127.0.0.1:{free_port()}"))
    rows: list[tuple[str, int, float, str]] = []
    bouncer = PgBouncer(pool_size=args.pooler_pool_size).start() if pgbouncer_path() else None
    try:
        await asyncio.to_thread(upgrade, database.dsn)
        engine = create_engine(database.sqlalchemy_url, pool_size=32, max_overflow=0)
        repo = repository_for(engine)
        pooled_engine = (
            create_engine(
                bouncer.through(database.sqlalchemy_url) + "?pooler=transaction",
                pool_size=32,
                max_overflow=0,
            )
            if bouncer
            else None
        )
        files = [
            (await repo.register_file(FileCreate(name=f"f{i}", uri=f"/f{i}"))).id
            for i in range(args.files)
        ]
        pool = await asyncpg.create_pool(database.dsn, min_size=32, max_size=32)
        activity = UpdateFileStatusActivity(repo)
        # One activity per instrumentation mode: each caches its worker's instruments.
        by_mode = {
            mode: UpdateFileStatusActivity(repo) for mode in ("off", "metrics", "metrics+traces")
        }

        # Move every file to PROCESSING first so each row's updates alternate legally.
        for f in files:
            await repo.change_status(
                f,
                FileStatus.PROCESSING,
                TemporalContext(f"setup-{f}", "run", "1", 1),
                DEFAULT_TRANSITIONS,
            )

        for concurrency in (1, 32):
            n = args.updates if concurrency == 32 else args.updates // 4
            # Each (file, round) pair gets its own workflow id: every update is a new execution.
            envs = [activity_env(10_000_000 * concurrency + i) for i in range(n)]
            state = {f: 1 for f in files}  # index into CYCLE of the next target

            # The closures below run within this loop iteration only.
            def target(i: int, state: dict[uuid.UUID, int] = state) -> tuple[uuid.UUID, FileStatus]:
                f = files[i % len(files)]
                status = CYCLE[state[f] % 2]
                state[f] += 1
                return f, status

            async def via_activity(i: int, envs: list[ActivityEnvironment] = envs) -> None:
                f, status = target(i)
                await envs[i].run(activity.run, f, status)

            async def raw(i: int) -> None:
                f, status = target(i)
                async with pool.acquire() as conn:
                    await conn.execute(
                        "UPDATE files SET status = $2, version = version + 1, updated_at = now()"
                        " WHERE id = $1",
                        f,
                        status.value,
                    )

            raw_rates, act_rates = [], []
            for _ in range(3):
                raw_rates.append(await run_concurrently(n, concurrency, raw))
                # raw writes moved statuses without the guard: realign before the guarded row.
                await _align(pool, files, state)
                act_rates.append(await run_concurrently(n, concurrency, via_activity))
            raw_rate, act_rate = max(raw_rates), max(act_rates)
            rows.append(
                ("(2) raw asyncpg pool, bare UPDATE, no history", concurrency, raw_rate, "")
            )
            rows.append(
                (
                    "(1) activity path (guard + version + history)",
                    concurrency,
                    act_rate,
                    f"(1)/(2) = {act_rate / raw_rate:.2f}",
                )
            )
            if pooled_engine is not None:
                rows.extend(
                    await _pooler_rows(
                        n,
                        concurrency,
                        target,
                        repo,
                        repository_for(pooled_engine),
                        rounds=args.rounds,
                    )
                )
            # Instrumentation off, metrics, metrics + traces, interleaved (alternating order);
            # each run on executions of its own.
            modes = ("off", "metrics", "metrics+traces")
            rates: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
            for round_ in range(args.rounds):
                for k, mode in enumerate(modes if round_ % 2 == 0 else modes[::-1]):
                    instr.set(mode)
                    tag = 2_000_000_000 + concurrency * 100_000_000 + (round_ * 3 + k) * 10**6
                    fresh = [activity_env(tag + i) for i in range(n)]
                    for env in fresh:
                        env.metric_meter = instr.meter()

                    async def traced(i: int, fresh: list[ActivityEnvironment] = fresh) -> None:
                        f, status = target(i)
                        with instr.caller():
                            await fresh[i].run(by_mode[instr.mode].run, f, status)

                    rates[mode].append(await measure(n, concurrency, traced))
                    instr.set("off")
            off_rate, metrics_rate, traced_rate = (
                (max(r for r, _ in rates[mode]), min(c for _, c in rates[mode])) for mode in modes
            )
            rows.append(
                (
                    "(1') = (1) again, no telemetry",
                    concurrency,
                    off_rate[0],
                    f"{off_rate[1]:.0f} us CPU/update",
                )
            )
            rows.append(
                (
                    "(5) = (1') + metrics",
                    concurrency,
                    metrics_rate[0],
                    compare("(5)/(1')", metrics_rate, off_rate),
                )
            )
            rows.append(
                (
                    "(6) = (1') + metrics + traces (span)",
                    concurrency,
                    traced_rate[0],
                    compare("(6)/(1')", traced_rate, off_rate),
                )
            )

        # The server connections the pooler held are needed by rows (3) and (4).
        if pooled_engine is not None:
            await pooled_engine.dispose()
            pooled_engine = None
        if bouncer is not None:
            bouncer.stop()

        # Round trips of one activity update, counted by the driver's query logger.
        queries: list[str] = []
        counted = create_engine(database.sqlalchemy_url, pool_size=1, max_overflow=0)

        @sa.event.listens_for(counted.sync_engine, "connect")
        def _log_queries(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(
                lambda record: queries.append(record.query)
            )

        counted_activity = UpdateFileStatusActivity(repository_for(counted))
        f = files[0]
        await activity_env(99_999_998).run(counted_activity.run, f, CYCLE[state[f] % 2])
        state[f] += 1
        queries.clear()  # the first use also prepares the statement
        await activity_env(99_999_999).run(counted_activity.run, f, CYCLE[state[f] % 2])
        round_trips = len(queries)
        await counted.dispose()

        async def naive_sqlmodel(i: int) -> None:
            f = files[i % len(files)]
            async with AsyncSession(engine) as session:
                record = await session.get(FileRecord, f)
                assert record is not None
                record.status = CYCLE[i % 2].value
                record.version += 1
                session.add(record)
                await session.commit()

        naive_rate = await run_concurrently(args.updates // 2, 32, naive_sqlmodel)
        rows.append(("(3) naive SQLModel read-modify-write", 32, naive_rate, ""))

        async def new_connection(i: int) -> None:
            conn = await asyncpg.connect(database.dsn)
            try:
                await conn.execute(
                    "UPDATE files SET status = $2, version = version + 1 WHERE id = $1",
                    files[i % len(files)],
                    CYCLE[i % 2].value,
                )
            finally:
                await conn.close()

        conn_rate = await run_concurrently(args.updates // 8, 32, new_connection)
        rows.append(("(4) new connection per update", 32, conn_rate, ""))
        await pool.close()
        await engine.dispose()
        span_us = span_cost_us(instr)
    finally:
        instr.shutdown()
        if bouncer is not None:
            bouncer.stop()
        await drop_database(database)

    lines = [
        "# workflow-file-status benchmarks",
        "",
        f"Measured by `tools/bench/file-status/bench_file_status.py` through `pnpm nx run workflow-file-status:bench` on the local PostgreSQL"
        f" ({args.updates} updates at c=32, a quarter at c=1, over {args.files} files; best of three;"
        f" Python {platform.python_version()}, {os.cpu_count()} CPUs). Compare ratios within one run.",
        "",
        "Targets: (1)/(2) >= 0.8 at concurrency 32; one round trip per update for (1)."
        " Instrumentation: what an update costs with it, CPU time per update off/on for (5) and"
        " (6) (this process's CPU, every thread; throughput ratios are shown too, but on a shared"
        " machine they swing by more than 5% between rounds). (5) records every"
        " metric on a Prometheus-serving Temporal runtime; (6) also records the span on an SDK"
        " tracer provider (always-on sampling, batch processor, an exporter that discards);"
        " (1') is the same work with no telemetry set up; the three are interleaved in the same"
        " run, best of the rounds (see `workflow_devstack.instrumentation`). The 5% target is"
        " read where a user meets it, in a worker (`libs/shared-activities/BENCHMARKS-telemetry.md`, the"
        " shared activities' share): here an update is the activity's own code alone, with no"
        " Temporal around it, and one SDK span costs what the last line says.",
        "",
        "| row | concurrency | updates/s | notes |",
        "|---|---:|---:|---|",
        *[f"| {r} | {c} | {rate:,.0f} | {note} |" for r, c, rate, note in rows],
        "",
        f"Round trips per activity update (queries the driver sent): {round_trips}",
        "",
        "(7) goes through PgBouncer 1.18 in transaction mode with"
        f" {args.pooler_pool_size} server connections for the 32 of the worker's pool; the"
        " worker's URL has `?pooler=transaction`, so each update prepares its statement unnamed"
        " (two protocol round trips: Parse/Describe, then Bind/Execute) through one more hop."
        " (1'') is (1) direct, interleaved with (7) on fresh executions, best of the rounds."
        if bouncer
        else "(7) not measured: pgbouncer is not installed (tools/scripts/pgbouncer.sh).",
        "",
        f"One bare SDK span in this process, same run (started with five attributes, ended,"
        f" batched and exported to the discarding exporter): {span_us:.0f} us CPU: the floor of"
        " what tracing adds to a traced update.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.write_text(text)


async def _pooler_rows(
    n: int,
    concurrency: int,
    target: Any,
    direct: SqlFileStatusAdapter,
    pooled: SqlFileStatusAdapter,
    *,
    rounds: int,
) -> list[tuple[str, int, float, str]]:
    """(1'') direct and (7) through the pooler, interleaved, fresh executions every run."""
    activities = {
        "direct": UpdateFileStatusActivity(direct),
        "pooled": UpdateFileStatusActivity(pooled),
    }
    best = {"direct": 0.0, "pooled": 0.0}
    for round_ in range(rounds):
        for k, path in enumerate(("direct", "pooled") if round_ % 2 == 0 else ("pooled", "direct")):
            tag = 3_000_000_000 + concurrency * 100_000_000 + (round_ * 2 + k) * 10**6
            envs = [activity_env(tag + i) for i in range(n)]

            async def update(
                i: int, envs: list[ActivityEnvironment] = envs, path: str = path
            ) -> None:
                f, status = target(i)
                await envs[i].run(activities[path].run, f, status)

            best[path] = max(best[path], await run_concurrently(n, concurrency, update))
    return [
        ("(1'') = (1) direct, interleaved with (7)", concurrency, best["direct"], ""),
        (
            "(7) = (1) through PgBouncer, transaction mode",
            concurrency,
            best["pooled"],
            f"(7)/(1'') = {best['pooled'] / best['direct']:.2f}",
        ),
    ]


async def _align(pool: asyncpg.Pool, files: list[uuid.UUID], state: dict[uuid.UUID, int]) -> None:
    async with pool.acquire() as conn:
        for f in files:
            # The next target is CYCLE[state % 2]; the current status must be the other one.
            await conn.execute(
                "UPDATE files SET status = $2 WHERE id = $1", f, CYCLE[(state[f] + 1) % 2].value
            )


if __name__ == "__main__":
    asyncio.run(main())
