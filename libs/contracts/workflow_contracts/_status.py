"""File lifecycle statuses and the transitions allowed between them."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "DEFAULT_TRANSITIONS",
    "FileStatus",
    "TransitionGraph",
    "is_transition_allowed",
    "make_transition_graph",
]


class FileStatus(StrEnum):
    """Lifecycle status of a file.

    A `StrEnum`, so it travels as its plain string value (``"COMPLETED"``) and a
    workflow written in another SDK can send the same string.
    """

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


TransitionGraph = Mapping[FileStatus, frozenset[FileStatus]]
"""For each status, the statuses a file may move to next."""


def make_transition_graph(
    edges: Mapping[FileStatus | str, Iterable[FileStatus | str]],
) -> "TransitionGraph":
    """Builds an immutable transition graph from plain data.

    Args:
        edges: For each status, the statuses it may move to. Strings are accepted.

    Returns:
        A read-only mapping from every `FileStatus` to its allowed next statuses
        (statuses missing from ``edges`` get none).

    Raises:
        ValueError: If a status name is unknown.
    """
    graph = {status: frozenset[FileStatus]() for status in FileStatus}
    for source, targets in edges.items():
        graph[FileStatus(source)] = frozenset(FileStatus(t) for t in targets)
    return MappingProxyType(graph)


DEFAULT_TRANSITIONS: TransitionGraph = make_transition_graph(
    {
        FileStatus.PENDING: {FileStatus.PROCESSING, FileStatus.FAILED},
        FileStatus.PROCESSING: {FileStatus.COMPLETED, FileStatus.FAILED},
        FileStatus.FAILED: {FileStatus.PROCESSING},
        # A later stage (evaluation after ingestion) reprocesses a completed file.
        FileStatus.COMPLETED: {FileStatus.PROCESSING},
    }
)
"""The default lifecycle; a same-status update is a no-op, not an edge."""


def is_transition_allowed(
    current: FileStatus,
    target: FileStatus,
    graph: TransitionGraph = DEFAULT_TRANSITIONS,
) -> bool:
    """Tells whether a file may move from ``current`` to ``target``.

    A same-status update is allowed (it is a no-op).
    """
    return current == target or target in graph.get(current, frozenset())
