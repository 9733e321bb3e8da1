import uuid

import workflow_contracts._execution as c
from workflow_contracts import TemporalContext


def ctx(**kw: object) -> TemporalContext:
    base: dict[str, object] = {
        "workflow_id": "wf",
        "run_id": "run",
        "activity_id": "1",
        "attempt": 1,
        "namespace": "default",
    }
    base.update(kw)
    return TemporalContext(**base)  # type: ignore[arg-type]


def test_every_attempt_of_one_execution_has_one_id() -> None:
    assert c.execution_id(ctx(attempt=1)) == c.execution_id(ctx(attempt=9))


def test_workflow_ids_are_unchanged_by_the_standalone_support() -> None:
    # Published ids must not move: the key of a workflow activity has no activity run id.
    assert c.execution_key(ctx()) == "default/wf/run/1"
    assert c.execution_id(ctx()) == "cd756f8f-c776-5725-b1c1-f7d3bcbd317f"


def test_two_standalone_runs_with_one_activity_id_differ() -> None:
    a = ctx(workflow_id=None, run_id=None, activity_run_id="r1")
    b = ctx(workflow_id=None, run_id=None, activity_run_id="r2")
    assert a.standalone and b.standalone
    assert c.execution_id(a) != c.execution_id(b)
    assert c.execution_id(a) == c.execution_id(
        ctx(workflow_id=None, run_id=None, activity_run_id="r1", attempt=3)
    )


def test_other_activity_run_or_namespace_gives_another_id() -> None:
    ids = {
        c.execution_id(ctx()),
        c.execution_id(ctx(activity_id="2")),
        c.execution_id(ctx(run_id="run2")),
        c.execution_id(ctx(workflow_id="wf2")),
        c.execution_id(ctx(namespace="other")),
    }
    assert len(ids) == 5


def test_the_id_is_the_uuid5_of_the_execution_key() -> None:
    # The event id and the file-status idempotency key are this id.
    expected = uuid.uuid5(c.EXECUTION_ID_NAMESPACE, "default/wf/run/1")
    assert c.execution_id(ctx()) == str(expected)
    assert uuid.UUID(c.execution_id(ctx())).version == 5
