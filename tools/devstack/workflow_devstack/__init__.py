"""Local dev stack: real Temporal, moto server and PostgreSQL helpers for tests and the demo."""

from workflow_devstack.bench import endpoint_process, run_concurrently
from workflow_devstack.history import activity_attempts
from workflow_devstack.moto import FAKE_AWS_ENV, MotoServer
from workflow_devstack.moto_process import MotoProcess, moto_command
from workflow_devstack.pgbouncer import PgBouncer, pgbouncer_path
from workflow_devstack.ports import LOOPBACK, free_port
from workflow_devstack.postgres import (
    PostgresDatabase,
    PostgresRole,
    create_database,
    create_role,
    drop_database,
    drop_role,
)
from workflow_devstack.proxy import TcpProxy
from workflow_devstack.routes import Route, make_route
from workflow_devstack.temporal import (
    start_dev_server,
    start_time_skipping_server,
    temporal_cli_path,
    temporal_test_server_path,
)

__all__ = [
    "FAKE_AWS_ENV",
    "LOOPBACK",
    "MotoProcess",
    "MotoServer",
    "PgBouncer",
    "PostgresDatabase",
    "PostgresRole",
    "Route",
    "TcpProxy",
    "activity_attempts",
    "create_database",
    "create_role",
    "drop_database",
    "drop_role",
    "endpoint_process",
    "free_port",
    "make_route",
    "moto_command",
    "pgbouncer_path",
    "run_concurrently",
    "start_dev_server",
    "start_time_skipping_server",
    "temporal_cli_path",
    "temporal_test_server_path",
]
