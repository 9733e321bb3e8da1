"""SQS message bodies as the EventBridge rule delivers them."""

import json
import uuid


def ingestion_event(
    file_id: object,
    event_id: str | None = None,
    *,
    source: str = "ingestion",
    detail_type: str = "file_ingested_successfully",
) -> str:
    """The body of a message carrying one ingestion event."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "source": source,
            "detail-type": detail_type,
            "detail": {"id": event_id or str(uuid.uuid4()), "data": {"file_id": str(file_id)}},
        }
    )
