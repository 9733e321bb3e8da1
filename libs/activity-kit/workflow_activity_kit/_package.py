"""The shape of a shared activity package, as the worker that composes it sees it.

A package (``workflow_events``, ``workflow_file_status``, ``workflow_notifications``, or one
made by the generator) exposes one `ActivityPackage`: its settings type, how to build its
per-worker resource (closed), and the activities it registers over that resource. The resource
opens its long-lived clients for one worker run (`PackageResource.open`) and names its
readiness probes. The umbrella's configuration lists the packages, one typed field each
(``Annotated[Settings, PACKAGE]``), and its plugin opens them in that order.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

from workflow_contracts.errors import OPERATOR_RETRY_DELAY

__all__ = [
    "ActivityPackage",
    "PackageResource",
    "Probe",
    "WorkerScope",
    "configured_packages",
]


class Probe(Protocol):
    """A readiness check: returns when the backend answers, raises its error otherwise."""

    def __call__(self) -> Awaitable[None]:
        """Checks the backend once."""
        ...


@dataclass(frozen=True)
class WorkerScope:
    """What every package learns about the worker it opens its clients for.

    Attributes:
        namespace: The worker's Temporal namespace.
        aws_region: The worker's AWS region (None: the AWS configuration chain decides).
        aws_endpoint_url: A custom AWS endpoint (a local emulator); None for AWS.
        operator_retry_delay: Delay before retrying what an operator must fix (a missing
            bus, a permission, a schema not migrated).
    """

    namespace: str = "default"
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY


class PackageResource(Protocol):
    """One worker's clients of a package: closed until the worker runs."""

    def open(self, scope: WorkerScope) -> AbstractAsyncContextManager[object]:
        """Opens the clients for one worker run; closes them on exit."""
        ...

    def probes(self) -> Mapping[str, Probe]:
        """The readiness checks of the backends this resource talks to, by name."""
        ...


S = TypeVar("S")
R = TypeVar("R", bound=PackageResource)


@dataclass(frozen=True)
class ActivityPackage(Generic[S, R]):
    """What a shared activity package gives the worker that composes it.

    Attributes:
        name: The package's name (its field in the configuration, its key in logs).
        settings_type: Its settings (a frozen dataclass).
        resource: Builds one worker's resource from the settings, closed.
        activities: The activities it registers, bound to that resource.
    """

    name: str
    settings_type: type[S]
    resource: Callable[[S], R]
    activities: Callable[[R, S], Sequence[Callable[..., Any]]]


def configured_packages(config: object) -> list[tuple[ActivityPackage[Any, Any], object]]:
    """The packages a configuration lists, with their settings, in field order.

    A field lists a package when its type is ``Annotated[Settings, PACKAGE]``.

    Raises:
        TypeError: ``config`` is not a dataclass instance, or a field's value is not its
            package's settings type.
    """
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError("the configuration must be a dataclass instance")
    hints = typing.get_type_hints(type(config), include_extras=True)
    found: list[tuple[ActivityPackage[Any, Any], object]] = []
    for entry in dataclasses.fields(config):
        hint = hints.get(entry.name)
        if typing.get_origin(hint) is not typing.Annotated:
            continue
        for mark in getattr(hint, "__metadata__", ()):
            if isinstance(mark, ActivityPackage):
                settings = getattr(config, entry.name)
                if not isinstance(settings, mark.settings_type):
                    raise TypeError(
                        f"{entry.name} must be {mark.settings_type.__name__},"
                        f" not {type(settings).__name__}"
                    )
                found.append((mark, settings))
    return found
