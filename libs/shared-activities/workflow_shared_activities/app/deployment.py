"""Worker Deployment versions of an app: ``<app> deployment set-current`` and ``... show``.

A versioned worker (``worker_versioning``, the default) polls as version ``build_id`` of the
deployment ``deployment_name`` and gets no task until that version is current (or ramping).
``set-current`` waits until a worker of this version polls the app's task queue, then makes it
current: new runs, and the running runs whose workflow is AUTO_UPGRADE, go to it; PINNED runs
stay on the version they started on until they finish. ``show`` prints the current and
ramping versions and every version's status, to tell when an old version has drained.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from temporalio.api.deployment.v1 import WorkerDeploymentVersion as VersionProto
from temporalio.api.enums.v1 import (
    TaskQueueType,
    VersionDrainageStatus,
    WorkerDeploymentVersionStatus,
)
from temporalio.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    DescribeWorkerDeploymentVersionRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflow_shared_activities.app.cli import (
    Command,
    ExitCode,
    Unavailable,
    UsageError,
    print_line,
)
from workflow_shared_activities.app.settings import AppSettings
from workflow_shared_activities.app.worker import WorkerApp

__all__ = [
    "DEPLOYMENT",
    "DeploymentState",
    "NotPolled",
    "describe_deployment",
    "set_current_version",
    "wait_until_polled",
]

S = TypeVar("S", bound=AppSettings)

_DEFAULT_WAIT_SECONDS = 60.0
_POLL_INTERVAL_SECONDS = 0.2
_REFUSED = (RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.INVALID_ARGUMENT)


class NotPolled(Unavailable):
    """No worker of the version polled the task queue in time: exit 3."""


@dataclass(frozen=True)
class DeploymentState:
    """What the server knows of a deployment: its routing and its versions.

    Attributes:
        deployment_name: The deployment.
        current_build_id: The version new runs go to (None: unversioned workers).
        ramping_build_id: The version a share of new runs goes to (None: none).
        ramping_percentage: That share, in percent.
        versions: Each version's ``build_id``, ``status`` (``current``, ``ramping``,
            ``draining``, ``drained``, ``inactive``) and ``drainage`` (``draining``,
            ``drained`` or None).
    """

    deployment_name: str
    current_build_id: str | None
    ramping_build_id: str | None
    ramping_percentage: float
    versions: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The state as a JSON object (``show --json``)."""
        return {
            "deployment_name": self.deployment_name,
            "current_build_id": self.current_build_id,
            "ramping_build_id": self.ramping_build_id,
            "ramping_percentage": self.ramping_percentage,
            "versions": self.versions,
        }


def _enum_word(name: str, prefix: str) -> str | None:
    word = name.removeprefix(prefix).lower()
    return None if word == "unspecified" else word


async def _has_poller(client: Client, settings: AppSettings) -> bool:
    # The server adds a task queue to a version when a worker of that version first polls
    # it; the set-current call that follows refuses a version that no longer polls.
    try:
        described = await client.workflow_service.describe_worker_deployment_version(
            DescribeWorkerDeploymentVersionRequest(
                namespace=client.namespace,
                deployment_version=VersionProto(
                    deployment_name=settings.deployment_name, build_id=settings.build_id
                ),
            )
        )
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return any(
        queue.name == settings.task_queue and queue.type == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
        for queue in described.worker_deployment_version_info.task_queue_infos
    )


async def wait_until_polled(
    client: Client, settings: AppSettings, within: float = _DEFAULT_WAIT_SECONDS
) -> None:
    """Waits until a worker of the settings' version polls the settings' task queue.

    Raises:
        NotPolled: None did within ``within`` seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await _has_poller(client, settings):
        if loop.time() > deadline:
            raise NotPolled(
                f"no worker of version {settings.build_id} of deployment "
                f"{settings.deployment_name} polls task queue {settings.task_queue} "
                f"(waited {within:g} s): start it first"
            )
        await asyncio.sleep(_POLL_INTERVAL_SECONDS)


async def set_current_version(
    client: Client,
    deployment_name: str,
    build_id: str,
    *,
    within: float = _DEFAULT_WAIT_SECONDS,
) -> str | None:
    """Makes ``build_id`` the current version of the deployment; returns the previous one.

    The server registers a version shortly after its first poll: until it has (within
    ``within`` seconds) the call is retried.

    Returns:
        The build id of the version that was current before (None: unversioned workers;
        ``build_id`` itself when it already was current: nothing changes).
    """
    state = await describe_deployment(client, deployment_name)
    if state is not None and state.current_build_id == build_id:
        return build_id
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            response = await client.workflow_service.set_worker_deployment_current_version(
                SetWorkerDeploymentCurrentVersionRequest(
                    namespace=client.namespace,
                    deployment_name=deployment_name,
                    build_id=build_id,
                    identity=client.identity,
                )
            )
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND or loop.time() > deadline:
                raise
            await asyncio.sleep(_POLL_INTERVAL_SECONDS)
            continue
        previous = response.previous_deployment_version
        return previous.build_id or None


async def describe_deployment(client: Client, deployment_name: str) -> DeploymentState | None:
    """The deployment's routing and versions; None when the server has no such deployment."""
    try:
        response = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(
                namespace=client.namespace, deployment_name=deployment_name
            )
        )
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    info = response.worker_deployment_info
    routing = info.routing_config

    def build_id(version: VersionProto) -> str | None:
        return version.build_id or None

    return DeploymentState(
        deployment_name=info.name or deployment_name,
        current_build_id=build_id(routing.current_deployment_version),
        ramping_build_id=build_id(routing.ramping_deployment_version),
        ramping_percentage=routing.ramping_version_percentage,
        versions=[
            {
                "build_id": summary.deployment_version.build_id,
                "status": _enum_word(
                    WorkerDeploymentVersionStatus.Name(summary.status),
                    "WORKER_DEPLOYMENT_VERSION_STATUS_",
                ),
                "drainage": _enum_word(
                    VersionDrainageStatus.Name(summary.drainage_status),
                    "VERSION_DRAINAGE_STATUS_",
                ),
            }
            for summary in info.version_summaries
        ],
    )


def _format(state: DeploymentState, this_build_id: str) -> str:
    ramping = (
        f"{state.ramping_build_id} ({state.ramping_percentage:g} %)"
        if state.ramping_build_id
        else "none"
    )
    lines = [
        f"deployment {state.deployment_name}",
        f"current: {state.current_build_id or 'none (unversioned workers)'}",
        f"ramping: {ramping}",
        "versions:",
    ]
    for version in state.versions:
        mark = "  (these settings)" if version["build_id"] == this_build_id else ""
        lines.append(f"  {version['build_id']}\t{version['status'] or '-'}{mark}")
    return "\n".join(lines)


async def _set_current(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    if not settings.worker_versioning:
        raise UsageError("worker_versioning is off: the workers are not versioned")
    client = await app.connect(settings)
    try:
        await wait_until_polled(client, settings, args.wait)
        previous = await set_current_version(
            client, settings.deployment_name, settings.build_id, within=args.wait
        )
    except RPCError as err:
        if err.status in _REFUSED:  # e.g. the version misses a task queue the current polls
            raise UsageError(f"Temporal refused: {err.message}") from err
        raise
    if args.json:
        print_line(
            json.dumps(
                {
                    "deployment_name": settings.deployment_name,
                    "build_id": settings.build_id,
                    "previous_build_id": previous,
                }
            )
        )
    elif previous == settings.build_id:
        print_line(
            f"deployment {settings.deployment_name}: version {settings.build_id} already was "
            "current: nothing changed"
        )
    else:
        print_line(
            f"deployment {settings.deployment_name}: version {settings.build_id} is current "
            f"(before: {previous or 'unversioned workers'})"
        )
    return ExitCode.OK


async def _show(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    client = await app.connect(settings)
    state = await describe_deployment(client, settings.deployment_name)
    if state is None:
        raise UsageError(
            f"no deployment {settings.deployment_name} on the server (no versioned worker "
            "of it has polled yet)"
        )
    if args.json:
        print_line(json.dumps(state.as_json()))
    else:
        print_line(_format(state, settings.build_id))
    return ExitCode.OK


async def _deployment(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    if args.deployment_command == "set-current":
        return await _set_current(app, settings, args)
    return await _show(app, settings, args)


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="deployment_command", required=True, metavar="ACTION")
    set_current = sub.add_parser(
        "set-current",
        help="wait until a worker of this version (DEPLOYMENT_NAME, BUILD_ID) polls, then "
        "make it the current version",
    )
    set_current.add_argument(
        "--wait",
        type=float,
        default=_DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for a worker of this version (default %(default)g; exit 3)",
    )
    set_current.add_argument(
        "--json",
        action="store_true",
        help='print {"deployment_name", "build_id", "previous_build_id"}',
    )
    show = sub.add_parser(
        "show", help="print the current and ramping versions and each version's status"
    )
    show.add_argument("--json", action="store_true", help="print JSON instead of text")


DEPLOYMENT: Command[Any] = Command(
    "deployment",
    "the app's Worker Deployment: set-current (make this version current), show",
    _deployment,
    _arguments,
)
