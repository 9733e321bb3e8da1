"""The port between `SendNotificationActivity` and an SNS backend (an adapter implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["NotificationPublisher", "NotificationRequest", "PublishOutcome"]


@dataclass(frozen=True)
class NotificationRequest:
    """One validated SNS publish, identical on every retry of one activity execution.

    Attributes:
        notification_id: The stable execution id (`workflow_contracts.execution_id`): the
            ``notification_id`` attribute and, on a FIFO topic, the deduplication id.
        topic_arn: The topic.
        subject: ``Subject``, or None.
        message: ``Message``.
        attributes: String message attributes, ours included, sorted by name.
        group_id: ``MessageGroupId`` (FIFO topics), or None.
        size: Bytes counted against SNS's limit (message plus attributes).
    """

    notification_id: str
    topic_arn: str
    subject: str | None
    message: str
    attributes: tuple[tuple[str, str], ...]
    group_id: str | None
    size: int

    @property
    def fifo(self) -> bool:
        """True for a FIFO topic (its name ends in ``.fifo``)."""
        return self.topic_arn.endswith(".fifo")


@dataclass(frozen=True)
class PublishOutcome:
    """What SNS answered.

    Attributes:
        message_id: ``MessageId``.
        sequence_number: ``SequenceNumber`` (FIFO topics).
    """

    message_id: str | None
    sequence_number: str | None = None


class NotificationPublisher(Protocol):
    """Publishes one notification; what `SendNotificationActivity` depends on."""

    async def publish(self, request: NotificationRequest) -> PublishOutcome:
        """Publishes the request.

        Raises:
            SharedActivityError: With the right ``type`` and retryability.
        """
        ...
