"""Publishing workflow events to AWS EventBridge: `SendEventActivity` and its adapters."""

from workflow_events.ids import EVENT_ID_NAMESPACE, event_id_for

__all__ = ["EVENT_ID_NAMESPACE", "event_id_for"]
