"""Reusable Temporal activities for file status and events, wired for a worker.

Re-exports the contracts, `workflow_events` and `workflow_file_status`, so a worker needs
only this package.
"""

from workflow_contracts import *  # noqa: F403
from workflow_contracts import __all__ as _contracts_all
from workflow_events import *  # noqa: F403
from workflow_events import __all__ as _events_all
from workflow_file_status import *  # noqa: F403
from workflow_file_status import __all__ as _file_status_all

__all__ = [*_contracts_all, *_events_all, *_file_status_all]
