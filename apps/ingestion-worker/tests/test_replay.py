"""Every recorded history of every released version replays on today's workflow code.

The corpus (``tests/replay/histories/<version>/``, recorded by ``python -m
workflow_demo.histories``) holds closed runs of this app's real worker in both activity modes;
a change to the workflow or the helpers it calls that would break a running workflow fails
here with Temporal's non-determinism error.
"""

from pathlib import Path

import pytest
from ingestion_worker.settings import Settings
from ingestion_worker.worker import APP
from workflow_shared_activities.app import load_history, recorded_histories

CORPUS = recorded_histories(Path(__file__).parent / "replay" / "histories")


def test_the_corpus_covers_both_modes() -> None:
    # An empty or one-mode corpus would make the replays below prove nothing.
    modes = {path.name.split("-", 1)[0] for path in CORPUS}
    assert modes == {"regular", "local"}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_recorded_history_replays(path: Path) -> None:
    history = load_history(path)
    replayer = APP.build_replayer(Settings())
    # Raises on any non-determinism; a run that failed replays to the same failure.
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
