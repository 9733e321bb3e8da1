"""What the drill reads after its phases: the database, the workflow list, the drained queues."""

from __future__ import annotations

import asyncio
import contextlib
import json

import asyncpg
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus

from workflow_drill.checker import EventRecord, Evidence, HistoryRow, WorkflowRow, canonical
from workflow_drill.stack import DrillStack

__all__ = ["collect"]


async def _workflows(client: Client) -> list[WorkflowRow]:
    listed = [wf async for wf in client.list_workflows()]
    gate = asyncio.Semaphore(32)

    async def row(wf: WorkflowExecution) -> WorkflowRow:
        status = wf.status.name if wf.status else "UNKNOWN"
        event_id = failure = None
        handle = client.get_workflow_handle(wf.id, run_id=wf.run_id)
        async with gate:
            if wf.status == WorkflowExecutionStatus.COMPLETED:
                result = await handle.result()
                if isinstance(result, dict):
                    event_id = result.get("event_id")
            elif wf.status == WorkflowExecutionStatus.FAILED:
                with contextlib.suppress(Exception):
                    await handle.result()
                failure = "failed"
        return WorkflowRow(wf.id, wf.workflow_type, status, event_id, failure)

    return list(await asyncio.gather(*(row(wf) for wf in listed)))


async def _drain(stack: DrillStack) -> list[EventRecord]:
    events, empty = [], 0
    while empty < 3:
        # Received messages stay hidden for the rest of the drill: no delete call needed.
        answer = await stack.sqs.receive_message(
            QueueUrl=stack.audit_route.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=3600,
        )
        messages = answer.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            event = json.loads(message["Body"])
            detail = event["detail"]
            events.append(
                EventRecord(
                    event_id=detail["id"],
                    source=event["source"],
                    detail_type=event["detail-type"],
                    file_id=str(detail.get("data", {}).get("file_id")),
                    detail=canonical(detail),
                )
            )
    return events


async def collect(stack: DrillStack, good: set[str], malformed: set[str]) -> Evidence:
    """Reads the database, the workflow list and the drained queues."""
    conn = await asyncpg.connect(stack.database.dsn, timeout=10)
    try:
        files = {
            str(r[0]): (r[1], r[2])
            for r in await conn.fetch("SELECT id, status, version FROM files")
        }
        history = [
            HistoryRow(str(r[0]), r[1], r[2], r[3], str(r[4]) if r[4] else None)
            for r in await conn.fetch(
                "SELECT file_id, version, from_status, to_status, execution_id"
                " FROM file_status_history"
            )
        ]
    finally:
        await conn.close()
    client = await stack.client()
    return Evidence(
        good=good,
        malformed=malformed,
        files=files,
        history=history,
        workflows=await _workflows(client),
        events=await _drain(stack),
        dead_letters=await stack.evaluation_route.dead_letter_depth(),
    )
