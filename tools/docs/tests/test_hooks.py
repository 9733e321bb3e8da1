from pathlib import Path

from workflow_docs.hooks import NavItem, _unlisted_pages


def test_pages_missing_from_the_nav_are_found(tmp_path: Path) -> None:
    for page in ["index.md", "guide.md", "deep/more.md", "new.md"]:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("# t\n")
    nav: list[NavItem] = [{"Home": "index.md"}, {"Guides": ["guide.md", {"More": "deep/more.md"}]}]
    assert _unlisted_pages(tmp_path, nav) == ["new.md"]
