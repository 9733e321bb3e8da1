"""The reference workflows' worker: `REFERENCE_APP`, a `WorkerApp` like the sample apps'.

The recorder serves it (`WorkerApp.serve`: the `SharedActivitiesPlugin`, its sandbox runner and
data converter, the module's own `MEASURE_ACTIVITY`) and the replay gate replays its corpus
with `WorkerApp.build_replayer`: recording and replaying use the one configuration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, ClassVar
from uuid import UUID

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from workflow_shared_activities import (
    NotificationSettings,
    SharedActivitiesConfig,
    WorkerResources,
)
from workflow_shared_activities.app import AppSettings, SettingsConfigDict, WorkerApp

from workflow_replay.workflows import (
    MEASURE_ACTIVITY,
    WORKFLOWS,
    FileStageWorkflow,
    Measure,
    ReferenceInput,
)

__all__ = ["REFERENCE_APP", "ReferenceSettings", "measure"]


class ReferenceSettings(AppSettings):
    """The reference worker's settings (prefix ``REPLAY_``)."""

    model_config = SettingsConfigDict(env_prefix="REPLAY_")
    app_distribution: ClassVar[str | None] = "workflow-replay"

    task_queue: str = "replay-reference"
    worker_versioning: bool = False
    """Unversioned: the recorder's worker takes tasks at once; histories do not depend on it."""
    notification_topic_arn: str | None = None
    """The topic `start_workflow`'s runs notify (None: the worker's configured one, none)."""
    operator_retry_seconds: float = 30.0
    """Retry delay of an operator error (the late topic's): the recorder shortens it."""

    def shared_activities(self) -> SharedActivitiesConfig:
        """The shared configuration, with SNS on the AWS endpoint and the operator delay."""
        config = super().shared_activities()
        return dataclasses.replace(
            config,
            notifications=NotificationSettings(endpoint_url=self.aws_endpoint_url),
            operator_retry_delay=timedelta(seconds=self.operator_retry_seconds),
        )


@activity.defn(name=MEASURE_ACTIVITY)
async def measure(text: str) -> Measure:
    """The module's own work: a text's length and word count.

    Raises:
        ApplicationError: ``UnreadableInput``, not retried, for a text starting with ``bad``.
    """
    if text.startswith("bad"):
        raise ApplicationError(
            f"cannot measure {text!r}", type="UnreadableInput", non_retryable=True
        )
    return Measure(len(text), len(text.split()))


def _activities(
    settings: ReferenceSettings, resources: WorkerResources
) -> Sequence[Callable[..., Any]]:
    return [measure]


async def _start(
    client: Client, settings: ReferenceSettings, file_id: UUID
) -> WorkflowHandle[Any, Any]:
    args = ReferenceInput(
        file_id, "a measured text", settings.activity_mode, settings.notification_topic_arn
    )
    return await client.start_workflow(
        FileStageWorkflow.run, args, id=f"reference-{file_id}", task_queue=settings.task_queue
    )


REFERENCE_APP: WorkerApp[ReferenceSettings] = WorkerApp(
    name="workflow-replay",
    settings_type=ReferenceSettings,
    workflows=list(WORKFLOWS),
    activities=_activities,
    start_workflow=_start,
    description="Runs the reference workflows that use every contracts helper.",
)
"""The reference worker: the recorder serves it, the replay gate replays with it."""
