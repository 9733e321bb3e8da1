"""What the Temporal histories of a rolling upgrade say: who completed each workflow task.

A worker's identity is ``<pid>@<host>`` (the SDK's default, which the apps keep), so the
process ids of each fleet tell which release completed a ``WorkflowTaskCompleted``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

__all__ = ["TaskCensus", "WorkflowTasks", "census", "read_tasks"]

_NDE = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR


@dataclass
class WorkflowTasks:
    """One workflow's tasks: by which fleet each completed, what failed, when it ran."""

    workflow_id: str
    completed_by: Counter[str] = field(default_factory=Counter)  # "old" / "new" / "other"
    failed: int = 0
    non_determinism: int = 0
    timed_out: int = 0
    failures: list[str] = field(default_factory=list)
    started: datetime | None = None
    closed: datetime | None = None
    last: str | None = None  # the fleet that completed the latest task


@dataclass
class TaskCensus:
    """The figures of every workflow of the phase."""

    workflows: int = 0
    tasks: Counter[str] = field(default_factory=Counter)  # by fleet
    only: Counter[str] = field(default_factory=Counter)  # workflows served by one fleet only
    both: int = 0  # workflows with tasks completed by old and new workers
    failed: int = 0  # WorkflowTaskFailed events
    non_determinism: int = 0
    timed_out: int = 0  # WorkflowTaskTimedOut (a retired worker's sticky queue, say)
    spanning: int = 0  # started before the switch, closed after it
    failures: list[str] = field(default_factory=list)


def _when(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def _fleet(identity: str, old: Collection[int], new: Collection[int]) -> str:
    pid = identity.split("@", 1)[0]
    if pid.isdigit() and int(pid) in old:
        return "old"
    if pid.isdigit() and int(pid) in new:
        return "new"
    return "other"


def tasks_of(
    workflow_id: str, events: list[HistoryEvent], old: Collection[int], new: Collection[int]
) -> WorkflowTasks:
    """Reads one history."""
    tasks = WorkflowTasks(workflow_id)
    for event in events:
        if tasks.started is None:
            tasks.started = _when(event)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            identity = event.workflow_task_completed_event_attributes.identity
            tasks.last = _fleet(identity, old, new)
            tasks.completed_by[tasks.last] += 1
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            attributes = event.workflow_task_failed_event_attributes
            tasks.failed += 1
            message = attributes.failure.message
            if attributes.cause == _NDE or "nondetermin" in message.lower():
                tasks.non_determinism += 1
            cause = WorkflowTaskFailedCause.Name(attributes.cause)
            tasks.failures.append(f"{workflow_id}: {cause} {message[:200]}")
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
            tasks.timed_out += 1
        elif event.event_type in _CLOSING:
            tasks.closed = _when(event)
    return tasks


_CLOSING = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}


async def read_tasks(
    client: Client, workflow_ids: list[str], old: Collection[int], new: Collection[int]
) -> list[WorkflowTasks]:
    """Fetches and reads the history of each workflow (its latest run)."""
    gate = asyncio.Semaphore(16)

    async def one(workflow_id: str) -> WorkflowTasks:
        async with gate:
            history = await client.get_workflow_handle(workflow_id).fetch_history()
        return tasks_of(workflow_id, list(history.events), old, new)

    return list(await asyncio.gather(*(one(w) for w in workflow_ids)))


def census(workflows: list[WorkflowTasks], switch: datetime | None) -> TaskCensus:
    """Adds the workflows up; ``switch`` is when the old workers were told to stop."""
    total = TaskCensus(workflows=len(workflows))
    for wf in workflows:
        total.tasks.update(wf.completed_by)
        fleets = {f for f, n in wf.completed_by.items() if n and f in ("old", "new")}
        if fleets == {"old", "new"}:
            total.both += 1
        elif len(fleets) == 1:
            total.only[fleets.pop()] += 1
        total.failed += wf.failed
        total.non_determinism += wf.non_determinism
        total.timed_out += wf.timed_out
        total.failures += wf.failures
        if switch and wf.started and wf.closed and wf.started < switch < wf.closed:
            total.spanning += 1
    return total
