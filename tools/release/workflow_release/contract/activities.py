"""``activities.json``: every shared activity and Nexus operation, as JSON on the wire.

The activities are the ones a worker really registers: the packages the umbrella's
`SharedActivitiesConfig` lists (built over closed resources: nothing connects) and the Nexus
operation activities. Their schemas come from the typed signatures (pydantic's
`TypeAdapter`): arguments in validation mode (what a caller may send), results in
serialization mode (what the worker sends back).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

import nexusrpc
from pydantic import TypeAdapter
from temporalio import activity
from workflow_contracts.nexus import SharedOperations

from workflow_release.contract._schema_diff import diff_schemas
from workflow_release.contract._types import Change

__all__ = ["compare_activities", "extract_activities", "json_schema"]


def json_schema(tp: Any, mode: str) -> dict[str, Any]:
    """The JSON Schema of a type (``mode``: ``validation`` or ``serialization``)."""
    return TypeAdapter(tp).json_schema(mode=mode)  # type: ignore[arg-type]


def _typed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The typed method behind a registered activity.

    `wire_activity` registers a wrapper taking raw payloads; the method as written (its
    parameters and result types) is the ``fn`` it closes over.
    """
    func = getattr(fn, "__func__", fn)
    if func.__closure__:
        typed = inspect.getclosurevars(func).nonlocals.get("fn")
        if callable(typed):
            return typed  # type: ignore[no-any-return]
    return func


def _registered() -> list[Callable[..., Any]]:
    from workflow_shared_activities import EventSettings, SharedActivitiesConfig, WorkerResources
    from workflow_shared_activities.nexus.activities import NexusOperationActivities

    config = SharedActivitiesConfig(events=EventSettings(bus_name="contract"))
    resources = WorkerResources(config)  # closed: builds clients' settings, connects nothing
    return [*resources.activities(), *NexusOperationActivities(resources, config).all()]


def _activity(fn: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    definition = activity._Definition.from_callable(fn)  # what a worker reads
    if definition is None or definition.name is None:
        raise ValueError(f"{fn!r} is not an activity")
    typed = _typed(fn)
    hints = get_type_hints(typed)
    params = [p for p in inspect.signature(typed).parameters.values() if p.name != "self"]
    arguments = [
        {
            "name": param.name,
            "position": index,
            "required": param.default is inspect.Parameter.empty,
            "schema": json_schema(hints.get(param.name, Any), "validation"),
        }
        for index, param in enumerate(params)
    ]
    result = json_schema(hints.get("return", Any), "serialization")
    return definition.name, {"arguments": arguments, "result": result}


def extract_activities() -> dict[str, Any]:
    """Every registered shared activity and the Nexus service's operations."""
    activities = dict(_activity(fn) for fn in _registered())
    service = nexusrpc.get_service_definition(SharedOperations)
    if service is None:
        raise ValueError("SharedOperations is not a Nexus service")
    operations = {
        name: {
            "input": json_schema(operation.input_type, "validation"),
            "output": json_schema(operation.output_type, "serialization"),
        }
        for name, operation in service.operation_definitions.items()
    }
    return {"activities": activities, "nexus": {service.name: operations}}


def compare_activities(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Activities (and operations) removed, arguments by position, results."""
    changes: list[Change] = []
    old_acts, new_acts = old.get("activities", {}), new.get("activities", {})
    for name in sorted(old_acts.keys() - new_acts.keys()):
        changes.append(Change(True, "activities", name, "activity removed"))
    for name in sorted(new_acts.keys() - old_acts.keys()):
        changes.append(Change(False, "activities", name, "activity added"))
    for name in sorted(old_acts.keys() & new_acts.keys()):
        changes += _compare_activity(name, old_acts[name], new_acts[name])
    old_services, new_services = old.get("nexus", {}), new.get("nexus", {})
    for service in sorted(old_services):
        old_ops, new_ops = old_services[service], new_services.get(service, {})
        for op in sorted(old_ops):
            where = f"{service}.{op}"
            if op not in new_ops:
                changes.append(Change(True, "activities", where, "Nexus operation removed"))
                continue
            changes += Change.of(
                "activities",
                diff_schemas(old_ops[op]["input"], new_ops[op]["input"], "input", f"{where} input"),
            )
            changes += Change.of(
                "activities",
                diff_schemas(
                    old_ops[op]["output"], new_ops[op]["output"], "output", f"{where} output"
                ),
            )
        for op in sorted(new_ops.keys() - old_ops.keys()):
            changes.append(Change(False, "activities", f"{service}.{op}", "Nexus operation added"))
    return changes


def _compare_activity(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_args, new_args = old["arguments"], new["arguments"]
    for index, old_arg in enumerate(old_args):
        where = f"{name} argument {index} ({old_arg['name']})"
        if index >= len(new_args):
            changes.append(Change(True, "activities", where, "argument removed"))
            continue
        new_arg = new_args[index]
        if new_arg["required"] and not old_arg["required"]:
            changes.append(Change(True, "activities", where, "argument made required"))
        changes += Change.of(
            "activities", diff_schemas(old_arg["schema"], new_arg["schema"], "input", where)
        )
    for new_arg in new_args[len(old_args) :]:
        where = f"{name} argument {new_arg['position']} ({new_arg['name']})"
        if new_arg["required"]:
            changes.append(Change(True, "activities", where, "required argument added"))
        else:
            changes.append(Change(False, "activities", where, "optional argument added"))
    changes += Change.of(
        "activities", diff_schemas(old["result"], new["result"], "output", f"{name} result")
    )
    return changes
