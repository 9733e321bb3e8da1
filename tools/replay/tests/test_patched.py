"""A helper changes its commands behind ``workflow.patched``: old and new histories both replay.

On scratch copies of ``workflow_contracts`` (first on ``PYTHONPATH`` of a subprocess),
`send_event` gains a short timer before its activity: once guarded by
``workflow.patched(PATCH_ID)`` (the safe change, docs/changing-helpers.md), once unguarded.
The reference recorder records new histories on the guarded copy (real stack, real worker);
the gate then replays, with the real plugin configuration, the histories recorded before the
change (every corpus's success runs) and those new ones.
"""

import base64
import json
from pathlib import Path
from typing import Any

from workflow_replay.corpus import DEFAULT_ROOT, corpora, recorded

from tests.scratch import replace_once, run_module, scratch_contracts, shadow_line

PATCH_ID = "send-event-settle"
ONLY = ("--only", "success")
BEFORE = {h.label for h in recorded(corpora()) if "success" in h.label}

_CALL = "    return await call_activity(\n        SEND_EVENT_ACTIVITY,\n"
_TIMER = "await workflow.sleep(timedelta(milliseconds=10))\n"


def _guarded(calls: str) -> str:
    change = f'    if workflow.patched("{PATCH_ID}"):\n        {_TIMER}'
    return replace_once(calls, _CALL, change + _CALL)


def _unguarded(calls: str) -> str:
    return replace_once(calls, _CALL, f"    {_TIMER}" + _CALL)


def _outcomes(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        if line.startswith("ok "):
            found[line.removeprefix("ok ")] = "ok"
        elif line.startswith("FAILED "):
            label, _, reason = line.removeprefix("FAILED ").partition(": ")
            found[label] = reason.split(":", 1)[0]
    return found


def _events(path: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in json.loads(path.read_text())["events"] if e["eventType"] == kind]


def _patch_ids(path: Path) -> list[str]:
    ids = []
    for event in _events(path, "EVENT_TYPE_MARKER_RECORDED"):
        marker = event["markerRecordedEventAttributes"]
        if marker["markerName"] == "core_patch":
            payload = marker["details"]["patch-data"]["payloads"][0]["data"]
            ids.append(json.loads(base64.b64decode(payload))["id"])
    return ids


def test_old_and_new_histories_replay_on_the_patched_helper(tmp_path: Path) -> None:
    patched = scratch_contracts(tmp_path / "patched", _guarded)
    unguarded = scratch_contracts(tmp_path / "unguarded", _unguarded)
    after = tmp_path / "after"

    # Histories recorded after the change: the reference success runs on the patched copy.
    recording = run_module(
        patched,
        "workflow_replay.record",
        *("--root", str(after), "--version", "after", "--case", "stage-success"),
    )
    assert recording.returncode == 0, recording.stdout + recording.stderr
    new = sorted((after / "tools" / "replay" / "histories" / "after").glob("*-stage-success.json"))
    assert [p.name for p in new] == ["local-stage-success.json", "regular-stage-success.json"]
    # The new runs took the new branch: the patch marker, then the timer before each event.
    assert all(_patch_ids(p) == [PATCH_ID] for p in new)
    assert all(_events(p, "EVENT_TYPE_TIMER_STARTED") for p in new)
    new_labels = {f"workflow-replay/after/{p.stem}" for p in new}

    replayed = run_module(
        patched, "workflow_replay", *("--root", str(DEFAULT_ROOT), "--root", str(after), *ONLY)
    )
    assert shadow_line(patched) in replayed.stdout.splitlines()
    assert _outcomes(replayed.stdout) == dict.fromkeys(BEFORE | new_labels, "ok"), replayed.stdout
    assert replayed.returncode == 0

    # The same change without patched(): every history recorded before it breaks.
    broken = run_module(unguarded, "workflow_replay", *ONLY)
    assert shadow_line(unguarded) in broken.stdout.splitlines()
    assert _outcomes(broken.stdout) == dict.fromkeys(BEFORE, "NondeterminismError"), broken.stdout
    assert broken.returncode == 1
