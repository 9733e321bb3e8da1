"""The workflows the history recorder drives: one function per case, each one closed run.

Each case starts its workflow the way the app does (``start_ingestion_workflow`` /
``start_evaluation_workflow``), provokes its outcome with real input (a malformed file, a file
that fails once then reads, an unknown id, a file another execution holds) and waits for the
run to close. A run that fails is a valid case too: its history is what replay needs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import evaluation_worker.worker as evaluation
import ingestion_worker.worker as ingestion
from evaluation_worker.settings import Settings as EvaluationSettings
from ingestion_worker.settings import Settings as IngestionSettings
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, TemporalContext, describe_failure
from workflow_file_status import FileCreate, FileStore

from workflow_demo.samples import SAMPLES_DIR

__all__ = ["CASES", "Case", "CaseContext", "Outcome"]

RETRY_FIX_AFTER_SECONDS = 2.0
"""The retry case's file is fixed after this long: its first two attempts (at about 0 s and
1 s, `INGEST_FILE_RETRY_POLICY`) have failed by then, the third one reads it."""


@dataclass
class CaseContext:
    """What a case needs: the client, both apps' settings, the database, a scratch folder."""

    client: Client
    ingestion: IngestionSettings
    evaluation: EvaluationSettings
    repo: FileStore
    workdir: Path

    async def register(self, path: Path) -> UUID:
        """Registers ``path`` (which need not be readable yet) and returns its id."""
        created = await self.repo.register_file(FileCreate(name=path.name, uri=str(path)))
        return created.id


@dataclass(frozen=True)
class Outcome:
    """A closed run: its handle, and how it ended (the result's status or the failure)."""

    handle: WorkflowHandle[Any, Any]
    ended: str


@dataclass(frozen=True)
class Case:
    """One recorded workflow: which app runs it, its name, and what it should end as."""

    app: str
    name: str
    expect: str
    run: Callable[[CaseContext], Awaitable[WorkflowHandle[Any, Any]]]


async def _close(handle: WorkflowHandle[Any, Any]) -> str:
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        return f"failed: {describe_failure(err.cause or err)[0]}"
    return str(result.status.value)


async def _ingest(ctx: CaseContext, file_id: UUID) -> WorkflowHandle[Any, Any]:
    return await ingestion.start_ingestion_workflow(ctx.client, ctx.ingestion, file_id)


async def _evaluate(ctx: CaseContext, file_id: UUID) -> WorkflowHandle[Any, Any]:
    return await evaluation.start_evaluation_workflow(ctx.client, ctx.evaluation, file_id)


async def ingest_success(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    return await _ingest(ctx, await ctx.register(SAMPLES_DIR / "orders.csv"))


async def ingest_malformed(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    # FAILED, its failure event, then the SNS notification (the settings carry a topic).
    return await _ingest(ctx, await ctx.register(SAMPLES_DIR / "broken.csv"))


async def ingest_retried(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    # A symlink to itself: opening it raises ELOOP, an OSError the activity retries (not one
    # of the file's own errors, which fail at once). Replaced by a good file, it then reads.
    path = ctx.workdir / f"retried-{uuid4().hex[:8]}.csv"
    os.symlink(path.name, path)
    handle = await _ingest(ctx, await ctx.register(path))
    await asyncio.sleep(RETRY_FIX_AFTER_SECONDS)
    path.unlink()
    shutil.copyfile(SAMPLES_DIR / "orders.csv", path)
    return handle


async def ingest_unknown_file(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    # Bad input: the PROCESSING change is refused, the failure event sent, the run fails.
    return await _ingest(ctx, uuid4())


async def evaluate_success(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    return await _evaluate(ctx, await ctx.register(SAMPLES_DIR / "customers.csv"))


async def evaluate_not_csv(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    path = ctx.workdir / "notes.txt"
    path.write_text("not a table\n")
    return await _evaluate(ctx, await ctx.register(path))


async def evaluate_already_processing(ctx: CaseContext) -> WorkflowHandle[Any, Any]:
    # Another execution holds the file: the stage sends FileAlreadyProcessing and fails.
    file_id = await ctx.register(SAMPLES_DIR / "sensors.csv")
    holder = TemporalContext("held-elsewhere", "run", None, 1, "Elsewhere", "default")
    await ctx.repo.change_status(file_id, FileStatus.PROCESSING, holder, DEFAULT_TRANSITIONS)
    return await _evaluate(ctx, file_id)


CASES = (
    Case("ingestion-worker", "success", "COMPLETED", ingest_success),
    Case("ingestion-worker", "malformed-notified", "FAILED", ingest_malformed),
    Case("ingestion-worker", "retried", "COMPLETED", ingest_retried),
    Case("ingestion-worker", "unknown-file", "failed: FileNotFound", ingest_unknown_file),
    Case("evaluation-worker", "success", "COMPLETED", evaluate_success),
    Case("evaluation-worker", "not-csv", "FAILED", evaluate_not_csv),
    Case(
        "evaluation-worker",
        "already-processing",
        "failed: FileAlreadyProcessing",
        evaluate_already_processing,
    ),
)
"""Every recorded case; each runs once per activity mode."""


async def run_case(case: Case, ctx: CaseContext) -> Outcome:
    """Runs the case to its end; the caller compares ``ended`` with ``case.expect``."""
    handle = await case.run(ctx)
    return Outcome(handle, await _close(handle))
