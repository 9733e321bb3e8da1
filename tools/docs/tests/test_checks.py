from pathlib import Path

from workflow_docs.checks import (
    README_MAX_BYTES,
    missing_references,
    readme_problems,
    reference_problems,
)

PAGE = '<h2 id="pkg.Alpha">Alpha</h2><span id="pkg.beta"></span><h2 id="other.Gamma">Gamma</h2>'


def test_a_name_without_an_element_of_its_id_is_missing() -> None:
    assert missing_references(PAGE, "pkg", ["Alpha", "beta", "Gamma"]) == ["Gamma"]


def test_reference_problems_name_the_face_and_each_missing_name() -> None:
    problems = reference_problems(
        {"pkg": PAGE, "absent": None},
        {"pkg": ["Alpha", "Gamma", "delta"], "absent": ["x"]},
    )
    assert problems == [
        "API reference: pkg has no entry for Gamma, delta",
        "API reference: no page for absent",
    ]


def test_a_complete_page_has_no_problem() -> None:
    assert reference_problems({"pkg": PAGE}, {"pkg": ["Alpha", "beta"]}) == []


def write_readme(root: Path, text: str) -> None:
    (root / "README.md").write_text(text, encoding="utf-8")


def test_a_readme_over_the_limit_is_a_problem(tmp_path: Path) -> None:
    write_readme(tmp_path, "x" * (README_MAX_BYTES + 1))
    assert readme_problems(tmp_path) == [
        f"README.md is {README_MAX_BYTES + 1} bytes, over {README_MAX_BYTES}: move the detail to docs/"
    ]
    write_readme(tmp_path, "x" * README_MAX_BYTES)
    assert readme_problems(tmp_path) == []


def test_a_readme_link_to_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# here\n")
    write_readme(
        tmp_path,
        "[ok](docs/here.md#a) [dir](docs) [web](https://example.com) [top](#x)\n"
        "[gone](docs/gone.md)\n```\n[in code](nowhere.md)\n```\n",
    )
    assert readme_problems(tmp_path) == ["README.md links to docs/gone.md, which does not exist"]


def test_a_readme_link_to_a_missing_heading_of_a_docs_page_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# guide\n")
    (tmp_path / "docs" / "index.md").write_text("# home\n")
    site = tmp_path / "site"
    (site / "guide").mkdir(parents=True)
    (site / "guide" / "index.html").write_text('<h2 id="set-up">Set-up</h2>')
    (site / "index.html").write_text('<h2 id="quick-start">Quick start</h2>')
    write_readme(
        tmp_path,
        "[a](docs/guide.md#set-up) [b](docs/index.md#quick-start) [c](docs/guide.md#gone)\n",
    )
    assert readme_problems(tmp_path, site) == [
        "README.md links to docs/guide.md#gone: no such heading in the site"
    ]
    assert readme_problems(tmp_path) == []
