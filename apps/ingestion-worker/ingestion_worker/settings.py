"""Settings of the ingestion worker, from the environment (prefix ``INGESTION_``) or ``.env``.

The common fields (Temporal, AWS endpoints, bus, database, pool size, timeouts, mode, logging)
are `AppSettings`'; see ``apps/ingestion-worker/README.md`` for the variables.
"""

import dataclasses

from workflow_shared_activities import NotificationSettings, SharedActivitiesConfig
from workflow_shared_activities.app import AppSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(AppSettings):
    """Where the ingestion worker connects and what it serves."""

    model_config = SettingsConfigDict(env_prefix="INGESTION_")
    # The default deployment name (INGESTION_DEPLOYMENT_NAME) and, its installed version, the
    # default build id (INGESTION_BUILD_ID).
    app_distribution = "ingestion-worker"

    task_queue: str = "ingestion"
    notification_topic_arn: str | None = None
    """SNS topic notified when a file FAILS (``INGESTION_NOTIFICATION_TOPIC_ARN``); None: none."""
    aws_endpoint_url_sns: str | None = None
    """SNS endpoint (``INGESTION_AWS_ENDPOINT_URL_SNS``); None: ``aws_endpoint_url``."""
    shared_nexus_endpoint: str | None = None
    """Nexus endpoint of the platform's shared operations (``INGESTION_SHARED_NEXUS_ENDPOINT``):
    the ingestions' status changes, events and notifications go through it; None: this
    worker's own shared activities."""

    def shared_activities(self) -> SharedActivitiesConfig:
        """The shared activities' configuration, with this app's SNS settings."""
        config = super().shared_activities()
        sns = NotificationSettings(
            topic_arn=self.notification_topic_arn,
            endpoint_url=self.aws_endpoint_url_sns or self.aws_endpoint_url,
        )
        return dataclasses.replace(config, notifications=sns)
