"""The API reference pages: one per package face, rendered by mkdocstrings from the docstrings.

Each page asks mkdocstrings for exactly the face's public names (its `__all__`), so a name
added to or removed from `__all__` appears or disappears on the next build. A name the face
re-exports from another face is listed in a table that links to where it is documented, with
an anchor of its own (`<face>.<name>`) so the coverage check finds every name on its face's page.
"""

from __future__ import annotations

from collections.abc import Mapping

from workflow_docs.faces import Face, Home

REFERENCE_DIR = "reference"


def page_path(face: Face) -> str:
    """The page's path in the site's sources (`reference/workflow_contracts.md`).

    Args:
        face: The package.

    Returns:
        A path relative to the docs directory.
    """
    return f"{REFERENCE_DIR}/{face.name}.md"


def render_page(face: Face, names: list[str], home: Mapping[tuple[str, str], Home]) -> str:
    """The Markdown of a face's page.

    Args:
        face: The package.
        names: Its public names, in `__all__` order.
        home: `(face, name)` -> where the name is documented (`faces.homes`).

    Returns:
        The page's Markdown: a mkdocstrings block of the names defined here, then a table of
        the names documented elsewhere, each with an anchor `<face>.<name>`.
    """
    here = Home(face.name, "")
    own = sorted(n for n in names if home.get((face.name, n), here).face == face.name)
    elsewhere = sorted(
        ((n, home[(face.name, n)]) for n in names if n not in own),
        key=lambda item: (item[1].face or "~", item[0]),
    )
    lines = [f"# `{face.name}`", "", f"::: {face.name}", "    options:"]
    if own:
        lines.append("      members:")
        lines += [f"        - {n}" for n in own]
    else:
        lines.append("      members: []")
    if elsewhere:
        lines += [
            "",
            "## Re-exported names",
            "",
            f"`{face.name}` also exports these names: each is the same object as the one",
            "named, and documented there.",
            "",
            "| name | documented as |",
            "|---|---|",
        ]
        lines += [f'| <span id="{face.name}.{n}"></span>`{n}` | {_link(h)} |' for n, h in elsewhere]
    return "\n".join(lines) + "\n"


def _link(home: Home) -> str:
    if home.face is None:
        return f"`{home.path}` (another project's documentation)"
    return f"[`{home.path}`][{home.path}]"
