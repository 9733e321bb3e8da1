"""A storm of executions on PostgreSQL, a third of them with a concurrent twin attempt.

Several engines (pools, as several workers have) change a few dozen files with random
targets (legal, illegal, no-ops), workflow and standalone executions mixed (all standalone
ones share one activity id). Then the history checker reads the tables and holds every
attempt to what its execution committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from workflow_activity_kit import execution_id
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange, TemporalContext
from workflow_contracts.errors import InvalidStatusTransitionError, SharedActivityError
from workflow_devstack import PostgresDatabase, run_concurrently
from workflow_file_status import FileCreate, create_engine, repository_for
from workflow_file_status._resource import SqlFileStatusAdapter

from tests.history_checker import Attempt, Refused, Row, check_history

EXECUTIONS = 5000
TWIN_SHARE = 0.35
STANDALONE_SHARE = 0.2
FILES = 40
ENGINES = 3
CONCURRENCY = 24


async def test_storm_every_attempt_gets_its_execution_s_committed_change(
    postgres_database: PostgresDatabase, pg_engine: AsyncEngine
) -> None:
    rng = random.Random(20261202)
    engines = [
        create_engine(postgres_database.sqlalchemy_url, pool_size=12, max_overflow=0)
        for _ in range(ENGINES)
    ]
    repos = [repository_for(e) for e in engines]
    try:
        files = [
            (await repos[0].register_file(FileCreate(name=f"storm-{n}", uri=f"/s/{n}"))).id
            for n in range(FILES)
        ]
        plan = []
        for i in range(EXECUTIONS):
            if rng.random() < STANDALONE_SHARE:
                context = TemporalContext(
                    None, None, "storm", 1, namespace="default", activity_run_id=f"storm-{i}"
                )
            else:
                context = TemporalContext(f"storm-{i}", "run", "1", 1, namespace="default")
            twin = rng.random() < TWIN_SHARE
            plan.append((rng.choice(files), rng.choice(list(FileStatus)), context, twin))
        attempts: list[Attempt] = []
        unexpected: Counter[str] = Counter()

        async def attempt(
            repo: SqlFileStatusAdapter, file_id: UUID, target: FileStatus, ctx: TemporalContext
        ) -> None:
            outcome: StatusChange | Refused
            try:
                outcome = await repo.change_status(file_id, target, ctx, DEFAULT_TRANSITIONS)
            except InvalidStatusTransitionError as err:
                outcome = Refused(type(err).__name__, err.details[0]["version"])
            except SharedActivityError as err:  # retried by Temporal: nothing to hold it to
                unexpected[f"{type(err).__name__}: {err.message}"] += 1
                return
            attempts.append(Attempt(execution_id(ctx), file_id, target, outcome))

        async def execute(i: int) -> None:
            file_id, target, ctx, twin = plan[i]
            first, second = rng.sample(repos, 2)
            if twin:  # attempt 2 of the same execution, at the same time, via another pool
                await asyncio.gather(
                    attempt(first, file_id, target, ctx),
                    attempt(second, file_id, target, dataclasses.replace(ctx, attempt=2)),
                )
            else:
                await attempt(first, file_id, target, ctx)

        started = time.perf_counter()
        rate = await run_concurrently(EXECUTIONS, CONCURRENCY, execute)
        elapsed = time.perf_counter() - started

        conn = await asyncpg.connect(postgres_database.dsn)
        try:
            current = await conn.fetch(
                "SELECT id, status, version FROM files WHERE id = ANY($1::uuid[])", files
            )
            history = await conn.fetch(
                "SELECT file_id, version, from_status, to_status, execution_id::text"
                " FROM file_status_history WHERE file_id = ANY($1::uuid[])",
                files,
            )
        finally:
            await conn.close()
    finally:
        for engine in engines:
            await engine.dispose()

    rows = [Row(*r) for r in history]
    problems = check_history(
        {r["id"]: (r["status"], r["version"]) for r in current},
        rows,
        attempts,
        DEFAULT_TRANSITIONS,
    )
    told: dict[str, list[StatusChange | Refused]] = {}
    for a in attempts:
        told.setdefault(a.execution_id, []).append(a.outcome)
    kinds = Counter(
        "illegal" if isinstance(o, Refused) else "changed" if o.changed else "no-op"
        for a in attempts
        for o in [a.outcome]
    )
    twins = sum(1 for *_, twin in plan if twin)
    # Twins where both attempts were told "changed": one of them waited for the other's
    # commit and found it (the case a snapshot taken before the lock gets wrong).
    shared = sum(
        1
        for outcomes in told.values()
        if len(outcomes) == 2 and all(isinstance(o, StatusChange) and o.changed for o in outcomes)
    )
    committed = {r.execution_id for r in rows}
    # Twins whose first decision ("no change") came before the other attempt's change.
    early = sum(
        1
        for key, outcomes in told.items()
        if key in committed and any(isinstance(o, Refused) or not o.changed for o in outcomes)
    )
    print(
        f"\nstorm: {EXECUTIONS} executions ({twins} with a twin attempt), {len(attempts)}"
        f" attempts in {elapsed:.1f}s ({rate:.0f} executions/s) over {FILES} files,"
        f" {ENGINES} engines; outcomes {dict(kinds)}; twins both told 'changed': {shared};"
        f" twins told 'no change' before the other attempt changed it: {early};"
        f" history rows {len(rows)}; problems {len(problems)}; retryable errors"
        f" {sum(unexpected.values())}"
    )
    assert problems == [], problems[:20]
    assert not unexpected, unexpected.most_common(5)
    assert twins >= 0.3 * EXECUTIONS
    assert kinds["changed"] and kinds["no-op"] and kinds["illegal"] and shared
