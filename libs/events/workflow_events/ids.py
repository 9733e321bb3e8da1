"""Event ids: one per activity execution, the same on every retry (`execution_id`).

Kept as aliases of `workflow_contracts.execution_id` so existing imports keep working; the
event id and the file-status idempotency key are the same execution id.
"""

from __future__ import annotations

from workflow_contracts import EXECUTION_ID_NAMESPACE, execution_id

__all__ = ["EVENT_ID_NAMESPACE", "event_id_for"]

EVENT_ID_NAMESPACE = EXECUTION_ID_NAMESPACE
"""UUIDv5 namespace of our event ids (`workflow_contracts.EXECUTION_ID_NAMESPACE`)."""

event_id_for = execution_id
"""The event id of one activity execution (`workflow_contracts.execution_id`)."""
