"""``python -m ingestion_worker``."""

import sys

from ingestion_worker.cli import main

sys.exit(main())
