"""A short summary of the workers' shared-activity metrics, scraped from their Prometheus endpoints.

Each worker serves its metrics when started with ``<PREFIX>METRICS_PORT`` (``INGESTION_`` /
``EVALUATION_``); `metrics_summary` scrapes them and returns printable lines::

    lines = metrics_summary({"ingestion": "http://127.0.0.1:9464/metrics", ...})
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Sample", "metrics_summary", "parse_prometheus", "summarize"]

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    """One Prometheus sample: metric name, labels, value."""

    name: str
    labels: dict[str, str]
    value: float


def parse_prometheus(text: str) -> list[Sample]:
    """The samples of a Prometheus text exposition (comments skipped)."""
    samples: list[Sample] = []
    for line in text.splitlines():
        line = line.strip()
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = dict(_LABEL.findall(match.group(2) or ""))
            samples.append(Sample(match.group(1), labels, float(match.group(3))))
    return samples


def _total(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def _quantile(samples: list[Sample], name: str, q: float) -> float | None:
    """Upper bound of the bucket holding the q-quantile (summed over every label set)."""
    buckets: dict[float, float] = {}
    for s in samples:
        if s.name == f"{name}_bucket" and s.labels.get("le") not in (None, "+Inf"):
            bound = float(s.labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + s.value
    count = _total(samples, f"{name}_count")
    if not count:
        return None
    for bound in sorted(buckets):
        if buckets[bound] >= q * count:
            return bound
    return None


def _mean(samples: list[Sample], name: str) -> str:
    count = _total(samples, f"{name}_count")
    if not count:
        return "-"
    mean = _total(samples, f"{name}_sum") / count
    return f"{mean:.1f} ms" if mean >= 10 else f"{mean:.3f} ms"  # sub-millisecond kept


def _ms(value: float | None) -> str:
    return "-" if value is None else f"<={value:g} ms"


def _n(value: float) -> str:
    return f"{value:g}"


def summarize(name: str, text: str) -> list[str]:
    """The summary lines of one worker's metrics text."""
    s = parse_prometheus(text)
    published = "shared_events_published"
    sent = _total(s, published, outcome="published")
    failed = _total(s, published) - sent
    calls = _total(s, "shared_put_events_calls")
    batch = _total(s, "shared_put_events_batch_size_sum") / calls if calls else 0.0
    changes: dict[str, float] = {}
    for sample in s:
        if sample.name == "shared_status_changes":
            edge = f"{sample.labels.get('from_status')}->{sample.labels.get('to_status')}"
            changes[edge] = changes.get(edge, 0.0) + sample.value
    edges = ", ".join(f"{edge} {_n(v)}" for edge, v in sorted(changes.items())) or "none"
    return [
        f"{name}: events published {_n(sent)}, failed {_n(failed)} (throttled"
        f" {_n(_total(s, 'shared_events_throttled'))}, rejected"
        f" {_n(_total(s, 'shared_events_rejected'))}); {_n(calls)} PutEvents calls, mean batch"
        f" {batch:.1f}, latency mean {_mean(s, 'shared_put_events_latency')},"
        f" p50 {_ms(_quantile(s, 'shared_put_events_latency', 0.5))},"
        f" p95 {_ms(_quantile(s, 'shared_put_events_latency', 0.95))}",
        f"{name}: status changes {_n(sum(changes.values()))} ({edges}); no-ops"
        f" {_n(_total(s, 'shared_status_noops'))}, illegal"
        f" {_n(_total(s, 'shared_status_illegal_transitions'))}; database mean"
        f" {_mean(s, 'shared_db_latency')}, p50"
        f" {_ms(_quantile(s, 'shared_db_latency', 0.5))}, p95"
        f" {_ms(_quantile(s, 'shared_db_latency', 0.95))}, errors"
        f" {_n(_total(s, 'shared_db_errors'))}",
    ]


def metrics_summary(workers: Mapping[str, str], *, timeout: float = 2.0) -> list[str]:
    """Scrapes each worker's metrics URL and returns the summary lines (blocking; short).

    A worker whose endpoint does not answer gets one line saying so, not an exception.

    Args:
        workers: Worker name -> its metrics URL (``http://127.0.0.1:<port>/metrics``).
        timeout: Seconds per scrape.
    """
    lines: list[str] = []
    for name, url in workers.items():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                text = response.read().decode()
        except OSError as err:
            lines.append(f"{name}: metrics unavailable at {url} ({type(err).__name__})")
            continue
        lines += summarize(name, text)
    return lines
