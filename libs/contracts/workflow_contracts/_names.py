"""Activity names: the wire contract between workflows and workers.

Explicit and stable: both activity classes have a ``run`` method, so default names would
collide, and a workflow in another SDK calls the activity by this name.
"""

__all__ = ["SEND_EVENT_ACTIVITY", "UPDATE_FILE_STATUS_ACTIVITY"]

SEND_EVENT_ACTIVITY = "shared.send_event"
"""Name of `SendEventActivity.run`; arguments ``(source, event_type, data)``."""

UPDATE_FILE_STATUS_ACTIVITY = "shared.update_file_status"
"""Name of `UpdateFileStatusActivity.run`; arguments ``(file_id, status)``."""
