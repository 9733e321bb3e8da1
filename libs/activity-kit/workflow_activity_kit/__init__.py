"""What an activity author needs apart from the workflow-facing contracts.

- `wire_activity` / `decode_argument`: an activity that decodes and checks its own arguments,
  so whatever a caller sends becomes the activity's typed error, never the SDK's generic,
  retried decoding failure.
- `ErrorRow`, `ErrorFacts`, `first_row`: one error-table engine for every backend (a row
  matches codes, SQLSTATEs, HTTP statuses, exception types or message patterns; the first
  matching row, most specific first, decides our error, its retryability and delay).
  `safe_message`, `shorten` and `shorten_in` keep what reaches logs and Temporal's history short
  and free of secrets. The rows every aioboto3 backend shares are in
  `workflow_activity_kit.aws` (the ``aws`` extra: botocore and aiohttp).
- `WorkerMetrics`: one set of metric instruments per worker, found from a running activity.
- `heartbeating` and `retryable_error`, for an app's own activities.
- `execution_id`: the stable id of one activity execution (the same on every retry; events and
  status changes are keyed by it); `json_type`: a value's JSON type name, for messages.
- `ActivityPackage`, `PackageResource`, `WorkerScope`, `Probe`: the shape a shared activity
  package gives the worker that composes it (`configured_packages` reads the list).

Activity code only: workflows import `workflow_contracts` (sandbox-safe), never this.
"""

from workflow_contracts._execution import execution_id
from workflow_contracts._json_types import json_type

from workflow_activity_kit._error_table import ErrorFacts, ErrorRow, first_row
from workflow_activity_kit._heartbeat import heartbeating, retryable_error
from workflow_activity_kit._package import (
    ActivityPackage,
    PackageResource,
    Probe,
    WorkerScope,
    configured_packages,
)
from workflow_activity_kit._scrub import safe_message, shorten, shorten_in
from workflow_activity_kit._wire import decode_argument, wire_activity
from workflow_activity_kit._worker_metrics import WorkerMetrics

__all__ = [
    "ActivityPackage",
    "ErrorFacts",
    "ErrorRow",
    "PackageResource",
    "Probe",
    "WorkerMetrics",
    "WorkerScope",
    "configured_packages",
    "decode_argument",
    "execution_id",
    "first_row",
    "heartbeating",
    "json_type",
    "retryable_error",
    "safe_message",
    "shorten",
    "shorten_in",
    "wire_activity",
]
