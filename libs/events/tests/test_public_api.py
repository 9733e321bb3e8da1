"""The public names of workflow_events: a change here is a decision (and a changelog entry)."""

import importlib

import workflow_events
import workflow_events.consumer


def test_workflow_events_names() -> None:
    assert set(workflow_events.__all__) == {
        "EVENTS",
        "EventEntry",
        "EventPublisher",
        "EventResource",
        "EventSettings",
        "SendEventActivity",
    }
    assert len(workflow_events.__all__) <= 12


def test_workflow_events_consumer_names() -> None:
    assert set(workflow_events.consumer.__all__) == {
        "ClaimResult",
        "Deduplicator",
        "ErrorData",
        "EventContext",
        "EventDetail",
        "EventHeader",
        "EventProblem",
        "EventRegistry",
        "EventTrace",
        "EventType",
        "InMemoryDeduplicator",
        "InvalidEventMessage",
        "SPEC_VERSION",
        "WorkflowEvent",
        "consuming_event",
        "dedup_key",
        "envelope_schema",
        "handle_once",
        "make_event",
        "parse_event",
        "peek_event",
        "render_schemas",
    }


def test_every_public_name_resolves_and_modules_are_private_otherwise() -> None:
    for module in ["workflow_events", "workflow_events.consumer"]:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (module, name)


def test_the_face_is_the_activity_and_the_consumer_kit_is_apart() -> None:
    assert "parse_event" not in workflow_events.__all__
    assert "EVENTS" not in workflow_events.consumer.__all__
