"""A published fault drill: worker processes of both apps under chaos, then a history checker."""

from workflow_drill.chaos import ChaosLog, ChaosPlan
from workflow_drill.checker import Evidence, Invariant, check
from workflow_drill.faults import FaultPlan, FaultProxy
from workflow_drill.run import DrillOptions, DrillReport, run_drill

__all__ = [
    "ChaosLog",
    "ChaosPlan",
    "DrillOptions",
    "DrillReport",
    "Evidence",
    "FaultPlan",
    "FaultProxy",
    "Invariant",
    "check",
    "run_drill",
]
