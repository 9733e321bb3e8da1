"""Workflows that use the contracts inside Temporal's sandbox, with no pass-through."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from temporalio import activity, workflow
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    EventEnvelope,
    FileStatus,
    StatusChange,
    is_transition_allowed,
)


@activity.defn(name="contracts_test.echo_envelope")
async def echo_envelope(envelope: EventEnvelope) -> EventEnvelope:
    return envelope


@workflow.defn
class ContractsWorkflow:
    """Takes contracts as arguments, sends one through an activity, returns others."""

    @workflow.run
    async def run(self, file_id: UUID, status: FileStatus, envelope: EventEnvelope) -> StatusChange:
        assert isinstance(status, FileStatus)
        assert isinstance(file_id, UUID)
        echoed = await workflow.execute_activity(
            echo_envelope, envelope, start_to_close_timeout=timedelta(seconds=10)
        )
        assert echoed == envelope, (echoed, envelope)
        allowed = sorted(DEFAULT_TRANSITIONS[status])
        return StatusChange(
            file_id=file_id,
            previous=status,
            current=allowed[0],
            changed=is_transition_allowed(status, allowed[0]),
            version=len(allowed),
        )
