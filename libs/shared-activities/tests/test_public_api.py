"""The umbrella's public names: a change here is a decision (and a changelog entry)."""

import importlib
import subprocess
import sys

import workflow_shared_activities as wsa
from workflow_shared_activities import services, telemetry

UMBRELLA = {
    "EVENTS",
    "FILE_STATUS",
    "NOTIFICATIONS",
    "EventSettings",
    "FileStatusSettings",
    "NotificationSettings",
    "SharedActivitiesConfig",
    "SharedActivitiesPlugin",
    "WorkerResources",
    "change_file_status",
    "configure_logging",
    "connect_client",
    "emit_event",
    "run_until_signalled",
    "serve_health",
}


def test_the_umbrella_names_what_a_worker_needs_and_no_more() -> None:
    assert set(wsa.__all__) == UMBRELLA
    assert len(wsa.__all__) <= 15
    for name in wsa.__all__:
        assert getattr(wsa, name) is not None, name


def test_its_public_submodules_list_their_names() -> None:
    assert set(services.__all__) == {
        "MAX_SERVICE_KEY_CHARS",
        "SERVICE_ID_CONFLICT_POLICY",
        "SERVICE_ID_REUSE_POLICY",
        "VERBATIM_SERVICE_KEY_CHARS",
        "ServiceKeyConflictError",
        "change_file_status",
        "emit_event",
        "service_activity_id",
    }
    assert set(telemetry.__all__) == {
        "SHARED_HISTOGRAM_BUCKETS",
        "SHARED_METRICS",
        "prometheus_runtime",
        "tracing_plugin",
    }


def test_the_workflow_helpers_are_not_re_exported() -> None:
    # Workflow code imports workflow_contracts (sandbox-safe); the umbrella pulls in clients.
    for name in ("set_file_status", "send_event", "run_file_stage", "call_activity"):
        assert not hasattr(wsa, name), name


def test_every_private_module_is_private() -> None:
    for module in ("_config", "_plugin", "_resources", "_health", "_health_server", "_runtime"):
        importlib.import_module(f"workflow_shared_activities.{module}")


def test_workflow_contracts_imports_no_client_library() -> None:
    # What makes it safe in the sandbox: importing it loads neither botocore nor SQLAlchemy.
    code = (
        "import sys, workflow_contracts; "
        "print(sorted(m for m in ('botocore', 'aioboto3', 'sqlalchemy', 'asyncpg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
