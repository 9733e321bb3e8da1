"""The drill's input: well-formed CSV files and a few malformed ones."""

from __future__ import annotations

import csv
import random
from pathlib import Path

__all__ = ["write_files"]


def write_files(
    directory: Path, good: int, malformed: int, seed: int
) -> tuple[list[Path], list[Path]]:
    """Writes ``good`` well-formed CSVs and ``malformed`` ones (a row with a field too many)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    good_paths: list[Path] = []
    bad_paths: list[Path] = []
    for i in range(good + malformed):
        bad = i < malformed
        path = directory / f"{'broken' if bad else 'file'}-{i:05d}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "item", "value"])
            for r in range(rng.randint(5, 40)):
                writer.writerow([str(r), f"item-{rng.randint(1, 9)}", f"{rng.uniform(0, 99):.2f}"])
            if bad:
                writer.writerow(["x", "y", "z", "one too many"])
        (bad_paths if bad else good_paths).append(path)
    return good_paths, bad_paths
