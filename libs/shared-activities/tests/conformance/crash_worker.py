"""A worker process that the restart test kills (``python -m tests.conformance.crash_worker``).

Argument: a JSON object (``target``, ``queue``, ``database_url``, ``bus_name``, ``region``,
``endpoint_url``). The process registers a file and prints ``READY <file id>``, then runs
`ModeStageWorkflow` tasks. After every shared activity it prints ``RAN <name> <activity id>
<attempt> <is_local>``; once an event has been published it hangs before reporting the
completion: the window a crash leaves between a side effect and its record in the history.
"""

import asyncio
import json
import sys
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor, Worker
from workflow_contracts import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin

from tests.conformance.mode_workflows import ModeStageWorkflow, stage_check

SHARED = (SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY)


class HangAfterPublishing(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        class Hang(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                info = activity.info()
                if info.activity_type in SHARED:
                    print(
                        f"RAN {info.activity_type} {info.activity_id} {info.attempt} "
                        f"{info.is_local}",
                        flush=True,
                    )
                if info.activity_type == SEND_EVENT_ACTIVITY:
                    await asyncio.Event().wait()  # published; the process dies here
                return result

        return Hang(next)


async def main(raw: str) -> None:
    args = json.loads(raw)
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=args["bus_name"]),
            file_status=FileStatusSettings(database_url=args["database_url"]),
            aws_region=args["region"],
            aws_endpoint_url=args["endpoint_url"],
        ),
        extra_activities=lambda _: [stage_check],
    )
    client = await Client.connect(args["target"], plugins=[plugin])
    worker = Worker(
        client,
        task_queue=args["queue"],
        workflows=[ModeStageWorkflow],
        interceptors=[HangAfterPublishing()],
    )
    async with worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 20)
        file = await resources[FILE_STATUS].register_file(
            FileCreate(name="crash.csv", uri="/crash.csv")
        )
        print(f"READY {file.id}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
