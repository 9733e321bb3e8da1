from pathlib import Path

from workflow_docs.package_pages import find_project_pages, rewrite_links, site_sources

SOURCES = {
    "libs/events/README.md": "packages/libs/events/README.md",
    "libs/events/BENCHMARKS.md": "packages/libs/events/BENCHMARKS.md",
}
EXISTING = {"libs/events/schemas", "tools/drill/workflow_drill"}


def rewrite(markdown: str, repo_path: str, site_path: str) -> str:
    return rewrite_links(markdown, repo_path, site_path, SOURCES, EXISTING.__contains__)


def test_a_docs_page_link_from_a_readme_points_at_the_site_page() -> None:
    text = "See [poolers](../../docs/connection-poolers.md#pgbouncer)."
    assert rewrite(text, "libs/events/README.md", "packages/libs/events/README.md") == (
        "See [poolers](../../../connection-poolers.md#pgbouncer)."
    )


def test_a_readme_link_from_a_docs_page_points_at_its_generated_page() -> None:
    text = "[events](../libs/events/README.md) and [results](../libs/events/BENCHMARKS.md)"
    assert rewrite(text, "docs/events.md", "events.md") == (
        "[events](packages/libs/events/README.md) and [results](packages/libs/events/BENCHMARKS.md)"
    )


def test_links_between_site_pages_and_outside_links_are_kept() -> None:
    text = "[a](errors.md#x) [b](https://temporal.io) [c](#local) ![img](trace.png)"
    assert rewrite(text, "docs/index.md", "index.md") == text


def test_a_link_to_a_repository_folder_outside_the_site_becomes_its_path() -> None:
    text = "in [`schemas/`](schemas), one file per type"
    assert rewrite(text, "libs/events/README.md", "packages/libs/events/README.md") == (
        "in `schemas/` (`libs/events/schemas`), one file per type"
    )


def test_a_missing_target_is_left_for_the_strict_build_to_report() -> None:
    text = "[gone](../../docs/nowhere.md) [lost](missing.txt)"
    out = rewrite(text, "libs/events/README.md", "packages/libs/events/README.md")
    assert "[gone](../../../nowhere.md)" in out  # a site path MkDocs reports as not found
    assert "[lost](missing.txt)" in out


def test_a_link_whose_text_spans_lines_is_rewritten() -> None:
    text = "behind a [connection\npooler](../../docs/connection-poolers.md)."
    out = rewrite(text, "libs/events/README.md", "packages/libs/events/README.md")
    assert out == "behind a [connection\npooler](../../../connection-poolers.md)."


def test_fenced_code_is_left_alone() -> None:
    text = "```md\n[a](../../docs/x.md)\n```\n[b](../../docs/x.md)\n"
    out = rewrite(text, "libs/events/README.md", "packages/libs/events/README.md")
    assert out == "```md\n[a](../../docs/x.md)\n```\n[b](../../../x.md)\n"


def test_project_pages_are_every_projects_top_markdown_readme_first(tmp_path: Path) -> None:
    for path, text in {
        "libs/alpha/README.md": "# workflow-alpha\n",
        "libs/alpha/BENCHMARKS.md": "# alpha benchmarks\n",
        "libs/alpha/CHANGELOG.md": "# changes\n",
        "libs/alpha/docs/deep.md": "# not at the top\n",
        "apps/beta/README.md": "# beta\n",
        "tools/gamma/DRILL.md": "no heading\n",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    pages = find_project_pages(tmp_path)
    assert [(p.repo_path, p.title, p.folder, p.is_readme) for p in pages] == [
        ("libs/alpha/README.md", "workflow-alpha", "libs", True),
        ("libs/alpha/BENCHMARKS.md", "alpha benchmarks", "libs", False),
        ("apps/beta/README.md", "beta", "apps", True),
        ("tools/gamma/DRILL.md", "gamma/DRILL.md", "tools", False),
    ]
    assert site_sources(pages)["apps/beta/README.md"] == "packages/apps/beta/README.md"
