"""The demo itself, with a small number of files, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from workflow_contracts import FileStatus
from workflow_demo.run import run_demo
from workflow_demo.samples import MALFORMED, sample_files
from workflow_devstack import PostgresDatabase, create_database, drop_database

DEMO_SH = Path(__file__).resolve().parents[3] / "tools" / "scripts" / "demo.sh"


async def test_demo_on_sqlite() -> None:
    report = await run_demo(files=3, console=Console(quiet=True))
    assert report.ok, report.problems
    names = {o.file.name for o in report.outcomes}
    assert len(names) == len(sample_files()) + 3
    bad = [o for o in report.outcomes if o.file.name in MALFORMED]
    assert bad and all(o.final is not None and o.final.status is FileStatus.FAILED for o in bad)
    assert [e["detail-type"] for e in bad[0].events] == ["file_ingestion_failed"]
    good = [o for o in report.outcomes if o.file.name not in MALFORMED]
    assert all(o.final is not None and o.final.status is FileStatus.COMPLETED for o in good)
    assert len(report.events) == 2 * len(good) + len(bad)
    assert len({e["detail"]["id"] for e in report.events}) == len(report.events)
    assert report.queue_left == 0 and report.dead_letters == 0 and report.max_receive_count > 0


async def test_demo_in_local_mode_with_inline_workers() -> None:
    report = await run_demo(
        files=2, mode="local", workers="inline", concurrency=2, console=Console(quiet=True)
    )
    assert report.ok, report.problems
    assert report.mode == "local" and report.concurrency == 2
    assert all(o.latency is not None for o in report.outcomes)


async def test_demo_split_across_namespaces_through_nexus() -> None:
    report = await run_demo(files=2, split=True, workers="inline", console=Console(quiet=True))
    assert report.ok, report.problems
    assert report.mode == "regular, split across namespaces (Nexus)"
    good = [o for o in report.outcomes if o.file.name not in MALFORMED]
    bad = [o for o in report.outcomes if o.file.name in MALFORMED]
    assert len(report.events) == 2 * len(good) + len(bad)
    # Every status change and event was made for the apps' workflows in their own namespaces.
    namespaces = {e["detail"]["context"]["namespace"] for e in report.events}
    assert namespaces == {"ingestion", "evaluation"}
    for outcome in report.outcomes:
        assert all(h.activity_id and h.activity_id.startswith("nexus-") for h in outcome.history)


async def test_demo_on_postgresql(postgres_database: PostgresDatabase) -> None:
    database = await create_database(prefix="wsa_demo")
    try:
        report = await run_demo(
            files=2, database_url=database.sqlalchemy_url, console=Console(quiet=True)
        )
    finally:
        await drop_database(database)
    assert report.ok, report.problems


def test_demo_command_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workflow_demo", "--files", "2"],
        capture_output=True,
        text=True,
        timeout=240,
        # No colours whatever the caller's terminal says (Nx forces them): plain text to read.
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "FORCE_COLOR": ""},
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "All expected outcomes happened." in out
    assert "broken.csv" in out and "FAILED" in out
    assert "dead-letter queue: 0 message(s)" in out
    # The malformed sample's notification arrived, and the workers' own metrics agree.
    assert re.search(r"SNS notification Ingestion failed: .*broken\.csv", out.replace("\n", " "))
    assert "PROCESSING->FAILED 1" in out.replace("\n", " ")


def test_demo_rejects_bad_arguments() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workflow_demo", "--files", "-1"], capture_output=True, text=True
    )
    assert done.returncode == 2


@pytest.mark.parametrize("args", [["--help"], ["--", "--help"]], ids=["plain", "npm-style"])
def test_demo_script_passes_arguments_with_or_without_a_leading_double_dash(
    args: list[str],
) -> None:
    # `pnpm run demo -- --files 2` passes the `--` through: the script drops it.
    done = subprocess.run(
        ["bash", str(DEMO_SH), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "usage: workflow-demo" in done.stdout and "--files" in done.stdout
