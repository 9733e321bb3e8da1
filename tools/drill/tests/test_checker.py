"""The history checker catches each kind of violation (and passes a clean history)."""

from __future__ import annotations

import dataclasses
import uuid

from workflow_drill.checker import EventRecord, Evidence, HistoryRow, WorkflowRow, check

GOOD, BAD = str(uuid.uuid4()), str(uuid.uuid4())
CHAIN = [("PENDING", "PROCESSING"), ("PROCESSING", "COMPLETED")] * 2


def clean() -> Evidence:
    history = [HistoryRow(GOOD, v + 2, a, b, f"exec-{v}") for v, (a, b) in enumerate(CHAIN)]
    history[2] = dataclasses.replace(history[2], from_status="COMPLETED")
    history += [
        HistoryRow(BAD, 2, "PENDING", "PROCESSING", "bad-1"),
        HistoryRow(BAD, 3, "PROCESSING", "FAILED", "bad-2"),
    ]
    return Evidence(
        good={GOOD},
        malformed={BAD},
        files={GOOD: ("COMPLETED", 5), BAD: ("FAILED", 3)},
        history=history,
        workflows=[
            WorkflowRow(f"ingest-{GOOD}", "IngestFileWorkflow", "COMPLETED", "e1"),
            WorkflowRow(f"evaluate-{GOOD}-e1", "EvaluateFileWorkflow", "COMPLETED", "e2"),
            WorkflowRow(f"ingest-{BAD}", "IngestFileWorkflow", "COMPLETED", "e3"),
        ],
        events=[
            EventRecord("e1", "ingestion", "file_ingested_successfully", GOOD, '{"a":1}'),
            EventRecord("e1", "ingestion", "file_ingested_successfully", GOOD, '{"a":1}'),
            EventRecord("e2", "evaluation", "evaluation_completed", GOOD, '{"b":1}'),
            EventRecord("e3", "ingestion", "file_ingestion_failed", BAD, '{"c":1}'),
        ],
    )


def violated(evidence: Evidence) -> set[str]:
    return {inv.name for inv in check(evidence) if inv.violations}


def test_a_clean_history_passes_every_invariant() -> None:
    invariants = check(clean())
    assert all(inv.checked > 0 for inv in invariants)
    assert violated(clean()) == set()


def test_a_gap_a_duplicate_row_or_an_illegal_edge_is_caught() -> None:
    gap = clean()
    gap.history = [r for r in gap.history if not (r.file_id == GOOD and r.version == 3)]
    assert "gapless legal version chain per file" in violated(gap)
    twice = clean()
    twice.history[1] = dataclasses.replace(twice.history[1], execution_id="exec-0")
    assert "one history row per execution" in violated(twice)
    illegal = clean()
    illegal.history[-1] = dataclasses.replace(illegal.history[-1], from_status="PENDING")
    assert "gapless legal version chain per file" in violated(illegal)


def test_a_wrong_outcome_a_stuck_file_or_a_stale_version_is_caught() -> None:
    stuck = clean()
    stuck.files[GOOD] = ("PROCESSING", 4)
    stuck.history = [r for r in stuck.history if not (r.file_id == GOOD and r.version == 5)]
    assert {
        "good files COMPLETED after both stages, malformed FAILED",
        "no file stuck, no workflow still running",
    } <= violated(stuck)
    stale = clean()
    stale.files[GOOD] = ("COMPLETED", 4)
    assert "files.version and status equal the chain's end" in violated(stale)


def test_missing_or_different_events_and_double_evaluations_are_caught() -> None:
    missing = clean()
    missing.events = [e for e in missing.events if e.event_id != "e2"]
    assert "every expected event present (by detail.id)" in violated(missing)
    different = clean()
    different.events[1] = dataclasses.replace(different.events[1], detail='{"a":2}')
    assert "duplicates of one event id byte-identical" in violated(different)
    double = clean()
    double.workflows.append(
        WorkflowRow(f"evaluate-{GOOD}-other", "EvaluateFileWorkflow", "COMPLETED", None)
    )
    assert "exactly one evaluation per good file, none for malformed" in violated(double)


def test_failed_workflows_and_dead_letters_are_caught() -> None:
    failed = clean()
    failed.workflows[0] = dataclasses.replace(failed.workflows[0], status="FAILED")
    assert "no workflow failed, timed out or was terminated" in violated(failed)
    dead = clean()
    dead.dead_letters = 2
    assert "no message dead-lettered" in violated(dead)
