"""The same contracts imported with pass-through, as workflows importing the activities do."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflow_contracts import EventEnvelope, EventReceipt

    from tests.workflows import echo_envelope


@workflow.defn
class PassThroughWorkflow:
    @workflow.run
    async def run(self, envelope: EventEnvelope) -> EventReceipt:
        echoed = await workflow.execute_activity(
            echo_envelope, envelope, start_to_close_timeout=timedelta(seconds=10)
        )
        return EventReceipt(
            event_id=echoed.id, source=echoed.source, event_type=echoed.type, time=echoed.time
        )
