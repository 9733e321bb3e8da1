"""``python -m workflow_release``: a local package index on loopback until Ctrl-C.

``python -m workflow_release contract snapshot|check`` runs the contract gate instead
(`workflow_release.contract.command`).
"""

import os
import signal
import sys

if sys.argv[1:2] == ["contract"]:
    from workflow_release.contract.command import main as contract_main

    raise SystemExit(contract_main(sys.argv[2:]))

from workflow_release.index import main  # the index only when serving

if os.name == "posix":  # the signals are awaited with sigwait, not delivered
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
raise SystemExit(main())
