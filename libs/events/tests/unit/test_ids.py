import uuid

from workflow_contracts import TemporalContext
from workflow_events import event_id_for


def ctx(**kw: object) -> TemporalContext:
    base: dict[str, object] = dict(
        workflow_id="wf", run_id="run", activity_id="1", attempt=1, namespace="default"
    )
    base.update(kw)
    return TemporalContext(**base)  # type: ignore[arg-type]


def test_same_execution_same_id_on_every_attempt() -> None:
    assert event_id_for(ctx(attempt=1)) == event_id_for(ctx(attempt=7))


def test_other_executions_get_other_ids() -> None:
    ids = {
        event_id_for(ctx()),
        event_id_for(ctx(activity_id="2")),
        event_id_for(ctx(run_id="run2")),
        event_id_for(ctx(workflow_id="wf2")),
        event_id_for(ctx(namespace="other")),
    }
    assert len(ids) == 5


def test_id_is_a_uuid() -> None:
    assert uuid.UUID(event_id_for(ctx())).version == 5


def test_id_is_exactly_uuid5_of_the_execution() -> None:
    from workflow_events import EVENT_ID_NAMESPACE

    expected = uuid.uuid5(EVENT_ID_NAMESPACE, "default/wf/run/1")
    assert event_id_for(ctx()) == str(expected)


def test_event_ids_are_the_contracts_execution_ids() -> None:
    from workflow_contracts import EXECUTION_ID_NAMESPACE, execution_id
    from workflow_events import EVENT_ID_NAMESPACE

    assert event_id_for is execution_id
    assert EVENT_ID_NAMESPACE == EXECUTION_ID_NAMESPACE
