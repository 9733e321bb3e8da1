import pytest
from workflow_contracts.notifications import NotificationFailedError
from workflow_notifications import NotificationRequest, PublishOutcome
from workflow_notifications._telemetry import NotificationMetrics, traced_publish

REQUEST = NotificationRequest("id-1", "arn:aws:sns:eu-west-1:1:t", None, "m", (), None, 1)


class RecordedMetrics(NotificationMetrics):
    """Keeps what would be recorded on a worker's meter."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []
        self.seconds: list[float] = []

    def record(self, outcome: str, seconds: float) -> None:
        self.outcomes.append(outcome)
        self.seconds.append(seconds)


async def test_each_publish_is_counted_under_its_outcome() -> None:
    metrics = RecordedMetrics()
    answers: list[PublishOutcome | Exception] = [
        NotificationFailedError("down"),
        PublishOutcome("message-1", None),
    ]

    async def publish(request: NotificationRequest) -> PublishOutcome:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(NotificationFailedError):
        await traced_publish(metrics, REQUEST, publish)
    assert (await traced_publish(metrics, REQUEST, publish)).message_id == "message-1"
    assert metrics.outcomes == ["NotificationPublishFailed", "ok"]
    assert all(s >= 0 for s in metrics.seconds)
