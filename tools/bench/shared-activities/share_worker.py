"""A `real` stage worker in a process of its own, with Temporal's telemetry and a switch for the
shared activities' own: one of the two workers `share_stages` runs side by side.

Reads a JSON line on stdin (``target``, ``task_queue``, ``config``: `SharedActivitiesConfig`
fields, ``mode``: ``temporal`` or ``metrics+traces+temporal``), answers ``ready`` once the
worker runs, then one command per line, each answer prefixed with `ANSWER` (anything else on
stdout is not an answer): ``cpu`` answers a JSON object with this process's CPU seconds (every
thread, after the spans are flushed: exporting them is part of their cost) and the spans
exported so far; ``set MODE`` switches; ``stop`` ends the process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from stage_stack import stage_worker
from temporalio.client import Client
from workflow_contracts import DATA_CONVERTER
from workflow_devstack import LOOPBACK, free_port
from workflow_devstack.instrumentation import Instrumentation
from workflow_shared_activities import SharedActivitiesConfig
from workflow_shared_activities.telemetry import prometheus_runtime, tracing_plugin

ANSWER = "@share "
"""The prefix of this process's answers on stdout (a library may print there too)."""


async def _line() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def serve() -> None:
    """Runs the worker until ``stop`` (or the end of stdin)."""
    request = json.loads(await _line())
    instr = Instrumentation(prometheus_runtime(f"{LOOPBACK}:{free_port()}"), replay_safe=True)
    instr.set(request["mode"])
    client = await Client.connect(
        request["target"],
        runtime=instr.runtime,
        data_converter=DATA_CONVERTER,
        plugins=[tracing_plugin()],
    )
    config = SharedActivitiesConfig(**request["config"])
    async with stage_worker(client, "shared", "real", config, request["task_queue"]):
        print(f"{ANSWER}ready", flush=True)
        while (command := await _line()) not in ("stop", ""):
            if command == "cpu":
                instr.provider.force_flush()
                answer = {"cpu": time.process_time(), "spans": instr.exporter.exported}
                print(f"{ANSWER}{json.dumps(answer)}", flush=True)
            elif command.startswith("set "):
                instr.set(command.removeprefix("set "))
                print(f"{ANSWER}ok", flush=True)
    instr.shutdown()


if __name__ == "__main__":
    asyncio.run(serve())
    # As the driver: skip the teardown the Temporal runtime's threads can abort.
    sys.stdout.flush()
    os._exit(0)
