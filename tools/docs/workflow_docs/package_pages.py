"""The projects' own Markdown files (READMEs, benchmark results, the drill report) as site pages.

Each file stays where it is in the repository and is read at build time into the page
`packages/<its repository path>` (a README becomes its folder's index page). Relative links
are written against the repository, so they work on a code host too; `rewrite_links`
resolves them for the site: a page of the site becomes a link to that page, any other file of
the repository becomes its path in code, and a target that does not exist is left alone, for
the strict build to report as broken.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGES_DIR = "packages"
PROJECT_FOLDERS = ("libs", "apps", "tools")
DOCS_DIR = "docs"
_SKIPPED = frozenset({"CHANGELOG.md"})
_LINK = re.compile(r"(?<!\\)(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^()\s]+)((?:\s+\"[^\"]*\")?)\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class ProjectPage:
    """A project's Markdown file shown in the site.

    Attributes:
        repo_path: Its path in the repository (`libs/events/README.md`).
        title: Its first heading (`workflow-events`).
        folder: `libs`, `apps` or `tools`.
    """

    repo_path: str
    title: str
    folder: str

    @property
    def site_path(self) -> str:
        """Its path among the site's sources (`packages/libs/events/README.md`)."""
        return f"{PACKAGES_DIR}/{self.repo_path}"

    @property
    def is_readme(self) -> bool:
        """Whether it is the project's README (the others are reports and results)."""
        return self.repo_path.endswith("/README.md")


def find_project_pages(workspace: Path) -> list[ProjectPage]:
    """The Markdown files at the top of every project folder (CHANGELOGs left out).

    Args:
        workspace: The workspace root.

    Returns:
        One entry per file, README first within each project.
    """
    pages: list[ProjectPage] = []
    for folder in PROJECT_FOLDERS:
        for project in sorted(p for p in (workspace / folder).iterdir() if p.is_dir()):
            files = sorted(
                (f for f in project.glob("*.md") if f.name not in _SKIPPED),
                key=lambda f: (f.name != "README.md", f.name),
            )
            pages += [
                ProjectPage(f.relative_to(workspace).as_posix(), title_of(f), folder) for f in files
            ]
    return pages


def title_of(path: Path) -> str:
    """A Markdown file's first level-1 heading, else its folder and name.

    Args:
        path: The file.

    Returns:
        The title for the navigation.
    """
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.relative_to(path.parent.parent).as_posix()


def site_sources(pages: list[ProjectPage]) -> dict[str, str]:
    """Repository path -> site path of every project page.

    Args:
        pages: The project pages.

    Returns:
        The mapping `rewrite_links` needs, besides the docs directory itself.
    """
    return {p.repo_path: p.site_path for p in pages}


def rewrite_links(
    markdown: str,
    repo_path: str,
    site_path: str,
    sources: Mapping[str, str],
    exists: Callable[[str], bool],
) -> str:
    """Points the relative links of a page, written against the repository, at the site.

    Args:
        markdown: The page's text.
        repo_path: The page's path in the repository (`docs/events.md`, `libs/x/README.md`).
        site_path: Its path among the site's sources (`events.md`).
        sources: Repository path -> site path of the pages outside `docs/` (`site_sources`).
        exists: Whether a repository path (file or folder) exists.

    Returns:
        The text with its links rewritten; fenced code is left alone.
    """

    def replace(match: re.Match[str]) -> str:
        bang, text, target, title = match.groups()
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
            return match.group(0)
        path, _, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), path))
        in_site = _site_path(resolved, sources)
        if in_site is not None:
            relative = posixpath.relpath(in_site, posixpath.dirname(site_path) or ".")
            return f"{bang}[{text}]({relative}{'#' + fragment if fragment else ''}{title})"
        if exists(resolved) and not bang:
            return f"{text} (`{resolved}`)" if resolved not in text else text
        return match.group(0)

    return "".join(
        part if index % 2 else _LINK.sub(replace, part)
        for index, part in enumerate(_split_fences(markdown))
    )


def _split_fences(markdown: str) -> list[str]:
    """Alternating prose and fenced code (prose first), so links may span lines."""
    parts: list[str] = []
    current: list[str] = []
    fenced = False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line) and not fenced:
            parts.append("".join(current))
            current, fenced = [line], True
        elif _FENCE.match(line) and fenced:
            current.append(line)
            parts.append("".join(current))
            current, fenced = [], False
        else:
            current.append(line)
    parts.append("".join(current))
    return parts


def _site_path(resolved: str, sources: Mapping[str, str]) -> str | None:
    if resolved in sources:
        return sources[resolved]
    if resolved.startswith(f"{DOCS_DIR}/"):
        return resolved[len(DOCS_DIR) + 1 :]
    return None
