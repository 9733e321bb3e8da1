from pathlib import Path

from workflow_docs.faces import Face, Home, find_faces, homes
from workflow_docs.reference_pages import page_path, render_page

WORKSPACE = Path(__file__).resolve().parents[3]


def test_faces_are_each_librarys_package_and_its_public_subpackages(tmp_path: Path) -> None:
    files = {
        "libs/one/pyproject.toml": "",
        "libs/one/workflow_one/__init__.py": "__all__ = ['A']\n",
        "libs/one/workflow_one/app/__init__.py": "__all__: list[str] = []\n",
        "libs/one/workflow_one/inner/__init__.py": "X = 1\n",  # no __all__: not a face
        "libs/one/workflow_one/_private/__init__.py": "__all__ = []\n",
        "libs/one/tests/__init__.py": "",
        "libs/no-project/workflow_none/__init__.py": "__all__ = []\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert [f.name for f in find_faces(tmp_path)] == ["workflow_one", "workflow_one.app"]


def test_the_workspace_faces_include_every_library() -> None:
    names = [f.name for f in find_faces(WORKSPACE)]
    libraries = [p for p in (WORKSPACE / "libs").iterdir() if (p / "pyproject.toml").is_file()]
    assert len([n for n in names if "." not in n]) == len(libraries)
    assert "workflow_shared_activities" in names
    assert "workflow_contracts" in names


def test_a_re_exported_name_is_documented_where_it_is_defined() -> None:
    faces = find_faces(WORKSPACE)
    where = homes(faces)
    assert where[("workflow_shared_activities", "FILE_STATUS")] == Home(
        "workflow_file_status", "workflow_file_status.FILE_STATUS"
    )
    assert where[("workflow_contracts", "FileStatus")].face == "workflow_contracts"
    plugin = where[("workflow_shared_activities", "SharedActivitiesPlugin")]
    assert plugin.face == "workflow_shared_activities"


def test_a_page_renders_its_own_names_and_links_the_others() -> None:
    face = Face("pkg", Path("."))
    home = {
        ("pkg", "Own"): Home("pkg", "pkg.Own"),
        ("pkg", "Borrowed"): Home("base", "base.Borrowed"),
        ("pkg", "Foreign"): Home(None, "third.party.Foreign"),
    }
    page = render_page(face, ["Own", "Borrowed", "Foreign", "alsoOwn"], home)
    assert page_path(face) == "reference/pkg.md"
    assert "::: pkg\n    options:\n      members:\n        - Own\n        - alsoOwn\n" in page
    assert (
        '| <span id="pkg.Borrowed"></span>`Borrowed` | [`base.Borrowed`][base.Borrowed] |' in page
    )
    assert '<span id="pkg.Foreign"></span>`Foreign` | `third.party.Foreign`' in page


def test_a_page_of_only_re_exports_renders_no_members() -> None:
    page = render_page(Face("pkg", Path(".")), ["B"], {("pkg", "B"): Home("base", "base.B")})
    assert "      members: []\n" in page
