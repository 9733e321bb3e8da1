"""The replay gate fails on a helper that schedules other commands, and names the history.

The gate runs in a subprocess on a scratch copy of ``workflow_contracts`` put first on
``PYTHONPATH``; the line naming the package it imported proves which copy ran.
"""

from pathlib import Path

from workflow_replay.corpus import corpora, recorded

from tests.scratch import replace_once, run_module, scratch_contracts, shadow_line

# Every corpus's success runs, in both modes, of every version: the apps' and the reference's.
ONLY = ("--only", "success")
SUCCESSES = {h.label for h in recorded(corpora()) if "success" in h.label}


def _other_status_activity(calls: str) -> str:
    # set_file_status schedules another activity type than the one its histories recorded.
    return replace_once(
        calls,
        "        UPDATE_FILE_STATUS_ACTIVITY,\n        file_id,\n",
        '        "shared.update_file_status_v2",\n        file_id,\n',
    )


def test_an_unchanged_copy_replays_every_history(tmp_path: Path) -> None:
    site = scratch_contracts(tmp_path)
    run = run_module(site, "workflow_replay", *ONLY)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert shadow_line(site) in lines
    assert {line.removeprefix("ok ") for line in lines if line.startswith("ok ")} == SUCCESSES
    assert "FAILED" not in run.stdout


def test_a_helper_scheduling_another_activity_fails_the_gate(tmp_path: Path) -> None:
    site = scratch_contracts(tmp_path, _other_status_activity)
    run = run_module(site, "workflow_replay", *ONLY)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert shadow_line(site) in lines
    # Every success run changes the file's status first: each one fails, named, in both modes.
    failed = {}
    for line in (line for line in lines if line.startswith("FAILED ")):
        label, _, reason = line.removeprefix("FAILED ").partition(": ")
        failed[label] = reason
    assert set(failed) == SUCCESSES, run.stdout
    assert all(reason.startswith("NondeterminismError: ") for reason in failed.values())
    assert {label.rsplit("/", 1)[1].split("-")[0] for label in failed} == {"regular", "local"}
    assert f"0 of {len(SUCCESSES)} histories replayed" in lines
    assert not any(line.startswith("ok ") for line in lines)
