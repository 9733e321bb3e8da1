"""``errors.json``: every stable error ``type`` the libraries raise, and its retryability.

Read from the error classes themselves (every `SharedActivityError` subclass the libraries
define: its ``error_type``, ``permanent`` and ``default_retry_delay``) and from the
``ErrorType`` / ``NotificationErrorType`` constants, so a constant without a class is listed too.
"""

from __future__ import annotations

from typing import Any

from workflow_contracts.errors import ErrorType, SharedActivityError
from workflow_contracts.notifications import NotificationErrorType

from workflow_release.contract._types import Change

__all__ = ["compare_errors", "extract_errors"]


def _subclasses(cls: type[SharedActivityError]) -> list[type[SharedActivityError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def extract_errors() -> dict[str, Any]:
    """``{type: {non_retryable, retry_delay_seconds, operator_action, classes}}``."""
    import workflow_shared_activities  # noqa: F401  # imports every package's error classes

    types: dict[str, dict[str, Any]] = {}
    for cls in _subclasses(SharedActivityError):
        delay = cls.default_retry_delay
        entry = types.setdefault(
            cls.error_type,
            {
                "non_retryable": cls.permanent,
                "retry_delay_seconds": None if delay is None else delay.total_seconds(),
                "classes": [],
            },
        )
        entry["classes"] = sorted({*entry["classes"], f"{cls.__module__}.{cls.__qualname__}"})
    operator = ErrorType.OPERATOR_ACTION | NotificationErrorType.OPERATOR_ACTION
    for holder in (ErrorType, NotificationErrorType):
        for name, value in vars(holder).items():
            if name.isupper() and isinstance(value, str):
                types.setdefault(
                    value, {"non_retryable": None, "retry_delay_seconds": None, "classes": []}
                )
    for name, entry in types.items():
        entry["operator_action"] = name in operator
    return {"types": types}


def compare_errors(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """A type removed, or its retryability or back-off changed, is breaking."""
    changes: list[Change] = []
    old_types, new_types = old["types"], new["types"]
    for name in sorted(old_types.keys() - new_types.keys()):
        changes.append(Change(True, "errors", name, "error type removed"))
    for name in sorted(new_types.keys() - old_types.keys()):
        changes.append(Change(False, "errors", name, "error type added"))
    for name in sorted(old_types.keys() & new_types.keys()):
        before, after = old_types[name], new_types[name]
        for key in ("non_retryable", "retry_delay_seconds", "operator_action"):
            if before.get(key) != after.get(key):
                changes.append(
                    Change(
                        True,
                        "errors",
                        name,
                        f"{key} changed: {before.get(key)} -> {after.get(key)}",
                    )
                )
    return changes
