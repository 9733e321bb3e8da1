"""``metrics.json``: the metric names the shared activities record, with kind and labels.

Read without a server from `workflow_shared_activities.telemetry.SHARED_METRICS`, the table
of every metric the libraries record (name -> ``"<kind>: <what>, by <label>, <label>"``):
the kind is the text before the colon, the labels the names after ``by`` (``from/to_status``
is ``from_status`` and ``to_status``). Instruments are created per worker from Temporal's
meter at run time, so the table is the one place they are all named.
"""

from __future__ import annotations

import re
from typing import Any

from workflow_shared_activities.telemetry import SHARED_METRICS

from workflow_release.contract._types import Change

__all__ = ["compare_metrics", "extract_metrics", "parse_labels"]

_LABEL = re.compile(r"^[a-z_]+(?:/[a-z_]+)*$")


def parse_labels(description: str) -> list[str]:
    """The label keys named after ``by`` in a `SHARED_METRICS` description."""
    _, by, rest = description.partition(", by ")
    if not by:
        return []
    labels: list[str] = []
    for word in re.sub(r"\(.*?\)", "", rest).split(","):
        word = word.strip()
        if not _LABEL.match(word):
            continue
        if "/" in word:  # "from/to_status": a shared suffix
            parts = word.split("/")
            suffix = parts[-1].partition("_")[2]
            labels += [f"{p}_{suffix}" for p in parts[:-1]] + [parts[-1]]
        else:
            labels.append(word)
    return sorted(set(labels))


def extract_metrics() -> dict[str, Any]:
    """``{name: {kind, labels}}``."""
    return {
        "metrics": {
            name: {"kind": text.partition(":")[0].strip(), "labels": parse_labels(text)}
            for name, text in SHARED_METRICS.items()
        }
    }


def compare_metrics(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """A metric or a label removed, or a kind changed, is breaking."""
    changes: list[Change] = []
    old_m, new_m = old["metrics"], new["metrics"]
    for name in sorted(old_m.keys() - new_m.keys()):
        changes.append(Change(True, "metrics", name, "metric removed"))
    for name in sorted(new_m.keys() - old_m.keys()):
        changes.append(Change(False, "metrics", name, "metric added"))
    for name in sorted(old_m.keys() & new_m.keys()):
        if old_m[name]["kind"] != new_m[name]["kind"]:
            changes.append(
                Change(
                    True, "metrics", name, f"kind {old_m[name]['kind']} -> {new_m[name]['kind']}"
                )
            )
        for label in sorted(set(old_m[name]["labels"]) - set(new_m[name]["labels"])):
            changes.append(Change(True, "metrics", name, f"label '{label}' removed"))
        for label in sorted(set(new_m[name]["labels"]) - set(old_m[name]["labels"])):
            changes.append(Change(False, "metrics", name, f"label '{label}' added"))
    return changes
