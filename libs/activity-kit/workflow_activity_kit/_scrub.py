"""Making a driver's or a service's message safe to log and to keep in Temporal's history."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["safe_message", "shorten", "shorten_in"]

Redaction = tuple[re.Pattern[str], str]
"""A pattern and what replaces it (``re.sub`` syntax)."""

_MAX_NAME_CHARS_SHOWN = 100
_NAME_HEAD_CHARS = 60  # an ARN's partition, service, region, account and the start of the name


def safe_message(text: str, limit: int, redactions: Sequence[Redaction] = ()) -> str:
    """The first line of ``text``, redacted, cut to ``limit`` characters (ending ``...``).

    Only the first line is kept (any line break ends it): what follows it (a signature
    error's canonical request, a wrapper's SQL and parameters) is where secrets are. The
    redactions are applied in order.
    """
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    for pattern, replacement in redactions:
        first = pattern.sub(replacement, first)
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return first


def shorten(name: str) -> str:
    """A long name or ARN cut in its middle to 100 characters (its head and its tail kept).

    A message is cut at 500 characters: a 256-character ARN named twice would push the fix
    out of it. Details keep the full name.
    """
    if len(name) <= _MAX_NAME_CHARS_SHOWN:
        return name
    tail = _MAX_NAME_CHARS_SHOWN - _NAME_HEAD_CHARS - 3
    return f"{name[:_NAME_HEAD_CHARS]}...{name[-tail:]}"


def shorten_in(text: str, name: str) -> str:
    """``text`` with a long ``name`` (and an ARN's own name part) shortened as by `shorten`."""
    if len(name) > _MAX_NAME_CHARS_SHOWN:
        text = text.replace(name, shorten(name))
        own = name.rpartition("/")[2]
        if len(own) > _MAX_NAME_CHARS_SHOWN:
            text = text.replace(own, shorten(own))
    return text
