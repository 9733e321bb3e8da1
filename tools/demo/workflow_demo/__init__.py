"""The end-to-end demo: ingestion and evaluation workers joined by events, on a local stack."""
