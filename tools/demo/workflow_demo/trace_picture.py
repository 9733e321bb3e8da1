"""Draws one trace of a real run as a PNG timeline (matplotlib, a dev dependency).

The apps export their spans as JSON lines with ``<PREFIX>TRACING=true`` and
``<PREFIX>TRACE_FILE=PATH``; this reads those files, picks the trace that crosses the most
services (ingestion through the bus and the queue into evaluation) and draws each span as a
bar, indented under its parent, coloured by service::

    python -m workflow_demo.trace_picture --out trace.png ingestion.jsonl evaluation.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["load_spans", "ordered", "pick_trace", "render"]

Span = dict[str, Any]
_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3")


def load_spans(paths: Iterable[Path]) -> list[Span]:
    """The spans of JSON-lines files (``JsonLinesSpanExporter``'s format)."""
    spans: list[Span] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                spans.append(json.loads(line))
    return spans


def pick_trace(spans: Sequence[Span]) -> str:
    """The trace id crossing the most services, then with the most spans."""
    services: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for span in spans:
        services.setdefault(span["trace_id"], set()).add(str(span.get("service")))
        counts[span["trace_id"]] = counts.get(span["trace_id"], 0) + 1
    if not counts:
        raise ValueError("no spans")
    return max(counts, key=lambda t: (len(services[t]), counts[t]))


def ordered(spans: Sequence[Span]) -> list[tuple[int, Span]]:
    """The spans of one trace depth-first (children by start time), with their depth."""
    ids = {s["span_id"] for s in spans}
    children: dict[str | None, list[Span]] = {}
    for span in spans:
        parent = span.get("parent_span_id")
        children.setdefault(parent if parent in ids else None, []).append(span)
    out: list[tuple[int, Span]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s["start_ns"]):
            out.append((depth, span))
            walk(span["span_id"], depth + 1)

    walk(None, 0)
    return out


def render(spans: Sequence[Span], trace_id: str, out: Path) -> None:
    """Draws the trace's spans as a timeline PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = ordered([s for s in spans if s["trace_id"] == trace_id])
    start = min(s["start_ns"] for _, s in rows)
    services = sorted({str(s.get("service")) for _, s in rows})
    colour = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(services)}
    height = 0.32 * len(rows) + 1.6
    fig, ax = plt.subplots(figsize=(13, height))
    for y, (_, span) in enumerate(rows):
        left = (span["start_ns"] - start) / 1e6
        width = max((span["end_ns"] - span["start_ns"]) / 1e6, 0.3)
        ax.barh(y, width, left=left, color=colour[str(span.get("service"))], height=0.7)
        label = f"{width:.1f} ms" if width >= 1 else ""
        ax.text(left + width + 2, y, label, va="center", fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{span['name']}{' ·' * depth}" for depth, span in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds since the trace started")
    ax.set_title(
        f"One trace ({trace_id}): {len(rows)} spans across"
        f" {', '.join(services)}, through EventBridge and SQS",
        fontsize=10,
    )
    ax.legend(
        handles=[Patch(color=colour[name], label=name) for name in services],
        loc="upper right",
        fontsize=8,
        title="service (· = depth under its parent)",
        title_fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="JSON-lines span files")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--trace-id", help="the trace to draw (default: the widest)")
    args = parser.parse_args(argv)
    spans = load_spans(args.files)
    trace_id = args.trace_id or pick_trace(spans)
    render(spans, trace_id, args.out)
    print(f"{args.out}: trace {trace_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
