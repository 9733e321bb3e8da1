"""No library module (package or benchmark) imports a tools or an app package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layers import (
    REQUIRED_FORBIDDEN,
    ROOT,
    forbidden_packages,
    library_sources,
    packages_under,
    violations,
)


def test_the_forbidden_set_holds_every_tools_and_app_package() -> None:
    forbidden = forbidden_packages()
    assert forbidden >= REQUIRED_FORBIDDEN | {"ingestion_worker", "evaluation_worker"}
    # A library's own package is never forbidden (a name taken by a tool would hide it).
    assert forbidden.isdisjoint(packages_under(ROOT / "libs"))


def test_the_libraries_import_no_tools_and_no_app() -> None:
    sources = list(library_sources())
    # Every library's package is read (not an empty walk that would pass anyway).
    read = {path.relative_to(ROOT).parts[1] for path in sources}
    assert read >= _libraries()
    found = [str(v) for path in sources for v in violations(path, forbidden_packages())]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import workflow_devstack",
        "import workflow_demo.run as demo",
        "from workflow_drill.checker import check",
        "from ingestion_worker import events",
        "if TYPE_CHECKING:\n    from evaluation_worker.events import EVENTS",
        "def f():\n    import workflow_release",
        "importlib.import_module('workflow_devstack.moto')",
        "importlib.util.find_spec('workflow_demo')",
    ],
)
def test_the_check_finds_an_import_of_a_tools_or_app_package(source: str) -> None:
    found = violations(Path("libs/x/workflow_x/m.py"), forbidden_packages(), source)
    assert len(found) == 1


@pytest.mark.parametrize(
    "source",
    [
        "import workflow_events",
        "from workflow_contracts import calls",
        "from . import workflow_devstack",  # relative: the library's own module
        "import workflow_devstacks",
        "x = 'workflow_demo'",
    ],
)
def test_the_check_lets_library_and_third_party_imports_through(source: str) -> None:
    assert violations(Path("libs/x/workflow_x/m.py"), forbidden_packages(), source) == []


def test_library_sources_reads_packages_and_benchmarks_but_not_tests(tmp_path: Path) -> None:
    for name in (
        "libs/a/workflow_a/__init__.py",
        "libs/a/workflow_a/sub/m.py",
        "libs/a/bench/bench_a.py",
        "libs/a/tests/__init__.py",
        "libs/a/tests/test_a.py",
        "libs/a/setup_helper.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = {p.relative_to(tmp_path).as_posix() for p in library_sources(tmp_path)}
    assert found == {
        "libs/a/workflow_a/__init__.py",
        "libs/a/workflow_a/sub/m.py",
        "libs/a/bench/bench_a.py",
    }


def _libraries() -> set[str]:
    return {p.parent.name for p in (ROOT / "libs").glob("*/pyproject.toml")}
