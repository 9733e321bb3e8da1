"""The short drill CI runs: worker processes of both apps under chaos, then the checker."""

from __future__ import annotations

from pathlib import Path

from workflow_drill.chaos import ChaosPlan
from workflow_drill.faults import FaultPlan
from workflow_drill.report import render
from workflow_drill.run import DrillOptions, run_drill


async def test_a_short_drill_under_chaos_keeps_every_invariant(tmp_path: Path) -> None:
    options = DrillOptions(
        files=60,
        malformed=3,
        workers=2,
        baseline=False,
        chaos=ChaosPlan(kills=2, kill_every=2.0, backend_terminations=1, terminate_every=3.0),
        faults=FaultPlan(throttle=0.15, partial=0.05),
        deadline=240,
        workdir=tmp_path,
    )
    report = await run_drill(options)
    text = render(report)
    print(text)
    assert report.ok, text
    assert report.chaos.applied["worker SIGKILL"] == 2
    assert report.chaos.applied["worker restart"] == 2
    assert report.chaos.applied["backends terminated"] == 1
    assert report.faults.get("throttle", 0) >= 1
    checked = {inv.name: inv.checked for inv in report.invariants}
    assert checked["good files COMPLETED after both stages, malformed FAILED"] == 60
