"""A small rolling upgrade: the previous release's workers hand the queues to the current ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from workflow_drill.report import render
from workflow_drill.run import DrillOptions, run_drill
from workflow_drill.upgrade import UpgradeOptions


@pytest.mark.parametrize(
    "versioned",
    [
        # As the apps ship: the current workers are a deployment version, made current at
        # the cutover; the old release's unversioned runs move to it.
        True,
        # Unversioned current workers (`--no-worker-versioning`): both fleets share the
        # queues until the old ones retire.
        False,
    ],
    ids=["versioned", "unversioned"],
)
async def test_a_rolling_upgrade_from_the_previous_release_loses_and_breaks_nothing(
    tmp_path: Path, versioned: bool
) -> None:
    options = DrillOptions(
        files=12,
        malformed=2,
        workers=1,
        baseline=False,
        chaos_phase=False,
        upgrade=UpgradeOptions(worker_versioning=versioned),
        deadline=240,
        workdir=tmp_path,
    )
    report = await run_drill(options)
    text = render(report)
    print(text)
    upgrade = report.upgrade
    assert upgrade is not None
    assert upgrade.versioned is versioned
    assert report.ok, text
    # The old workers ran the release's own build, from its recorded commit.
    record = json.loads((upgrade.env.root / "build.json").read_text())
    assert record["commit"] == upgrade.release.commit
    assert "ingestion_worker-0.1.0-py3-none-any.whl" in record["wheels"]
    assert upgrade.env.script("ingestion-worker").is_file()
    tasks = upgrade.tasks
    assert tasks.failed == 0 and tasks.non_determinism == 0, tasks.failures
    assert tasks.tasks["old"] > 0 and tasks.tasks["new"] > 0
    assert tasks.tasks["other"] == 0  # every task was completed by a worker of the phase
    assert tasks.both > 0  # some workflows ran on the old release, then on the current code
    assert upgrade.old_exit_codes == [0, 0]  # retired gracefully
    checked = {inv.name: (inv.checked, inv.violations) for inv in upgrade.invariants}
    assert checked["good files COMPLETED after both stages, malformed FAILED"] == (12, [])
    assert all(not violations for _, violations in checked.values()), checked
