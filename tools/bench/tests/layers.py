"""Which modules of the libraries import a tools or an app package (read with ``ast``).

A library ships on its own: its package and its benchmarks must not import the workspace's
tools (``tools/*``: devstack, demo, drill, release, ...) or the sample apps (``apps/*``).
Its tests may use the devstack fixtures (a dev dependency); they are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

REQUIRED_FORBIDDEN = frozenset(
    {"workflow_devstack", "workflow_demo", "workflow_drill", "workflow_release"}
)
"""Packages the check must know about whatever the discovery finds (a guard against a
discovery that silently finds nothing)."""


@dataclass(frozen=True)
class Violation:
    """One import of a forbidden package."""

    path: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: imports {self.module}"


def packages_under(folder: Path) -> set[str]:
    """The import names of the packages of each project in ``folder`` (``*/<pkg>/__init__.py``)."""
    return {
        init.parent.name for init in folder.glob("*/*/__init__.py") if init.parent.name != "tests"
    }


def forbidden_packages(root: Path = ROOT) -> frozenset[str]:
    """Every tools and app package of the workspace."""
    return frozenset(packages_under(root / "tools") | packages_under(root / "apps"))


def library_sources(root: Path = ROOT) -> Iterator[Path]:
    """The modules checked: each library's package (``libs/*/<pkg>/``) and ``libs/*/bench``."""
    for library in sorted(p for p in (root / "libs").iterdir() if p.is_dir()):
        folders = [init.parent for init in library.glob("*/__init__.py")]
        folders = [f for f in folders if f.name != "tests"] + [library / "bench"]
        for folder in folders:
            yield from sorted(folder.rglob("*.py"))


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, and of ``import_module("...")`` with a literal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in {"import_module", "__import__", "find_spec"} and (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                yield node.lineno, first.value


def violations(path: Path, forbidden: frozenset[str], source: str | None = None) -> list[Violation]:
    """The imports of a forbidden package (or one of its modules) in one file."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    return [
        Violation(path, line, module)
        for line, module in imported_modules(tree)
        if module.partition(".")[0] in forbidden
    ]
