"""``workflow-drill``: run the fault drill and write its report.

Exit codes: 0 every invariant held; 1 a violation (or a phase missed its deadline); 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from workflow_drill.chaos import ChaosPlan
from workflow_drill.faults import FaultPlan
from workflow_drill.report import render
from workflow_drill.run import DrillOptions, run_drill
from workflow_drill.upgrade import UpgradeOptions

DEFAULT_REPORT = Path(__file__).resolve().parents[1] / "DRILL.md"


def options_from(args: argparse.Namespace, workdir: Path) -> DrillOptions:
    """The drill's options from the command line."""
    chaos = ChaosPlan()
    faults = FaultPlan()
    if args.chaos:
        chaos = ChaosPlan(
            kills=args.kills,
            kill_every=args.kill_every,
            backend_terminations=args.terminations,
            outage_at=args.outage_at if args.outage_seconds > 0 else None,
            outage_seconds=args.outage_seconds,
            temporal_restart_at=args.temporal_restart_at if args.temporal_restart else None,
        )
        faults = FaultPlan(
            throttle=args.throttle,
            server_error=args.server_errors,
            partial=args.partial,
            latency=args.latency,
        )
    upgrade = None
    if args.upgrade or args.upgrade_only:
        upgrade = UpgradeOptions(
            from_release=args.from_release,
            pace=args.upgrade_pace,
            worker_versioning=args.worker_versioning,
        )
    return DrillOptions(
        files=args.files,
        malformed=args.malformed,
        workers=args.workers,
        baseline=not (args.no_baseline or args.upgrade_only),
        chaos_phase=not args.upgrade_only,
        upgrade=upgrade,
        chaos=chaos,
        faults=faults,
        deadline=args.deadline,
        workdir=workdir,
    )


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="workflow-drill", description=__doc__)
    p.add_argument("--files", type=int, default=600, help="files per phase")
    p.add_argument("--malformed", type=int, default=6, help="malformed files per phase")
    p.add_argument("--workers", type=int, default=2, help="worker processes per app")
    p.add_argument("--chaos", action="store_true", help="run the chaos phase with chaos")
    p.add_argument("--no-baseline", action="store_true", help="skip the phase without chaos")
    p.add_argument("--kills", type=int, default=40)
    p.add_argument("--kill-every", type=float, default=3.0)
    p.add_argument("--terminations", type=int, default=6)
    p.add_argument("--outage-at", type=float, default=20.0)
    p.add_argument("--outage-seconds", type=float, default=20.0)
    p.add_argument("--temporal-restart", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--temporal-restart-at", type=float, default=50.0)
    p.add_argument("--throttle", type=float, default=0.1)
    p.add_argument("--server-errors", type=float, default=0.05)
    p.add_argument("--partial", type=float, default=0.05)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument(
        "--upgrade", action="store_true", help="add the rolling-upgrade phase (after the others)"
    )
    p.add_argument("--upgrade-only", action="store_true", help="run the rolling upgrade alone")
    p.add_argument(
        "--from-release", metavar="VERSION", help="release to upgrade from (default: previous)"
    )
    p.add_argument("--upgrade-pace", type=float, default=0.5, help="seconds between file starts")
    p.add_argument(
        "--worker-versioning",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="<PREFIX>WORKER_VERSIONING of the current workers (default: the apps' own)",
    )
    p.add_argument("--deadline", type=float, default=900.0, help="seconds per phase")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="workflow-drill-") as tmp:
        report = asyncio.run(run_drill(options_from(args, Path(tmp))))
    text = render(report)
    print(text)
    args.report.write_text("# Fault drill\n\n" + _command(argv) + text)
    return 0 if report.ok else 1


def _command(argv: list[str] | None) -> str:
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    return f"`npx --yes pnpm@12.4.2 nx run workflow-drill:drill -- {shown}`\n\n"
