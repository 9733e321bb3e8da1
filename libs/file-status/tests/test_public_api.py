"""The public names of workflow_file_status: a change here is a decision (and a changelog entry)."""

import importlib

import workflow_file_status
import workflow_file_status.migrate


def test_workflow_file_status_names() -> None:
    assert set(workflow_file_status.__all__) == {
        "FILE_STATUS",
        "FileCreate",
        "FileRead",
        "FileStatusRepository",
        "FileStatusResource",
        "FileStatusSettings",
        "FileStore",
        "StatusHistoryRead",
        "UpdateFileStatusActivity",
        "create_engine",
        "repository_for",
    }
    assert len(workflow_file_status.__all__) <= 12


def test_workflow_file_status_migrate_names() -> None:
    assert set(workflow_file_status.migrate.__all__) == {
        "EXIT_CODES",
        "ExitCode",
        "GRANTS_SQL",
        "HEAD",
        "MigrationError",
        "MigrationFailure",
        "alembic_config",
        "downgrade",
        "grant",
        "grant_statements",
        "main",
        "quote_identifier",
        "upgrade",
    }


def test_every_public_name_resolves_and_modules_are_private_otherwise() -> None:
    for module in ["workflow_file_status", "workflow_file_status.migrate"]:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (module, name)
