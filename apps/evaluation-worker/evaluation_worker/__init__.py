"""Sample Temporal worker that evaluates ingested files, started by ingestion events."""
