"""The package faces the API reference documents, and where each public name is documented.

A face is a library's import package (`libs/<folder>/<package>/__init__.py`), one of its
public subpackages whose `__init__.py` declares `__all__` (`workflow_shared_activities.app`), or
one of its public modules (no leading underscore) that declares `__all__`
(`workflow_events.consumer`, `workflow_contracts.errors`).
Its public names are its runtime `__all__`: what `from <face> import *` gives a user.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

_NOT_PACKAGES = frozenset({"tests", "bench", "dist", "migrations"})


@dataclass(frozen=True)
class Home:
    """Where a public name is documented.

    Attributes:
        face: The face whose page documents it; None for a third-party object re-exported.
        path: Its documented path (`workflow_contracts.FileStatus`), or the third-party
            object's own (`pydantic_settings.main.SettingsConfigDict`).
    """

    face: str | None
    path: str


@dataclass(frozen=True)
class Face:
    """One documented package.

    Attributes:
        name: Its import path (`workflow_contracts`, `workflow_shared_activities.app`).
        directory: The folder of its `__init__.py`.
    """

    name: str
    directory: Path


def find_faces(workspace: Path) -> list[Face]:
    """Every library's import package, public modules and subpackages, in folder order.

    Args:
        workspace: The workspace root.

    Returns:
        The faces, each top-level package before its subpackages.
    """
    faces: list[Face] = []
    libs = workspace / "libs"
    for lib in sorted(p for p in libs.iterdir() if (p / "pyproject.toml").is_file()):
        for package in sorted(_packages(lib)):
            faces.append(Face(package.name, package))
            faces.extend(
                Face(f"{package.name}.{module.stem}", package)
                for module in sorted(package.glob("*.py"))
                if not module.stem.startswith("_") and _declares_all(module)
            )
            faces.extend(
                Face(f"{package.name}.{sub.name}", sub)
                for sub in sorted(_packages(package))
                if _declares_all(sub / "__init__.py")
            )
    return faces


def _packages(folder: Path) -> Iterable[Path]:
    for child in folder.iterdir():
        public = not child.name.startswith((".", "_")) and child.name not in _NOT_PACKAGES
        if public and child.is_dir() and (child / "__init__.py").is_file():
            yield child


def _declares_all(init: Path) -> bool:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


def public_names(face: Face) -> list[str]:
    """The face's `__all__`, as the interpreter sees it after importing the package.

    Args:
        face: The package.

    Returns:
        The names, in `__all__` order, duplicates dropped.
    """
    names = getattr(_import(face), "__all__", [])
    return list(dict.fromkeys(str(n) for n in names))


def _import(face: Face) -> ModuleType:
    return importlib.import_module(face.name)


def homes(faces: list[Face]) -> dict[tuple[str, str], Home]:
    """Where each face's public names are documented: in the face that defines them.

    The same object exported by several faces (the umbrella re-exports the others) is
    documented once, where it is defined; the other faces link there. A class or function
    of another distribution (`pydantic_settings.SettingsConfigDict`) is documented by its
    own project: the face names it.

    Args:
        faces: Every face.

    Returns:
        `(face, name)` -> where that name is documented.
    """
    roots = {f.name.split(".")[0] for f in faces}
    exported: dict[str, list[tuple[Face, object]]] = {}
    for face in faces:
        module = _import(face)
        for name in public_names(face):
            exported.setdefault(name, []).append((face, getattr(module, name, None)))
    result: dict[tuple[str, str], Home] = {}
    for name, exporters in exported.items():
        for face, obj in exporters:
            external = _external_path(obj, roots)
            if external is not None:
                result[(face.name, name)] = Home(None, external)
                continue
            same = [f for f, other in exporters if other is obj]
            owner = _defining_face(name, obj, same).name
            result[(face.name, name)] = Home(owner, f"{owner}.{name}")
    return result


def _external_path(obj: object, roots: set[str]) -> str | None:
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        return None
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or module.split(".")[0] in roots:
        return None
    return f"{module}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"


def _defining_face(name: str, obj: object, candidates: list[Face]) -> Face:
    if len(candidates) == 1:
        return candidates[0]
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and (inspect.isclass(obj) or inspect.isroutine(obj)):
        owners = [f for f in candidates if module == f.name or module.startswith(f"{f.name}.")]
        if owners:
            return max(owners, key=lambda f: len(f.name))
    # A constant carries no module: the face whose source assigns the name defines it.
    assignment = re.compile(rf"^{re.escape(name)}\s*[:=]", re.MULTILINE)
    for face in candidates:
        if any(
            assignment.search(p.read_text(encoding="utf-8")) for p in face.directory.glob("*.py")
        ):
            return face
    return candidates[0]
