"""The documentation site's build hooks: generated pages and the checks a strict build runs.

`mkdocs.yml` loads `workflow_docs.hooks`; the pages it adds follow the workspace (every
library's public package, every project's README), so nothing lists them by hand.
"""
