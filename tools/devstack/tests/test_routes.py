"""Routes: the rule delivers to the queue, and the redrive policy moves what is never deleted."""

import json

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
