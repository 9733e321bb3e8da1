"""Reference workflows that use every contracts helper, their recorder and the replay gate.

`workflow_replay.workflows` holds the workflows, `workflow_replay.app` their worker
(`REFERENCE_APP`), `workflow_replay.record` records their histories per release, and
`workflow_replay.corpus` / ``python -m workflow_replay`` replay every recorded history of every
corpus (the apps' and this one) on the current code with each worker's real configuration.
"""
