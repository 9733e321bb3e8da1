"""The JSON name of a decoded value's type, as messages about a caller's values show it.

Here rather than with the activities' argument decoding: the workflow-side event checks
(`check_event`) name a wrong value's type before `send_event` schedules anything.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["json_type"]


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type (how a caller in any SDK knows it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__
