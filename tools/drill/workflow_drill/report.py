"""The drill's report: a table of the invariants, the chaos applied, the throughput."""

from __future__ import annotations

from workflow_drill.run import DrillReport

__all__ = ["render"]


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
    violations = [v for inv in report.invariants for v in inv.violations]
    lines += ["", f"**{'PASS' if report.ok else 'FAIL'}**: {len(violations)} violation(s)."]
    for v in violations[:50]:
        lines.append(f"- {v}")
    if report.chaos.lines:
        lines += ["", "Chaos log:", "", "```", *report.chaos.lines, "```"]
    return "\n".join(lines) + "\n"
