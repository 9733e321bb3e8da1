"""Every recorded history of every corpus, and how each replays with its worker's configuration.

A corpus is a folder of version folders (``<corpus>/<version>/*.json`` and an ``index.json``
naming each file's workflow id, as the recorders write them) plus the `WorkerApp` whose worker
recorded it: each sample app's (``apps/<app>/tests/replay/histories``, the app module's
``worker.APP``) and the reference workflows' (``tools/replay/histories``, `REFERENCE_APP`).
Replaying uses that app's `WorkerApp.build_replayer` with its settings from the environment:
the workflows, plugin, sandbox runner and data converter its ``serve`` runs with.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.worker import Replayer, WorkflowReplayResult
from workflow_shared_activities.app import WorkerApp, load_history
from workflow_shared_activities.app.replay import INDEX

from workflow_replay.app import REFERENCE_APP

__all__ = [
    "DEFAULT_ROOT",
    "Corpus",
    "RecordedHistory",
    "corpora",
    "index_problems",
    "recorded",
    "replay",
]

DEFAULT_ROOT = Path(__file__).resolve().parents[3]
"""The workspace root."""


@dataclass(frozen=True)
class Corpus:
    """One corpus folder and the app that recorded (and replays) it."""

    name: str
    folder: Path
    app: WorkerApp[Any]

    def versions(self) -> list[Path]:
        """Its version folders, sorted."""
        return sorted(path for path in self.folder.iterdir() if path.is_dir())

    @property
    def replayer(self) -> Replayer:
        """The app's replayer (one per corpus: it opens nothing and may replay many times)."""
        return _replayer(self.app)


_REPLAYERS: dict[int, tuple[WorkerApp[Any], Replayer]] = {}


def _replayer(app: WorkerApp[Any]) -> Replayer:
    # Keyed by identity: an app holds lists (unhashable); the app is kept alive beside it.
    if id(app) not in _REPLAYERS:
        _REPLAYERS[id(app)] = (app, app.build_replayer(app.load_settings()))
    return _REPLAYERS[id(app)][1]


@dataclass(frozen=True)
class RecordedHistory:
    """One history file of a corpus."""

    corpus: Corpus
    path: Path

    @property
    def label(self) -> str:
        """``<corpus>/<version>/<file stem>``: what a failure names."""
        return f"{self.corpus.name}/{self.path.parent.name}/{self.path.stem}"


def _app_of(app_dir: Path) -> WorkerApp[Any]:
    module = importlib.import_module(f"{app_dir.name.replace('-', '_')}.worker")
    app = module.APP
    if not isinstance(app, WorkerApp):
        raise TypeError(f"{module.__name__}.APP is not a WorkerApp")
    return app


def corpora(root: Path = DEFAULT_ROOT) -> list[Corpus]:
    """Every corpus of the workspace at ``root``: the apps' and the reference workflows'."""
    found = [
        Corpus(folder.parents[2].name, folder, _app_of(folder.parents[2]))
        for folder in sorted(root.glob("apps/*/tests/replay/histories"))
    ]
    reference = root / "tools" / "replay" / "histories"
    if reference.is_dir():
        found.append(Corpus("workflow-replay", reference, REFERENCE_APP))
    return found


def recorded(found: Iterable[Corpus]) -> list[RecordedHistory]:
    """Every history file of every version of the corpora, sorted within each corpus."""
    return [
        RecordedHistory(corpus, path)
        for corpus in found
        for version in corpus.versions()
        for path in sorted(version.glob("*.json"))
        if path.name != INDEX
    ]


def index_problems(version: Path) -> list[str]:
    """What is wrong with one version folder's index (empty: every file listed, none missing)."""
    index_path = version / INDEX
    if not index_path.is_file():
        return [f"{version}: no {INDEX}"]
    listed = set(json.loads(index_path.read_text()))
    present = {p.name for p in version.glob("*.json") if p.name != INDEX}
    problems = [
        f"{version / name}: listed in {INDEX}, missing" for name in sorted(listed - present)
    ]
    problems += [f"{version / name}: not in {INDEX}" for name in sorted(present - listed)]
    if not present and not listed:
        problems.append(f"{version}: no histories")
    return problems


async def replay(history: RecordedHistory) -> WorkflowReplayResult:
    """Replays one history on the current code; the result's ``replay_failure`` says how it broke.

    A run that failed when recorded replays to the same failure: only a replay failure (a
    `temporalio.workflow.NondeterminismError`, or another error of the workflow task) counts.
    """
    return await history.corpus.replayer.replay_workflow(
        load_history(history.path), raise_on_replay_failure=False
    )
