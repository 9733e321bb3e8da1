"""The worker settings of ``shared.send_notification`` (``SharedActivitiesConfig.notifications``)."""

from __future__ import annotations

from dataclasses import dataclass

from workflow_notifications._validation import MAX_MESSAGE_BYTES

__all__ = ["NotificationSettings"]


@dataclass(frozen=True)
class NotificationSettings:
    """Worker settings of ``shared.send_notification`` (``SharedActivitiesConfig.notifications``).

    All optional: a worker without them still starts, and a caller passing a topic ARN is
    served.

    Attributes:
        topic_arn: The topic used when a caller passes ``null`` as ``topic_arn``.
        endpoint_url: SNS endpoint (a local emulator); None: the worker's
            ``aws_endpoint_url``, else AWS (botocore's ``AWS_ENDPOINT_URL_SNS`` applies).
        region: SNS region; None: the worker's ``aws_region``.
        max_message_bytes: Message plus attributes limit (SNS: 256 KiB).
    """

    topic_arn: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    max_message_bytes: int = MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        """Rejects a limit SNS does not have."""
        if not 0 < self.max_message_bytes <= MAX_MESSAGE_BYTES:
            raise ValueError(f"max_message_bytes must be 1..{MAX_MESSAGE_BYTES}")
