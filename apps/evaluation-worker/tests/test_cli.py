"""The operator's view: ``run`` on per-service endpoints, ``start`` and ``status``, on the real
dev server, moto's server and SQLite."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ingestion_worker.settings as in_settings
import pytest
from evaluation_worker.cli import main
from evaluation_worker.consumer import evaluation_workflow_id
from evaluation_worker.settings import Settings
from evaluation_worker.worker import APP
from ingestion_worker.worker import build_plugin as in_plugin
from ingestion_worker.worker import build_worker as in_worker
from ingestion_worker.worker import start_ingestion
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, free_port, make_route
from workflow_file_status import FileCreate
from workflow_shared_activities import FILE_STATUS
from workflow_shared_activities.app import open_repository


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No EVALUATION_* from the caller; the root logger restored after ``main``."""
    for key in list(os.environ):
        if key.startswith("EVALUATION_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    loggers = [logging.getLogger(name) for name in ("", "alembic", "workflow_file_status")]
    saved = logging.getLogger().handlers[:], [logger.level for logger in loggers]
    yield tmp_path
    logging.getLogger().handlers[:] = saved[0]
    for logger, level in zip(loggers, saved[1], strict=True):
        logger.setLevel(level)


async def workflow_mode(env: WorkflowEnvironment, workflow_id: str) -> str:
    """The activity mode a workflow was started with (its second argument; regular if none)."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    payloads = history.events[0].workflow_execution_started_event_attributes.input.payloads
    if len(payloads) < 2:
        return "regular"
    return str(json.loads(payloads[1].data))


def test_help_lists_the_shared_commands(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("run", "start", "status", "EVALUATION_*"))
    assert "register" not in out  # the ingestion app's own command
    assert main(["start"]) == 2  # FILE_ID missing


async def test_run_uses_the_per_service_endpoints_then_start_and_status_by_hand(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    route = await make_route(
        events_client,
        sqs_client,
        {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
    )
    common: dict[str, Any] = {
        "worker_versioning": False,  # not about deployment versions (ingestion's test_versioning)
        "temporal_address": temporal_env.client.service_client.config.target_host,
        "event_bus_name": route.bus_name,
        "database_url": f"sqlite+aiosqlite:///{cli_env / 'files.db'}",
        "migrate": True,
    }
    ingestion = in_settings.Settings(
        _env_file=None,
        task_queue=f"in-{uuid.uuid4()}",
        aws_endpoint_url=moto_server.endpoint_url,
        **common,
    )
    # Nothing answers at the common endpoint: only the per-service ones can work.
    env = {
        "EVALUATION_TEMPORAL_ADDRESS": str(common["temporal_address"]),
        "EVALUATION_TASK_QUEUE": f"ev-{uuid.uuid4()}",
        "EVALUATION_EVENT_BUS_NAME": route.bus_name,
        "EVALUATION_DATABASE_URL": str(common["database_url"]),
        "EVALUATION_MIGRATE": "true",
        "EVALUATION_WORKER_VERSIONING": "false",
        "EVALUATION_AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "EVALUATION_AWS_ENDPOINT_URL_EVENTS": moto_server.endpoint_url,
        "EVALUATION_AWS_ENDPOINT_URL_SQS": moto_server.endpoint_url,
        "EVALUATION_QUEUE_URL": route.queue_url,
        "EVALUATION_ACTIVITY_MODE": "local",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    evaluation = Settings(_env_file=None)

    stop = asyncio.Event()
    plugin = in_plugin(ingestion)
    async with in_worker(temporal_env.client, ingestion, plugin):
        serving = asyncio.create_task(APP.serve(evaluation, stop))
        try:
            await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
            path = cli_env / "data.csv"
            path.write_text("a,b\n1,2\n3,4\n")
            file = await plugin.resources[FILE_STATUS].register_file(
                FileCreate(name=path.name, uri=str(path))
            )
            ingested = await start_ingestion(temporal_env.client, ingestion, file.id)
            assert ingested.status is FileStatus.COMPLETED
            # The event reaches the queue; the consumer (SQS endpoint) starts the evaluation,
            # which completes only once its own event is sent (EventBridge endpoint).
            for _ in range(100):
                current = await plugin.resources[FILE_STATUS].get_file(file.id)
                if current is not None and current.version == 5:
                    break
                await asyncio.sleep(0.2)
            assert current is not None and current.status is FileStatus.COMPLETED
            assert current.version == 5, "the evaluation did not run"
        finally:
            stop.set()
            await asyncio.wait_for(serving, 30)
    assert any("evaluation-worker ready" in r.getMessage() for r in caplog.records)
    # The consumer started it in the app's mode.
    started = evaluation_workflow_id(file.id, ingested.event_id or "")
    assert await workflow_mode(temporal_env, started) == "local"

    # By hand, on a worker of its own: start (waits, prints the result), then status.
    stop = asyncio.Event()
    serving = asyncio.create_task(
        APP.serve(evaluation.model_copy(update={"queue_url": None}), stop)
    )
    try:
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["start", str(file.id)]) == 0
        [result] = map(json.loads, capsys.readouterr().out.splitlines())
        assert result["status"] == "COMPLETED" and result["report"]["rows"] == 2
        assert result["workflow_id"] == f"evaluate-{file.id}-manual"
        assert await workflow_mode(temporal_env, result["workflow_id"]) == "local"
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
    assert await asyncio.to_thread(main, ["status", str(file.id), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["file"]["version"] == 7 and len(document["history"]) == 6
    async with open_repository(evaluation) as repository:
        assert (await repository.get_file(file.id)) is not None
