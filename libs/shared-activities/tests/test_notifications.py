"""``shared.send_notification`` through the plugin: its SNS client opens and closes with the
worker, and a worker without SNS settings still starts and serves every activity."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import SEND_NOTIFICATION_ACTIVITY, NotificationReceipt
from workflow_devstack import MotoServer
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_notifications import NOTIFICATIONS, NotificationSettings
from workflow_notifications._sns import open_sns_client
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin

from tests.workflows_notify import NotifyByNameWorkflow


async def topic_with_queue(moto: MotoServer, sqs: SQSClient) -> tuple[str, str]:
    name = f"plugin-{uuid.uuid4().hex[:10]}"
    async with open_sns_client(region_name=moto.region, endpoint_url=moto.endpoint_url) as sns:
        topic = (await sns.create_topic(Name=name))["TopicArn"]
        queue = (await sqs.create_queue(QueueName=name))["QueueUrl"]
        arn = (await sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"]))[
            "Attributes"
        ]["QueueArn"]
        await sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def config(
    tmp_path: Path, moto: MotoServer, topic_arn: str | None = None
) -> SharedActivitiesConfig:
    return SharedActivitiesConfig(
        events=EventSettings(bus_name="unused"),
        file_status=FileStatusSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'files.db'}", migrate=True
        ),
        aws_region=moto.region,
        aws_endpoint_url=moto.endpoint_url,
        operator_retry_delay=timedelta(seconds=30),
        notifications=NotificationSettings(topic_arn=topic_arn),
    )


async def run_worker_and_notify(
    temporal_env: WorkflowEnvironment, plugin: SharedActivitiesPlugin, topic: str | None
) -> NotificationReceipt:
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue = f"plugin-notify-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[NotifyByNameWorkflow]) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        return await client.execute_workflow(
            NotifyByNameWorkflow.run,
            args=[SEND_NOTIFICATION_ACTIVITY, topic],
            id=f"plugin-notify-{uuid.uuid4()}",
            task_queue=queue,
        )


async def test_the_plugin_publishes_to_the_default_topic(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    topic, queue = await topic_with_queue(moto_server, sqs_client)
    plugin = SharedActivitiesPlugin(config(tmp_path, moto_server, topic_arn=topic))
    receipt = await run_worker_and_notify(temporal_env, plugin, None)
    assert receipt.topic_arn == topic
    messages = (await sqs_client.receive_message(QueueUrl=queue, WaitTimeSeconds=1))["Messages"]
    assert receipt.notification_id in messages[0]["Body"]
    # The worker stopped: its SNS client is closed with it.
    with pytest.raises(RuntimeError, match="not running"):
        await plugin.resources[NOTIFICATIONS].publish(None)  # type: ignore[arg-type]


async def test_a_worker_without_a_topic_config_works_and_says_what_is_missing(
    temporal_env: WorkflowEnvironment, moto_server: MotoServer, tmp_path: Path
) -> None:
    plugin = SharedActivitiesPlugin(config(tmp_path, moto_server))
    with pytest.raises(WorkflowFailureError) as raised:
        await run_worker_and_notify(temporal_env, plugin, None)
    cause = raised.value.cause
    assert isinstance(cause, ActivityError)
    assert isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == "NotificationTopicNotFound"
    assert cause.cause.non_retryable is False
