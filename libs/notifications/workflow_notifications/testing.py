"""A hand-written in-memory fake of the port, for fast tests of code that notifies."""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from workflow_notifications._port import NotificationRequest, PublishOutcome
from workflow_notifications._sns_errors import map_publish_error

__all__ = ["InMemoryNotifier"]


@dataclass
class InMemoryNotifier:
    """Records every published request; can be told to fail the next ones.

    Attributes:
        published: Requests accepted, in order.
        fail_with: SNS error codes to answer, one per call, before accepting again.
        attempts: Calls made.
    """

    published: list[NotificationRequest] = field(default_factory=list)
    fail_with: list[str] = field(default_factory=list)
    attempts: int = 0

    async def publish(self, request: NotificationRequest) -> PublishOutcome:
        """Records the request (or fails with the next queued error code)."""
        self.attempts += 1
        if self.fail_with:
            code = self.fail_with.pop(0)
            error = ClientError({"Error": {"Code": code, "Message": "injected"}}, "Publish")
            raise map_publish_error(error, topic_arn=request.topic_arn)
        self.published.append(request)
        return PublishOutcome(message_id=f"fake-{len(self.published)}")
