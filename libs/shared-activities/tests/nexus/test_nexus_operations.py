"""The shared operations through a Nexus endpoint, across namespaces, on a real dev server."""

from __future__ import annotations

import uuid

from workflow_shared_activities import FileCreate, FileStatus

from tests.nexus.conftest import INGESTION, NexusStack
from tests.nexus.workflows import StatusAndEventCaller, StatusCall


async def test_a_status_change_and_an_event_go_through_the_endpoint(
    nexus_stack: NexusStack,
) -> None:
    file = await nexus_stack.resources.register_file(FileCreate(name="a.csv", uri="/a.csv"))
    out = await nexus_stack.callers[INGESTION].execute_workflow(
        StatusAndEventCaller.run,
        StatusCall(nexus_stack.endpoint, str(file.id), "PROCESSING"),
        id=f"caller-{uuid.uuid4()}",
        task_queue=nexus_stack.caller_queue,
    )
    assert out["changed"] is True
    after = await nexus_stack.resources.get_file(file.id)
    assert after is not None and after.status is FileStatus.PROCESSING
    events = await nexus_stack.route.receive(expected=1)
    assert [e["detail"]["id"] for e in events] == [out["event_id"]]
    print(events[0]["detail"])
