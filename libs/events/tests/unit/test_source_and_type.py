"""What ``source`` and ``event_type`` may hold: no control, format or stray whitespace characters.

A control character in ``Source`` or ``DetailType`` makes EventBridge (and moto) fail the whole
PutEvents call with an error that is retried forever; in a batch it fails every caller's
entry. Such names are rejected before anything is sent, as a permanent `InvalidEventError`
naming the field, the character's code point and its position.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from workflow_contracts import TemporalContext
from workflow_contracts.errors import InvalidEventError
from workflow_events import SendEventActivity
from workflow_events._entry import build_entry
from workflow_events.testing import InMemoryPublisher

CONTEXT = TemporalContext("wf", "run", "1", 1)
TIME = datetime(2026, 1, 1, tzinfo=UTC)


def build(source: object = "ingestion", event_type: object = "t", **kw: Any) -> Any:
    entry, _ = build_entry(
        event_id="e1",
        source=source,
        event_type=event_type,
        data={},
        time=TIME,
        context=CONTEXT,
        **kw,
    )
    return entry


def rejected(**kw: Any) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        build(**kw)
    err = info.value
    assert err.non_retryable
    assert len(err.message) <= 500
    return err


# Every C0 control, DEL and every C1 control, in either field.
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["source", "event_type"])
def test_a_control_character_is_rejected_naming_field_code_point_and_index(
    field: str, char: str
) -> None:
    err = rejected(**{field: f"ab{char}cd"})
    code_point = f"U+{ord(char):04X}"
    assert err.message.startswith(f"{field}: ")
    assert code_point in err.message and "index 2" in err.message
    assert err.details[0] == {"field": field, "code_point": code_point, "index": 2}


@pytest.mark.parametrize(
    ("kw", "field", "code_point", "index"),
    [
        # Format characters (category Cf): invisible, yet a different name to EventBridge.
        ({"source": "\u200baws.ec2"}, "source", "U+200B", 0),
        ({"source": "\u200b"}, "source", "U+200B", 0),
        ({"source": "\u200b\u200c\ufeff"}, "source", "U+200B", 0),
        ({"source": "ingest\u00adion"}, "source", "U+00AD", 6),
        ({"source": "ingestion\ufeff"}, "source", "U+FEFF", 9),
        ({"event_type": "file\u200dingested"}, "event_type", "U+200D", 4),
        ({"event_type": "\u2066t\u2069"}, "event_type", "U+2066", 0),
        # Whitespace anywhere in a source (AWS sources look like com.acme.app).
        ({"source": " aws.ec2"}, "source", "U+0020", 0),
        ({"source": "aws.ec2 "}, "source", "U+0020", 7),
        ({"source": "my source"}, "source", "U+0020", 2),
        ({"source": "my\u00a0source"}, "source", "U+00A0", 2),
        ({"source": "\u3000ingestion"}, "source", "U+3000", 0),
        ({"source": "a\u2028b"}, "source", "U+2028", 1),
        # event_type may hold inner spaces, not leading or trailing ones.
        ({"event_type": " Object Created"}, "event_type", "U+0020", 0),
        ({"event_type": "Object Created "}, "event_type", "U+0020", 14),
        ({"event_type": "\u00a0Object"}, "event_type", "U+00A0", 0),
        ({"event_type": "Object\u2029Created"}, "event_type", "U+2029", 6),
        # The prefix is part of the bus source.
        ({"source": "ingestion", "source_prefix": "acme data"}, "source", "U+0020", 4),
        ({"source": "ingestion", "source_prefix": "acme\x00"}, "source", "U+0000", 4),
    ],
)
def test_format_characters_and_stray_whitespace_are_rejected(
    kw: dict[str, Any], field: str, code_point: str, index: int
) -> None:
    err = rejected(**kw)
    assert err.message.startswith(f"{field}: ")
    assert code_point in err.message and f"index {index}" in err.message
    assert err.details[0] == {"field": field, "code_point": code_point, "index": index}


@pytest.mark.parametrize("source", [" aws.ec2", "\u200baws.ec2", "\taws.ec2", "aws.ec2\u200b"])
def test_a_disguised_aws_source_is_rejected(source: str) -> None:
    rejected(source=source)


@pytest.mark.parametrize(
    ("source", "event_type"),
    [
        ("ingestion", "Object Created"),  # AWS's own detail types have spaces
        ("com.acme.app", "file_ingested_successfully"),
        ("acme-data_ingestion/v2", "Object\u00a0Created"),
        ("😀" * 10, "é" + "\u0301" * 127),  # emoji, combining marks
        ("ingestion", "\ue000 private use"),
        ("日本語.ソース", "イベント 作成"),
    ],
)
def test_printable_names_are_accepted(source: str, event_type: str) -> None:
    entry = build(source=source, event_type=event_type)
    assert (entry.source, entry.detail_type) == (source, event_type)


def test_a_lone_surrogate_keeps_its_own_message() -> None:
    err = rejected(source="ok\udfff")
    assert "not valid Unicode (a lone surrogate at index 2)" in err.message


@pytest.mark.parametrize("prefix", ["acme data", "acme\x00", "\u200bacme", ""])
def test_a_bad_source_prefix_is_refused_when_the_activity_is_built(prefix: str) -> None:
    if prefix == "":
        SendEventActivity(InMemoryPublisher(), source_prefix=prefix)  # empty: no prefix
        return
    with pytest.raises(ValueError, match="source_prefix"):
        SendEventActivity(InMemoryPublisher(), source_prefix=prefix)
