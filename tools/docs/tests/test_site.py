"""The real site, built strictly: what `pnpm nx run docs:build` does, into a scratch folder."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_docs.checks import README_MAX_BYTES, reference_problems
from workflow_docs.faces import find_faces, public_names
from workflow_docs.package_pages import find_project_pages

WORKSPACE = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=WORKSPACE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def built_pages(site: Path) -> dict[str, str | None]:
    pages: dict[str, str | None] = {}
    for face in find_faces(WORKSPACE):
        page = site / "reference" / face.name / "index.html"
        pages[face.name] = page.read_text(encoding="utf-8") if page.is_file() else None
    return pages


def test_every_public_name_has_an_entry_in_the_reference(site: Path) -> None:
    names = {f.name: public_names(f) for f in find_faces(WORKSPACE)}
    assert sum(len(n) for n in names.values()) > 100
    assert reference_problems(built_pages(site), names) == []


def test_a_name_whose_entry_is_gone_is_reported(site: Path) -> None:
    pages = built_pages(site)
    face = "workflow_contracts"
    html = pages[face]
    assert html is not None
    pages[face] = re.sub(r'id="workflow_contracts\.FileStatus"', 'id="gone"', html)
    problems = reference_problems(
        pages, {face: public_names(next(f for f in find_faces(WORKSPACE) if f.name == face))}
    )
    assert problems == [f"API reference: {face} has no entry for FileStatus"]


def test_every_project_readme_is_a_page(site: Path) -> None:
    for page in find_project_pages(WORKSPACE):
        folder = page.site_path.removesuffix(".md").removesuffix("/README")
        assert (site / folder / "index.html").is_file(), page.repo_path


def test_the_readme_is_a_map_within_its_size() -> None:
    assert (WORKSPACE / "README.md").stat().st_size <= README_MAX_BYTES
