import dataclasses
from datetime import timedelta

import pytest
from temporalio.testing import ActivityEnvironment
from workflow_activity_kit import WorkerScope, execution_id
from workflow_contracts import TemporalContext
from workflow_contracts.notifications import (
    InvalidNotificationError,
    NotificationThrottledError,
    NotificationTopicNotFoundError,
)
from workflow_notifications import (
    NotificationResource,
    NotificationSettings,
    SendNotificationActivity,
)
from workflow_notifications.testing import InMemoryNotifier

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def env(activity_id: str = "1", attempt: int = 1) -> ActivityEnvironment:
    e = ActivityEnvironment()
    e.info = dataclasses.replace(e.info, activity_id=activity_id, attempt=attempt)
    return e


async def test_publishes_with_the_execution_id() -> None:
    notifier = InMemoryNotifier()
    e = env()
    receipt = await e.run(SendNotificationActivity(notifier).run, TOPIC, "s", "m", {"k": "v"})
    assert receipt.notification_id == execution_id(TemporalContext.from_activity_info(e.info))
    assert receipt.message_id == "fake-1"
    assert notifier.published[0].attributes[-1] == ("notification_id", receipt.notification_id)


async def test_every_retry_of_one_execution_sends_the_same_request() -> None:
    notifier = InMemoryNotifier()
    activity = SendNotificationActivity(notifier)
    await env(attempt=1).run(activity.run, TOPIC, "s", "m")
    await env(attempt=4).run(activity.run, TOPIC, "s", "m")
    await env("2").run(activity.run, TOPIC, "s", "m")
    first, retry, other = notifier.published
    assert first == retry
    assert other.notification_id != first.notification_id


async def test_null_topic_uses_the_worker_default_or_waits_for_an_operator() -> None:
    notifier = InMemoryNotifier()
    configured = SendNotificationActivity(notifier, NotificationSettings(topic_arn=TOPIC))
    assert (await env().run(configured.run, None, None, "m")).topic_arn == TOPIC
    with pytest.raises(NotificationTopicNotFoundError) as raised:
        await env().run(SendNotificationActivity(notifier).run, None, None, "m")
    assert raised.value.non_retryable is False
    assert "NotificationSettings(topic_arn=" in raised.value.message


async def test_bad_input_sends_nothing() -> None:
    notifier = InMemoryNotifier()
    with pytest.raises(InvalidNotificationError):
        await env().run(SendNotificationActivity(notifier).run, TOPIC, "a\nb", "m")
    assert notifier.attempts == 0


async def test_backend_errors_keep_their_type_and_delay() -> None:
    notifier = InMemoryNotifier(fail_with=["Throttled"])
    with pytest.raises(NotificationThrottledError) as raised:
        await env().run(SendNotificationActivity(notifier).run, TOPIC, None, "m")
    assert raised.value.next_retry_delay == timedelta(seconds=1)


async def test_a_closed_resource_refuses_and_settings_check_the_limit() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        await env().run(SendNotificationActivity(NotificationResource()).run, TOPIC, None, "m")
    with pytest.raises(ValueError):
        NotificationSettings(max_message_bytes=300_000)


async def test_a_worker_without_a_region_starts_and_notifications_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    resource = NotificationResource()
    async with resource.open(WorkerScope(operator_retry_delay=timedelta(seconds=3))):
        with pytest.raises(Exception) as raised:
            await env().run(SendNotificationActivity(resource).run, TOPIC, None, "m")
    assert getattr(raised.value, "type", None) == "NotificationAccessDenied"
    assert raised.value.next_retry_delay == timedelta(seconds=3)  # type: ignore[attr-defined]
