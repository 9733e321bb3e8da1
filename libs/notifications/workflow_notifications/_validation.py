"""Validation of a notification, before anything is sent: typed, non-retryable errors.

SNS's rules (Publish API): a subject of at most 100 ASCII printable characters not starting
with whitespace; a non-empty message; message plus attributes at most 256 KiB; attribute
names of letters, digits, ``-``, ``_`` and ``.`` (no leading, trailing or doubled period, no
``AWS.``/``Amazon.`` prefix), at most 256 characters, at most 10 attributes; a
``MessageGroupId`` of at most 128 characters of letters, digits and punctuation, required on a
FIFO topic. Text must be characters SNS can deliver (XML 1.0's, which SQS enforces).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from workflow_activity_kit import json_type
from workflow_contracts.notifications import (
    NOTIFICATION_ID_ATTRIBUTE,
    InvalidNotificationError,
    NotificationTooLargeError,
)

from workflow_notifications._port import NotificationRequest

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_MESSAGE_BYTES",
    "MAX_SUBJECT_CHARS",
    "build_request",
    "request_size",
]

MAX_MESSAGE_BYTES = 256 * 1024
MAX_SUBJECT_CHARS = 100
MAX_ATTRIBUTES = 10
MAX_ATTRIBUTE_NAME_CHARS = 256
MAX_GROUP_ID_CHARS = 128

_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")
_SUBJECT = re.compile(r"[\x21-\x7e][\x20-\x7e]*")  # ASCII printable, not starting with a space
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_GROUP_ID = re.compile(r"[\x21-\x7e]{1,128}")  # letters, digits and punctuation
# Characters SNS and SQS deliver (XML 1.0): tab, LF, CR and U+0020 up, no surrogates, FFFE/F.
_UNDELIVERABLE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object, field: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidNotificationError(
            f"{field}: must be a string, got {json_type(value)}", {"field": field}
        )
    if not value and not empty:
        raise InvalidNotificationError(f"{field}: must not be empty", {"field": field})
    bad = _UNDELIVERABLE.search(value)
    if bad:
        raise InvalidNotificationError(
            f"{field}: character U+{ord(bad.group()):04X} at {bad.start()} cannot be delivered",
            {"field": field, "position": bad.start()},
        )
    return value


def _topic(value: object) -> str:
    topic = _text(value, "topic_arn")
    if not _TOPIC_ARN.fullmatch(topic):
        raise InvalidNotificationError(
            f"topic_arn: not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>):"
            f" {topic[:80]!r}",
            {"field": "topic_arn"},
        )
    return topic


def _subject(value: object) -> str | None:
    if value is None:
        return None
    subject = _text(value, "subject")
    if len(subject) > MAX_SUBJECT_CHARS:
        raise InvalidNotificationError(
            f"subject: {len(subject)} characters, at most {MAX_SUBJECT_CHARS}",
            {"field": "subject"},
        )
    if not _SUBJECT.fullmatch(subject):
        raise InvalidNotificationError(
            "subject: must be ASCII printable characters, without line breaks, not starting"
            " with whitespace",
            {"field": "subject"},
        )
    return subject


def _attributes(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidNotificationError(
            f"attributes: must be an object of strings, got {json_type(value)}",
            {"field": "attributes"},
        )
    if len(value) > MAX_ATTRIBUTES - 1:  # one is ours
        raise InvalidNotificationError(
            f"attributes: {len(value)} given, at most {MAX_ATTRIBUTES - 1}"
            f" ({NOTIFICATION_ID_ATTRIBUTE!r} is added)",
            {"field": "attributes"},
        )
    result: dict[str, str] = {}
    for name, item in value.items():
        name = _text(name, "attributes")
        field = f"attributes.{name[:60]}"
        if (
            len(name) > MAX_ATTRIBUTE_NAME_CHARS
            or not _ATTRIBUTE_NAME.fullmatch(name)
            or name.lower().startswith(("aws.", "amazon."))
        ):
            raise InvalidNotificationError(
                f"{field}: an attribute name is 1 to {MAX_ATTRIBUTE_NAME_CHARS} letters, digits,"
                " '-', '_' and single inner periods, not starting with 'AWS.' or 'Amazon.'",
                {"field": field},
            )
        if name == NOTIFICATION_ID_ATTRIBUTE:
            raise InvalidNotificationError(
                f"{field}: reserved (the activity sets it)", {"field": field}
            )
        result[name] = _text(item, field)
    return result


def _group_id(value: object, fifo: bool) -> str | None:
    if value is None:
        if fifo:
            raise InvalidNotificationError(
                "group_id: a FIFO topic needs a MessageGroupId", {"field": "group_id"}
            )
        return None
    group = _text(value, "group_id")
    if not fifo:
        raise InvalidNotificationError(
            "group_id: only for FIFO topics (the topic's name ends in .fifo)",
            {"field": "group_id"},
        )
    if not _GROUP_ID.fullmatch(group):
        raise InvalidNotificationError(
            f"group_id: 1 to {MAX_GROUP_ID_CHARS} letters, digits or punctuation characters",
            {"field": "group_id"},
        )
    return group


def request_size(message: str, attributes: Mapping[str, str]) -> int:
    """Bytes SNS counts against its limit: the message, and each attribute's name, type, value."""
    size = len(message.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode()) + len(b"String") + len(value.encode("utf-8"))
    return size


def build_request(
    notification_id: str,
    topic_arn: object,
    subject: object,
    message: object,
    attributes: object = None,
    group_id: object = None,
    *,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> NotificationRequest:
    """The publish request for validated arguments.

    Raises:
        InvalidNotificationError: A bad argument (the message names it).
        NotificationTooLargeError: Message and attributes over ``max_message_bytes``.
    """
    topic = _topic(topic_arn)
    checked_subject = _subject(subject)
    body = _text(message, "message")
    fields = _attributes(attributes)
    group = _group_id(group_id, topic.endswith(".fifo"))
    fields[NOTIFICATION_ID_ATTRIBUTE] = notification_id
    size = request_size(body, fields)
    if size > max_message_bytes:
        raise NotificationTooLargeError(
            f"message: {size} bytes with its attributes, over SNS's {max_message_bytes}-byte limit",
            {"field": "message", "size": size, "limit": max_message_bytes},
        )
    return NotificationRequest(
        notification_id=notification_id,
        topic_arn=topic,
        subject=checked_subject,
        message=body,
        attributes=tuple(sorted(fields.items())),
        group_id=group,
        size=size,
    )
