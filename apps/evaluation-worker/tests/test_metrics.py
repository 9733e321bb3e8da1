import pytest
from evaluation_worker.metrics import NOT_EVALUABLE, evaluate_csv
from temporalio.exceptions import ApplicationError


def test_clean_file_scores_one() -> None:
    report = evaluate_csv(b"a,b\n1,2\n3,4\n", threshold=0.8)
    assert (report.rows, report.cells, report.duplicate_rows) == (2, 4, 0)
    assert report.empty_cell_ratio == 0 and report.score == 1.0 and report.passed


def test_empty_cells_and_duplicates_lower_the_score() -> None:
    report = evaluate_csv(b"a,b\n1,\n1,\n2,3\n 3, \n", threshold=0.8)
    assert report.rows == 4 and report.cells == 8
    assert report.empty_cell_ratio == 0.375  # 3 of 8
    assert report.duplicate_rows == 1
    assert report.score == pytest.approx(1 - 0.375 - 0.25)
    assert not report.passed


def test_header_only_scores_zero() -> None:
    report = evaluate_csv(b"a,b\n", threshold=0.5)
    assert report.rows == 0 and report.score == 0.0 and not report.passed


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b'a\n"open'])
def test_not_csv_is_permanent(content: bytes) -> None:
    with pytest.raises(ApplicationError) as info:
        evaluate_csv(content, threshold=0.5)
    assert info.value.type == NOT_EVALUABLE and info.value.non_retryable
