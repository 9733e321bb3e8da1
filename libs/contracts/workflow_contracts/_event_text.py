"""Which strings an event may hold: EventBridge's rules for names and for Unicode.

`check_name` validates a ``Source`` or ``DetailType`` (no control, format or separator
character, no lone surrogate, whitespace only where EventBridge takes it), fast for valid names
and naming the first bad character otherwise; `find_invalid_unicode` finds where a detail that
failed to encode holds a lone surrogate. Standard library only: safe in the sandbox.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from workflow_contracts._json_types import json_type
from workflow_contracts.errors import InvalidEventError

__all__ = ["check_name", "find_invalid_unicode", "invalid"]

_MAX_PATH_CHARS = 200  # a path in an error's details (keys come from the caller)


def invalid(path: str, problem: str, **facts: object) -> InvalidEventError:
    """The error for a bad ``path`` (``data['k']``, ``source``...), saying what is wrong."""
    # The path is built from caller keys: bound it in the details too (the message is cut).
    field = path if len(path) <= _MAX_PATH_CHARS else path[: _MAX_PATH_CHARS - 3] + "..."
    return InvalidEventError(f"{field}: {problem}", {"field": field, **facts})


def _lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate in ``text`` (not encodable as UTF-8), else None."""
    try:
        text.encode()
    except UnicodeEncodeError as err:
        return err.start
    return None


def find_invalid_unicode(value: Any, path: str) -> tuple[str, int] | None:
    """Where the first lone surrogate is, as (path, index in that string); None if nowhere."""
    # The slow path, only after the detail failed to encode: where is the bad string? The
    # data is already normalised (plain JSON, depth-checked), so this recursion is bounded.
    if isinstance(value, str):
        index = _lone_surrogate(value)
        return None if index is None else (path, index)
    if isinstance(value, dict):
        for key, item in value.items():
            index = _lone_surrogate(key)
            if index is not None:
                return f"{path} key {key!r}", index
            found = find_invalid_unicode(item, f"{path}[{key!r}]")
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = find_invalid_unicode(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _name_problem(value: str, inner_spaces: bool) -> tuple[str, int, str] | None:
    """The first character a name may not hold: (what it is, its index, its code point).

    The slow path, only for a name the fast path of `check_name` refused: one pass with
    `unicodedata.category`, so valid names never pay for it. None when every character is
    acceptable (unassigned or private-use ones, which `str.isprintable` also refuses).
    """
    last = len(value) - 1
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        code_point = f"U+{ord(char):04X}"
        if category == "Cs":
            return "a lone surrogate", index, code_point
        if category == "Cc":
            return f"the control character {code_point}", index, code_point
        if category == "Cf":
            name = unicodedata.name(char, "")
            shown = f"{code_point} ({name})" if name else code_point
            return f"the invisible format character {shown}", index, code_point
        if category in {"Zl", "Zp"}:
            return f"the line or paragraph separator {code_point}", index, code_point
        if char.isspace() and (not inner_spaces or index in {0, last}):
            return f"whitespace {code_point}", index, code_point
    return None


def check_name(field: str, value: object, max_chars: int, *, inner_spaces: bool) -> str:
    r"""``value`` if it is a valid ``Source`` (``inner_spaces=False``) or ``DetailType``.

    Neither may hold a control character (C0, DEL, C1: EventBridge fails the whole call on
    one), an invisible format character (category Cf: ``\u200b`` makes ``"\u200baws.ec2"``
    a name that looks like a reserved one), a line or paragraph separator, or a lone
    surrogate. A source holds no whitespace at all (sources look like ``com.acme.app``); a
    detail type may hold spaces (``"Object Created"``), but not at either end.
    """
    if not isinstance(value, str) or not value.strip():
        shown = repr(value[:40]) if isinstance(value, str) else json_type(value)
        raise invalid(field, f"must be a non-empty string, got {shown}")
    if len(value) > max_chars:
        raise invalid(
            field,
            f"{len(value)} characters long; EventBridge allows {max_chars}",
            length=len(value),
        )
    # The fast path, C-level scans: printable means no control, format, separator,
    # surrogate or unassigned character, and no whitespace but the ASCII space.
    if value.isprintable() and (
        (value[0] != " " and value[-1] != " ") if inner_spaces else " " not in value
    ):
        return value
    problem = _name_problem(value, inner_spaces)
    if problem is None:
        return value
    what, index, code_point = problem
    if what == "a lone surrogate":
        raise invalid(field, f"not valid Unicode (a lone surrogate at index {index})")
    if not what.startswith("whitespace"):
        problem_text = f"contains {what} at index {index}, which EventBridge does not accept"
    elif inner_spaces:
        problem_text = f"starts or ends with {what} (index {index}); trim it"
    else:
        problem_text = (
            f"contains {what} at index {index}; a source has no whitespace"
            " (sources look like com.acme.app)"
        )
    raise invalid(field, problem_text, code_point=code_point, index=index)
