"""``python -m workflow_demo``."""

import sys

from workflow_demo.run import main

sys.exit(main())
