"""``events.json``: the envelope and the ``detail`` of every event type the apps send.

The types are the apps' own registries (each app's ``<package>.events`` module holds an
`EventRegistry`); the schemas are `workflow_events.envelope_schema`'s, the ones
``python -m workflow_events.schemas`` writes into each app's ``schemas/``. Events are outputs.
"""

from __future__ import annotations

import importlib
from typing import Any

from workflow_events.consumer import EventDetail, EventRegistry, envelope_schema

from workflow_release.contract._apps import app_packages
from workflow_release.contract._schema_diff import diff_schemas
from workflow_release.contract._types import Change

__all__ = ["compare_events", "extract_events"]


def extract_events() -> dict[str, Any]:
    """The generic envelope, and each app's event types by ``<source>.<type>``."""
    types: dict[str, Any] = {}
    for package in app_packages():
        try:
            module = importlib.import_module(f"{package}.events")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, EventRegistry):
                for event_type in value:
                    types[event_type.name] = envelope_schema(event_type)
    envelope = EventDetail[dict[str, Any]].model_json_schema()
    return {"envelope": envelope, "types": types}


def compare_events(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Event types removed; envelope and details compared as outputs."""
    changes = Change.of(
        "events", diff_schemas(old["envelope"], new["envelope"], "output", "envelope")
    )
    old_types, new_types = old["types"], new["types"]
    for name in sorted(old_types.keys() - new_types.keys()):
        changes.append(Change(True, "events", name, "event type removed"))
    for name in sorted(new_types.keys() - old_types.keys()):
        changes.append(Change(False, "events", name, "event type added"))
    for name in sorted(old_types.keys() & new_types.keys()):
        changes += Change.of(
            "events", diff_schemas(old_types[name], new_types[name], "output", name)
        )
    return changes
