"""Routes: the rule delivers to the queue, and the redrive policy moves what is never deleted."""

import asyncio
import json
import time

from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import make_route


async def test_route_delivers_and_dead_letters_after_max_receive_count(
    events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["t"]}, max_receive_count=2)
    attrs = await sqs_client.get_queue_attributes(
        QueueUrl=route.queue_url, AttributeNames=["RedrivePolicy"]
    )
    policy = json.loads(attrs["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == route.dlq_arn and int(policy["maxReceiveCount"]) == 2

    await events_client.put_events(
        Entries=[{"Source": "t", "DetailType": "x", "Detail": "{}", "EventBusName": route.bus_name}]
    )
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "x"

    await sqs_client.send_message(QueueUrl=route.queue_url, MessageBody="never deleted")
    for _ in range(route.max_receive_count):  # received, then visible again at once
        response = await sqs_client.receive_message(QueueUrl=route.queue_url, WaitTimeSeconds=1)
        [message] = response["Messages"]
        await sqs_client.change_message_visibility(
            QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    # The next receive finds it over the limit: SQS moves it to the dead-letter queue.
    response = await sqs_client.receive_message(QueueUrl=route.queue_url, WaitTimeSeconds=0)
    assert response.get("Messages", []) == []
    assert await route.dead_letter_depth() == 1 and await route.depth() == 0
    assert await route.receive_dead_letters(expected=1) == ["never deleted"]
    assert await route.dead_letter_depth() == 0


async def test_settled_depth_waits_for_a_message_in_flight_to_be_deleted(
    events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["t"]}, visibility_timeout=2)
    assert await route.settled_depth(margin=0) == 0  # empty: at once
    await sqs_client.send_message(QueueUrl=route.queue_url, MessageBody="held")
    [message] = (await sqs_client.receive_message(QueueUrl=route.queue_url))["Messages"]

    async def consumer_deletes_late() -> None:
        await asyncio.sleep(1)
        await sqs_client.delete_message(
            QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )

    late = asyncio.create_task(consumer_deletes_late())
    assert await route.depth() == 1  # in flight
    assert await route.settled_depth(margin=0) == 0
    await late


async def test_settled_depth_counts_what_is_still_there_a_visibility_timeout_later(
    events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["t"]}, visibility_timeout=1)
    await sqs_client.send_message(QueueUrl=route.queue_url, MessageBody="never deleted")
    await sqs_client.receive_message(QueueUrl=route.queue_url)
    started = time.monotonic()
    assert await route.settled_depth(margin=0.5) == 1
    assert time.monotonic() - started >= 1.5  # it waited the visibility timeout out
