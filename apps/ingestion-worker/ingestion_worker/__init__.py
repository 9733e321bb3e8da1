"""Sample Temporal worker that ingests registered files with the shared activities."""
