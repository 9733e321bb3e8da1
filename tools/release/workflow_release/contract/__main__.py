"""``python -m workflow_release.contract snapshot|check``; see `workflow_release.contract.command`."""

import sys

from workflow_release.contract.command import main

sys.exit(main())
