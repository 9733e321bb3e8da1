"""File status in a SQL database: `UpdateFileStatusActivity` and its repositories."""

from workflow_file_status.ids import parse_file_id, parse_status

__all__ = ["parse_file_id", "parse_status"]
