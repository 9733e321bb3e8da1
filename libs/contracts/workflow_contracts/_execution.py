"""One stable key per activity execution: the event id and the status-change idempotency key."""

import hashlib
import uuid

from workflow_contracts._envelope import TemporalContext

__all__ = ["EXECUTION_ID_NAMESPACE", "execution_id", "execution_key"]

EXECUTION_ID_NAMESPACE = uuid.UUID("5b0f6a3e-4f7e-5c1d-9a43-2a8c6e1d7b90")
"""UUIDv5 namespace of execution ids (fixed forever: changing it changes every event id)."""
_NAMESPACE_BYTES = EXECUTION_ID_NAMESPACE.bytes


def execution_key(context: TemporalContext) -> str:
    """The text the execution id is derived from.

    Inside a workflow: namespace, workflow id, run id and activity id (what Temporal keeps for
    every retry of one scheduled activity). A standalone activity has no workflow: its
    activity id is chosen by the caller and may be reused by a later execution, so its
    activity run id (new per execution) is added.
    """
    parts = [
        context.namespace or "",
        context.workflow_id or "",
        context.run_id or "",
        context.activity_id or "",
    ]
    if context.standalone:
        parts.append(context.activity_run_id or "")
    return "/".join(parts)


def execution_id(context: TemporalContext) -> str:
    """A UUIDv5 naming one activity execution: the same on every attempt, unique across them.

    Two executions (another activity of the workflow, another run, another standalone run with
    the same activity id) never share one.
    """
    # uuid.uuid5 without the intermediate UUID object (this runs once per activity).
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + execution_key(context).encode()).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
