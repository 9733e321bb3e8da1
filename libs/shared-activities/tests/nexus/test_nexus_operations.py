"""The shared operations through a Nexus endpoint, across namespaces, on a real dev server.

Callers in ``ingestion`` and ``evaluation`` have no shared activities; the platform worker in
``platform`` serves them (see conftest). PostgreSQL and moto are real.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from temporalio.worker import Worker
from workflow_contracts import FileStatus
from workflow_contracts.nexus import NexusCaller
from workflow_devstack import activity_attempts
from workflow_file_status import FILE_STATUS, FileCreate
from workflow_shared_activities.nexus import ensure_nexus_endpoint

from tests.nexus.conftest import EVALUATION, INGESTION, PLATFORM, NexusStack
from tests.nexus.workflows import (
    RawEventCaller,
    RawStatusCaller,
    RepeatedRequestCaller,
    StageCaller,
    StatusAndEventCaller,
    StatusCall,
)


async def test_a_status_change_and_an_event_go_through_the_endpoint(
    nexus_stack: NexusStack,
) -> None:
    file = await nexus_stack.resources[FILE_STATUS].register_file(
        FileCreate(name="a.csv", uri="/a.csv")
    )
    workflow_id = f"caller-{uuid.uuid4()}"
    handle = await nexus_stack.callers[INGESTION].start_workflow(
        StatusAndEventCaller.run,
        StatusCall(nexus_stack.endpoint, str(file.id), "PROCESSING"),
        id=workflow_id,
        task_queue=nexus_stack.caller_queue,
    )
    out = await handle.result()
    assert out["changed"] is True and out["version"] == 2
    after = await nexus_stack.resources[FILE_STATUS].get_file(file.id)
    assert after is not None and (after.status, after.version) == (FileStatus.PROCESSING, 2)
    # The history row and the event name the caller's workflow, not the platform's.
    [row] = await nexus_stack.resources[FILE_STATUS].get_history(file.id)
    assert (row.workflow_id, row.to_status) == (workflow_id, FileStatus.PROCESSING)
    [event] = await nexus_stack.route.receive(expected=1)
    detail = event["detail"]
    assert detail["id"] == out["event_id"]
    assert detail["context"]["namespace"] == INGESTION
    assert detail["context"]["workflow_id"] == workflow_id
    assert detail["context"]["run_id"] == handle.result_run_id
    assert detail["context"]["activity_id"].startswith("nexus-")
    # The event id is the caller's call key, the same a retry of the call derives.
    caller = NexusCaller(
        INGESTION,
        workflow_id,
        handle.result_run_id or "",
        "StatusAndEventCaller",
        detail["context"]["activity_id"],
    )
    assert caller.execution_id == out["event_id"]


BAD_STATUS = [
    ("file-id-not-uuid", "not-a-uuid", "PROCESSING", "InvalidFileId", "file_id"),
    ("file-id-empty", "", "PROCESSING", "InvalidFileId", "file_id"),
    ("status-lowercase", "{good}", "processing", "InvalidStatus", "status"),
    ("status-unknown", "{good}", "DONE", "InvalidStatus", "status"),
    ("unknown-file", str(uuid.uuid4()), "PROCESSING", "FileNotFound", ""),
    ("illegal-transition", "{good}", "COMPLETED", "InvalidStatusTransition", "PENDING"),
]


@pytest.mark.parametrize(
    ("file_id", "status", "error", "names"),
    [case[1:] for case in BAD_STATUS],
    ids=[case[0] for case in BAD_STATUS],
)
async def test_bad_input_gets_the_typed_error_on_attempt_one_and_writes_nothing(
    nexus_stack: NexusStack, file_id: str, status: str, error: str, names: str
) -> None:
    file = await nexus_stack.resources[FILE_STATUS].register_file(
        FileCreate(name="b.csv", uri="/b.csv")
    )
    out = await nexus_stack.callers[EVALUATION].execute_workflow(
        RawStatusCaller.run,
        StatusCall(nexus_stack.endpoint, file_id.replace("{good}", str(file.id)), status),
        id=f"bad-{uuid.uuid4()}",
        task_queue=nexus_stack.caller_queue,
    )
    assert (out["type"], out["non_retryable"]) == (error, True), out
    # The operation's failure wraps the platform workflow's, which wraps the activity's.
    assert out["chain"] == ["NexusOperationError", "ActivityError", "ApplicationError"]
    assert names in out["message"]
    platform = nexus_stack.platform.get_workflow_handle(out["platform_workflow_id"])
    assert await activity_attempts(platform) == [1]
    after = await nexus_stack.resources[FILE_STATUS].get_file(file.id)
    assert after is not None and (after.status, after.version) == (FileStatus.PENDING, 1)
    assert await nexus_stack.resources[FILE_STATUS].get_history(file.id) == []


async def test_a_bad_event_gets_the_typed_error_and_sends_nothing(
    nexus_stack: NexusStack,
) -> None:
    for source, data, error in [
        ("aws.ec2", {"a": 1}, "InvalidEvent"),
        ("ingestion", {"blob": "x" * 300_000}, "EventTooLarge"),
    ]:
        out = await nexus_stack.callers[INGESTION].execute_workflow(
            RawEventCaller.run,
            args=[nexus_stack.endpoint, source, data],
            id=f"bad-event-{uuid.uuid4()}",
            task_queue=nexus_stack.caller_queue,
        )
        assert out["type"] == error, out
    assert await nexus_stack.route.receive(expected=1, max_polls=2) == []


async def test_a_repeated_request_applies_one_change(nexus_stack: NexusStack) -> None:
    # The second request carries the same caller key, as a retried Nexus request does; the
    # platform workflow of the first has ended, so a new one runs: the change is not redone.
    file = await nexus_stack.resources[FILE_STATUS].register_file(
        FileCreate(name="r.csv", uri="/r.csv")
    )
    out = await nexus_stack.callers[INGESTION].execute_workflow(
        RepeatedRequestCaller.run,
        StatusCall(nexus_stack.endpoint, str(file.id), "PROCESSING"),
        id=f"repeat-{uuid.uuid4()}",
        task_queue=nexus_stack.caller_queue,
    )
    assert out == [{"version": 2, "changed": True}] * 2
    assert len(await nexus_stack.resources[FILE_STATUS].get_history(file.id)) == 1


async def test_two_caller_namespaces_at_once(nexus_stack: NexusStack) -> None:
    files = [
        await nexus_stack.resources[FILE_STATUS].register_file(
            FileCreate(name=f"{i}.csv", uri=f"/{i}.csv")
        )
        for i in range(8)
    ]
    namespaces = [INGESTION, EVALUATION] * 4
    outs = await asyncio.gather(
        *(
            nexus_stack.callers[ns].execute_workflow(
                StageCaller.run,
                StatusCall(nexus_stack.endpoint, str(file.id), "PROCESSING"),
                id=f"stage-{ns}-{file.id}",
                task_queue=nexus_stack.caller_queue,
            )
            for ns, file in zip(namespaces, files, strict=True)
        )
    )
    assert [out["status"] for out in outs] == ["COMPLETED"] * 8
    for file in files:
        history = await nexus_stack.resources[FILE_STATUS].get_history(file.id)
        assert [h.to_status for h in history] == [FileStatus.PROCESSING, FileStatus.COMPLETED]
    events = await nexus_stack.route.receive(expected=8)
    by_file = {e["detail"]["data"]["file_id"]: e["detail"] for e in events}
    assert set(by_file) == {str(f.id) for f in files}
    for ns, file, out in zip(namespaces, files, outs, strict=True):
        detail = by_file[str(file.id)]
        assert (detail["id"], detail["context"]["namespace"]) == (out["event_id"], ns)
        assert detail["type"] == "file_ingested_successfully"


async def test_a_call_waits_while_no_platform_worker_serves_the_endpoint(
    nexus_stack: NexusStack,
) -> None:
    # The endpoint's task queue has no worker for a while (a deploy, an outage): the caller's
    # server retries the request; once a worker serves it, the call completes, once.
    queue = f"platform-late-{uuid.uuid4()}"
    endpoint = f"late-{uuid.uuid4().hex[:8]}"
    await ensure_nexus_endpoint(
        nexus_stack.platform, endpoint, target_namespace=PLATFORM, target_task_queue=queue
    )
    file = await nexus_stack.resources[FILE_STATUS].register_file(
        FileCreate(name="l.csv", uri="/l.csv")
    )
    handle = await nexus_stack.callers[INGESTION].start_workflow(
        StatusAndEventCaller.run,
        StatusCall(endpoint, str(file.id), "PROCESSING"),
        id=f"late-{file.id}",
        task_queue=nexus_stack.caller_queue,
    )
    await asyncio.sleep(12)
    waiting = await nexus_stack.resources[FILE_STATUS].get_file(file.id)
    assert waiting is not None and waiting.status is FileStatus.PENDING
    started = time.monotonic()
    async with Worker(nexus_stack.platform, task_queue=queue):
        out = await asyncio.wait_for(handle.result(), 120)
    print(f"completed {time.monotonic() - started:.1f}s after the worker started")
    assert (out["changed"], out["version"]) == (True, 2)
    assert len(await nexus_stack.resources[FILE_STATUS].get_history(file.id)) == 1
    [event] = await nexus_stack.route.receive(expected=1)
    assert event["detail"]["id"] == out["event_id"]
