"""An app's replay corpus: the recorded histories its tests replay (`WorkerApp.build_replayer`).

A corpus folder holds one folder per released version; each holds the histories as
``WorkflowHistory.to_json()`` files and an ``index.json`` naming each file's workflow id (which
``to_json()`` leaves out), as ``python -m workflow_demo.histories`` writes them.
"""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory

__all__ = ["load_history", "recorded_histories"]

INDEX = "index.json"


def recorded_histories(corpus: Path) -> list[Path]:
    """Every history file of every version under ``corpus``, sorted."""
    return sorted(path for path in corpus.glob("*/*.json") if path.name != INDEX)


def load_history(path: Path) -> WorkflowHistory:
    """One recorded history, with the workflow id its folder's ``index.json`` keeps."""
    index = json.loads((path.parent / INDEX).read_text())
    return WorkflowHistory.from_json(str(index[path.name]["workflow_id"]), path.read_text())
