"""The workflow-side helpers, re-exported from `workflow_contracts.calls`, where they live.

Workflow code imports them from the light contracts package, in the sandbox, with no
pass-through (the activities are called by name; aioboto3 and SQLAlchemy never load there)::

    from workflow_contracts import ActivityMode, run_file_stage, send_event, set_file_status

This module and the umbrella keep the names for existing imports.
"""

from workflow_contracts.calls import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    LOCAL_RETRY_THRESHOLD,
    LOCAL_TIMEOUT,
    FileStageResult,
    call_activity,
    describe_failure,
    run_file_stage,
    send_event,
    set_file_status,
)

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "LOCAL_RETRY_THRESHOLD",
    "LOCAL_TIMEOUT",
    "FileStageResult",
    "call_activity",
    "describe_failure",
    "run_file_stage",
    "send_event",
    "set_file_status",
]
