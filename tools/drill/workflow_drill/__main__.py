"""``python -m workflow_drill``."""

import sys

from workflow_drill.cli import main

sys.exit(main())
