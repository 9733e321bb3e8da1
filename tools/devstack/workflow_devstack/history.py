"""Reading what Temporal recorded, for assertions in tests."""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

__all__ = ["activity_attempts"]


async def activity_attempts(handle: WorkflowHandle[Any, Any]) -> list[int]:
    """The attempt number of every activity task the workflow's history shows started.

    Temporal records only the started event of an activity's last attempt (retries are not
    in the history), so each activity appears once, with the attempt that ended it.
    """
    history = await handle.fetch_history()
    return [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
