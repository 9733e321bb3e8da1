"""What a built wheel requires: its ``METADATA``'s ``Requires-Dist`` lines, checked."""

from __future__ import annotations

import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

from workflow_release.manifests import is_stub_package

__all__ = ["check_requirements", "read_metadata", "requires_dist"]


def read_metadata(wheel: Path) -> Message:
    """The parsed ``*.dist-info/METADATA`` of a wheel.

    Raises:
        ValueError: The wheel has no (or more than one) ``METADATA`` file.
    """
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise ValueError(f"{wheel.name}: expected one METADATA, found {names}")
        text = archive.read(names[0]).decode("utf-8")
    return Parser().parsestr(text)


def requires_dist(wheel: Path) -> list[Requirement]:
    """The wheel's ``Requires-Dist`` requirements, in file order."""
    return [Requirement(line) for line in read_metadata(wheel).get_all("Requires-Dist") or []]


def check_requirements(requirements: list[Requirement], workspace_packages: set[str]) -> list[str]:
    """Checks a library wheel's requirements against the release rules.

    Rules: no ``==``/``===`` pin, no stub package, every requirement bounded below or
    unconstrained-free (a range), and workspace libraries required as ``name>=x.y`` ranges.

    Args:
        requirements: The wheel's requirements.
        workspace_packages: Normalized distribution names of the workspace's libraries.

    Returns:
        One message per problem; empty when the wheel is publishable.
    """
    problems = []
    for requirement in requirements:
        name = requirement.name.lower().replace("_", "-")
        pins = [s for s in requirement.specifier if s.operator in ("==", "===")]
        if pins:
            problems.append(f"{requirement}: pinned with ==")
        if is_stub_package(name):
            problems.append(f"{requirement}: a stub package in the run-time requirements")
        if not requirement.specifier:
            problems.append(f"{requirement}: no version range")
        elif name in workspace_packages and not any(
            s.operator == ">=" for s in requirement.specifier
        ):
            problems.append(f"{requirement}: a workspace library needs a >= range")
    return problems
