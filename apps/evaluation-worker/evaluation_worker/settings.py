"""Settings of the evaluation worker, from the environment (prefix ``EVALUATION_``) or ``.env``.

The common fields (Temporal, AWS endpoints, bus, database, pool size, timeouts, mode, logging)
are `AppSettings`'; this app adds its queue, the source it accepts and the score threshold.
"""

from typing import Any

from pydantic import Field
from workflow_shared_activities.app import AppSettings, SettingsConfigDict, redact_url

from evaluation_worker.consumer import ingestion_source

__all__ = ["Settings"]


class Settings(AppSettings):
    """Where the evaluation worker connects, what it serves and the queue it consumes."""

    model_config = SettingsConfigDict(env_prefix="EVALUATION_")
    # The default deployment name (EVALUATION_DEPLOYMENT_NAME) and, its installed version, the
    # default build id (EVALUATION_BUILD_ID).
    app_distribution = "evaluation-worker"

    task_queue: str = "evaluation"
    queue_url: str | None = Field(default=None, description="SQS queue of ingestion events.")
    ingestion_event_source: str | None = Field(
        default=None,
        description="Bus `Source` of the ingestion events the consumer accepts "
        "(default: `ingestion`, after `event_source_prefix.` when that is set).",
    )
    score_threshold: float = Field(default=0.8, ge=0, le=1)
    shared_nexus_endpoint: str | None = None
    """Nexus endpoint of the platform's shared operations (``EVALUATION_SHARED_NEXUS_ENDPOINT``):
    the evaluations' status changes and events go through it; None: this worker's own."""

    def ingestion_source(self) -> str:
        """The bus ``Source`` of the ingestion events that start evaluations."""
        return self.ingestion_event_source or ingestion_source(self.event_source_prefix)

    def effective_config(self) -> dict[str, Any]:
        """The common entries, plus the queue, the accepted source and the threshold."""
        return super().effective_config() | {
            "queue_url": redact_url(self.queue_url) or "(none: no consumer)",
            "ingestion_source": self.ingestion_source(),
            "score_threshold": self.score_threshold,
        }
