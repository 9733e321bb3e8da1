"""The data converter workers and clients use for the contracts."""

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

__all__ = ["DATA_CONVERTER"]

DATA_CONVERTER: DataConverter = pydantic_data_converter
"""Temporal's Pydantic JSON converter.

It restores the contract dataclasses, `UUID`, `datetime`, `Decimal` and `FileStatus` (a
`StrEnum`, sent as its string) from the callee's type hints, inside the workflow sandbox too
(the default converter cannot rebuild a `datetime` field there). Workers and clients must use
the same converter; `workflow_shared_activities` sets it on the worker's client.
"""
