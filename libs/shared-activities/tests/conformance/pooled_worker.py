"""A worker process of the pooler test (``python -m tests.conformance.pooled_worker CONFIG``).

CONFIG is a JSON object (``target``, ``queue``, ``database_url``, ``bus_name``, ``region``,
``endpoint_url``, ``pool_size``). The process runs the shared activities and
`RawCallWorkflow` with the library's logging at INFO on stderr, prints ``READY`` once its
clients are open, and stops gracefully on SIGTERM.
"""

import asyncio
import json
import logging
import signal
import sys

from temporalio.client import Client
from temporalio.worker import Worker
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin

from tests.conformance.workflows import RawCallWorkflow


async def main(raw: str) -> None:
    args = json.loads(raw)
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=args["bus_name"]),
            file_status=FileStatusSettings(
                database_url=args["database_url"], pool_size=args["pool_size"]
            ),
            aws_region=args["region"],
            aws_endpoint_url=args["endpoint_url"],
        )
    )
    client = await Client.connect(args["target"], plugins=[plugin])
    worker = Worker(
        client,
        task_queue=args["queue"],
        workflows=[RawCallWorkflow],
        max_concurrent_activities=100,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with worker:
        await asyncio.wait_for(plugin.resources_for(worker).wait_until_open(), 20)
        print("READY", flush=True)
        await stop.wait()


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    asyncio.run(main(sys.argv[1]))
