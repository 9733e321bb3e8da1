"""A FAILED file notifies the configured SNS topic (moto, with an SQS queue subscribed)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from ingestion_worker.settings import Settings
from ingestion_worker.worker import build_plugin, build_worker, start_ingestion
from ingestion_worker.workflows import IngestFileWorkflow
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, make_route
from workflow_file_status import FileCreate
from workflow_notifications._sns import open_sns_client
from workflow_shared_activities import FILE_STATUS


async def run_files(
    temporal_env: WorkflowEnvironment,
    moto: MotoServer,
    bus: str,
    tmp_path: Path,
    topic_arn: str | None,
) -> list[FileStatus]:
    settings = Settings(
        _env_file=None,
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"ingestion-notify-{uuid.uuid4()}",
        worker_versioning=False,  # not about deployment versions (test_versioning is)
        aws_endpoint_url=moto.endpoint_url,
        event_bus_name=bus,
        database_url=f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}",
        migrate=True,
        notification_topic_arn=topic_arn,
    )
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("a,b\n1,2\n")
    bad.write_text("a,b\n1\n")
    plugin = build_plugin(settings)
    async with build_worker(temporal_env.client, settings, plugin):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        statuses = []
        for path in (good, bad):
            file = await plugin.resources[FILE_STATUS].register_file(
                FileCreate(name=path.name, uri=str(path))
            )
            result = await start_ingestion(temporal_env.client, settings, file.id)
            statuses.append(result.status)
    return statuses


async def test_a_failed_file_notifies_the_topic_and_a_completed_one_does_not(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["ingestion"]})
    name = f"ingestion-failures-{uuid.uuid4().hex[:8]}"
    async with open_sns_client(
        region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as sns:
        topic = (await sns.create_topic(Name=name))["TopicArn"]
        queue = (await sqs_client.create_queue(QueueName=name))["QueueUrl"]
        queue_arn = (
            await sqs_client.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        )["Attributes"]["QueueArn"]
        await sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    assert await run_files(temporal_env, moto_server, route.bus_name, tmp_path, topic) == [
        FileStatus.COMPLETED,
        FileStatus.FAILED,
    ]
    answer = await sqs_client.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    [message] = [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    assert message["Subject"] == "Ingestion failed"
    assert "MalformedFile" in message["Message"]
    assert message["MessageAttributes"]["error_type"]["Value"] == "MalformedFile"


def test_without_a_topic_the_start_is_the_same_as_before() -> None:
    # No topic: no fourth argument, so older workers still run the start (and no notification).
    file_id = uuid.uuid4()
    assert IngestFileWorkflow.start_args(file_id) == [file_id]
    assert IngestFileWorkflow.start_args(file_id, None, None, "arn")[3] == "arn"
