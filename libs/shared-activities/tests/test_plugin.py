"""The plugin on a real Temporal server, moto's server and a database."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import (
    DATA_CONVERTER,
    SEND_EVENT_ACTIVITY,
    SEND_NOTIFICATION_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    FileStatus,
)
from workflow_devstack import MotoServer, PostgresDatabase, activity_attempts, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
    run_until_signalled,
)
from workflow_shared_activities._plugin import share_contracts_with_sandbox

from tests import workflows
from tests.workflows import (
    ContractsIdentityWorkflow,
    ProcessWorkflow,
    TwoStepWorkflow,
    fast_step,
    slow_step,
)


def test_activities_are_registered_under_their_contract_names() -> None:
    plugin = SharedActivitiesPlugin(SharedActivitiesConfig(events=EventSettings(bus_name="b")))
    activities: list[Any] = plugin.build_activities(WorkerResources(plugin.config))
    names = {a.__temporal_activity_definition.name for a in activities}
    assert names == {SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY, SEND_NOTIFICATION_ACTIVITY}


def test_config_repr_hides_the_database_url() -> None:
    config = SharedActivitiesConfig(
        events=EventSettings(bus_name="b"),
        file_status=FileStatusSettings(database_url="postgresql://u:s3cret@h/db"),
    )
    assert "s3cret" not in repr(config)


def test_nothing_is_open_before_the_worker_runs() -> None:
    plugin = SharedActivitiesPlugin(SharedActivitiesConfig(events=EventSettings(bus_name="b")))
    with pytest.raises(RuntimeError, match="not running"):
        _ = plugin.resources[FILE_STATUS].repository


def test_the_sandbox_keeps_the_users_restrictions_and_shares_the_contracts() -> None:
    mine = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("my_models")
    )
    runner = share_contracts_with_sandbox(mine)
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert {"my_models", "workflow_contracts"} <= runner.restrictions.passthrough_modules
    assert runner.restrictions.invalid_module_members == mine.restrictions.invalid_module_members
    unsandboxed = UnsandboxedWorkflowRunner()
    assert share_contracts_with_sandbox(unsandboxed) is unsandboxed


async def test_workflows_share_the_hosts_contracts_module_through_a_real_worker(
    temporal_env: WorkflowEnvironment, moto_server: MotoServer, tmp_path: Path
) -> None:
    """Without the pass-through, every run would execute `workflow_contracts` afresh."""
    import workflow_contracts

    import tests.workflows

    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name="b"),
            file_status=FileStatusSettings(
                database_url=f"sqlite:///{tmp_path / 'identity.db'}", migrate=True
            ),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue = f"identity-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[ContractsIdentityWorkflow]):
        seen = [
            await client.execute_workflow(
                ContractsIdentityWorkflow.run, id=f"identity-{queue}-{n}", task_queue=queue
            )
            for n in range(2)
        ]
    # The contracts are the host's module; the workflow's own module stays sandboxed per run.
    assert [s["workflow_contracts"] for s in seen] == [id(workflow_contracts)] * 2
    assert id(tests.workflows) not in {s["tests.workflows"] for s in seen}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_worker_gets_everything_from_one_plugin(
    backend: str,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    url = (
        postgres_database.sqlalchemy_url
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 'f.db'}"
    )
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(database_url=url, migrate=True),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    # As a client plugin: it sets the data converter too.
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    assert client.data_converter.payload_converter_class is DATA_CONVERTER.payload_converter_class
    task_queue = f"plugin-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[ProcessWorkflow]):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        file = await plugin.resources[FILE_STATUS].register_file(
            FileCreate(name="x.csv", uri="/x.csv")
        )
        receipt = await client.execute_workflow(
            ProcessWorkflow.run, file.id, id=f"process-{file.id}", task_queue=task_queue
        )
        final = await plugin.resources[FILE_STATUS].get_file(file.id)
        history = await plugin.resources[FILE_STATUS].get_history(file.id)
    assert final is not None and final.status is FileStatus.COMPLETED and final.version == 3
    assert [h.to_status for h in history] == [FileStatus.PROCESSING, FileStatus.COMPLETED]
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id
    with pytest.raises(RuntimeError, match="not running"):
        _ = plugin.resources[FILE_STATUS].repository  # closed with the worker


async def test_sigterm_lets_the_running_activity_finish_and_the_rest_resumes(
    temporal_env: WorkflowEnvironment,
) -> None:
    task_queue = f"sigterm-{uuid.uuid4()}"
    workflows.STARTED.clear()
    workflows.FINISHED.clear()

    def make_worker() -> Worker:
        return Worker(
            temporal_env.client,
            task_queue=task_queue,
            workflows=[TwoStepWorkflow],
            activities=[slow_step, fast_step],
            graceful_shutdown_timeout=timedelta(seconds=10),
        )

    handle = await temporal_env.client.start_workflow(
        TwoStepWorkflow.run, 1.0, id=f"sigterm-{uuid.uuid4()}", task_queue=task_queue
    )
    serving = asyncio.create_task(run_until_signalled(make_worker()))
    await asyncio.wait_for(workflows.STARTED.wait(), 10)
    os.kill(os.getpid(), signal.SIGTERM)  # the real signal, handled by run_until_signalled
    await asyncio.wait_for(serving, 20)
    assert workflows.FINISHED == [1]  # finished during the graceful shutdown, no retry
    # Restarted worker: the workflow resumes where it was.
    async with make_worker():
        assert await handle.result() == ["slow done", "fast done"]
    slow_attempts = await activity_attempts(handle)
    assert slow_attempts == [1, 1]  # each activity ran once
    assert workflows.FINISHED == [1]


def test_a_database_url_naming_an_unknown_pooler_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="pooler='sometimes'") as info:
        SharedActivitiesConfig(
            events=EventSettings(bus_name="bus"),
            file_status=FileStatusSettings(
                database_url="postgresql://u:hunter2@h/db?pooler=sometimes"
            ),
        )
    assert "hunter2" not in str(info.value)
    config = SharedActivitiesConfig(
        events=EventSettings(bus_name="bus"),
        file_status=FileStatusSettings(database_url="postgresql://u@h/db?pooler=transaction"),
    )
    assert config.file_status.database_url.endswith("?pooler=transaction")
