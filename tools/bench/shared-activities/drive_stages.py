"""The load of `bench_stages`: starts stages and waits for them, in a process of its own.

Reads one JSON request on stdin (``target``, ``task_queue``, ``files``, ``mode``, ``n``,
``concurrency``, ``tag``) and prints one JSON line: ``rate`` (stages per second) and each
stage's ``latencies`` (seconds). A deployment's starters do not share the worker's process;
run there, the client's own CPU would be charged to the worker under test.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any
from uuid import UUID

from stage_workflows import BenchStageWorkflow
from temporalio.client import Client
from workflow_contracts import DATA_CONVERTER, ActivityMode


async def drive(request: dict[str, Any]) -> dict[str, Any]:
    """Runs ``n`` stages (file ``i`` for stage ``i``), ``concurrency`` of them in flight."""
    client = await Client.connect(request["target"], data_converter=DATA_CONVERTER)
    files = [UUID(f) for f in request["files"]]
    mode = ActivityMode(request["mode"])
    latencies: list[float] = []
    counter = iter(range(request["n"]))

    async def lane() -> None:
        for i in counter:
            began = time.perf_counter()
            status = await client.execute_workflow(
                BenchStageWorkflow.run,
                args=[files[i], mode],
                id=f"bench-{request['tag']}-{i}",
                task_queue=request["task_queue"],
            )
            if status != "COMPLETED":
                raise RuntimeError(f"stage {i} ended {status}")
            latencies.append(time.perf_counter() - began)

    start = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(request["concurrency"])))
    return {"rate": request["n"] / (time.perf_counter() - start), "latencies": latencies}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(drive(json.loads(sys.stdin.read())))), flush=True)
    # Skip interpreter teardown: the Temporal client's runtime threads can abort it
    # (SIGABRT, temporalio/sdk-python#300) after the result is out.
    sys.stderr.flush()
    os._exit(0)
