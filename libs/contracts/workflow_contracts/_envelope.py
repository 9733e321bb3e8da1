"""The event envelope carried in every EventBridge ``Detail``."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

__all__ = ["EventEnvelope", "TemporalContext"]


@dataclass(frozen=True)
class TemporalContext:
    """Where an event or a status change came from in Temporal.

    Attributes:
        workflow_id: Id of the calling workflow.
        run_id: Run id of the calling workflow.
        activity_id: Id of the activity execution (stable across its retries).
        attempt: Attempt number, starting at 1 (recorded in history rows, never in events).
        workflow_type: Type name of the calling workflow.
        namespace: Temporal namespace.
        activity_run_id: Run id of a standalone activity (started by a client, not a
            workflow); None inside a workflow.
    """

    workflow_id: str | None
    run_id: str | None
    activity_id: str | None
    attempt: int
    workflow_type: str | None = None
    namespace: str | None = None
    activity_run_id: str | None = None

    @property
    def standalone(self) -> bool:
        """True for an activity a client started without a workflow."""
        return self.workflow_id is None

    @classmethod
    def from_activity_info(cls, info: activity.Info) -> "TemporalContext":
        """The context of the running activity (``activity.info()``)."""
        return cls(
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id,
            activity_id=info.activity_id,
            attempt=info.attempt,
            workflow_type=info.workflow_type,
            namespace=info.namespace,
            activity_run_id=info.activity_run_id,
        )


@dataclass(frozen=True)
class EventEnvelope:
    """An event as consumers see it in ``detail``.

    Attributes:
        id: Stable event id; identical on every retry of the same activity execution.
        source: Logical source (``"ingestion"``), before any namespace prefix.
        type: Event type (``"file_ingested_successfully"``), also the ``DetailType``.
        time: Event time in UTC, fixed at the first attempt.
        data: The event payload, a JSON object.
        context: The Temporal execution that emitted it.
        spec_version: Version of this envelope layout.
    """

    id: str
    source: str
    type: str
    time: datetime
    data: dict[str, Any]
    context: TemporalContext
    spec_version: str = field(default="1.0")
