"""Release checks of the workspace: manifests, built wheels and a local package index."""

from workflow_release.index import LocalIndex, pip_index_url, workspace_root
from workflow_release.manifests import (
    PUBLISHABLE_TAG,
    Project,
    check_release_config,
    find_projects,
    is_stub_package,
    poetry_constraint_to_specifier,
)
from workflow_release.python_support import (
    check_python_support,
    expected_classifiers,
    python_classifiers,
)
from workflow_release.wheel import check_requirements, read_metadata, requires_dist

__all__ = [
    "PUBLISHABLE_TAG",
    "LocalIndex",
    "Project",
    "check_python_support",
    "check_release_config",
    "check_requirements",
    "expected_classifiers",
    "find_projects",
    "is_stub_package",
    "pip_index_url",
    "poetry_constraint_to_specifier",
    "python_classifiers",
    "read_metadata",
    "requires_dist",
    "workspace_root",
]
