"""A worker smoke test run by the *installed* umbrella package, in an environment of its own.

Run with the interpreter of a virtual environment where ``workflow-shared-activities`` was
installed from a package index (it imports nothing of the workspace's tools)::

    python smoke_worker.py --temporal 127.0.0.1:7233 --endpoint http://127.0.0.1:5000 \
        --bus my-bus --database-url sqlite+aiosqlite:///files.db --source smoke

It starts the README's worker (``Client.connect(..., plugins=[SharedActivitiesPlugin(...)])``
and a ``Worker`` on a task queue; the tables created at start), registers a file, then calls the
two shared activities by name as standalone activities, the way a workflow of another SDK
would: plain JSON arguments through Temporal's default converter, the results read back as
plain JSON objects: ``shared.update_file_status`` (PENDING -> PROCESSING) and
``shared.send_event``. It prints one JSON object: both results, the file's history, the
interpreter, and where each installed ``workflow-*`` distribution was imported from and its
version.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata
import json
import sys
import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_events import EventSettings
from workflow_file_status import FileCreate, FileStatusSettings
from workflow_shared_activities import FILE_STATUS, SharedActivitiesConfig, SharedActivitiesPlugin

_TIMEOUT = timedelta(seconds=30)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Runs the worker and both activities; returns what the caller checks."""
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=args.bus),
            file_status=FileStatusSettings(database_url=args.database_url, migrate=True),
            aws_region=args.region,
            aws_endpoint_url=args.endpoint,
        )
    )
    worker_client = await Client.connect(args.temporal, plugins=[plugin])
    # The caller knows nothing of the libraries: the default converter, plain JSON both ways.
    caller = await Client.connect(args.temporal)
    task_queue = f"release-smoke-{uuid.uuid4().hex[:8]}"
    async with Worker(worker_client, task_queue=task_queue) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 30)
        file = await resources[FILE_STATUS].register_file(
            FileCreate(name="smoke.csv", uri="/smoke.csv")
        )
        status = await caller.start_activity(
            "shared.update_file_status",
            args=[str(file.id), "PROCESSING"],
            id=f"release-smoke/status/{file.id}",
            task_queue=task_queue,
            result_type=dict,
            start_to_close_timeout=_TIMEOUT,
        )
        change = await status.result()
        event = await caller.start_activity(
            "shared.send_event",
            args=[args.source, "file_ingested_successfully", {"file_id": str(file.id)}],
            id=f"release-smoke/event/{file.id}",
            task_queue=task_queue,
            result_type=dict,
            start_to_close_timeout=_TIMEOUT,
        )
        receipt = await event.result()
        history = await resources[FILE_STATUS].get_history(file.id)
    return {
        "file_id": str(file.id),
        "change": change,
        "receipt": receipt,
        "history": [f"{row.from_status.value}->{row.to_status.value}" for row in history],
        "packages": _workspace_packages(),
        "python": sys.executable,
        "python_version": ".".join(map(str, sys.version_info[:3])),
    }


def _workspace_packages() -> dict[str, dict[str, str]]:
    """Each installed ``workflow-*`` distribution: its version and where its module is."""
    found = {}
    for dist in importlib.metadata.distributions():
        name = str(dist.metadata["Name"]).lower().replace("_", "-")
        if name.startswith("workflow-"):
            module = importlib.import_module(name.replace("-", "_"))
            found[name] = {"version": dist.version, "file": str(module.__file__)}
    return found


def main(argv: list[str] | None = None) -> int:
    """Parses the arguments, runs the smoke test and prints its JSON result."""
    parser = argparse.ArgumentParser(description="worker smoke test of the installed package")
    parser.add_argument("--temporal", required=True, help="HOST:PORT of the Temporal frontend")
    parser.add_argument("--endpoint", required=True, help="EventBridge endpoint (moto)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--bus", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--source", default="release-smoke")
    result = asyncio.run(run(parser.parse_args(argv)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
