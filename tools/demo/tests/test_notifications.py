"""The demo's failure notifications on moto: the settings carry the topic, a FAILED file's
notification is received and printed."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from ingestion_worker.settings import Settings
from ingestion_worker.worker import build_plugin, build_worker, start_ingestion
from rich.console import Console
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_demo.notifications import FAILURE_NOTIFICATIONS, notify_failures
from workflow_devstack import MotoServer, make_route
from workflow_file_status import FileCreate
from workflow_shared_activities import FILE_STATUS


@dataclass
class FakeStack:
    moto: MotoServer
    sqs: SQSClient


async def test_a_failed_file_notification_arrives_and_is_shown(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["ingestion"]})
    base = Settings(
        _env_file=None,
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"demo-notify-{uuid.uuid4()}",
        worker_versioning=False,  # not about deployment versions (test_versioning is)
        aws_endpoint_url=moto_server.endpoint_url,
        event_bus_name=route.bus_name,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'files.db'}",
        migrate=True,
    )
    out = io.StringIO()
    settings = await notify_failures(
        FakeStack(moto_server, sqs_client), base, Console(file=out, width=200), watch=False
    )
    assert settings.notification_topic_arn is not None
    assert settings.notification_topic_arn.endswith(":demo-ingestion-failures")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1\n")
    plugin = build_plugin(settings)
    async with build_worker(temporal_env.client, settings, plugin):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        file = await plugin.resources[FILE_STATUS].register_file(
            FileCreate(name=bad.name, uri=str(bad))
        )
        result = await start_ingestion(temporal_env.client, settings, file.id)
    assert result.status is FileStatus.FAILED
    [notification] = await FAILURE_NOTIFICATIONS[-1].poll_once(sqs_client)
    assert str(file.id) in notification["Message"]
    assert "SNS notification" in out.getvalue() and "Ingestion failed" in out.getvalue()
