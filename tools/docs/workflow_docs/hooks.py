"""MkDocs hooks (`mkdocs.yml: hooks`): the generated pages and the build's own checks.

- `on_config`: finds the package faces and the projects' Markdown files, and fills the nav
  entries whose value is a `generated:` marker (`generated:reference`, `generated:packages`,
  `generated:results`).
- `on_files`: adds one API reference page per face and one page per project Markdown file.
- `on_page_markdown`: points links written against the repository at the site's pages.
- `on_post_build`: warns (an error under `--strict`) when a public name has no reference
  entry, or when the README is too large or links to nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from workflow_docs import checks, package_pages, reference_pages
from workflow_docs.faces import Face, Home, find_faces, homes, public_names

log = logging.getLogger("mkdocs.plugins.workflow_docs")

NavItem = str | dict[str, Any]


@dataclass
class _Build:
    workspace: Path
    faces: list[Face] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)
    homes: dict[tuple[str, str], Home] = field(default_factory=dict)
    projects: list[package_pages.ProjectPage] = field(default_factory=list)

    @property
    def sources(self) -> dict[str, str]:
        return package_pages.site_sources(self.projects)


_build: _Build | None = None


def _state() -> _Build:
    if _build is None:
        raise RuntimeError("workflow_docs.hooks: on_config has not run")
    return _build


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Collects the faces and project pages, and expands the nav's `generated:` markers."""
    global _build
    workspace = Path(config.config_file_path).resolve().parent
    state = _Build(workspace)
    state.faces = find_faces(workspace)
    state.names = {f.name: public_names(f) for f in state.faces}
    state.homes = homes(state.faces)
    state.projects = package_pages.find_project_pages(workspace)
    _build = state
    if config.nav is not None:
        config.nav = [_expand(item, state) for item in config.nav]
        unlisted = _unlisted_pages(Path(config.docs_dir), config.nav)
        if unlisted:
            # A page added to docs/ without a nav entry is still reachable, under "More".
            log.info("pages not in mkdocs.yml's nav, listed under More: %s", ", ".join(unlisted))
            config.nav.append(
                {"More": [{package_pages.title_of(Path(config.docs_dir) / p): p} for p in unlisted]}
            )
    return config


def _unlisted_pages(docs_dir: Path, nav: list[NavItem]) -> list[str]:
    listed: set[str] = set()

    def collect(item: Any) -> None:
        if isinstance(item, str):
            listed.add(item)
        elif isinstance(item, dict):
            for value in item.values():
                collect(value)
        elif isinstance(item, list):
            for value in item:
                collect(value)

    collect(nav)
    pages = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md"))
    return [p for p in pages if p not in listed]


def _expand(item: NavItem, state: _Build) -> NavItem:
    if isinstance(item, dict):
        return {k: _expand_value(v, state) for k, v in item.items()}
    return item


def _expand_value(value: Any, state: _Build) -> Any:
    if isinstance(value, list):
        return [_expand(i, state) for i in value]
    if value == "generated:reference":
        return [{f.name: reference_pages.page_path(f)} for f in state.faces]
    if value == "generated:packages":
        return [
            {folder.capitalize(): [{p.title: p.site_path} for p in readmes]}
            for folder in package_pages.PROJECT_FOLDERS
            if (readmes := [p for p in state.projects if p.folder == folder and p.is_readme])
        ]
    if value == "generated:results":
        return [{p.title: p.site_path} for p in state.projects if not p.is_readme]
    return value


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Adds the API reference pages and the projects' Markdown files."""
    state = _state()
    for face in state.faces:
        content = reference_pages.render_page(face, state.names[face.name], state.homes)
        files.append(File.generated(config, reference_pages.page_path(face), content=content))
    for project in state.projects:
        text = (state.workspace / project.repo_path).read_text(encoding="utf-8")
        files.append(File.generated(config, project.site_path, content=text))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Rewrites the page's repository-relative links for the site."""
    state = _state()
    site_path = page.file.src_uri
    if site_path.startswith(f"{reference_pages.REFERENCE_DIR}/"):
        return markdown
    by_site = {v: k for k, v in state.sources.items()}
    repo_path = by_site.get(site_path, f"{package_pages.DOCS_DIR}/{site_path}")
    return package_pages.rewrite_links(
        markdown,
        repo_path,
        site_path,
        state.sources,
        lambda path: (state.workspace / path).exists(),
    )


def on_post_build(config: MkDocsConfig) -> None:
    """Checks the built reference against every face's `__all__`, and the README."""
    state = _state()
    site = Path(config.site_dir)
    built: dict[str, str | None] = {}
    for face in state.faces:
        page = site / reference_pages.REFERENCE_DIR / face.name / "index.html"
        built[face.name] = page.read_text(encoding="utf-8") if page.is_file() else None
    for problem in checks.reference_problems(built, state.names):
        log.warning(problem)
    for problem in checks.readme_problems(state.workspace, site):
        log.warning(problem)
