"""A platform worker SIGKILLed after its commit, then after its publish: one change, one id."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.worker import Replayer
from workflow_contracts import DATA_CONVERTER, FileStatus
from workflow_file_status import FILE_STATUS, FileCreate
from workflow_shared_activities.nexus import (
    NEXUS_SEND_EVENT_ACTIVITY,
    NEXUS_UPDATE_FILE_STATUS_ACTIVITY,
    ensure_nexus_endpoint,
)

from tests.nexus.conftest import INGESTION, PLATFORM, NexusStack
from tests.nexus.workflows import StatusAndEventCaller, StatusCall

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class HandlerProcess:
    """One platform worker process; its stdout lines are collected."""

    def __init__(self, stack: NexusStack, queue: str, hang_after: str | None, log: Path) -> None:
        self.args = {
            "target": stack.target,
            "namespace": PLATFORM,
            "queue": queue,
            "database_url": stack.config.file_status.database_url,
            "bus_name": stack.config.events.bus_name,
            "region": stack.config.aws_region,
            "endpoint_url": stack.config.aws_endpoint_url,
            "hang_after": hang_after,
        }
        self.log = log
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.nexus.handler_worker",
            json.dumps(self.args),
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=self.log.open("ab"),
        )
        await self.wait_for("READY")

    async def wait_for(self, prefix: str, within: float = 60) -> str:
        assert self.process is not None and self.process.stdout is not None
        try:
            async with asyncio.timeout(within):
                while True:
                    raw = await self.process.stdout.readline()
                    if not raw:
                        raise AssertionError("the worker process exited")
                    line = raw.decode().strip()
                    self.lines.append(line)
                    if line.startswith(prefix):
                        return line
        except (AssertionError, TimeoutError):
            pytest.fail(f"no {prefix!r}: {self.lines}\n{self.log.read_text()[-3000:]}")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown, the hanging activity never completes
        await self.process.wait()


async def test_a_killed_platform_worker_applies_one_change_and_sends_one_event_id(
    nexus_stack: NexusStack, tmp_path: Path
) -> None:
    queue = f"platform-crash-{uuid.uuid4()}"
    endpoint = f"crash-{uuid.uuid4().hex[:8]}"
    platform: Client = nexus_stack.platform
    await ensure_nexus_endpoint(
        platform, endpoint, target_namespace=PLATFORM, target_task_queue=queue
    )
    file = await nexus_stack.resources[FILE_STATUS].register_file(
        FileCreate(name="k.csv", uri="/k.csv")
    )
    log = tmp_path / "handler.err"

    first = HandlerProcess(nexus_stack, queue, NEXUS_UPDATE_FILE_STATUS_ACTIVITY, log)
    await first.start()
    handle = await nexus_stack.callers[INGESTION].start_workflow(
        StatusAndEventCaller.run,
        StatusCall(endpoint, str(file.id), "PROCESSING"),
        id=f"crash-{file.id}",
        task_queue=nexus_stack.caller_queue,
    )
    try:
        await first.wait_for(f"RAN {NEXUS_UPDATE_FILE_STATUS_ACTIVITY} 1")
    finally:
        await first.kill()
    # Committed, never reported: the file moved once.
    after = await nexus_stack.resources[FILE_STATUS].get_file(file.id)
    assert after is not None and (after.status, after.version) == (FileStatus.PROCESSING, 2)

    # The next worker retries the change (after the attempt's timeout): the recorded outcome,
    # nothing written; then it publishes the event and dies before reporting it.
    second = HandlerProcess(nexus_stack, queue, NEXUS_SEND_EVENT_ACTIVITY, log)
    await second.start()
    try:
        await second.wait_for(f"RAN {NEXUS_UPDATE_FILE_STATUS_ACTIVITY} 2")
        await second.wait_for(f"RAN {NEXUS_SEND_EVENT_ACTIVITY} 1")
    finally:
        await second.kill()

    third = HandlerProcess(nexus_stack, queue, None, log)
    await third.start()
    try:
        out = await asyncio.wait_for(handle.result(), 60)
        await third.wait_for(f"RAN {NEXUS_SEND_EVENT_ACTIVITY} 2")
    finally:
        await third.kill()
    assert (out["changed"], out["version"]) == (True, 2)
    history = await nexus_stack.resources[FILE_STATUS].get_history(file.id)
    assert [h.to_status for h in history] == [FileStatus.PROCESSING]
    # Two deliveries of one event (the publish before the kill, and its retry): one id.
    events = await nexus_stack.route.receive(expected=2)
    assert [e["detail"]["id"] for e in events] == [out["event_id"]] * 2
    assert events[0]["detail"] == events[1]["detail"]
    # The caller's history replays: its call keys come from the history, not from a worker.
    replay = await Replayer(
        workflows=[StatusAndEventCaller], data_converter=DATA_CONVERTER
    ).replay_workflow(await handle.fetch_history())
    assert replay.replay_failure is None
