"""A minimal worker app on the shared command line (``python -m tests.conformance.roles_app``).

Configured by ``ROLES_*`` variables like any app (``ROLES_DATABASE_URL``, ``ROLES_MIGRATE``...):
the least-privilege tests run its ``run`` command as a real process.
"""

import sys
from typing import Any
from uuid import UUID

from temporalio.client import Client, WorkflowHandle
from workflow_shared_activities.app import AppSettings, SettingsConfigDict, WorkerApp, run_cli

from tests.workflows import ProcessWorkflow


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="ROLES_")
    # No distribution of its own: versioned as the shared activities' installed version.
    app_distribution = "workflow-shared-activities"

    task_queue: str = "roles"
    # Unversioned: its workflows take tasks at once, with no deployment to make current.
    worker_versioning: bool = False


async def start(client: Client, settings: Settings, file_id: UUID) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        ProcessWorkflow.run, file_id, id=f"roles-{file_id}", task_queue=settings.task_queue
    )


APP: WorkerApp[Settings] = WorkerApp(
    name="roles-worker",
    settings_type=Settings,
    workflows=[ProcessWorkflow],
    start_workflow=start,
    description="The shared activities, for the least-privilege tests.",
)

if __name__ == "__main__":
    sys.exit(run_cli(APP))
