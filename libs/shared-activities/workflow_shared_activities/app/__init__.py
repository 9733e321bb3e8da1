"""What the worker apps share: settings, the worker builder and the command line.

An app keeps only what is its own (its prefix and defaults, workflows, activities, extra
commands)::

    class Settings(AppSettings):
        model_config = SettingsConfigDict(env_prefix="INGESTION_")
        task_queue: str = "ingestion"

    APP = WorkerApp(
        name="ingestion-worker",
        settings_type=Settings,
        workflows=[IngestFileWorkflow],
        activities=lambda settings, resources: [IngestionActivities(resources).ingest_file],
        start_workflow=start_ingestion_workflow,
    )

    def main(argv=None) -> int:
        return run_cli(APP, argv, commands=[REGISTER])

``status --json``, ``start`` and ``start --no-wait --json`` print one JSON object per line
through their models (`StatusOutput`, the workflow's result, `StartedOutput`; see
``workflow_shared_activities.app.outputs``).

Needs ``pydantic-settings`` (the ``app`` extra); ``import workflow_shared_activities`` does not
import this package.
"""

from workflow_shared_activities.app.cli import (
    Command,
    ExitCode,
    Unavailable,
    UsageError,
    build_parser,
    print_line,
    run_cli,
)
from workflow_shared_activities.app.deployment import (
    DeploymentState,
    describe_deployment,
    set_current_version,
    wait_until_polled,
)
from workflow_shared_activities.app.files import (
    collect_files,
    format_status,
    open_repository,
    register_paths,
    status_document,
)
from workflow_shared_activities.app.outputs import (
    StartedOutput,
    StartFailedOutput,
    StatusOutput,
    json_line,
)
from workflow_shared_activities.app.replay import load_history, recorded_histories
from workflow_shared_activities.app.settings import (
    AppSettings,
    SettingsConfigDict,
    redact_url,
)
from workflow_shared_activities.app.worker import WorkerApp, run_worker_until_stopped

__all__ = [
    "AppSettings",
    "Command",
    "DeploymentState",
    "ExitCode",
    "SettingsConfigDict",
    "StartFailedOutput",
    "StartedOutput",
    "StatusOutput",
    "Unavailable",
    "UsageError",
    "WorkerApp",
    "build_parser",
    "collect_files",
    "describe_deployment",
    "format_status",
    "json_line",
    "load_history",
    "open_repository",
    "print_line",
    "recorded_histories",
    "redact_url",
    "register_paths",
    "run_cli",
    "run_worker_until_stopped",
    "set_current_version",
    "status_document",
    "wait_until_polled",
]
