"""The shared operations as a Nexus service: `SharedOperations`, its requests and the caller key.

Workflows in other namespaces reach the shared activities of one platform worker through a
Nexus endpoint instead of running them on their own workers (see ``docs/nexus.md``). This
module is the contract between both sides: the service and operation names, the request and
result types. Light like the rest of the package (the standard library, ``temporalio`` and
``nexusrpc`` only), so workflows import it in the sandbox.

Every request carries a `NexusCaller`: the calling workflow and a key of the call that the
helper draws deterministically (``workflow.uuid4()``, the same on replay). The platform side
derives the idempotency key (the event id, the status change's execution id) from it, as if
the call had been an activity of the caller with that activity id, so nothing that changes
when a request is retried (the attempt, the Nexus request id, the run of the workflow that
serves the operation) enters it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nexusrpc

from workflow_contracts._envelope import TemporalContext
from workflow_contracts._execution import execution_id
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts.notifications import NotificationReceipt

__all__ = [
    "NEXUS_CALL_ID_PREFIX",
    "SHARED_OPERATIONS_SERVICE",
    "EventRequest",
    "FileStatusRequest",
    "NexusCaller",
    "NotificationRequest",
    "SharedOperations",
    "operation_workflow_id",
]

SHARED_OPERATIONS_SERVICE = "shared.SharedOperations"
"""The Nexus service name on the wire (fixed: callers in any SDK use it)."""

NEXUS_CALL_ID_PREFIX = "nexus-"
"""Prefix of the call key, so a history row or an event shows the call came through Nexus."""


@dataclass(frozen=True)
class NexusCaller:
    """The workflow that calls a shared operation, and which of its calls this is.

    Attributes:
        namespace: The caller's namespace.
        workflow_id: The caller's workflow id.
        run_id: The caller's run id.
        workflow_type: The caller's workflow type (recorded in history rows and events).
        call_id: The key of this call in the caller's run (stable across retries and replay;
            unique among the run's calls): it plays the part of the activity id.
    """

    namespace: str
    workflow_id: str
    run_id: str
    workflow_type: str
    call_id: str

    def context(self, attempt: int = 1) -> TemporalContext:
        """The context the platform records: the caller's workflow, ``call_id`` as activity id."""
        return TemporalContext(
            workflow_id=self.workflow_id,
            run_id=self.run_id,
            activity_id=self.call_id,
            attempt=attempt,
            workflow_type=self.workflow_type,
            namespace=self.namespace,
        )

    @property
    def execution_id(self) -> str:
        """The idempotency key of the call (the event or notification id, the status key)."""
        return execution_id(self.context())


@dataclass(frozen=True)
class FileStatusRequest:
    """Input of ``update_file_status``: the same values as ``shared.update_file_status``.

    Attributes:
        caller: Who calls (`NexusCaller`).
        file_id: The file's id, its canonical 36-character text.
        status: The target status, exactly a `FileStatus` value.
    """

    caller: NexusCaller
    file_id: str
    status: str


@dataclass(frozen=True)
class EventRequest:
    """Input of ``send_event``: the same values as ``shared.send_event``.

    Attributes:
        caller: Who calls (`NexusCaller`).
        source: Logical source, e.g. ``"ingestion"``.
        event_type: Event type (the DetailType).
        data: Event payload, a JSON object.
        time: The event time: the caller's ``workflow.now()`` at the call (fixed on replay).
    """

    caller: NexusCaller
    source: str
    event_type: str
    data: dict[str, Any]
    time: datetime


@dataclass(frozen=True)
class NotificationRequest:
    """Input of ``send_notification``: the same values as ``shared.send_notification``.

    Attributes:
        caller: Who calls (`NexusCaller`).
        topic_arn: The SNS topic (None: the platform worker's configured topic).
        subject: The subject, or None.
        message: The message body.
        attributes: String message attributes, or None.
        group_id: The ``MessageGroupId`` (FIFO topics), or None.
    """

    caller: NexusCaller
    topic_arn: str | None
    subject: str | None
    message: str
    attributes: dict[str, str] | None = None
    group_id: str | None = None


@nexusrpc.service(name=SHARED_OPERATIONS_SERVICE)
class SharedOperations:
    """The shared operations one platform worker serves to workflows of other namespaces.

    Each is workflow-backed: the handler starts a workflow in the platform namespace that runs
    the operation as an activity, with the activity's retries (see ``docs/nexus.md``). A
    failure reaches the caller as a `NexusOperationError` whose cause is the activity's typed
    error (read it with `describe_failure`).
    """

    update_file_status: nexusrpc.Operation[FileStatusRequest, StatusChange]
    send_event: nexusrpc.Operation[EventRequest, EventReceipt]
    send_notification: nexusrpc.Operation[NotificationRequest, NotificationReceipt]


def operation_workflow_id(operation: str, caller: NexusCaller) -> str:
    """The id of the platform workflow that serves one call.

    Derived from the operation and the caller's call only, so a retried request (a new Nexus
    request id, the caller's operation scheduled again) finds the workflow of the first one.
    """
    return f"shared-nexus/{operation}/{caller.execution_id}"
