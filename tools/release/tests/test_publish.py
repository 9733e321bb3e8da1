"""Publish every library to a local index, install the umbrella from it, run a worker with it.

`nx release publish` runs each library's `nx-release-publish` target (`@nxlv/python:publish`:
build, then `poetry publish --repository release`) against a pypiserver on loopback. For every
supported Python version (root pyproject.toml `[tool.python-matrix]`), a fresh virtual
environment then installs `workflow-shared-activities` from that index only (names it does not
hold are redirected to pip's own index) and runs `workflow_release/smoke_worker.py` on a
Temporal dev server, moto and SQLite. A version missing on the machine fails in CI and is
skipped elsewhere, the skip reason saying NOT CHECKED and how to get it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import python_matrix
import workflow_release
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, make_route
from workflow_release import (
    LocalIndex,
    check_requirements,
    expected_classifiers,
    find_projects,
    python_classifiers,
    read_metadata,
    requires_dist,
)

from tests.support import LIBRARIES, WORKSPACE, nx_env, run_nx

SMOKE = Path(workflow_release.__file__).parent / "smoke_worker.py"
UMBRELLA = "workflow-shared-activities"
MATRIX = python_matrix.read_matrix(WORKSPACE)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    with LocalIndex(tmp_path_factory.mktemp("index") / "packages") as running:
        yield running


@pytest.fixture(scope="module")
def published(index: LocalIndex) -> str:
    """Every library published by `nx release publish`; returns Nx's output."""
    return run_nx(
        "release",
        "publish",
        "--output-style=static",
        env=nx_env(
            POETRY_REPOSITORIES_RELEASE_URL=index.upload_url,
            POETRY_HTTP_BASIC_RELEASE_USERNAME="release-test",
            POETRY_HTTP_BASIC_RELEASE_PASSWORD="release-test",
        ),
        timeout=400,
    )


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    return {p.package: p.version for p in find_projects(WORKSPACE) if p.publishable}


def _wheel(folder: str) -> Path:
    wheels = sorted((WORKSPACE / folder / "dist").glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_every_library_is_on_the_index(
    published: str, index: LocalIndex, versions: dict[str, str]
) -> None:
    files = sorted(p.name for p in index.packages.iterdir())
    for name in LIBRARIES.values():
        stem = f"{name.replace('-', '_')}-{versions[name]}"
        assert f"{stem}-py3-none-any.whl" in files and f"{stem}.tar.gz" in files
        assert f"Publishing {name} ({versions[name]}) to release" in published
        with urllib.request.urlopen(f"{index.simple_url}{name}/", timeout=10) as page:
            assert f"{stem}-py3-none-any.whl" in page.read().decode()


def test_library_wheels_carry_ranges_not_pins(published: str, versions: dict[str, str]) -> None:
    workspace = set(LIBRARIES.values())
    for folder, name in LIBRARIES.items():
        wheel = _wheel(folder)
        assert read_metadata(wheel)["Version"] == versions[name]
        requirements = requires_dist(wheel)
        assert check_requirements(requirements, workspace) == [], (wheel.name, requirements)
    umbrella = {r.name: r for r in requires_dist(_wheel("libs/shared-activities"))}
    lines = read_metadata(_wheel("libs/shared-activities")).get_all("Requires-Dist") or []
    ranges = next(p for p in find_projects(WORKSPACE) if p.package == UMBRELLA).published_ranges
    dependencies = set(LIBRARIES.values()) - {UMBRELLA}
    assert dependencies <= set(umbrella)  # the umbrella requires every other library
    for dependency in sorted(dependencies):
        declared = ranges[dependency]  # [tool.nx.dependencies.<name>] range, verbatim
        assert f"{dependency} ({declared})" in lines, lines
        assert declared.startswith(">=")
        assert umbrella[dependency].specifier.contains(versions[dependency])
    assert "types-protobuf" not in umbrella and "temporalio" in umbrella
    assert len(umbrella) < 20  # direct dependencies only, not the whole locked tree


def test_library_wheels_declare_exactly_the_tested_python_versions(published: str) -> None:
    wanted = expected_classifiers(MATRIX.versions)
    lowest = MATRIX.versions[0]
    for folder in LIBRARIES:
        metadata = read_metadata(_wheel(folder))
        declared = python_classifiers(metadata.get_all("Classifier") or [])
        assert declared == wanted, (folder, declared)
        assert metadata["Requires-Python"].startswith(f">={lowest}"), metadata["Requires-Python"]


def _fresh_venv(python: Path, root: Path, index_url: str) -> Path:
    """A new virtual environment of that interpreter with the umbrella installed from the index."""
    subprocess.run([str(python), "-m", "venv", str(root)], check=True, capture_output=True)
    result = subprocess.run(
        [
            str(root / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--index-url",
            index_url,
            UMBRELLA,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{python}: {result.stdout}{result.stderr}"
    return root / "bin" / "python"


@pytest.fixture(scope="module")
def venvs(
    published: str, index: LocalIndex, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path | str]:
    """Per supported version, a fresh venv with the umbrella (its python), or why there is none.

    The installs run side by side: each is mostly waiting for the index and unpacking.
    """
    interpreters = {v: python_matrix.find_interpreter(v) for v in MATRIX.versions}
    root = tmp_path_factory.mktemp("venvs")
    built: dict[str, Path | str] = {
        v: f"NOT CHECKED: {found.describe()}"
        for v, found in interpreters.items()
        if not found.found
    }
    with ThreadPoolExecutor(max_workers=len(interpreters)) as pool:
        futures = {
            v: pool.submit(_fresh_venv, found.path, root / f"venv-{v}", index.simple_url)
            for v, found in interpreters.items()
            if found.path is not None
        }
        built.update({v: future.result() for v, future in futures.items()})
    return built


@pytest.mark.parametrize("version", MATRIX.versions)
async def test_the_installed_umbrella_runs_a_worker(
    version: str,
    venvs: dict[str, Path | str],
    versions: dict[str, str],
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    venv = venvs[version]
    if isinstance(venv, str):  # no interpreter of that version here
        if os.environ.get("CI"):
            pytest.fail(venv, pytrace=False)
        pytest.skip(venv)
    bus = f"bus-release-{uuid.uuid4().hex[:8]}"
    source = f"release-{uuid.uuid4().hex[:8]}"
    route = await make_route(events_client, sqs_client, {"source": [source]}, bus_name=bus)
    command = [
        str(venv),
        "-I",  # isolated: neither the script's folder nor PYTHONPATH on sys.path
        str(SMOKE),
        "--temporal",
        temporal_env.client.service_client.config.target_host,
        "--endpoint",
        moto_server.endpoint_url,
        "--region",
        moto_server.region,
        "--bus",
        bus,
        "--database-url",
        f"sqlite+aiosqlite:///{tmp_path / 'files.db'}",
        "--source",
        source,
    ]
    # From the test folder, so nothing of the workspace is importable by accident.
    result = await asyncio.to_thread(
        subprocess.run, command, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["python_version"].rsplit(".", 1)[0] == version
    # The results as another SDK reads them: plain JSON (docs/workflows.md).
    change = report["change"]
    assert set(change) == {"file_id", "previous", "current", "changed", "version"}
    assert {k: change[k] for k in ("previous", "current", "changed", "version")} == {
        "previous": "PENDING",
        "current": "PROCESSING",
        "changed": True,
        "version": 2,
    }
    assert change["file_id"] == report["file_id"]
    receipt = report["receipt"]
    assert set(receipt) == {"event_id", "source", "event_type", "time", "bus_event_id"}
    assert receipt["source"] == source and receipt["event_type"] == "file_ingested_successfully"
    assert report["history"] == ["PENDING->PROCESSING"]
    venv_root = str(venv.parent.parent)
    # Every library came from the index (installed files), at its workspace version.
    assert {name: found["version"] for name, found in report["packages"].items()} == versions
    for name, found in report["packages"].items():
        assert found["file"].startswith(venv_root), (name, found)
    events = await route.receive(expected=1)
    assert [e["detail"]["id"] for e in events] == [receipt["event_id"]]
    assert [e["id"] for e in events] == [receipt["bus_event_id"]]
    assert events[0]["detail"]["data"] == {"file_id": report["file_id"]}
    assert events[0]["source"] == source
