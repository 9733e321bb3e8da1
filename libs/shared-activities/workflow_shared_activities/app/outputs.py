"""The machine-readable output of the apps' commands: one typed model per JSON line.

Each command prints JSON through its model, and the published contract's schema of that
output is derived from the same model (``python -m workflow_release contract``):

- `StatusOutput`: ``status --json``, the file and its history;
- `StartedOutput`: ``start --no-wait --json``, one line per file;
- ``start`` (waiting), one line per file: the workflow's result (a dataclass) with
  ``workflow_id`` (`start_result_output`), or `StartFailedOutput` when the workflow itself
  failed; `start_output_schema` is the schema of both.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from temporalio import workflow
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from workflow_contracts import FileStatus
from workflow_file_status import FileRead, StatusHistoryRead

__all__ = [
    "StartFailedOutput",
    "StartedOutput",
    "StatusOutput",
    "json_line",
    "start_output_schema",
    "start_result_output",
    "wait_for_result",
    "workflow_result_types",
]


@dataclass(frozen=True)
class StatusOutput:
    """``status --json``: the file and its status changes, oldest first."""

    file: FileRead
    history: list[StatusHistoryRead]


@dataclass(frozen=True)
class StartedOutput:
    """``start --no-wait --json``: a file and the id of the workflow started (or joined)."""

    file_id: str
    workflow_id: str


@dataclass(frozen=True)
class StartFailedOutput:
    """``start``: a workflow that failed itself (e.g. another run owns the file)."""

    file_id: str
    workflow_id: str
    status: None
    error_type: str
    error_message: str


def json_line(value: Any) -> str:
    """An output model's ``value`` as one line of JSON (serialised by its type)."""
    return json.dumps(TypeAdapter(type(value)).dump_python(value, mode="json"))


def start_result_output(file_id: UUID, workflow_id: str, result: Any) -> dict[str, Any]:
    """``start``'s line for a finished workflow: its ids, then its result's fields.

    A result that is not a dataclass is given as ``result``.
    """
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {"file_id": str(file_id), "workflow_id": workflow_id, **dataclasses.asdict(result)}
    return {"file_id": str(file_id), "workflow_id": workflow_id, "result": result}


async def wait_for_result(
    file_id: UUID, handle: WorkflowHandle[Any, Any]
) -> tuple[bool, dict[str, Any]]:
    """Waits for one file's workflow: (it COMPLETED, ``start``'s line for it)."""
    try:
        result = await handle.result()
    except WorkflowFailureError as err:  # the workflow itself failed (e.g. another run owns it)
        cause = err.cause
        if isinstance(cause, ApplicationError):
            error_type, message = cause.type or "ApplicationError", cause.message
        else:
            error_type, message = type(cause).__name__, str(cause)
        failed = StartFailedOutput(str(file_id), handle.id, None, error_type, message)
        return False, dataclasses.asdict(failed)
    return getattr(result, "status", None) is FileStatus.COMPLETED, start_result_output(
        file_id, handle.id, result
    )


def workflow_result_types(workflows: Sequence[type]) -> list[Any]:
    """The result types of the workflows' run methods (what ``start`` prints), in order."""
    found = []
    for cls in workflows:
        definition = workflow._Definition.must_from_class(cls)
        if definition.run_fn is None:
            continue
        found.append(typing.get_type_hints(definition.run_fn).get("return", Any))
    return found


def start_output_schema(result_types: Sequence[Any]) -> dict[str, Any]:
    """The JSON Schema of one line of ``start`` (waiting) for workflows returning these types.

    A dataclass result's fields follow ``file_id`` (as text) and ``workflow_id``.
    """
    branches: list[dict[str, Any]] = []
    defs: dict[str, Any] = {}
    for result_type in [*result_types, StartFailedOutput]:
        schema = TypeAdapter(result_type).json_schema(mode="serialization")
        defs.update(schema.pop("$defs", {}))
        if result_type is not StartFailedOutput and dataclasses.is_dataclass(result_type):
            properties = schema["properties"]
            ids = TypeAdapter(StartedOutput).json_schema()["properties"]
            schema["properties"] = {**ids, **properties, "file_id": ids["file_id"]}
            schema["required"] = sorted({*schema.get("required", []), "file_id", "workflow_id"})
        branches.append(schema)
    schema = {"anyOf": branches}
    if defs:
        schema["$defs"] = defs
    return schema
