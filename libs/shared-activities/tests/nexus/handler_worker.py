"""A platform worker process the kill test SIGKILLs (``python -m tests.nexus.handler_worker``).

Argument: a JSON object (``target``, ``queue``, ``database_url``, ``bus_name``, ``region``,
``endpoint_url``, ``hang_after``: an operation activity name or null). The process serves
`SharedOperations` and prints ``READY``; after every operation activity it prints ``RAN <name>
<attempt>``, and after ``hang_after`` it hangs before reporting the completion: the window a
crash leaves between the commit (or the publish) and its record in the history.
"""

import asyncio
import json
import sys
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor, Worker
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin


class HangAfter(Interceptor):
    def __init__(self, name: str | None) -> None:
        self.name = name

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        hang_after = self.name

        class Hang(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                info = activity.info()
                print(f"RAN {info.activity_type} {info.attempt}", flush=True)
                if info.activity_type == hang_after:
                    await asyncio.Event().wait()  # committed; the process dies here
                return result

        return Hang(next)


async def main(raw: str) -> None:
    args = json.loads(raw)
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=args["bus_name"], batching=False),
            file_status=FileStatusSettings(database_url=args["database_url"]),
            aws_region=args["region"],
            aws_endpoint_url=args["endpoint_url"],
        ),
        nexus=True,
    )
    client = await Client.connect(args["target"], namespace=args["namespace"], plugins=[plugin])
    worker = Worker(client, task_queue=args["queue"], interceptors=[HangAfter(args["hang_after"])])
    async with worker:
        await asyncio.wait_for(plugin.resources_for(worker).wait_until_open(), 20)
        print("READY", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
