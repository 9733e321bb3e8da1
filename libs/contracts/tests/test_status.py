import pytest
from workflow_contracts import (
    DEFAULT_TRANSITIONS,
    FileStatus,
    is_transition_allowed,
    make_transition_graph,
)

S = FileStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PENDING, S.PROCESSING),
        (S.PENDING, S.FAILED),
        (S.PROCESSING, S.COMPLETED),
        (S.PROCESSING, S.FAILED),
        (S.FAILED, S.PROCESSING),
        (S.COMPLETED, S.PROCESSING),
    ],
)
def test_default_graph_allows_the_documented_edges(current: S, target: S) -> None:
    assert is_transition_allowed(current, target)


def test_default_graph_forbids_every_other_edge() -> None:
    allowed = {
        (S.PENDING, S.PROCESSING),
        (S.PENDING, S.FAILED),
        (S.PROCESSING, S.COMPLETED),
        (S.PROCESSING, S.FAILED),
        (S.FAILED, S.PROCESSING),
        (S.COMPLETED, S.PROCESSING),
    }
    for current in S:
        for target in S:
            expected = current == target or (current, target) in allowed
            assert is_transition_allowed(current, target) is expected, (current, target)


def test_same_status_is_allowed_as_a_no_op() -> None:
    for status in S:
        assert is_transition_allowed(status, status)
        assert status not in DEFAULT_TRANSITIONS[status]


def test_graph_is_read_only_data() -> None:
    with pytest.raises(TypeError):
        DEFAULT_TRANSITIONS[S.PENDING] = frozenset()  # type: ignore[index]


def test_custom_graph_from_plain_strings() -> None:
    graph = make_transition_graph({"PENDING": ["COMPLETED"]})
    assert is_transition_allowed(S.PENDING, S.COMPLETED, graph)
    assert not is_transition_allowed(S.PENDING, S.PROCESSING, graph)
    assert graph[S.FAILED] == frozenset()


def test_custom_graph_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="DONE"):
        make_transition_graph({"PENDING": ["DONE"]})


def test_status_is_its_string() -> None:
    assert S.COMPLETED == "COMPLETED"
    assert f"{S.FAILED}" == "FAILED"
    assert S("PROCESSING") is S.PROCESSING
