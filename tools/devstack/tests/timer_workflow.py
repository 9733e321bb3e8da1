from datetime import timedelta

from temporalio import workflow


@workflow.defn
class SleepyWorkflow:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(days=1))
        return "woke up"
