"""Simple quality metrics of an ingested CSV file."""

import csv
import io
from dataclasses import dataclass

from temporalio.exceptions import ApplicationError

__all__ = ["NOT_EVALUABLE", "QualityReport", "evaluate_csv"]

NOT_EVALUABLE = "NotEvaluable"


@dataclass(frozen=True)
class QualityReport:
    """Quality of one file.

    Attributes:
        rows: Data rows (below the header).
        cells: Data cells.
        empty_cell_ratio: Share of cells that are empty or whitespace.
        duplicate_rows: Rows identical to an earlier row.
        score: ``1 - empty_cell_ratio - duplicate_rows / rows``, clamped to [0, 1].
        threshold: The pass mark it was compared with.
        passed: ``score >= threshold``.
    """

    rows: int
    cells: int
    empty_cell_ratio: float
    duplicate_rows: int
    score: float
    threshold: float
    passed: bool


def evaluate_csv(data: bytes, threshold: float) -> QualityReport:
    """Computes the report of a CSV file's content.

    Raises:
        ApplicationError: ``NotEvaluable`` (non-retryable) for content that is not CSV text.
    """
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=True)
        header = next(reader, None)
        body = [row for row in reader if row]
    except (UnicodeDecodeError, csv.Error) as err:
        raise ApplicationError(
            f"not CSV text: {err}", type=NOT_EVALUABLE, non_retryable=True
        ) from err
    if not header:
        raise ApplicationError("no header row", type=NOT_EVALUABLE, non_retryable=True)
    cells = sum(len(row) for row in body)
    empty = sum(1 for row in body for cell in row if not cell.strip())
    seen: set[tuple[str, ...]] = set()
    duplicates = 0
    for row in body:
        key = tuple(row)
        duplicates += key in seen
        seen.add(key)
    empty_ratio = empty / cells if cells else 0.0
    dup_ratio = duplicates / len(body) if body else 0.0
    score = max(0.0, min(1.0, 1.0 - empty_ratio - dup_ratio)) if body else 0.0
    return QualityReport(
        rows=len(body),
        cells=cells,
        empty_cell_ratio=round(empty_ratio, 4),
        duplicate_rows=duplicates,
        score=round(score, 4),
        threshold=threshold,
        passed=score >= threshold,
    )
