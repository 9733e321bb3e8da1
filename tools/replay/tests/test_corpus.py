"""Every recorded history of every corpus replays on today's code, with its worker's config.

Parametrized per history (``<corpus>/<version>/<file>``), so a failure names the file. The
corpora are the apps' (``apps/*/tests/replay/histories``) and the reference workflows'
(``tools/replay/histories``); each version folder's index must list exactly its files.
"""

import base64
import json
import shutil
from pathlib import Path

import pytest
from workflow_replay.corpus import (
    DEFAULT_ROOT,
    RecordedHistory,
    corpora,
    index_problems,
    recorded,
    replay,
)

CORPORA = corpora()
HISTORIES = recorded(CORPORA)
VERSIONS = [version for corpus in CORPORA for version in corpus.versions()]
REFERENCE = next(corpus for corpus in CORPORA if corpus.name == "workflow-replay")
HELPER_ACTIVITIES = {
    "shared.update_file_status",
    "shared.send_event",
    "shared.send_notification",
    "reference.measure",
}


def _label(history: RecordedHistory) -> str:
    return history.label


def _releases() -> list[str]:
    # The release records (releases/<version>/release.json), oldest first.
    records = sorted((DEFAULT_ROOT / "releases").glob("*/release.json"))
    versions = [json.loads(path.read_text())["version"] for path in records]
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


def test_every_corpus_of_the_workspace_is_replayed() -> None:
    apps = {p.parents[2].name for p in DEFAULT_ROOT.glob("apps/*/tests/replay/histories")}
    assert {corpus.name for corpus in CORPORA} == apps | {"workflow-replay"}
    assert all(corpus.versions() for corpus in CORPORA)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"{v.parents[1].name}/{v.name}")
def test_the_index_lists_exactly_the_histories(version: Path) -> None:
    assert index_problems(version) == []


def test_an_index_out_of_step_with_its_folder_is_reported(tmp_path: Path) -> None:
    copy = tmp_path / "0.0.1"
    shutil.copytree(REFERENCE.versions()[-1], copy)
    listed = sorted(json.loads((copy / "index.json").read_text()))
    (copy / listed[0]).unlink()
    (copy / "stray.json").write_text("{}")
    assert index_problems(copy) == [
        f"{copy / listed[0]}: listed in index.json, missing",
        f"{copy / 'stray.json'}: not in index.json",
    ]


def test_every_release_since_a_corpus_began_has_its_histories() -> None:
    # A corpus starts with some release; from then on each release records one.
    for corpus in CORPORA:
        names = [version.name for version in corpus.versions()]
        later = [v for v in _releases() if _key(v) >= min(map(_key, names))]
        assert set(later) <= set(names), f"{corpus.name}: no histories of {set(later) - set(names)}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _scheduled(path: Path) -> list[str]:
    # Activity types a history scheduled: regular ones' events, local ones' markers.
    names = []
    for event in json.loads(path.read_text())["events"]:
        if "activityTaskScheduledEventAttributes" in event:
            names.append(event["activityTaskScheduledEventAttributes"]["activityType"]["name"])
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_local_activity":
            data = marker["details"]["data"]["payloads"][0]["data"]
            names.append(json.loads(base64.b64decode(data))["activity_type"])
    return names


def _events(path: Path, kind: str) -> list[dict[str, object]]:
    return [e for e in json.loads(path.read_text())["events"] if e["eventType"] == kind]


@pytest.mark.parametrize("mode", ["regular", "local"])
def test_the_reference_corpus_covers_every_helper(mode: str) -> None:
    newest = REFERENCE.versions()[-1]
    histories = sorted(newest.glob(f"{mode}-*.json"))
    cases = {path.stem.removeprefix(f"{mode}-") for path in histories}
    assert cases == {"stage-success", "stage-failed", "standalone", "unknown-file", "late-topic"}
    assert {name for path in histories for name in _scheduled(path)} == HELPER_ACTIVITIES
    index = json.loads((newest / "index.json").read_text())
    assert index[f"{mode}-stage-failed.json"]["ended"] == "FAILED UnreadableInput"
    assert index[f"{mode}-unknown-file.json"]["ended"] == "failed: FileNotFound"
    late = newest / f"{mode}-late-topic.json"
    if mode == "local":
        # The back-off outgrew the local retry threshold: a durable timer, then a retry.
        assert _events(late, "EVENT_TYPE_TIMER_STARTED")
    else:
        started = _events(late, "EVENT_TYPE_ACTIVITY_TASK_STARTED")
        assert [e["activityTaskStartedEventAttributes"]["attempt"] for e in started] != [1]  # type: ignore[index]


@pytest.mark.parametrize("history", HISTORIES, ids=_label)
async def test_recorded_history_replays(history: RecordedHistory) -> None:
    # Raises nothing; a run that failed when recorded replays to the same failure.
    result = await replay(history)
    assert result.replay_failure is None, f"{history.label}: {result.replay_failure!r}"
