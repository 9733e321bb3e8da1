"""The drill's report: a table of the invariants, the chaos applied, the throughput."""

from __future__ import annotations

from workflow_drill.run import DrillReport
from workflow_drill.upgrade import UpgradeResult

__all__ = ["render", "render_upgrade"]


def render(report: DrillReport) -> str:
    """Markdown: what ran, what broke, what held."""
    o = report.options
    lines = [
        f"Files per phase: {o.files} ({o.malformed} malformed); worker processes: "
        f"{o.workers} ingestion + {o.workers} evaluation.",
        "",
        "| invariant | checked | violations |",
        "|---|---:|---:|",
    ]
    for inv in report.invariants:
        lines.append(f"| {inv.name} | {inv.checked} | {len(inv.violations)} |")
    lines += ["", "| chaos applied | count |", "|---|---:|"]
    for action, count in sorted(report.chaos.applied.items()):
        lines.append(f"| {action} | {count} |")
    for fault, count in sorted(report.faults.items()):
        lines.append(f"| injected PutEvents fault: {fault} | {count} |")
    lines += [
        "",
        "| phase | files | seconds | files/s | slowest file (s) | p99 (s) | finished |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for p in report.phases:
        lines.append(
            f"| {p.name} | {p.files} | {p.seconds:.1f} | {p.throughput:.2f} | {p.slowest:.1f}"
            f" | {p.p99:.1f} | {'yes' if p.finished else 'NO'} |"
        )
    by_name = {p.name: p for p in report.phases}
    if "baseline" in by_name and "chaos" in by_name:
        base, chaos = by_name["baseline"], by_name["chaos"]
        ratio = chaos.throughput / base.throughput if base.throughput else 0.0
        slow = chaos.slowest / base.slowest if base.slowest else 0.0
        lines += [
            "",
            f"Throughput under chaos: {ratio:.2f}x the run without (target >= 0.5x); "
            f"slowest file under chaos: {slow:.2f}x the slowest without (target <= 3x).",
        ]
    if report.upgrade is not None:
        lines += ["", *render_upgrade(report.upgrade)]
    violations = [v for inv in report.invariants for v in inv.violations]
    lines += ["", f"**{'PASS' if report.ok else 'FAIL'}**: {len(violations)} violation(s)."]
    for v in violations[:50]:
        lines.append(f"- {v}")
    if report.chaos.lines:
        lines += ["", "Chaos log:", "", "```", *report.chaos.lines, "```"]
    return "\n".join(lines) + "\n"


def render_upgrade(upgrade: UpgradeResult) -> list[str]:
    """The rolling-upgrade phase: the release, who ran the workflow tasks, what failed."""
    r, t = upgrade.release, upgrade.tasks
    env = f"built in {upgrade.env.build_seconds:.1f}s"
    env += "; reused from the cache" if upgrade.env.reused else ""
    mode = (
        "versioned (the new deployment version made current before the old workers retired)"
        if upgrade.versioned
        else "unversioned (both fleets share the queues)"
    )
    lines = [
        "## Rolling upgrade",
        "",
        f"From release {r.version} (commit `{r.commit}`), its wheels in their own venv "
        f"({env}), to the current code; current workers {mode}.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| files | {len(upgrade.good) + len(upgrade.malformed)} ({len(upgrade.malformed)} malformed) |",
        f"| workflows | {t.workflows} |",
        f"| workflow tasks completed by old workers | {t.tasks['old']} |",
        f"| workflow tasks completed by new workers | {t.tasks['new']} |",
        f"| workflow tasks completed by another identity | {t.tasks['other']} |",
        f"| workflows with tasks on old and new workers | {t.both} |",
        f"| workflows on old workers only / new only | {t.only['old']} / {t.only['new']} |",
        f"| workflows started before the old workers retired, closed after | {t.spanning} |",
        f"| WorkflowTaskFailed events | {t.failed} |",
        f"| non-determinism failures | {t.non_determinism} |",
        f"| WorkflowTaskTimedOut events (sticky queue of a retired worker) | {t.timed_out} |",
        f"| old workers' exit codes after SIGTERM | {upgrade.old_exit_codes} |",
        "",
        "| invariant (this phase's files) | checked | violations |",
        "|---|---:|---:|",
    ]
    for inv in upgrade.invariants:
        lines.append(f"| {inv.name} | {inv.checked} | {len(inv.violations)} |")
    problems = [v for inv in upgrade.invariants for v in inv.violations] + t.failures
    if t.both == 0:
        problems.append("no workflow had tasks on both releases: the overlap was not exercised")
    lines += ["", f"**{'PASS' if upgrade.ok else 'FAIL'}** (rolling upgrade)."]
    lines += [f"- {p}" for p in problems[:50]]
    return [*lines, "", "Upgrade timeline:", "", "```", *upgrade.timeline.lines, "```"]
