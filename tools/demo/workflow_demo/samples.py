"""Demo input: the CSV files shipped with the demo, plus generated ones."""

from __future__ import annotations

import csv
import random
from pathlib import Path

__all__ = ["MALFORMED", "SAMPLES_DIR", "generate_files", "sample_files"]

SAMPLES_DIR = Path(__file__).parent / "samples"
MALFORMED = {"broken.csv"}
"""Shipped files that must fail ingestion."""


def sample_files() -> list[Path]:
    """The shipped CSVs, including the malformed one."""
    return sorted(SAMPLES_DIR.glob("*.csv"))


def generate_files(directory: Path, count: int, seed: int = 42) -> list[Path]:
    """Writes ``count`` well-formed CSVs of varying quality (some empty cells, duplicates)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"generated-{i:04d}.csv"
        rows = []
        for r in range(rng.randint(5, 60)):
            value = "" if rng.random() < 0.05 * (i % 4) else f"{rng.uniform(0, 100):.2f}"
            rows.append([str(r), f"item-{rng.randint(1, 9)}", value])
        if i % 5 == 0 and rows:
            rows.append(list(rows[0]))  # a duplicate row
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "item", "value"])
            writer.writerows(rows)
        paths.append(path)
    return paths
