"""``python -m evaluation_worker``."""

import sys

from evaluation_worker.cli import main

sys.exit(main())
