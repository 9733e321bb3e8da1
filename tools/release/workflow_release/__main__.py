"""``python -m workflow_release``: a local package index on loopback until Ctrl-C."""

import os
import signal

from workflow_release.index import main

if os.name == "posix":  # the signals are awaited with sigwait, not delivered
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
raise SystemExit(main())
