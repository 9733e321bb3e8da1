"""`Change`: one line of the check's report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workflow_release.contract._schema_diff import SchemaChange

__all__ = ["Change"]


@dataclass(frozen=True, order=True)
class Change:
    """A breaking change or an addition on one surface of the contract.

    Attributes:
        breaking: True for a breaking change, False for an addition.
        surface: ``activities``, ``events``, ``errors``, ``cli``, ``metrics``,
            ``python-api`` or ``database``.
        path: What changed, e.g. ``shared.update_file_status result``.
        message: How.
    """

    breaking: bool
    surface: str
    path: str
    message: str

    def __str__(self) -> str:
        """``BREAKING <surface> <path>: <message>`` (``ADDED`` for an addition)."""
        return (
            f"{'BREAKING' if self.breaking else 'ADDED'} {self.surface} {self.path}: {self.message}"
        )

    @classmethod
    def of(cls, surface: str, changes: Iterable[SchemaChange]) -> list[Change]:
        """The schema comparison's changes, on ``surface``."""
        return [cls(c.breaking, surface, c.path, c.message) for c in changes]
