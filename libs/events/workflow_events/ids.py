"""Deterministic event ids: one per activity execution, the same on every retry."""

from __future__ import annotations

import hashlib
import uuid

from workflow_contracts import TemporalContext

__all__ = ["EVENT_ID_NAMESPACE", "event_id_for"]

EVENT_ID_NAMESPACE = uuid.UUID("5b0f6a3e-4f7e-5c1d-9a43-2a8c6e1d7b90")
"""UUIDv5 namespace of our event ids (fixed forever: changing it changes every id)."""
_NAMESPACE_BYTES = EVENT_ID_NAMESPACE.bytes


def event_id_for(context: TemporalContext) -> str:
    """Returns the event id of one activity execution.

    Derived from the namespace, workflow id, run id and activity id, and not from the
    attempt, so every retry of the execution produces the same id while two executions
    (another activity in the workflow, another run) never share one.
    """
    key = "/".join(
        [
            context.namespace or "",
            context.workflow_id or "",
            context.run_id or "",
            context.activity_id or "",
        ]
    )
    # uuid.uuid5, without the intermediate UUID object (this runs once per event).
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + key.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
