"""What a strict build checks beyond MkDocs' own link validation.

- Every public name (each face's `__all__`) has an entry on its face's built reference page:
  an element whose id is `<face>.<name>` (mkdocstrings' heading, or the re-export table's anchor).
- The root README stays a map: at most `README_MAX_BYTES`, and each of its relative links
  points at a file or folder that exists, and a link to a heading of a `docs/` page at a
  heading of the built page (the README is not part of the site, so MkDocs does not check it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

README_MAX_BYTES = 15 * 1024
_ID = re.compile(r"""\bid=["']([^"']+)["']""")
_LINK = re.compile(r"\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def missing_references(html: str, face: str, names: Iterable[str]) -> list[str]:
    """The public names of a face that have no entry on its built page.

    Args:
        html: The built page.
        face: The face's import path.
        names: Its public names.

    Returns:
        The names without an element of id `<face>.<name>`, in the order given.
    """
    ids = set(_ID.findall(html))
    return [n for n in names if f"{face}.{n}" not in ids]


def reference_problems(
    built: Mapping[str, str | None], names: Mapping[str, list[str]]
) -> list[str]:
    """One message per face page that is missing or lacks entries.

    Args:
        built: Face -> its built page's HTML (None when the page was not written).
        names: Face -> its public names.

    Returns:
        Messages naming the face and each missing name.
    """
    problems = []
    for face, public in names.items():
        html = built.get(face)
        if html is None:
            problems.append(f"API reference: no page for {face}")
            continue
        missing = missing_references(html, face, public)
        if missing:
            problems.append(f"API reference: {face} has no entry for {', '.join(missing)}")
    return problems


def readme_problems(workspace: Path, site: Path | None = None) -> list[str]:
    """The root README's size and relative links.

    Args:
        workspace: The workspace root.
        site: The built site, to check the anchors of links into `docs/` (None: not checked).

    Returns:
        One message per problem; empty when the README is a valid map.
    """
    readme = workspace / "README.md"
    data = readme.read_bytes()
    problems = []
    if len(data) > README_MAX_BYTES:
        problems.append(
            f"README.md is {len(data)} bytes, over {README_MAX_BYTES}: move the detail to docs/"
        )
    for target in _relative_links(data.decode("utf-8")):
        path, _, anchor = target.partition("#")
        path = posixpath.normpath(path)
        if path and not (workspace / path).exists():
            problems.append(f"README.md links to {target}, which does not exist")
        elif site is not None and anchor and path.startswith("docs/") and path.endswith(".md"):
            page = path.removeprefix("docs/").removesuffix(".md")
            built = site / ("" if page == "index" else page) / "index.html"
            ids = set(_ID.findall(built.read_text(encoding="utf-8"))) if built.is_file() else set()
            if anchor not in ids:
                problems.append(f"README.md links to {target}: no such heading in the site")
    return problems


def _relative_links(markdown: str) -> list[str]:
    links: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            links += [t for t in _LINK.findall(line) if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t)]
    return links
